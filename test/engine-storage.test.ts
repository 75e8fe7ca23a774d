import { describe, expect, it } from 'vitest';
import { Engine } from '../src/engine/engine.js';
import type { EngineDependencies } from '../src/engine/engine.js';
import { createLexicalEncoder } from '../src/engine/encoder/lexical.js';
import type { Encoder } from '../src/engine/encoder/types.js';
import type { KeyValueStore } from '../src/engine/store/kv.js';
import { inProcessLock } from '../src/engine/store/lock.js';
import { memoryDependencies } from './memory-engine.ts';
import type { LocalRankEvents, LocalRankOptions } from '../src/types.js';

const T0 = Date.UTC(2026, 0, 15);

/** The model stand-in: lexical vectors of a different size, under a model id. */
function fakeModel(): Encoder {
  const inner = createLexicalEncoder(64);
  return { info: { id: 'model:fake', kind: 'model', dimension: 64, device: 'cpu' }, embed: (t) => inner.embed(t) };
}

/** Several engines can share stores, lock and broadcast bus: tabs of one origin. */
function world() {
  const stores = new Map<string, KeyValueStore>();
  const lock = inProcessLock();
  const listeners = new Set<() => void>();
  const deps = (overrides: Partial<EngineDependencies> = {}): EngineDependencies =>
    memoryDependencies(stores, {
      createLock: () => lock,
      broadcast: (_name, onMessage) => {
        listeners.add(onMessage);
        return { post: () => listeners.forEach((l) => l !== onMessage && l()), close: () => listeners.delete(onMessage) };
      },
      loadModel: () => Promise.resolve(fakeModel()),
      now: () => T0,
      ...overrides,
    });
  return { stores, deps };
}

async function start(deps: EngineDependencies, options: LocalRankOptions = { model: false }) {
  const engine = new Engine(deps);
  const events: Array<[keyof LocalRankEvents, unknown]> = [];
  await engine.init({ namespace: 'shop', ...options }, (type, payload) => events.push([type, payload]));
  return { engine, events };
}

const ITEMS = [
  { id: 's1', title: 'Trail running shoes', category: 'Shoes > Running', brand: 'Stridelab', price: 120 },
  { id: 's2', title: 'Road running shoes', category: 'Shoes > Running', brand: 'Paceline', price: 95 },
  { id: 'k1', title: 'Cast iron frying pan', category: 'Kitchen > Cookware', brand: 'Ironhearth', price: 45 },
];

