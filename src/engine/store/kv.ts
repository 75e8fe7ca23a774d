import { clear, delMany, entries, getMany, keys, promisifyRequest, setMany, update } from 'idb-keyval';
import type { UseStore } from 'idb-keyval';

/**
 * The key-value store every persistent part of the engine writes through.
 * Injected: IndexedDB in browsers, memory in tests, Node and private modes.
 */
export interface KeyValueStore {
  readonly kind: 'indexeddb' | 'memory';
  getMany<T>(keys: readonly string[]): Promise<Array<T | undefined>>;
  setMany(entries: ReadonlyArray<readonly [string, unknown]>): Promise<void>;
  delMany(keys: readonly string[]): Promise<void>;
  /** Writes and deletes in one transaction: all or nothing. */
  batch(sets: ReadonlyArray<readonly [string, unknown]>, dels: readonly string[]): Promise<void>;
  /** Atomic read-modify-write of one record (one transaction; `fn` must be synchronous). Returns the new value. */
  update<T>(key: string, fn: (old: T | undefined) => T): Promise<T>;
  keys(): Promise<string[]>;
  entries<T>(): Promise<Array<[string, T]>>;
  clear(): Promise<void>;
  /** Closes connections and deletes the backing database. The store can be used again afterwards. */
  destroy(): Promise<void>;
}

export function createMemoryStore(): KeyValueStore {
  const map = new Map<string, unknown>();
  // Structured clone on write, as IndexedDB does, so callers cannot mutate stored values.
  const copy = <T>(v: T): T => (v === undefined ? v : structuredClone(v));
  return {
    kind: 'memory',
    getMany: <T>(ks: readonly string[]) => Promise.resolve(ks.map((k) => copy(map.get(k)) as T | undefined)),
    setMany(es) {
      for (const [k, v] of es) map.set(k, copy(v));
      return Promise.resolve();
    },
    delMany(ks) {
      for (const k of ks) map.delete(k);
      return Promise.resolve();
    },
    batch(sets, dels) {
      const copies = sets.map(([k, v]) => [k, copy(v)] as const);
      for (const [k, v] of copies) map.set(k, v);
      for (const k of dels) map.delete(k);
      return Promise.resolve();
    },
    update<T>(key: string, fn: (old: T | undefined) => T) {
      const next = fn(copy(map.get(key)) as T | undefined);
      map.set(key, copy(next));
      return Promise.resolve(copy(next));
    },
    keys: () => Promise.resolve([...map.keys()]),
    entries: <T>() => Promise.resolve([...map.entries()].map(([k, v]) => [k, copy(v) as T] as [string, T])),
    clear() {
      map.clear();
      return Promise.resolve();
    },
    destroy() {
      map.clear();
      return Promise.resolve();
    },
  };
}

/**
 * An idb-keyval `UseStore` over its own database that closes its connection
 * when another context wants to delete or upgrade the database, so `forget()`
 * is never blocked by an open connection.
 */
function openUseStore(dbName: string, storeName: string): { use: UseStore; close(): void } {
  let dbp: Promise<IDBDatabase> | undefined;
  const open = (): Promise<IDBDatabase> => {
    if (dbp) return dbp;
    const opening = new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open(dbName);
      request.onupgradeneeded = () => request.result.createObjectStore(storeName);
      request.onsuccess = () => {
        const db = request.result;
        db.onversionchange = () => {
          db.close();
          if (dbp === opening) dbp = undefined;
        };
        db.onclose = () => {
          if (dbp === opening) dbp = undefined;
        };
        resolve(db);
      };
      request.onerror = () => reject(request.error);
      request.onblocked = () => reject(new Error(`IndexedDB database ${dbName} is blocked by another connection`));
    });
    dbp = opening;
    opening.catch(() => {
      if (dbp === opening) dbp = undefined;
    });
    return opening;
  };
  return {
    use: (mode, callback) => open().then((db) => callback(db.transaction(storeName, mode).objectStore(storeName))),
    close() {
      const current = dbp;
      dbp = undefined;
      void current?.then((db) => db.close(), () => undefined);
    },
  };
}

export function createIndexedDbStore(dbName: string, storeName = 'kv'): KeyValueStore {
  const { use, close } = openUseStore(dbName, storeName);
  return {
    kind: 'indexeddb',
    getMany: <T>(ks: readonly string[]) => (ks.length === 0 ? Promise.resolve([]) : getMany<T>([...ks], use)),
    setMany: (es) => (es.length === 0 ? Promise.resolve() : setMany(es.map(([k, v]) => [k, v]), use)),
    delMany: (ks) => (ks.length === 0 ? Promise.resolve() : delMany([...ks], use)),
    batch: (sets, dels) =>
      use('readwrite', (store) => {
        for (const [k, v] of sets) store.put(v, k);
        for (const k of dels) store.delete(k);
        return promisifyRequest(store.transaction);
      }),
    async update<T>(key: string, fn: (old: T | undefined) => T) {
      let next!: T;
      await update<T>(key, (old) => (next = fn(old)), use);
      return next;
    },
    keys: () => keys<string>(use),
    entries: <T>() => entries<string, T>(use),
    clear: () => clear(use),
    destroy() {
      close();
      return new Promise<void>((resolve, reject) => {
        const request = indexedDB.deleteDatabase(dbName);
        request.onsuccess = () => resolve();
        request.onerror = () => reject(request.error);
      });
    },
  };
}

/**
 * Opens IndexedDB once to see whether it works here: false where it does not (it throws in some private
 * modes, with site data blocked, in opaque origins). Where it is there but full, rejects with the
 * QuotaExceededError: Firefox refuses to open any database of a site over its storage limit.
 */
export async function indexedDbWorks(): Promise<boolean> {
  try {
    if (typeof indexedDB === 'undefined') return false;
    const probe = createIndexedDbStore('localrank-probe');
    await probe.keys();
    await probe.destroy();
    return true;
  } catch (error) {
    if ((error as { name?: unknown } | null)?.name === 'QuotaExceededError') throw error;
    return false;
  }
}
