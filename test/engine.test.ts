import { describe, expect, it, vi } from 'vitest';
import { Engine, itemText } from '../src/engine/engine.ts';
import type { EngineDependencies } from '../src/engine/engine.ts';
import type { DeviceEnvironment } from '../src/engine/encoder/backend.ts';
import type { ModelSource } from '../src/engine/encoder/model.ts';
import type { Encoder } from '../src/engine/encoder/types.ts';
import { createMemoryStore } from '../src/engine/store/kv.ts';
import type { KeyValueStore } from '../src/engine/store/kv.ts';
import { LocalRankError } from '../src/errors.ts';
import type { Item, LocalRankEvents, LocalRankOptions, RankResult } from '../src/types.ts';
import { rejected } from './caught.ts';

const T0 = Date.UTC(2024, 5, 1, 12, 0, 0);
const DAY = 24 * 3600 * 1000;

// ---------------------------------------------------------------------------
// A fake "model": one axis per keyword, so every similarity can be computed by hand.
// ---------------------------------------------------------------------------

const VOCAB = ['shoe', 'knife', 'tea', 'lamp', 'sofa', 'book'] as const;
const DIM = VOCAB.length + 1; // last axis: "none of the keywords"

function keywordVector(text: string): Float32Array {
  const v = new Float32Array(DIM);
  for (const word of text.toLowerCase().split(/[^a-z]+/)) {
    const i = VOCAB.indexOf(word as (typeof VOCAB)[number]);
    if (i >= 0) v[i]! += 1;
  }
  if (v.every((x) => x === 0)) v[DIM - 1] = 1;
  const len = Math.hypot(...v);
  return v.map((x) => x / len);
}

interface FakeModel extends Encoder {
  /** Every text batch the engine asked for, in order. */
  calls: string[][];
  /** Texts embedded, flattened. */
  texts(): string[];
  fail: boolean;
  disposed: number;
}

function fakeModel(id = 'model:fake', onEmbed?: () => void): FakeModel {
  const model: FakeModel = {
    info: { id, kind: 'model', dimension: DIM, device: 'cpu' },
    calls: [],
    texts: () => model.calls.flat(),
    fail: false,
    disposed: 0,
    embed(texts) {
      model.calls.push([...texts]);
      onEmbed?.();
      if (model.fail) return Promise.reject(new LocalRankError('INFERENCE_FAILED', 'Inference failed: poisoned'));
      return Promise.resolve(texts.map(keywordVector));
    },
    dispose() {
      model.disposed++;
      return Promise.resolve();
    },
  };
  return model;
}

// ---------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------

type Emitted = { [K in keyof LocalRankEvents]: [K, LocalRankEvents[K]] }[keyof LocalRankEvents];

interface Harness {
  engine: Engine;
  events: Emitted[];
  model: FakeModel;
  clock: { now: number; advance(ms: number): void };
  stores: Map<string, KeyValueStore>;
  deps: EngineDependencies & { loadModel: ReturnType<typeof vi.fn> };
}

interface HarnessOptions {
  storageWorks?: boolean;
  loadModel?: (source: ModelSource) => Promise<Encoder>;
  deviceEnvironment?: DeviceEnvironment;
  stores?: Map<string, KeyValueStore>;
  clock?: Harness['clock'];
}

function makeClock(start = T0): Harness['clock'] {
  const clock = {
    now: start,
    advance(ms: number) {
      clock.now += ms;
    },
  };
  return clock;
}

async function setup(options: LocalRankOptions = {}, h: HarnessOptions = {}): Promise<Harness> {
  const clock = h.clock ?? makeClock();
  const model = fakeModel();
  const stores = h.stores ?? new Map<string, KeyValueStore>();
  const deps = {
    openStore: vi.fn((name: string) => {
      let s = stores.get(name);
      if (!s) stores.set(name, (s = createMemoryStore()));
      return s;
    }),
    storageWorks: vi.fn(() => Promise.resolve(h.storageWorks ?? true)),
    loadModel: vi.fn(h.loadModel ?? (() => Promise.resolve(model as Encoder))),
    deviceEnvironment: () => h.deviceEnvironment ?? { isNode: true },
    now: () => clock.now,
  };
  const engine = new Engine(deps);
  const events: Emitted[] = [];
  await engine.init({ model: { id: 'fake' }, ...options }, (type, payload) => events.push([type, payload] as Emitted));
  await engine.whenModelSettled();
  return { engine, events, model, clock, stores, deps };
}

const item = (id: string, title: string, extra: Partial<Item> = {}): Item => ({ id, title, ...extra });
const ids = (r: RankResult): string[] => r.items.map((i) => i.id);
const byId = (r: RankResult, id: string) => r.items.find((i) => i.id === id)!;


// ---------------------------------------------------------------------------

