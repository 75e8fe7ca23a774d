import { LocalRankError } from '../../errors.js';
import type { Item, StoredEvent } from '../../types.js';
import { hash53 } from '../hash.js';
import { CORRUPT } from './codec.js';
import type { KeyValueStore } from './kv.js';
import { createMemoryStore } from './kv.js';
import type { WithLock } from './lock.js';

/**
 * The durable behaviour summary of one namespace: a bounded event log in
 * chunks, snapshots of the items the log names, and a summary record derived
 * from the log. Every append is a read-modify-write under a cross-tab lock, in
 * one transaction, so several tabs share one profile without losing events.
 *
 * Records (keys hold nothing personal; values may be encrypted):
 *   meta            { schema, createdAt }
 *   head            { seq, first, last }   last event sequence number, chunk range
 *   chunk:<n>       LoggedEvent[]          up to CHUNK_SIZE events each
 *   items:<bucket>  Record<id, Item>       snapshots, bucketed by id hash
 *   summary         the summary record (its codec is injected)
 *   quarantine:<key>:<time>  a record that failed validation, kept for inspection
 *
 * When storage is full and freeing space does not help, the profile moves to
 * memory for the rest of the page (`spilled`): it keeps working, what is on
 * disk stays as it was.
 */

export const SCHEMA_VERSION = 2;
export const CHUNK_SIZE = 250;
const BUCKETS = 32;

/** A stored event with its position in the log (monotonic per namespace). */
export interface LoggedEvent extends StoredEvent {
  seq: number;
}

/** How the summary record is made, updated, stored and checked; injected to keep this module about storage. */
export interface SummaryCodec<S> {
  create(): S;
  /** A deep copy, so a write that fails leaves the current summary untouched. */
  clone(summary: S): S;
  apply(summary: S, event: LoggedEvent, item: Item | undefined): void;
  toJSON(summary: S): unknown;
  /** Throws on anything that is not a valid summary. */
  fromJSON(json: unknown): S;
}

/** Something the store noticed and handled, for the engine to report. */
export type StoreIssue =
  | { kind: 'quarantined'; key: string; reason: string }
  | { kind: 'rebuilt-summary'; events: number }
  | { kind: 'migrated'; from: number; to: number }
  | { kind: 'evicted-for-quota'; events: number }
  | { kind: 'spilled-to-memory'; events: number };

export interface ProfileStoreOptions<S> {
  store: KeyValueStore;
  lock: WithLock;
  lockName: string;
  maxEvents: number;
  codec: SummaryCodec<S>;
  onIssue?: (issue: StoreIssue) => void;
  /** Called when a write hits the quota: free what can be freed (caches) and say whether anything was. */
  freeSpace?: () => Promise<boolean>;
  /** Tells other tabs that the log changed; they call `refresh()`. */
  notify?: () => void;
  now?: () => number;
}

export interface ProfileStore<S> {
  readonly events: readonly LoggedEvent[];
  readonly summary: S;
  /** True once storage ran full and the profile moved to memory (for the rest of this page). */
  readonly spilled: boolean;
  item(id: string): Item | undefined;
  /** Appends validated events; a batch id seen before stores nothing. Resolves with the number stored. */
  append(batchId: string, events: ReadonlyArray<Omit<StoredEvent, 'id'>>, snapshots: readonly Item[]): Promise<number>;
  /** Applies `fn` to the freshest summary under the lock and stores it. */
  updateSummary(fn: (summary: S) => void): Promise<void>;
  /** Marks the in-memory copy stale (another tab wrote). */
  invalidate(): void;
  /** Reloads from storage if another tab wrote since the last read. */
  refresh(): Promise<void>;
  /** Bytes of the stored records, by part (approximate: JSON length of the plain values). */
  usage(): { log: number; items: number; summary: number };
  clear(): Promise<void>;
}

const chunkKey = (n: number): string => `chunk:${String(n).padStart(8, '0')}`;
const bucketKey = (id: string): string => `items:${parseInt(hash53(id), 36) % BUCKETS}`;
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const jsonBytes = (v: unknown): number => JSON.stringify(v ?? null).length;

function isLoggedEvent(e: unknown): e is LoggedEvent {
  return (
    isRecord(e) &&
    typeof e['id'] === 'string' &&
    typeof e['type'] === 'string' &&
    typeof e['seq'] === 'number' &&
    Number.isFinite(e['seq']) &&
    typeof e['timestamp'] === 'number' &&
    Number.isFinite(e['timestamp'])
  );
}

function isItem(v: unknown): v is Item {
  return isRecord(v) && typeof v['id'] === 'string' && typeof v['title'] === 'string';
}

/** Item snapshots drop bulky fields that the profile never needs. */
function snapshot(item: Item): Item {
  const { vector: _vector, cfVector: _cf, ...rest } = item;
  return rest;
}

