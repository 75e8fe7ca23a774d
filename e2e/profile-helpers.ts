// Helpers shared by the e2e/profile-*.test.ts files (behaviour summary: tabs, privacy, degraded mode, fuzz).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'puppeteer-core';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The JSON Schema of `export()` (docs/export.schema.json), compiled once. */
let compiled: ValidateFunction | undefined;
export function exportValidator(): ValidateFunction {
  if (!compiled) {
    const schema = JSON.parse(readFileSync(join(ROOT, 'docs/export.schema.json'), 'utf8')) as object;
    // strictRequired off: `required` inside if/then names properties declared one level up.
    const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
    compiled = ajv.compile(schema);
  }
  return compiled;
}

/** Validates an export against the schema; returns the first errors in words (empty when valid). */
export function schemaErrors(data: unknown, max = 20): string[] {
  const validate = exportValidator();
  if (validate(data)) return [];
  return (validate.errors ?? []).slice(0, max).map((e: ErrorObject) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}

/** What `dumpRawIndexedDb` returns for one database. */
export interface RawDatabase {
  name: string;
  stores: string[];
  records: Array<{
    store: string;
    key: string;
    /** `{ iv: Uint8Array, data: ArrayBuffer }` and nothing else. */
    sealed: boolean;
    /** A CryptoKey (non-extractable: its bytes cannot be read). */
    cryptoKey: boolean;
    /** Everything in the value, serialised: strings as they are, binary as latin1, keys of objects included. */
    text: string;
  }>;
}

/**
 * Reads every record of every IndexedDB database whose name starts with
 * `prefix`, straight from the page with plain `indexedDB.open` (no LocalRank
 * code), and serialises everything (binary as latin1 strings). The connection
 * is closed afterwards so it never blocks a later `forget()`.
 */
export async function dumpRawIndexedDb(page: Page, prefix: string): Promise<RawDatabase[]> {
  return page.evaluate(async (namePrefix) => {
    const latin1 = (bytes: Uint8Array): string => {
      let s = '';
      for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return s;
    };
    const serialise = (v: unknown, depth = 0): string => {
      if (depth > 64) return '<deep>';
      if (v === null || v === undefined) return String(v);
      if (typeof v === 'string') return v;
      if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
      if (v instanceof ArrayBuffer) return latin1(new Uint8Array(v));
      if (ArrayBuffer.isView(v)) return latin1(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
      if (typeof CryptoKey !== 'undefined' && v instanceof CryptoKey) return `<CryptoKey ${v.type} extractable=${v.extractable}>`;
      if (v instanceof Blob) return `<Blob ${v.size}>`;
      if (v instanceof Map) return [...v.entries()].map(([k, x]) => `${serialise(k, depth + 1)}=${serialise(x, depth + 1)}`).join(',');
      if (v instanceof Set) return [...v].map((x) => serialise(x, depth + 1)).join(',');
      if (Array.isArray(v)) return `[${v.map((x) => serialise(x, depth + 1)).join(',')}]`;
      if (typeof v === 'object') {
        return `{${Object.entries(v as Record<string, unknown>)
          .map(([k, x]) => `${k}:${serialise(x, depth + 1)}`)
          .join(',')}}`;
      }
      return String(v);
    };
    const request = <T>(r: IDBRequest<T>): Promise<T> =>
      new Promise((resolve, reject) => {
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
    const names = (await indexedDB.databases()).map((d) => d.name ?? '').filter((n) => n.startsWith(namePrefix));
    const out = [];
    for (const name of names) {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const r = indexedDB.open(name);
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
        r.onblocked = () => reject(new Error(`open ${name} blocked`));
      });
      try {
        const stores = [...db.objectStoreNames];
        const records = [];
        for (const store of stores) {
          const os = db.transaction(store, 'readonly').objectStore(store);
          const [keys, values] = await Promise.all([request(os.getAllKeys()), request(os.getAll())]);
          for (let i = 0; i < keys.length; i++) {
            const v = values[i] as unknown;
            const sealed =
              !!v &&
              typeof v === 'object' &&
              Object.keys(v).sort().join(',') === 'data,iv' &&
              (v as { iv: unknown }).iv instanceof Uint8Array &&
              (v as { data: unknown }).data instanceof ArrayBuffer;
            const cryptoKey = typeof CryptoKey !== 'undefined' && v instanceof CryptoKey;
            records.push({ store, key: serialise(keys[i]), sealed, cryptoKey, text: serialise(v) });
          }
        }
        out.push({ name, stores, records });
      } finally {
        db.close();
      }
    }
    return out;
  }, prefix);
}

/** Names of the IndexedDB databases of the page's origin. */
export function databaseNames(page: Page): Promise<string[]> {
  return page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name ?? ''));
}

/** Names of the Cache API caches of the page's origin. */
export function cacheNames(page: Page): Promise<string[]> {
  return page.evaluate(() => caches.keys());
}