describe('Engine: init', () => {
  it('emits the lexical encoder first, then the backend and the model', async () => {
    const { events, deps, engine } = await setup();
    expect(events.map(([type]) => type)).toEqual(['encoder', 'backend', 'encoder']);
    expect(events[0]![1]).toEqual({ id: 'lexical:v1:16384', kind: 'lexical', dimension: 16384 });
    expect(events[1]![1]).toMatchObject({ device: 'cpu' });
    expect(events[2]![1]).toEqual({ id: 'model:fake', kind: 'model', dimension: DIM, device: 'cpu' });
    expect(await engine.whenModelSettled()).toEqual(events[2]![1]);
    expect(deps.loadModel).toHaveBeenCalledTimes(1);
    expect(deps.loadModel.mock.calls[0]![0]).toMatchObject({ id: 'fake', device: 'cpu', ortBuild: 'wasm', batchSize: 32 });
  });

  it('returns the lexical encoder and the storage kind from init', async () => {
    const engine = new Engine({
      openStore: () => createMemoryStore(),
      storageWorks: () => Promise.resolve(true),
      loadModel: () => Promise.resolve(fakeModel()),
      deviceEnvironment: () => ({ isNode: true }),
      now: () => T0,
    });
    const result = await engine.init({ model: false });
    expect(result).toEqual({ encoder: { id: 'lexical:v1:16384', kind: 'lexical', dimension: 16384 }, storage: 'indexeddb' });
    expect(await engine.whenModelSettled()).toEqual(result.encoder);
    await expect(engine.init({})).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('rejects calls before init and invalid options', async () => {
    const engine = new Engine({
      openStore: () => createMemoryStore(),
      storageWorks: () => Promise.resolve(true),
      loadModel: () => Promise.resolve(fakeModel()),
      deviceEnvironment: () => ({ isNode: true }),
      now: () => T0,
    });
    await expect(engine.rank([])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(engine.init({ maxEvents: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'options.maxEvents' });
  });

  it('does not load a model with model: false', async () => {
    const { events, deps } = await setup({ model: false });
    expect(events).toEqual([['encoder', { id: 'lexical:v1:16384', kind: 'lexical', dimension: 16384 }]]);
    expect(deps.loadModel).not.toHaveBeenCalled();
  });

  it('emits degraded and keeps the profile in memory when storage does not work', async () => {
    const { events, deps, engine } = await setup({ model: false }, { storageWorks: false });
    expect(events).toContainEqual(['degraded', expect.objectContaining({ code: 'STORAGE_UNAVAILABLE' })]);
    expect(deps.openStore).not.toHaveBeenCalled();
    await engine.upsertItems([item('a', 'shoe a')]);
    expect((await engine.track({ type: 'view', itemId: 'a' }, 'b1')).accepted).toBe(1);
    expect((await engine.profile()).storage).toMatchObject({ kind: 'memory', encrypted: false, events: 1 });
  });

  it('does not consult storage with storage: memory', async () => {
    const { events, deps } = await setup({ model: false, storage: 'memory' });
    expect(deps.storageWorks).not.toHaveBeenCalled();
    expect(deps.openStore).not.toHaveBeenCalled();
    expect(events.map(([t]) => t)).not.toContain('degraded');
  });

  it('emits degraded STORAGE_FAILED when the stored profile cannot be read, and still works', async () => {
    const failing = () => Promise.reject(new Error('disk on fire'));
    const broken: KeyValueStore = { ...createMemoryStore(), getMany: failing, entries: failing };
    const stores = new Map<string, KeyValueStore>([['localrank:default', broken]]);
    const { events, engine } = await setup({ model: false }, { stores });
    const degraded = events.find(([t]) => t === 'degraded');
    expect(degraded?.[1]).toMatchObject({ code: 'STORAGE_FAILED' });
    expect((degraded?.[1] as { reason: string }).reason).toContain('disk on fire');
    await engine.upsertItems([item('a', 'shoe a')]);
    expect((await engine.track({ type: 'view', itemId: 'a' }, 'b1')).accepted).toBe(1);
  });

  it('reports a model that fails to load with MODEL_LOAD_FAILED and keeps ranking lexically', async () => {
    const { events, engine } = await setup({}, { loadModel: () => Promise.reject(new Error('404 config.json')) });
    const errors = events.filter(([t]) => t === 'error').map(([, p]) => p);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'MODEL_LOAD_FAILED' });
    expect((errors[0] as { message: string }).message).toContain('404 config.json');
    expect(events.filter(([t]) => t === 'encoder')).toHaveLength(1);
    expect((await engine.whenModelSettled()).id).toBe('lexical:v1:16384');

    await engine.upsertItems([item('s1', 'Trail running shoes'), item('s2', 'Trail running shoes, waterproof'), item('k', 'Chef knife')]);
    await engine.track({ type: 'view', itemId: 's1' }, 'b1');
    const result = await engine.rank(['k', 's2']);
    expect(result.encoder.id).toBe('lexical:v1:16384');
    expect(ids(result)).toEqual(['s2', 'k']);
    expect(result.coldStart).toBe(false);
  });

  it('probes both backends on a real adapter and keeps the faster one', async () => {
    const clock = makeClock();
    const wasm = fakeModel('model:fake', () => clock.advance(10));
    const webgpu = fakeModel('model:fake', () => clock.advance(2));
    const sources: ModelSource[] = [];
    const { events, engine } = await setup(
      { model: { id: 'fake', device: 'auto' } },
      {
        clock,
        deviceEnvironment: { isNode: false, requestAdapter: () => Promise.resolve({ info: { vendor: 'x' } }) },
        loadModel: (s) => {
          sources.push(s);
          return Promise.resolve(s.device === 'webgpu' ? webgpu : wasm);
        },
      },
    );
    // Both sessions load the ORT build that can run WebGPU.
    expect(sources.map((s) => [s.device, s.ortBuild])).toEqual([
      ['wasm', 'webgpu'],
      ['webgpu', 'webgpu'],
    ]);
    const backend = events.find(([t]) => t === 'backend')![1];
    expect(backend).toMatchObject({ device: 'webgpu', probe: { wasmMs: 10, webgpuMs: 2 } });
    expect(wasm.disposed).toBe(1);
    expect(webgpu.disposed).toBe(0);
    expect((await engine.whenModelSettled()).id).toBe('model:fake');
  });

  it('keeps WASM when the WebGPU session cannot be created', async () => {
    const wasm = fakeModel();
    const { events } = await setup(
      { model: { id: 'fake', device: 'auto' } },
      {
        deviceEnvironment: { isNode: false, requestAdapter: () => Promise.resolve({}) },
        loadModel: (s) => (s.device === 'webgpu' ? Promise.reject(new Error('no webgpu')) : Promise.resolve(wasm)),
      },
    );
    expect(events.find(([t]) => t === 'backend')![1]).toMatchObject({ device: 'wasm' });
    expect(events.map(([t]) => t)).not.toContain('error');
    expect(wasm.disposed).toBe(0);
  });
});

describe('Engine: probe failures (regressions)', () => {
  it('a WebGPU session that fails in the probe is dropped and WASM serves (regression: the working model was discarded)', async () => {
    const wasm = fakeModel();
    const webgpu = fakeModel();
    webgpu.fail = true;
    const { events, engine } = await setup(
      { model: { id: 'fake', device: 'auto' } },
      {
        deviceEnvironment: { isNode: false, requestAdapter: () => Promise.resolve({}) },
        loadModel: (s) => Promise.resolve(s.device === 'webgpu' ? webgpu : wasm),
      },
    );
    expect(events.find(([t]) => t === 'backend')![1]).toMatchObject({ device: 'wasm', reason: 'WebGPU failed in the probe; using WASM' });
    expect(events.filter(([t]) => t === 'error')).toEqual([]);
    expect(webgpu.disposed).toBe(1);
    expect((await engine.whenModelSettled()).kind).toBe('model');
  });

  it('when WASM fails too after a failed probe, it is a load failure, not an inference failure that restarts the worker', async () => {
    const wasm = fakeModel();
    const webgpu = fakeModel();
    webgpu.fail = true;
    wasm.fail = true;
    const { events, engine } = await setup(
      { model: { id: 'fake', device: 'auto' } },
      {
        deviceEnvironment: { isNode: false, requestAdapter: () => Promise.resolve({}) },
        loadModel: (s) => Promise.resolve(s.device === 'webgpu' ? webgpu : wasm),
      },
    );
    expect(events.filter(([t]) => t === 'error').map(([, e]) => (e as { code: string }).code)).toEqual(['MODEL_LOAD_FAILED']);
    expect((await engine.whenModelSettled()).kind).toBe('lexical');
  });
});

describe('Engine: track', () => {
  it('keeps the valid events of a batch and reports the rejected indexes', async () => {
    const { engine } = await setup({ model: false });
    await engine.upsertItems([item('a', 'shoe a'), item('b', 'knife b')]);
    const result = await engine.track(
      [
        { type: 'view', itemId: 'a' },
        { type: 'view', itemId: 'missing' },
        { type: 'like', itemId: 'a' },
        { type: 'search', query: 'trail' },
        { type: 'rate', itemId: 'b' },
        { type: 'view', item: { id: 'inline', title: 'lamp inline' } },
      ],
      'batch-1',
    );
    expect(result.accepted).toBe(3);
    expect(result.rejected.map((r) => [r.index, r.error.code, r.error.field])).toEqual([
      [1, 'UNKNOWN_ITEM', 'events[1].itemId'],
      [2, 'INVALID_EVENT', 'events[2].type'],
      [4, 'INVALID_EVENT', 'events[4].value'],
    ]);
    const exported = await engine.exportData();
    expect(exported.events.map((e) => [e.type, e.itemId ?? e.query])).toEqual([
      ['view', 'a'],
      ['search', 'trail'],
      ['view', 'inline'],
    ]);
    // The inline item became known: a later event can name it by id.
    expect((await engine.track({ type: 'click', itemId: 'inline' }, 'batch-2')).accepted).toBe(1);
  });

  it('accepts a single event as well as an array', async () => {
    const { engine } = await setup({ model: false });
    await engine.upsertItems([item('a', 'shoe a')]);
    expect(await engine.track({ type: 'view', itemId: 'a' }, 'one')).toEqual({ accepted: 1, rejected: [] });
  });

  it('requires a batch id', async () => {
    const { engine } = await setup({ model: false });
    await expect(engine.track([], '')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'batchId' });
  });

  it('stores a batch id only once', async () => {
    const { engine } = await setup({ model: false });
    await engine.upsertItems([item('a', 'shoe a'), item('b', 'knife b')]);
    const batch = [{ type: 'view', itemId: 'a' }, { type: 'click', itemId: 'b' }];
    await engine.track(batch, 'retry-me');
    await engine.track(batch, 'retry-me');
    const { events } = await engine.exportData();
    expect(events.map((e) => e.itemId)).toEqual(['a', 'b']);
    await engine.track(batch, 'another');
    expect((await engine.exportData()).events).toHaveLength(4);
  });

  it('stores concurrent batches once each, with a duplicate batch id stored once', async () => {
    const { engine } = await setup({ model: false });
    await engine.upsertItems([item('a', 'shoe a'), item('b', 'knife b'), item('c', 'tea c')]);
    await Promise.all([
      engine.track({ type: 'view', itemId: 'a' }, 'p1'),
      engine.track({ type: 'view', itemId: 'b' }, 'p2'),
      engine.track({ type: 'view', itemId: 'a' }, 'p1'),
      engine.track({ type: 'view', itemId: 'c' }, 'p3'),
    ]);
    expect((await engine.exportData()).events.map((e) => [e.id, e.itemId])).toEqual([
      ['p1:0', 'a'],
      ['p2:0', 'b'],
      ['p3:0', 'c'],
    ]);
  });

  it('stores a batch id only once across engines over the same store (a restarted worker)', async () => {
    const stores = new Map<string, KeyValueStore>();
    const first = await setup({ model: false }, { stores });
    await first.engine.upsertItems([item('a', 'shoe a')]);
    await first.engine.track({ type: 'view', itemId: 'a' }, 'crash-retry');

    const second = await setup({ model: false }, { stores });
    await second.engine.upsertItems([item('a', 'shoe a')]);
    await second.engine.track({ type: 'view', itemId: 'a' }, 'crash-retry');
    expect((await second.engine.exportData()).events).toHaveLength(1);
  });

  it('keeps at most maxEvents events, dropping the oldest and their item snapshots', async () => {
    const { engine, stores } = await setup({ model: false, maxEvents: 3 });
    const items = [1, 2, 3, 4, 5].map((n) => item(`i${n}`, `title ${n}`));
    await engine.upsertItems(items);
    for (const it of items) await engine.track({ type: 'view', itemId: it.id }, `b-${it.id}`);
    const exported = await engine.exportData();
    expect(exported.events.map((e) => e.itemId)).toEqual(['i3', 'i4', 'i5']);
    expect(exported.items.map((i) => i.id).sort()).toEqual(['i3', 'i4', 'i5']);
    // The store holds the same: an engine opened on it sees no events or snapshots of dropped items.
    const reopened = await setup({ model: false, maxEvents: 3 }, { stores });
    const stored = await reopened.engine.exportData();
    expect(stored.events.map((e) => e.itemId)).toEqual(['i3', 'i4', 'i5']);
    expect(stored.items.map((i) => i.id).sort()).toEqual(['i3', 'i4', 'i5']);

    // One batch larger than the ring keeps its newest events.
    await engine.track(items.map((it) => ({ type: 'click', itemId: it.id })), 'big');
    expect((await engine.exportData()).events.map((e) => [e.type, e.itemId])).toEqual([
      ['click', 'i3'],
      ['click', 'i4'],
      ['click', 'i5'],
    ]);
  });
});

describe('Engine: rank', () => {
  it('puts items similar to what was viewed first, explaining why', async () => {
    const { engine } = await setup();
    await engine.upsertItems([item('shoeA', 'shoe alpha'), item('shoeB', 'shoe beta'), item('knife', 'knife'), item('tea', 'tea')]);
    await engine.track({ type: 'view', itemId: 'shoeA' }, 'b1');
    const result = await engine.rank(['knife', 'tea', 'shoeB']);
    expect(result.encoder.id).toBe('model:fake');
    expect(result.coldStart).toBe(false);
    expect(ids(result)[0]).toBe('shoeB');
    const top = result.items[0]!;
    // Content is relative to the candidates (0.5 = their average): shoeB matches the shoe interest in both
    // spaces; knife and tea match nothing, equally.
    expect(top.components.content).toBeGreaterThan(0.5);
    expect(byId(result, 'knife').components.content).toBeLessThan(0.5);
    expect(byId(result, 'knife').components.content).toBeCloseTo(byId(result, 'tea').components.content!, 9);
    expect(top.reasons).toContainEqual({ kind: 'similar_to_history', text: 'Because you viewed shoe alpha', itemId: 'shoeA' });
  });

  // The history behind the reasons is kept between rankings: it must follow new events, renamed items and time.
  it('reasons follow the history: a new event, a re-upserted title, and time passing between rankings', async () => {
    const { engine, clock } = await setup();
    const catalogue = [item('shoeA', 'shoe alpha'), item('knifeA', 'knife alpha'), item('shoeB', 'shoe beta'), item('knifeB', 'knife beta'), item('X', 'shoe knife')];
    await engine.upsertItems(catalogue);
    const historyReason = (r: RankResult, id: string) => byId(r, id).reasons.find((x) => x.kind === 'similar_to_history');
    await engine.track({ type: 'view', itemId: 'shoeA' }, 'b1');
    expect(historyReason(await engine.rank(['shoeB', 'knifeB']), 'shoeB')?.itemId).toBe('shoeA');
    expect(historyReason(await engine.rank(['shoeB', 'knifeB']), 'knifeB')).toBeUndefined();

    await engine.track({ type: 'click', itemId: 'knifeA' }, 'b2');
    expect(historyReason(await engine.rank(['shoeB', 'knifeB']), 'knifeB')).toEqual({ kind: 'similar_to_history', text: 'Because you clicked knife alpha', itemId: 'knifeA' });

    await engine.upsertItems([item('knifeA', 'knife gamma')]);
    expect(historyReason(await engine.rank(['shoeB', 'knifeB']), 'knifeB')?.text).toBe('Because you clicked knife gamma');

    // X is as close to shoeA as to knifeA: the click (weight 2) names knifeA, until a later view of shoeA outweighs it.
    expect(historyReason(await engine.rank(['X', 'shoeB']), 'X')?.itemId).toBe('knifeA');
    clock.advance(20 * DAY);
    expect(historyReason(await engine.rank(['X', 'shoeB']), 'X')?.itemId).toBe('knifeA');
    await engine.track([{ type: 'view', itemId: 'shoeA' }], 'b3');
    expect(historyReason(await engine.rank(['X', 'shoeB']), 'X')?.itemId).toBe('shoeA');
  });

  it('names the history item with the largest weight x similarity', async () => {
    const { engine } = await setup();
    await engine.upsertItems([
      item('shoeA', 'shoe a'),
      item('knifeA', 'knife a'),
      // X = (3,1)/sqrt(10) on (shoe, knife); Y = (1,1)/sqrt(2)
      item('X', 'shoe shoe shoe knife'),
      item('Y', 'shoe knife'),
    ]);
    // view weight 1 (shoeA), click weight 2 (knifeA)
    await engine.track(
      [
        { type: 'view', itemId: 'shoeA' },
        { type: 'click', itemId: 'knifeA' },
      ],
      'b1',
    );
    const result = await engine.rank(['X', 'Y']);
    // X: shoeA 1 * 3/sqrt(10) = 0.95 > knifeA 2 * 1/sqrt(10) = 0.63
    const x = byId(result, 'X').reasons.find((r) => r.kind === 'similar_to_history');
    expect(x).toEqual({ kind: 'similar_to_history', text: 'Because you viewed shoe a', itemId: 'shoeA' });
    // Y: shoeA 1 * 0.71 < knifeA 2 * 0.71
    const y = byId(result, 'Y').reasons.find((r) => r.kind === 'similar_to_history');
    expect(y).toEqual({ kind: 'similar_to_history', text: 'Because you clicked knife a', itemId: 'knifeA' });
    // Two interests, shoe (strength 1) and knife (2): Y is 0.71 like the stronger one, X only 0.32 (and 0.95 like the weaker).
    expect(byId(result, 'Y').components.content).toBeGreaterThan(byId(result, 'X').components.content!);
    expect(ids(result)).toEqual(['Y', 'X']);
  });

  it('pushes items similar to a dismissed one down', async () => {
    const { engine } = await setup();
    await engine.upsertItems([
      item('lampA', 'lamp a'),
      item('shoeA', 'shoe a'),
      item('shoeX', 'shoe x'),
      item('shoeB', 'shoe b'),
      item('lampB', 'lamp b'),
      item('lampX', 'lamp x'), // as many lamps as shoes: the words weigh the same (IDF)
    ]);
    await engine.track(
      [
        { type: 'view', itemId: 'lampA' },
        { type: 'view', itemId: 'shoeA' },
      ],
      'b1',
    );
    const before = await engine.rank(['shoeB', 'lampB']);
    // Equal interest in shoes and lamps: a tie, kept in input order.
    expect(byId(before, 'shoeB').score).toBeCloseTo(byId(before, 'lampB').score, 6);
    expect(ids(before)).toEqual(['shoeB', 'lampB']);

    await engine.track({ type: 'dismiss', itemId: 'shoeX' }, 'b2');
    const after = await engine.rank(['shoeB', 'lampB']);
    expect(ids(after)).toEqual(['lampB', 'shoeB']);
    // The dismissal (-3) removed the shoe interest; lamps now match better.
    expect(byId(after, 'lampB').components.content).toBeGreaterThan(byId(after, 'shoeB').components.content!);
    // A dismissed item never explains a recommendation, even for an item pointing away from it.
    const anti = item('anti', 'anti', { vector: { encoder: 'model:fake', values: Array.from(keywordVector('shoe'), (x) => -x) } });
    const withAnti = await engine.rank(['shoeB', 'lampB', anti]);
    for (const r of withAnti.items) for (const reason of r.reasons) expect(reason.itemId).not.toBe('shoeX');
    // anti: lampA 1 * 0 and shoeA 1 * -1 contribute nothing positive, so no history reason at all
    expect(byId(withAnti, 'anti').reasons.filter((r) => r.kind === 'similar_to_history')).toEqual([]);
  });

  it('orders by popularity on a cold start', async () => {
    const { engine } = await setup();
    await engine.upsertItems([
      item('mid', 'shoe mid', { popularity: 10 }),
      item('top', 'knife top', { popularity: 1000 }),
      item('none', 'tea none'),
    ]);
    const result = await engine.rank(['mid', 'top', 'none']);
    expect(result.coldStart).toBe(true);
    expect(ids(result)).toEqual(['top', 'mid', 'none']);
    expect(byId(result, 'top').components.prior).toBeCloseTo(1, 6);
    // prior = (1 + log1p(p)) / (1 + log1p(p_max)) with the default long-tail exponent 1.
    expect(byId(result, 'mid').components.prior).toBeCloseTo((1 + Math.log1p(10)) / (1 + Math.log1p(1000)), 6);
    expect(byId(result, 'none').components.prior).toBeCloseTo(1 / (1 + Math.log1p(1000)), 6);

    // A long-tail exponent of 0 removes popularity: every prior is 1, ties keep the input order.
    const flat = await engine.rank(['mid', 'top', 'none'], { longTailExponent: 0 });
    expect(ids(flat)).toEqual(['mid', 'top', 'none']);
    expect(flat.items.map((i) => i.components.prior)).toEqual([1, 1, 1]);
    // "Popular now" still follows popularity itself.
    expect(byId(flat, 'top').reasons).toContainEqual({ kind: 'popular', text: 'Popular now' });
    await expect(engine.rank(['mid'], { longTailExponent: -1 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'options.longTailExponent' });
    expect(byId(result, 'top').components.content).toBeUndefined();
    expect(byId(result, 'top').reasons).toContainEqual({ kind: 'popular', text: 'Popular now' });
    expect(byId(result, 'mid').reasons).toEqual([]);
  });

  it('is still a cold start when only zero-weight events (impressions) are stored', async () => {
    const { engine } = await setup();
    await engine.upsertItems([item('a', 'shoe a', { popularity: 1 }), item('b', 'knife b', { popularity: 5 })]);
    await engine.track({ type: 'impression', itemId: 'a', listId: 'home', position: 0 }, 'b1');
    const result = await engine.rank(['a', 'b']);
    expect(result.coldStart).toBe(true);
    expect(ids(result)).toEqual(['b', 'a']);
  });

  it('excludes purchased items, or everything seen, on request', async () => {
    const { engine } = await setup();
    await engine.upsertItems([item('bought', 'shoe bought'), item('viewed', 'shoe viewed'), item('shown', 'shoe shown'), item('fresh', 'shoe fresh')]);
    await engine.track(
      [
        { type: 'purchase', itemId: 'bought' },
        { type: 'view', itemId: 'viewed' },
        { type: 'impression', itemId: 'shown', listId: 'home', position: 3 },
      ],
      'b1',
    );
    const all = ['bought', 'viewed', 'shown', 'fresh'];
    expect(ids(await engine.rank(all)).sort()).toEqual([...all].sort());
    expect(ids(await engine.rank(all, { excludePurchased: true })).sort()).toEqual(['fresh', 'shown', 'viewed']);
    expect(ids(await engine.rank(all, { excludeSeen: true })).sort()).toEqual(['fresh', 'shown']);
  });

  it('uses precomputed vectors of the serving encoder without embedding them', async () => {
    const { engine, model } = await setup();
    await engine.upsertItems([item('lampA', 'lamp a')]);
    await engine.track({ type: 'view', itemId: 'lampA' }, 'b1');
    // Its text says "shoe", its precomputed vector says "lamp": the vector must win.
    const pre = item('pre', 'shoe precomputed', { vector: { encoder: 'model:fake', values: Array.from(keywordVector('lamp')) } });
    const plain = item('plain', 'book plain');
    const result = await engine.rank([plain, pre]);
    expect(model.texts()).not.toContain(itemText(pre));
    expect(model.texts()).toContain(itemText(plain));
    expect(byId(result, 'pre').components.content).toBeGreaterThan(byId(result, 'plain').components.content!);
    expect(ids(result)).toEqual(['pre', 'plain']);
  });

  it('normalises a precomputed vector that is not unit length', async () => {
    const { engine } = await setup();
    await engine.upsertItems([item('lampA', 'lamp a')]);
    await engine.track({ type: 'view', itemId: 'lampA' }, 'b1');
    const short = Array.from(keywordVector('lamp'), (x) => x * 0.1);
    const long = Array.from(keywordVector('lamp shoe'), (x) => x * 7);
    const result = await engine.rank([
      item('short', 'x', { vector: { encoder: 'model:fake', values: short } }),
      item('long', 'y', { vector: { encoder: 'model:fake', values: long } }),
    ]);
    // Normalised: short is exactly the lamp interest (cos 1), long is (lamp + shoe)/sqrt(2) (cos 0.71).
    // Unnormalised, long (7 x 0.71) would beat short (0.1).
    expect(byId(result, 'short').components.content).toBeGreaterThan(byId(result, 'long').components.content!);
    expect(ids(result)).toEqual(['short', 'long']);
  });

  it('re-embeds precomputed vectors from another encoder or of another size', async () => {
    const { engine, model } = await setup();
    await engine.upsertItems([item('lampA', 'lamp a')]);
    await engine.track({ type: 'view', itemId: 'lampA' }, 'b1');
    const lamp = Array.from(keywordVector('lamp'));
    const otherEncoder = item('other', 'shoe other', { vector: { encoder: 'model:other', values: lamp } });
    const otherSize = item('size', 'shoe size', { vector: { encoder: 'model:fake', values: [...lamp, 0] } });
    const result = await engine.rank([otherEncoder, otherSize]);
    expect(model.texts()).toContain(itemText(otherEncoder));
    expect(model.texts()).toContain(itemText(otherSize));
    // Embedded from the text ("shoe"), orthogonal to the lamp interest.
    expect(byId(result, 'other').components.content).toBeCloseTo(0.5, 6);
    expect(byId(result, 'size').components.content).toBeCloseTo(0.5, 6);
    // Each kind of mismatch is reported once, naming the encoder that made the vectors.
    expect(result.warnings).toHaveLength(2);
    expect(result.warnings![0]).toContain('"model:other"');
    expect(result.warnings![1]).toContain(`model:fake with ${DIM + 1} values`);
    // Matching vectors (and no vectors) give no warning.
    expect((await engine.rank(['lampA'])).warnings).toBeUndefined();
  });

  it('does not warn about model vectors while the lexical encoder serves (the model is still loading)', async () => {
    const { engine } = await setup({ model: false });
    const result = await engine.rank([item('x', 'shoe x', { vector: { encoder: 'model:later', values: [1, 0] } })]);
    expect(result.encoder.kind).toBe('lexical');
    expect(result.warnings).toBeUndefined();
  });

  it('embeds a text once per encoder across calls', async () => {
    const { engine, model } = await setup();
    await engine.upsertItems([item('a', 'shoe a'), item('b', 'knife b')]);
    await engine.track({ type: 'view', itemId: 'a' }, 'b1');
    await engine.rank(['a', 'b']);
    const calls = model.calls.length;
    await engine.rank(['a', 'b']);
    expect(model.calls.length).toBe(calls);
    expect(model.texts().filter((t) => t === itemText(item('b', 'knife b')))).toHaveLength(1);
  });

  it('on INFERENCE_FAILED emits one error, switches to lexical and rejects only that call', async () => {
    const { engine, model, events } = await setup();
    await engine.upsertItems([item('a', 'shoe a'), item('b', 'knife b'), item('c', 'shoe c')]);
    await engine.track({ type: 'view', itemId: 'a' }, 'b1');
    events.length = 0;
    model.fail = true;

    const error = await rejected(engine.rank(['b', 'c']));
    expect(error.code).toBe('INFERENCE_FAILED');
    const errors = events.filter(([t]) => t === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]![1]).toMatchObject({ code: 'INFERENCE_FAILED' });
    expect(events).toContainEqual(['encoder', { id: 'lexical:v1:16384', kind: 'lexical', dimension: 16384 }]);

    const calls = model.calls.length;
    const next = await engine.rank(['b', 'c']);
    expect(next.encoder.id).toBe('lexical:v1:16384');
    expect(next.items).toHaveLength(2);
    expect(model.calls.length).toBe(calls); // the poisoned model is not asked again
    expect((await engine.profile()).encoder.id).toBe('lexical:v1:16384');
  });

  it('validates rank arguments', async () => {
    const { engine } = await setup({ model: false });
    await engine.upsertItems([item('a', 'shoe a')]);
    await expect(engine.rank(['a', 'ghost'])).rejects.toMatchObject({ code: 'UNKNOWN_ITEM', field: 'candidates[1]' });
    await expect(engine.rank('a')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'candidates' });
    await expect(engine.rank(['a'], { k: -1 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'options.k' });
    await expect(engine.rank(['a'], { k: 1.5 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'options.k' });
    await expect(engine.rank(['a'], { query: 'q'.repeat(513) })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'options.query' });
    await expect(engine.rank([{ id: 'x' }])).rejects.toMatchObject({ code: 'INVALID_ITEM', field: 'candidates[0].title' });
  });

  it('returns the top k', async () => {
    const { engine } = await setup({ model: false });
    await engine.upsertItems([1, 2, 3, 4].map((n) => item(`i${n}`, `item ${n}`, { popularity: n })));
    const result = await engine.rank(['i1', 'i2', 'i3', 'i4'], { k: 2 });
    expect(ids(result)).toEqual(['i4', 'i3']);
    expect((await engine.rank(['i1'], { k: 0 })).items).toEqual([]);
  });

  it('lets a query re-rank results', async () => {
    const { engine } = await setup();
    await engine.upsertItems([item('s', 'shoe s'), item('t', 'tea t')]);
    const result = await engine.rank(['s', 't'], { query: 'tea' });
    expect(ids(result)).toEqual(['t', 's']);
    expect(byId(result, 't').reasons).toContainEqual({ kind: 'query_match', text: 'Matches your search' });
  });

  it('counts an old view less than a recent one (time decay)', async () => {
    const { engine, clock } = await setup();
    await engine.upsertItems([item('shoeA', 'shoe a'), item('knifeA', 'knife a'), item('shoeB', 'shoe b'), item('knifeB', 'knife b')]);
    await engine.track({ type: 'view', itemId: 'shoeA' }, 'old');
    clock.advance(28 * DAY); // two half-lives: the shoe view now weighs 0.25
    await engine.track({ type: 'view', itemId: 'knifeA' }, 'new');
    const result = await engine.rank(['shoeB', 'knifeB']);
    expect(ids(result)).toEqual(['knifeB', 'shoeB']);
    expect(byId(result, 'knifeB').components.content).toBeGreaterThan(byId(result, 'shoeB').components.content!);
  });

  it('time decay uses explicit timestamps too, and the half-life option', async () => {
    const { engine, clock } = await setup({ halfLifeDays: 1 });
    await engine.upsertItems([item('shoeA', 'shoe a'), item('knifeA', 'knife a'), item('shoeB', 'shoe b'), item('knifeB', 'knife b')]);
    // Purchase (6) one day ago weighs 3; a view (1) now weighs 1: shoes still win.
    await engine.track(
      [
        { type: 'purchase', itemId: 'shoeA', timestamp: clock.now - DAY },
        { type: 'view', itemId: 'knifeA', timestamp: clock.now },
      ],
      'b1',
    );
    const result = await engine.rank(['knifeB', 'shoeB']);
    expect(ids(result)).toEqual(['shoeB', 'knifeB']);
    expect(byId(result, 'shoeB').components.content).toBeGreaterThan(byId(result, 'knifeB').components.content!);
  });
});

describe('Engine: profile, export, forget', () => {
  async function withHistory(options: LocalRankOptions = { model: false, namespace: 'shop-1' }) {
    const h = await setup(options);
    await h.engine.upsertItems([
      item('s1', 'Trail Shoe', { category: 'Shoes > Running', vector: { encoder: 'x', values: [1, 0] }, cfVector: [0.5, 0.5], tags: ['trail'] }),
      item('k1', 'Chef Knife', { category: 'Kitchen' }),
      item('unused', 'Unused', { category: 'Other' }),
    ]);
    await h.engine.track(
      [
        { type: 'view', itemId: 's1' },
        { type: 'view', itemId: 'k1' },
        { type: 'purchase', itemId: 's1' },
        { type: 'search', query: 'trail' },
      ],
      'batch-A',
    );
    return h;
  }

  it('profile() counts events and describes them in a sentence', async () => {
    const { engine } = await withHistory();
    const profile = await engine.profile();
    expect(profile.counts).toEqual({ view: 2, purchase: 1, search: 1 });
    expect(profile.recentItems).toEqual([
      { id: 's1', title: 'Trail Shoe', type: 'purchase', timestamp: T0 },
      { id: 'k1', title: 'Chef Knife', type: 'view', timestamp: T0 },
    ]);
    expect(profile.recentSearches).toEqual(['trail']);
    // Interests are clusters of engaged items, labelled by their titles. The shoe (view 1 + purchase 6)
    // outweighs the knife (view 1); the two share no words, so they do not merge.
    const shoe = profile.interests.find((i) => i.itemIds.includes('s1'))!;
    const knife = profile.interests.find((i) => i.itemIds.includes('k1'))!;
    expect(shoe).toMatchObject({ label: 'Trail Shoe', titles: ['Trail Shoe'] });
    expect(knife).toMatchObject({ label: 'Chef Knife', itemIds: ['k1'] });
    expect(shoe.strength).toBeGreaterThan(knife.strength * 5);
    expect(profile.interests[0]).toBe(shoe);
    // Affinities: the category of the purchase leads, with its parent level.
    expect(profile.affinities.category.map((a) => a.label).slice(0, 2)).toEqual(['Shoes > Running', 'Shoes']);
    expect(profile.affinities.tag.map((a) => a.label)).toEqual(['trail']);
    expect(profile.text).toContain('Shoes > Running');
    expect(profile.text).toContain('trail');
    expect(profile.encoder.id).toBe('lexical:v1:16384');
    expect(profile.storage).toMatchObject({ kind: 'indexeddb', encrypted: false, events: 4 });
    expect(profile.storage.bytes.log).toBeGreaterThan(0);
  });

  it('profile() of an empty history says nothing is stored', async () => {
    const { engine } = await setup({ model: false });
    const profile = await engine.profile();
    expect(profile.counts).toEqual({});
    expect(profile.recentItems).toEqual([]);
    expect(profile.interests).toEqual([]);
    expect(profile.text).toBe('Nothing learned yet.');
    expect(profile.storage.events).toBe(0);
  });

  it('exportData() returns versioned JSON with the events and slim item snapshots', async () => {
    const { engine, clock } = await withHistory();
    clock.advance(5000);
    const data = await engine.exportData();
    const { summary, ...rest } = data;
    expect(rest).toEqual({
      format: 'localrank-export',
      version: 2,
      namespace: 'shop-1',
      exportedAt: T0 + 5000,
      events: [
        { id: 'batch-A:0', seq: 1, type: 'view', itemId: 's1', timestamp: T0 },
        { id: 'batch-A:1', seq: 2, type: 'view', itemId: 'k1', timestamp: T0 },
        { id: 'batch-A:2', seq: 3, type: 'purchase', itemId: 's1', timestamp: T0 },
        { id: 'batch-A:3', seq: 4, type: 'search', query: 'trail', timestamp: T0 },
      ],
      items: [
        { id: 's1', title: 'Trail Shoe', category: 'Shoes > Running', tags: ['trail'] },
        { id: 'k1', title: 'Chef Knife', category: 'Kitchen' },
      ],
    });
    expect(summary).toMatchObject({ format: 'localrank-summary', version: 1, seq: 4, counts: { view: 2, purchase: 1, search: 1 } });
    expect(JSON.parse(JSON.stringify(data))).toEqual(data);
  });

  it('exportData() is a copy the caller cannot use to change the log', async () => {
    const { engine } = await withHistory();
    const data = await engine.exportData();
    data.events.length = 0;
    expect((await engine.exportData()).events).toHaveLength(4);
  });

  it('forget() erases the events, items and caches but keeps the catalogue', async () => {
    const { engine, stores } = await withHistory({ namespace: 'shop-1' });
    await engine.rank(['s1', 'k1']); // fills the embedding cache
    const cacheStore = stores.get('localrank:shop-1:embeddings')!;
    expect((await cacheStore.keys()).length).toBeGreaterThan(0);

    await engine.forget();
    const data = await engine.exportData();
    expect(data.events).toEqual([]);
    expect(data.items).toEqual([]);
    expect((await engine.profile()).counts).toEqual({});
    for (const [name, store] of stores) expect(await store.keys(), name).toEqual([]);

    const result = await engine.rank(['s1', 'k1']); // the catalogue is the host's: still known
    expect(result.coldStart).toBe(true);

    // A new engine over the same stores sees nothing either.
    const again = await setup({ model: false, namespace: 'shop-1' }, { stores });
    expect((await again.engine.exportData()).events).toEqual([]);
  });

  it('persists the profile in the store for the next engine', async () => {
    const stores = new Map<string, KeyValueStore>();
    const first = await setup({ model: false }, { stores });
    await first.engine.upsertItems([item('a', 'shoe a', { category: 'Shoes' })]);
    await first.engine.track({ type: 'view', itemId: 'a' }, 'b1');
    const second = await setup({ model: false }, { stores });
    expect((await second.engine.exportData()).events.map((e) => e.itemId)).toEqual(['a']);
    // The snapshot makes the item known without an upsert.
    expect((await second.engine.profile()).recentItems[0]).toMatchObject({ id: 'a', title: 'shoe a' });
    expect((await second.engine.track({ type: 'click', itemId: 'a' }, 'b2')).accepted).toBe(1);
  });

  it('embedTexts() uses the serving encoder', async () => {
    const { engine } = await setup();
    const { encoder, vectors } = await engine.embedTexts(['tea']);
    expect(encoder.id).toBe('model:fake');
    expect(Array.from(vectors[0]!)).toEqual(Array.from(keywordVector('tea')));
    await expect(engine.embedTexts(['ok', 3])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'texts[1]' });
  });

  it('dispose() releases the model', async () => {
    const { engine, model } = await setup();
    await engine.dispose();
    expect(model.disposed).toBe(1);
  });

  it('dispose() while the model is still loading releases it once loaded (regression: the session leaked)', async () => {
    const model = fakeModel();
    let finishLoading!: () => void;
    const loaded = new Promise<void>((resolve) => (finishLoading = resolve));
    const engine = new Engine({
      openStore: () => createMemoryStore(),
      storageWorks: () => Promise.resolve(true),
      loadModel: async () => {
        await loaded;
        return model;
      },
      deviceEnvironment: () => ({ isNode: true }),
      now: () => T0,
    });
    await engine.init({ model: { id: 'fake' } });
    const disposing = engine.dispose();
    finishLoading();
    await disposing;
    expect(model.disposed).toBe(1);
    expect((await engine.profile()).encoder.kind).toBe('lexical');
  });
});
