import { hash53 } from '../hash.js';
import type { KeyValueStore } from '../store/kv.js';
import type { Encoder } from './types.js';

const ORDER_KEY = '__lru_order__';

/**
 * A bounded LRU cache of embeddings keyed by encoder id and text hash. The
 * recency order is kept in memory and persisted with the entries, in one
 * write per batch.
 */
export interface EmbeddingCache {
  getMany(encoderId: string, texts: readonly string[]): Promise<Array<Float32Array | undefined>>;
  setMany(encoderId: string, texts: readonly string[], vectors: readonly Float32Array[]): Promise<void>;
  readonly size: number;
  clear(): Promise<void>;
}

export function createEmbeddingCache(store: KeyValueStore, maxEntries: number): EmbeddingCache {
  // Map iteration order is insertion order: first = least recently used.
  let order: Map<string, true> | undefined;
  let loading: Promise<Map<string, true>> | undefined;
  const keyOf = (encoderId: string, text: string): string => `${encoderId}|${hash53(text)}|${text.length}`;

  const load = (): Promise<Map<string, true>> =>
    (loading ??= store.getMany<string[]>([ORDER_KEY]).then(([saved]) => {
      order = new Map((Array.isArray(saved) ? saved : []).map((k) => [k, true]));
      return order;
    }));

  const touch = (o: Map<string, true>, key: string): void => {
    o.delete(key);
    o.set(key, true);
  };

  return {
    get size() {
      return order?.size ?? 0;
    },
    async getMany(encoderId, texts) {
      if (maxEntries <= 0 || texts.length === 0) return texts.map(() => undefined);
      const o = await load();
      const keys = texts.map((t) => keyOf(encoderId, t));
      const present = keys.filter((k) => o.has(k));
      if (present.length === 0) return texts.map(() => undefined);
      const values = await store.getMany<Float32Array>(present);
      const found = new Map<string, Float32Array>();
      present.forEach((k, i) => {
        const v = values[i];
        if (v instanceof Float32Array) {
          found.set(k, v);
          touch(o, k);
        } else {
          o.delete(k); // stale order entry
        }
      });
      return keys.map((k) => found.get(k));
    },
    async setMany(encoderId, texts, vectors) {
      if (maxEntries <= 0 || texts.length === 0) return;
      const o = await load();
      const writes: Array<[string, unknown]> = [];
      texts.forEach((t, i) => {
        const k = keyOf(encoderId, t);
        touch(o, k);
        writes.push([k, vectors[i]]);
      });
      const evicted: string[] = [];
      for (const k of o.keys()) {
        if (o.size - evicted.length <= maxEntries) break;
        evicted.push(k);
      }
      for (const k of evicted) o.delete(k);
      writes.push([ORDER_KEY, [...o.keys()]]);
      await store.setMany(writes);
      if (evicted.length > 0) await store.delMany(evicted);
    },
    async clear() {
      order = new Map();
      loading = Promise.resolve(order);
      await store.clear();
    },
  };
}

/**
 * Wraps an encoder so repeated texts are served from the cache. The cache is
 * looked up on every call, so it can be replaced (after `forget()`).
 *
 * The cache only saves work: a read or write that fails (storage full, a
 * closed database) is skipped, never reported as a failed inference, which
 * would take the model out of service.
 */
export function withCache(encoder: Encoder, cacheOf: () => EmbeddingCache): Encoder {
  const cached: Encoder = {
    info: encoder.info,
    async embed(texts) {
      const cache = cacheOf();
      const hits = await cache.getMany(encoder.info.id, texts).catch(() => texts.map(() => undefined));
      const missing: string[] = [];
      hits.forEach((v, i) => {
        if (!v) missing.push(texts[i]!);
      });
      if (missing.length === 0) return hits as Float32Array[];
      const unique = [...new Set(missing)];
      const computed = await encoder.embed(unique);
      const byText = new Map(unique.map((t, i) => [t, computed[i]!]));
      await cache.setMany(encoder.info.id, unique, computed).catch(() => undefined);
      return hits.map((v, i) => v ?? byText.get(texts[i]!)!);
    },
  };
  if (encoder.dispose) cached.dispose = () => encoder.dispose!();
  return cached;
}
