import { describe, expect, it } from 'vitest';
import { createEmbeddingCache, withCache } from '../src/engine/encoder/cache.ts';
import type { Encoder } from '../src/engine/encoder/types.ts';
import { createMemoryStore } from '../src/engine/store/kv.ts';
import type { KeyValueStore } from '../src/engine/store/kv.ts';

const ORDER_KEY = '__lru_order__';

/** A vector that encodes its text, so a wrong cache hit is visible. */
const vec = (text: string, salt = 0): Float32Array => Float32Array.from([text.length, text.charCodeAt(0) || 0, salt]);

function fakeEncoder(id = 'fake:1', salt = 0): Encoder & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    info: { id, kind: 'model', dimension: 3 },
    calls,
    embed(texts) {
      calls.push([...texts]);
      return Promise.resolve(texts.map((t) => vec(t, salt)));
    },
  };
}

const entryKeys = async (store: KeyValueStore): Promise<string[]> => (await store.keys()).filter((k) => k !== ORDER_KEY);
const present = (values: Array<Float32Array | undefined>): boolean[] => values.map((v) => v !== undefined);

const cacheOf = (cache: ReturnType<typeof createEmbeddingCache>) => () => cache;

describe('withCache', () => {
  it('serves repeated texts from the cache without calling the encoder', async () => {
    const inner = fakeEncoder();
    const enc = withCache(inner, cacheOf(createEmbeddingCache(createMemoryStore(), 100)));
    expect(enc.info).toBe(inner.info);

    const first = await enc.embed(['alpha', 'beta']);
    expect(inner.calls).toEqual([['alpha', 'beta']]);
    expect(first.map((v) => Array.from(v))).toEqual([Array.from(vec('alpha')), Array.from(vec('beta'))]);

    const second = await enc.embed(['beta', 'alpha']);
    expect(inner.calls).toHaveLength(1);
    expect(second.map((v) => Array.from(v))).toEqual([Array.from(vec('beta')), Array.from(vec('alpha'))]);

    // Only the new text is computed; results keep the input order.
    const third = await enc.embed(['alpha', 'gamma', 'beta']);
    expect(inner.calls).toEqual([['alpha', 'beta'], ['gamma']]);
    expect(third.map((v) => Array.from(v))).toEqual([vec('alpha'), vec('gamma'), vec('beta')].map((v) => Array.from(v)));
  });

  it('computes a text repeated within one call once', async () => {
    const inner = fakeEncoder();
    const enc = withCache(inner, cacheOf(createEmbeddingCache(createMemoryStore(), 100)));
    const out = await enc.embed(['dup', 'dup', 'other', 'dup']);
    expect(inner.calls).toEqual([['dup', 'other']]);
    expect(out.map((v) => Array.from(v))).toEqual(['dup', 'dup', 'other', 'dup'].map((t) => Array.from(vec(t))));
  });

  it('calls the encoder every time when the cache is disabled (maxEntries 0)', async () => {
    const inner = fakeEncoder();
    const store = createMemoryStore();
    const enc = withCache(inner, cacheOf(createEmbeddingCache(store, 0)));
    await enc.embed(['a']);
    await enc.embed(['a']);
    expect(inner.calls).toEqual([['a'], ['a']]);
    expect(await store.keys()).toEqual([]);
  });

  it('a store that fails (full, closed) costs the cache, never the embedding', async () => {
    const inner = fakeEncoder();
    const store = createMemoryStore();
    const quota = () => Promise.reject(Object.assign(new Error('The quota has been exceeded.'), { name: 'QuotaExceededError' }));
    store.setMany = quota;
    const enc = withCache(inner, cacheOf(createEmbeddingCache(store, 100)));
    const first = await enc.embed(['alpha']);
    expect(Array.from(first[0]!)).toEqual(Array.from(vec('alpha')));
    store.getMany = quota;
    const second = await enc.embed(['alpha', 'beta']);
    expect(second.map((v) => Array.from(v))).toEqual([Array.from(vec('alpha')), Array.from(vec('beta'))]);
    expect(inner.calls).toEqual([['alpha'], ['alpha', 'beta']]);
  });

  it('passes dispose through to the wrapped encoder', async () => {
    let disposed = 0;
    const inner: Encoder = { ...fakeEncoder(), dispose: () => Promise.resolve(void disposed++) };
    const enc = withCache(inner, cacheOf(createEmbeddingCache(createMemoryStore(), 10)));
    await enc.dispose?.();
    expect(disposed).toBe(1);
    expect(withCache(fakeEncoder(), cacheOf(createEmbeddingCache(createMemoryStore(), 10))).dispose).toBeUndefined();
  });

  it('keeps entries of different encoders apart', async () => {
    const store = createMemoryStore();
    const cache = createEmbeddingCache(store, 100);
    const one = fakeEncoder('fake:1', 1);
    const two = fakeEncoder('fake:2', 2);
    const [v1] = await withCache(one, cacheOf(cache)).embed(['same text']);
    const [v2] = await withCache(two, cacheOf(cache)).embed(['same text']);
    expect(two.calls).toEqual([['same text']]); // not served from fake:1's entry
    expect(v1![2]).toBe(1);
    expect(v2![2]).toBe(2);
    const [again1] = await withCache(one, cacheOf(cache)).embed(['same text']);
    expect(again1![2]).toBe(1);
    expect(one.calls).toHaveLength(1);
  });
});