export const isQuotaError = (e: unknown): boolean =>
  e instanceof Error && (e.name === 'QuotaExceededError' || /quota/i.test(e.message));

interface State<S> {
  seq: number;
  first: number;
  last: number;
  chunks: Map<number, LoggedEvent[]>;
  items: Map<string, Item>;
  summary: S;
}

export async function openProfileStore<S>(options: ProfileStoreOptions<S>): Promise<ProfileStore<S>> {
  const { lock, lockName, maxEvents, codec } = options;
  let store = options.store;
  let spilled = false;
  const report = options.onIssue ?? (() => undefined);
  const now = options.now ?? Date.now;

  const quarantine = async (key: string, value: unknown, reason: string): Promise<void> => {
    const kept = value === CORRUPT ? '<unreadable>' : value;
    await store.batch([[`quarantine:${key}:${now()}`, safeClone(kept)]], [key]);
    report({ kind: 'quarantined', key, reason });
  };

  /** Reads everything, validating each record; a bad record is quarantined and the rest is used. */
  const load = async (): Promise<State<S>> => {
    const all = new Map(await store.entries<unknown>());
    const meta = all.get('meta');
    if (isRecord(meta) && typeof meta['schema'] === 'number' && meta['schema'] > SCHEMA_VERSION) {
      throw new LocalRankError('STORAGE_CORRUPTED', `Stored profile has schema ${meta['schema']}, newer than this LocalRank (${SCHEMA_VERSION})`);
    }
    if (isRecord(meta) && meta['schema'] === 1) await migrateFromV1(all);

    const chunks = new Map<number, LoggedEvent[]>();
    const items = new Map<string, Item>();
    for (const [key, value] of all) {
      if (key.startsWith('chunk:')) {
        const n = Number(key.slice(6));
        if (Array.isArray(value) && value.every(isLoggedEvent) && Number.isInteger(n)) chunks.set(n, value);
        else await quarantine(key, value, 'not a list of events');
      } else if (key.startsWith('items:')) {
        if (isRecord(value) && Object.values(value).every(isItem)) for (const item of Object.values(value) as Item[]) items.set(item.id, item);
        else await quarantine(key, value, 'not a record of items');
      }
    }
    const indexes = [...chunks.keys()].sort((a, b) => a - b);
    const events = indexes.flatMap((n) => chunks.get(n)!);
    const head = all.get('head');
    const seq = Math.max(isRecord(head) && typeof head['seq'] === 'number' ? head['seq'] : 0, ...events.map((e) => e.seq), 0);

    let summary: S;
    const rawSummary = all.get('summary');
    try {
      if (rawSummary === undefined) throw new Error('missing');
      summary = codec.fromJSON(rawSummary);
    } catch (error) {
      if (rawSummary !== undefined) await quarantine('summary', rawSummary, error instanceof Error ? error.message : String(error));
      summary = codec.create();
      for (const e of events) codec.apply(summary, e, e.itemId !== undefined ? items.get(e.itemId) : undefined);
      if (events.length > 0 || rawSummary !== undefined) report({ kind: 'rebuilt-summary', events: events.length });
    }
    return { seq, first: indexes[0] ?? 0, last: indexes.at(-1) ?? 0, chunks, items, summary };
  };

  /** Schema 1 (LocalRank 0.1 before chunks) kept `events` and `items` as two big records. */
  const migrateFromV1 = async (all: Map<string, unknown>): Promise<void> => {
    const oldEvents = Array.isArray(all.get('events')) ? (all.get('events') as StoredEvent[]) : [];
    const oldItems = isRecord(all.get('items')) ? (all.get('items') as Record<string, Item>) : {};
    const sets: Array<[string, unknown]> = [];
    const logged = oldEvents.map((e, i) => ({ ...e, seq: i + 1 }));
    for (let i = 0; i * CHUNK_SIZE < logged.length; i++) sets.push([chunkKey(i), logged.slice(i * CHUNK_SIZE, (i + 1) * CHUNK_SIZE)]);
    const buckets = new Map<string, Record<string, Item>>();
    for (const item of Object.values(oldItems)) {
      if (!isItem(item)) continue;
      const key = bucketKey(item.id);
      buckets.set(key, { ...buckets.get(key), [item.id]: item });
    }
    sets.push(...buckets.entries());
    sets.push(['head', { seq: logged.length }], ['meta', { schema: SCHEMA_VERSION, createdAt: now() }]);
    await store.batch(sets, ['events', 'items']);
    all.delete('events');
    all.delete('items');
    for (const [k, v] of sets) all.set(k, v);
    report({ kind: 'migrated', from: 1, to: SCHEMA_VERSION });
  };

  let state = await load();
  let stale = false;
  let eventsView: LoggedEvent[] = flatten(state);
  const batchOf = (id: string): string => id.slice(0, id.lastIndexOf(':'));
  let batches = new Set(eventsView.map((e) => batchOf(e.id)));

  const adopt = (next: State<S>): void => {
    state = next;
    eventsView = flatten(state);
    batches = new Set(eventsView.map((e) => batchOf(e.id)));
  };

  /** Under the lock: picks up what other tabs wrote since our last read (cheap when nothing changed). */
  const syncUnderLock = async (): Promise<void> => {
    const [head] = await store.getMany<{ seq: number }>(['head']);
    const storedSeq = isRecord(head) && typeof head['seq'] === 'number' ? head['seq'] : 0;
    if (stale || storedSeq !== state.seq) adopt(await load());
    stale = false;
  };

  interface Pending {
    batchId: string;
    events: ReadonlyArray<Omit<StoredEvent, 'id'>>;
    snapshots: readonly Item[];
    resolve(n: number): void;
    reject(e: unknown): void;
  }
  let pending: Pending[] = [];
  let writing: Promise<void> | null = null;

  /** Builds the records for a group of batches on top of the current state. */
  const plan = (group: Pending[]) => {
    const chunks = new Map(state.chunks);
    const items = new Map(state.items);
    const summary = codec.clone(state.summary);
    const dirtyChunks = new Set<number>();
    const dirtyBuckets = new Set<string>();
    const seen = new Set(batches);
    let seq = state.seq;
    let last = state.last;
    const counts = group.map((b) => {
      if (seen.has(b.batchId) || b.events.length === 0) return 0;
      seen.add(b.batchId);
      for (const s of b.snapshots) {
        items.set(s.id, snapshot(s));
        dirtyBuckets.add(bucketKey(s.id));
      }
      b.events.forEach((e, i) => {
        const logged: LoggedEvent = { ...e, id: `${b.batchId}:${i}`, seq: ++seq };
        if ((chunks.get(last)?.length ?? 0) >= CHUNK_SIZE) last++;
        // Copy a chunk once, the first time this write touches it.
        if (!dirtyChunks.has(last)) chunks.set(last, [...(chunks.get(last) ?? [])]);
        chunks.get(last)!.push(logged);
        dirtyChunks.add(last);
        codec.apply(summary, logged, e.itemId !== undefined ? items.get(e.itemId) : undefined);
      });
      return b.events.length;
    });
    return { chunks, items, summary, dirtyChunks, dirtyBuckets, seq, last, counts };
  };

  /** Drops the oldest events beyond `limit`, returning the keys to delete and buckets to rewrite. */
  const evict = (p: ReturnType<typeof plan>, limit: number): { dels: string[]; evicted: number } => {
    const indexes = [...p.chunks.keys()].sort((a, b) => a - b);
    let total = indexes.reduce((n, i) => n + p.chunks.get(i)!.length, 0);
    const dels: string[] = [];
    let evicted = 0;
    for (const i of indexes) {
      if (total <= limit) break;
      const chunk = p.chunks.get(i)!;
      const drop = Math.min(chunk.length, total - limit);
      total -= drop;
      evicted += drop;
      if (drop === chunk.length) {
        p.chunks.delete(i);
        p.dirtyChunks.delete(i);
        dels.push(chunkKey(i));
      } else {
        p.chunks.set(i, chunk.slice(drop));
        p.dirtyChunks.add(i);
      }
    }
    if (evicted > 0) {
      const referenced = new Set<string>();
      for (const chunk of p.chunks.values()) for (const e of chunk) if (e.itemId !== undefined) referenced.add(e.itemId);
      for (const id of [...p.items.keys()]) {
        if (referenced.has(id)) continue;
        p.items.delete(id);
        p.dirtyBuckets.add(bucketKey(id));
      }
    }
    return { dels, evicted };
  };

  const recordsOf = (p: Pick<ReturnType<typeof plan>, 'chunks' | 'items' | 'summary' | 'dirtyChunks' | 'dirtyBuckets' | 'seq'>): Array<[string, unknown]> => {
    const sets: Array<[string, unknown]> = [];
    for (const n of p.dirtyChunks) sets.push([chunkKey(n), p.chunks.get(n)!]);
    for (const key of p.dirtyBuckets) {
      const bucket: Record<string, Item> = {};
      for (const [id, item] of p.items) if (bucketKey(id) === key) bucket[id] = item;
      sets.push([key, bucket]);
    }
    sets.push(['summary', codec.toJSON(p.summary)], ['head', { seq: p.seq }], ['meta', { schema: SCHEMA_VERSION, createdAt: now() }]);
    return sets;
  };

  const commit = (p: ReturnType<typeof plan>): void => {
    const indexes = [...p.chunks.keys()].sort((a, b) => a - b);
    adopt({ seq: p.seq, first: indexes[0] ?? 0, last: p.last, chunks: p.chunks, items: p.items, summary: p.summary });
  };

  /**
   * Moves the profile to memory: a copy of the state as last committed (what
   * is on disk stays as it is). Later writes of this page go there.
   */
  const spill = async (): Promise<void> => {
    const memory = createMemoryStore();
    const all = { ...state, dirtyChunks: new Set(state.chunks.keys()), dirtyBuckets: new Set([...state.items.keys()].map(bucketKey)) };
    await memory.batch(recordsOf(all), []);
    store = memory;
    spilled = true;
    report({ kind: 'spilled-to-memory', events: eventsView.length });
  };

  /**
   * Writes with the quota policy: on QuotaExceededError, free caches first,
   * then the oldest half of the log (a few times over), never the summary.
   * Returns false when none of that made room (nothing was written).
   */
  const write = async (p: ReturnType<typeof plan>): Promise<boolean> => {
    let { dels } = evict(p, maxEvents);
    let evictedForQuota = 0;
    for (let attempt = 0; ; attempt++) {
      try {
        await store.batch(recordsOf(p), dels);
        if (evictedForQuota > 0) report({ kind: 'evicted-for-quota', events: evictedForQuota });
        return true;
      } catch (error) {
        if (!isQuotaError(error)) throw new LocalRankError('STORAGE_FAILED', `Could not store the profile: ${error instanceof Error ? error.message : String(error)}`);
        if (attempt === 0 && options.freeSpace && (await options.freeSpace().catch(() => false))) continue;
        const total = [...p.chunks.values()].reduce((n, c) => n + c.length, 0);
        if (attempt <= 2 && total > 1) {
          const result = evict(p, Math.floor(total / 2));
          dels = [...dels, ...result.dels];
          evictedForQuota += result.evicted;
          continue;
        }
        return false;
      }
    }
  };

  /** A summary-only write: frees caches on a full quota, else moves to memory. */
  const writeSummary = async (summary: S): Promise<void> => {
    const sets: Array<[string, unknown]> = [['summary', codec.toJSON(summary)]];
    for (let attempt = 0; ; attempt++) {
      try {
        await store.batch(sets, []);
        return;
      } catch (error) {
        if (!isQuotaError(error)) throw error;
        if (attempt === 0 && options.freeSpace && (await options.freeSpace().catch(() => false))) continue;
        await spill();
      }
    }
  };

  const flush = async (): Promise<void> => {
    while (pending.length > 0) {
      const group = pending;
      pending = [];
      try {
        const counts = await lock(lockName, async () => {
          await syncUnderLock();
          let p = plan(group);
          if (p.counts.some((n) => n > 0)) {
            if (!(await write(p))) {
              // Storage is full: keep the whole profile (nothing evicted) in memory, and this batch with it.
              await spill();
              p = plan(group);
              await write(p);
            }
            commit(p);
          }
          return p.counts;
        });
        if (counts.some((n) => n > 0) && !spilled) options.notify?.();
        group.forEach((b, i) => b.resolve(counts[i]!));
      } catch (error) {
        group.forEach((b) => b.reject(error));
      }
    }
    writing = null;
  };

  return {
    get events() {
      return eventsView;
    },
    get summary() {
      return state.summary;
    },
    get spilled() {
      return spilled;
    },
    item: (id) => state.items.get(id),
    append(batchId, events, snapshots) {
      return new Promise<number>((resolve, reject) => {
        pending.push({ batchId, events, snapshots, resolve, reject });
        // Started in a microtask: a synchronous burst of appends becomes one write.
        writing ??= Promise.resolve().then(flush);
      });
    },
    async updateSummary(fn) {
      await lock(lockName, async () => {
        await syncUnderLock();
        const summary = codec.clone(state.summary);
        fn(summary);
        await writeSummary(summary);
        state.summary = summary;
      });
    },
    invalidate() {
      stale = true;
    },
    async refresh() {
      if (!stale) return;
      await lock(lockName, syncUnderLock);
    },
    usage() {
      let log = 0;
      for (const c of state.chunks.values()) log += jsonBytes(c);
      let items = 0;
      for (const i of state.items.values()) items += jsonBytes(i);
      return { log, items, summary: jsonBytes(codec.toJSON(state.summary)) };
    },
    async clear() {
      await writing;
      await lock(lockName, async () => {
        await store.clear();
        adopt({ seq: 0, first: 0, last: 0, chunks: new Map(), items: new Map(), summary: codec.create() });
      });
      if (!spilled) options.notify?.();
    },
  };
}

function flatten<S>(state: State<S>): LoggedEvent[] {
  return [...state.chunks.keys()].sort((a, b) => a - b).flatMap((n) => state.chunks.get(n)!);
}

function safeClone(value: unknown): unknown {
  try {
    return structuredClone(value);
  } catch {
    return String(value);
  }
}