describe('engine storage and summary', () => {
  it('rebuilds the interests in the model space when the model arrives, losing no earlier event', async () => {
    const { deps } = world();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { engine } = await start(deps({ loadModel: async () => (await gate, fakeModel()) }), { model: { id: 'fake' } });
    await engine.upsertItems(ITEMS);
    await engine.track([{ type: 'view', itemId: 's1' }, { type: 'view', itemId: 's2' }, { type: 'purchase', itemId: 'k1' }], 'b1');
    const before = await engine.profile();
    expect(before.encoder.kind).toBe('lexical');
    expect(before.interests.flatMap((i) => i.itemIds).sort()).toEqual(['k1', 's1', 's2']);

    release();
    await engine.whenModelSettled();
    const after = await engine.profile();
    expect(after.encoder.id).toBe('model:fake');
    expect(after.interests.flatMap((i) => i.itemIds).sort()).toEqual(['k1', 's1', 's2']);
    const exported = (await engine.exportData()).summary as { spaces: Array<{ encoder: string }> };
    expect(exported.spaces.map((s) => s.encoder).sort()).toEqual(['lexical:v1:16384', 'model:fake']);
  });

  it('a second tab sees the first tab’s events, and its ranking uses them', async () => {
    const { deps } = world();
    const [a, b] = await Promise.all([start(deps()), start(deps())]);
    await Promise.all([a.engine.upsertItems(ITEMS), b.engine.upsertItems(ITEMS)]);
    await a.engine.track({ type: 'purchase', itemId: 'k1' }, 'from-a');
    await b.engine.track({ type: 'view', itemId: 's1' }, 'from-b');
    const ranked = await b.engine.rank(['s1', 's2', 'k1'], { excludePurchased: true });
    expect(ranked.items.map((i) => i.id)).not.toContain('k1');
    expect((await b.engine.exportData()).events.map((e) => e.id)).toEqual(['from-a:0', 'from-b:0']);
    expect((await a.engine.profile()).storage.events).toBe(2);
  });

  it('with encryptAtRest nothing personal is stored in clear, and forget() starts a fresh key that still works', async () => {
    const { deps, stores } = world();
    const { engine } = await start(deps(), { model: false, encryptAtRest: true });
    await engine.upsertItems([{ id: 'x', title: 'Embarrassing ointment' }]);
    await engine.track([{ type: 'view', itemId: 'x' }, { type: 'search', query: 'private query' }], 'b1');
    const raw = stores.get('localrank:shop')!;
    const dump = JSON.stringify(await raw.entries(), (_k, v: unknown) => (v instanceof ArrayBuffer || ArrayBuffer.isView(v) ? Buffer.from(v as ArrayBuffer).toString('latin1') : v));
    expect(dump).not.toMatch(/Embarrassing|ointment|private query/i);
    expect((await engine.profile()).storage.encrypted).toBe(true);

    await engine.forget();
    await engine.track({ type: 'search', query: 'after forget' }, 'b2');
    // A new engine (a reload) reads the records written under the new key.
    const reloaded = await start(deps(), { model: false, encryptAtRest: true });
    const exported = await reloaded.engine.exportData();
    expect(exported.events.map((e) => e.query)).toEqual(['after forget']);
    expect(reloaded.events.filter(([t]) => t === 'degraded')).toEqual([]);
  });

  it('forget() erases the log, the summary and the embedding cache', async () => {
    const { deps, stores } = world();
    const { engine } = await start(deps(), { model: { id: 'fake' } });
    await engine.whenModelSettled();
    await engine.upsertItems(ITEMS);
    await engine.track({ type: 'view', itemId: 's1' }, 'b1');
    await engine.rank(['s2', 'k1']);
    expect((await stores.get('localrank:shop:embeddings')!.keys()).length).toBeGreaterThan(0);
    await engine.forget();
    expect(await stores.get('localrank:shop')!.keys()).toEqual([]);
    expect(await stores.get('localrank:shop:embeddings')!.keys()).toEqual([]);
    const profile = await engine.profile();
    expect(profile.storage.events).toBe(0);
    expect(profile.interests).toEqual([]);
    expect(profile.recentSearches).toEqual([]);
  });

  it('storage full: the profile moves to memory with a degraded event; tracking and ranking go on, the stored profile stays', async () => {
    const { deps, stores } = world();
    const { engine, events } = await start(deps(), { model: { id: 'fake' } });
    await engine.whenModelSettled();
    await engine.upsertItems(ITEMS);
    await engine.track({ type: 'view', itemId: 's1' }, 'b1');
    const quota = () => Promise.reject(Object.assign(new Error('quota'), { name: 'QuotaExceededError' }));
    const raw = stores.get('localrank:shop')!;
    raw.batch = quota;
    stores.get('localrank:shop:embeddings')!.setMany = quota;
    await expect(engine.track({ type: 'view', itemId: 's2' }, 'b2')).resolves.toEqual({ accepted: 1, rejected: [] });
    const degraded = events.filter(([type]) => type === 'degraded').map(([, payload]) => payload as { code: string; reason: string });
    expect(degraded).toEqual([{ code: 'STORAGE_FULL', reason: expect.stringContaining('lives in memory') }]);
    const ranked = await engine.rank(['k1', 's2', 's1'], { excludeSeen: false });
    expect(ranked.encoder.id).toBe('model:fake');
    expect(ranked.items[0]!.id).not.toBe('k1');
    expect(events.filter(([type]) => type === 'error')).toEqual([]);
    const profile = await engine.profile();
    expect(profile.storage).toMatchObject({ kind: 'memory', events: 2 });
    expect((await engine.exportData()).events.map((e) => e.itemId)).toEqual(['s1', 's2']);
    // The disk still holds the profile as it was before it filled up.
    const reopened = await start(deps());
    expect((await reopened.engine.exportData()).events.map((e) => e.itemId)).toEqual(['s1']);
  });

  it('storage too full to open (Firefox refuses a site over its limit): STORAGE_FULL, not STORAGE_UNAVAILABLE, and a profile in memory', async () => {
    const { deps } = world();
    const full = Object.assign(new Error('The current transaction exceeded its quota limitations.'), { name: 'QuotaExceededError' });
    const { engine, events } = await start(deps({ storageWorks: () => Promise.reject(full) }));
    const degraded = events.filter(([type]) => type === 'degraded').map(([, payload]) => payload);
    expect(degraded).toEqual([{ code: 'STORAGE_FULL', reason: expect.stringContaining('cannot even be opened') }]);
    await engine.upsertItems(ITEMS);
    expect((await engine.track({ type: 'view', itemId: 's1' }, 'b1')).accepted).toBe(1);
    expect((await engine.profile()).storage).toMatchObject({ kind: 'memory', events: 1 });
  });

  it('a corrupted stored record is quarantined and reported; the rest of the profile is used', async () => {
    const { deps, stores } = world();
    const first = await start(deps());
    await first.engine.upsertItems(ITEMS);
    await first.engine.track([{ type: 'view', itemId: 's1' }, { type: 'view', itemId: 'k1' }], 'b1');
    await stores.get('localrank:shop')!.setMany([['summary', { format: 'localrank-summary', version: 1, junk: true }]]);
    const second = await start(deps());
    expect(second.events).toContainEqual(['degraded', expect.objectContaining({ code: 'STORAGE_CORRUPTED' })]);
    const profile = await second.engine.profile();
    expect(profile.storage.events).toBe(2);
    expect(profile.affinities.category.map((a) => a.label)).toContain('Shoes > Running');
  });

  it('remembers the backend probe per model and adapter: a second visit loads one session, not two', async () => {
    const { deps } = world();
    const loads: string[] = [];
    const gpu = { isNode: false, requestAdapter: () => Promise.resolve({ info: { vendor: 'acme', architecture: 'rdna9' } }) };
    let clock = T0;
    const timed = (device: string): Encoder => {
      const inner = fakeModel();
      return { info: { ...inner.info, device: device as 'wasm' }, embed: async (t) => ((clock += device === 'webgpu' ? 1 : 5), inner.embed(t)) };
    };
    const visit = () =>
      start(
        deps({
          deviceEnvironment: () => gpu,
          now: () => clock,
          loadModel: async (s) => (loads.push(s.device), timed(s.device)),
        }),
        { model: { id: 'fake', device: 'auto' } },
      );
    const first = await visit();
    await first.engine.whenModelSettled();
    expect(loads).toEqual(['wasm', 'webgpu']);
    expect(first.events.find(([t]) => t === 'backend')?.[1]).toMatchObject({ device: 'webgpu' });

    loads.length = 0;
    const second = await visit();
    await second.engine.whenModelSettled();
    expect(loads).toEqual(['webgpu']);
    const backend = second.events.find(([t]) => t === 'backend')?.[1] as { device: string; reason: string };
    expect(backend.device).toBe('webgpu');
    expect(backend.reason).toContain('earlier visit');

    // Another adapter probes again.
    loads.length = 0;
    gpu.requestAdapter = () => Promise.resolve({ info: { vendor: 'acme', architecture: 'other' } });
    await (await visit()).engine.whenModelSettled();
    expect(loads).toEqual(['wasm', 'webgpu']);
  });
});