describe('createEmbeddingCache', () => {
  it('returns what was stored, and undefined for misses', async () => {
    const cache = createEmbeddingCache(createMemoryStore(), 10);
    expect(await cache.getMany('e', ['x'])).toEqual([undefined]);
    await cache.setMany('e', ['x', 'y'], [vec('x'), vec('y')]);
    const [x, z, y] = await cache.getMany('e', ['x', 'z', 'y']);
    expect(Array.from(x!)).toEqual(Array.from(vec('x')));
    expect(z).toBeUndefined();
    expect(Array.from(y!)).toEqual(Array.from(vec('y')));
    expect(cache.size).toBe(2);
  });

  it('keeps encoder ids apart', async () => {
    const cache = createEmbeddingCache(createMemoryStore(), 10);
    await cache.setMany('model:a', ['t'], [Float32Array.from([1, 0])]);
    await cache.setMany('model:b', ['t'], [Float32Array.from([0, 1])]);
    expect(Array.from((await cache.getMany('model:a', ['t']))[0]!)).toEqual([1, 0]);
    expect(Array.from((await cache.getMany('model:b', ['t']))[0]!)).toEqual([0, 1]);
    expect(await cache.getMany('model:c', ['t'])).toEqual([undefined]);
  });

  it('evicts the least recently used entry, counting getMany as a use', async () => {
    const store = createMemoryStore();
    const cache = createEmbeddingCache(store, 3);
    await cache.setMany('e', ['a', 'b', 'c'], [vec('a'), vec('b'), vec('c')]);
    // Touch a: b is now the least recently used.
    expect(present(await cache.getMany('e', ['a']))).toEqual([true]);
    await cache.setMany('e', ['d'], [vec('d')]);
    expect(present(await cache.getMany('e', ['a', 'b', 'c', 'd']))).toEqual([true, false, true, true]);
    // The getMany above touched a, c, d in that order: a is now the oldest.
    await cache.setMany('e', ['f'], [vec('f')]);
    expect(present(await cache.getMany('e', ['a', 'c', 'd', 'f']))).toEqual([false, true, true, true]);
  });

  it('without touches evicts in insertion order', async () => {
    const cache = createEmbeddingCache(createMemoryStore(), 2);
    await cache.setMany('e', ['a'], [vec('a')]);
    await cache.setMany('e', ['b'], [vec('b')]);
    await cache.setMany('e', ['c'], [vec('c')]);
    expect(present(await cache.getMany('e', ['a', 'b', 'c']))).toEqual([false, true, true]);
  });

  it('never holds more than maxEntries entries in the store', async () => {
    const store = createMemoryStore();
    const cache = createEmbeddingCache(store, 4);
    for (let i = 0; i < 10; i++) await cache.setMany('e', [`text ${i}`], [vec(`text ${i}`)]);
    expect(await entryKeys(store)).toHaveLength(4);
    expect(cache.size).toBe(4);
    // One batch bigger than the cache keeps only its last entries.
    await cache.setMany('e', ['p', 'q', 'r', 's', 't', 'u'], ['p', 'q', 'r', 's', 't', 'u'].map((t) => vec(t)));
    expect(await entryKeys(store)).toHaveLength(4);
    expect(present(await cache.getMany('e', ['p', 'q', 'r', 's', 't', 'u']))).toEqual([false, false, true, true, true, true]);
    // The persisted order lists exactly the entries in the store.
    const [order] = await store.getMany<string[]>([ORDER_KEY]);
    expect([...order!].sort()).toEqual((await entryKeys(store)).sort());
  });

  it('a second cache over the same store sees earlier entries and their order', async () => {
    const store = createMemoryStore();
    const first = createEmbeddingCache(store, 3);
    await first.setMany('e', ['a', 'b', 'c'], [vec('a'), vec('b'), vec('c')]);

    const second = createEmbeddingCache(store, 3);
    const [a, b, c] = await second.getMany('e', ['a', 'b', 'c']);
    expect(Array.from(a!)).toEqual(Array.from(vec('a')));
    expect(Array.from(b!)).toEqual(Array.from(vec('b')));
    expect(Array.from(c!)).toEqual(Array.from(vec('c')));
    expect(second.size).toBe(3);

    // withCache over the reopened cache does not recompute.
    const inner = fakeEncoder('e');
    await withCache(inner, cacheOf(createEmbeddingCache(store, 3))).embed(['a', 'b']);
    expect(inner.calls).toEqual([]);
  });

  it('drops an order entry whose value vanished from the store', async () => {
    const store = createMemoryStore();
    const cache = createEmbeddingCache(store, 10);
    await cache.setMany('e', ['a', 'b'], [vec('a'), vec('b')]);
    const keys = await entryKeys(store);
    expect(keys).toHaveLength(2);
    await store.delMany(keys);
    expect(await cache.getMany('e', ['a', 'b'])).toEqual([undefined, undefined]);
    expect(cache.size).toBe(0);
  });

  it('is disabled with maxEntries 0', async () => {
    const store = createMemoryStore();
    const cache = createEmbeddingCache(store, 0);
    await cache.setMany('e', ['a'], [vec('a')]);
    expect(await cache.getMany('e', ['a'])).toEqual([undefined]);
    expect(await store.keys()).toEqual([]);
    expect(cache.size).toBe(0);
  });

  it('clear() empties the cache and the store', async () => {
    const store = createMemoryStore();
    const cache = createEmbeddingCache(store, 10);
    await cache.setMany('e', ['a', 'b'], [vec('a'), vec('b')]);
    await cache.clear();
    expect(cache.size).toBe(0);
    expect(await cache.getMany('e', ['a', 'b'])).toEqual([undefined, undefined]);
    expect(await store.keys()).toEqual([]);
    // A cache opened later over the same store starts empty too.
    expect(await createEmbeddingCache(store, 10).getMany('e', ['a'])).toEqual([undefined]);
    // And it still works after clearing.
    await cache.setMany('e', ['c'], [vec('c')]);
    expect(present(await cache.getMany('e', ['c']))).toEqual([true]);
  });
});
