// The capability ladder (src/engine/capabilities.ts): detection over injected scopes, the pure path choice,
// and the adapter shared with the device plan (src/engine/encoder/backend.ts).
import { describe, expect, it, vi } from 'vitest';
import type { CapabilityScope, LowMemoryThresholds, PageFacts, RequestedModel } from '../src/engine/capabilities.ts';
import { choosePath, currentScope, DEFAULT_LOW_MEMORY, detectCapabilities, detectEnvironment, probeWebGpu, readPageFacts } from '../src/engine/capabilities.ts';
import type { GpuAdapterLike } from '../src/engine/encoder/backend.ts';
import type { ModelSource } from '../src/engine/encoder/model.ts';
import { Engine } from '../src/engine/engine.ts';
import { createMemoryStore } from '../src/engine/store/kv.ts';
import { onceAdapter, planDevice } from '../src/engine/encoder/backend.ts';
import type { Capabilities } from '../src/types.ts';

const PAGE: PageFacts = { worker: 'module', deviceMemoryGb: 8, hardwareConcurrency: 4 };

/** A browser worker that offers everything except WebGPU and cross-origin isolation. */
function scope(overrides: Partial<CapabilityScope> = {}): CapabilityScope {
  return {
    WebAssembly,
    crossOriginIsolated: false,
    SharedArrayBuffer,
    indexedDBWorks: () => Promise.resolve(true),
    locks: { query: () => Promise.resolve({}) },
    caches: { keys: () => Promise.resolve([]) },
    gpu: { isNode: false },
    ...overrides,
  };
}

/** Capabilities of a browser with everything a model needs, changed by `overrides`. */
function capable(overrides: Partial<Capabilities> = {}): Capabilities {
  return {
    worker: 'module',
    webAssembly: { available: true, simd: true, threads: false },
    webgpu: { api: true, adapter: null, f16: false },
    indexedDB: true,
    webLocks: true,
    cacheApi: true,
    crossOriginIsolated: false,
    deviceMemoryGb: 8,
    hardwareConcurrency: 4,
    ...overrides,
  };
}

const AUTO = { device: 'auto' as const };

describe('detectCapabilities', () => {
  it('reports what a capable worker offers, and what the page said', async () => {
    const caps = await detectCapabilities(scope(), { worker: 'classic', deviceMemoryGb: 2, hardwareConcurrency: 8 });
    expect(caps).toEqual({
      worker: 'classic',
      webAssembly: { available: true, simd: true, threads: false },
      webgpu: { api: false, adapter: null, f16: false },
      indexedDB: true,
      webLocks: true,
      cacheApi: true,
      crossOriginIsolated: false,
      deviceMemoryGb: 2,
      hardwareConcurrency: 8,
    });
  });

  it('without a WebAssembly global: unavailable, with the reason', async () => {
    const caps = await detectCapabilities(scope({ WebAssembly: undefined }), PAGE);
    expect(caps.webAssembly).toEqual({ available: false, simd: false, threads: false, reason: 'no WebAssembly global' });
  });

  it('where compiling is refused (a CSP without wasm-unsafe-eval): unavailable, with the browser message', async () => {
    const refusing = {
      validate: () => true,
      Module: class {
        constructor() {
          throw new Error("WebAssembly.Module(): Refused to compile or instantiate WebAssembly module because 'unsafe-eval' is not an allowed source");
        }
      },
    };
    const caps = await detectCapabilities(scope({ WebAssembly: refusing }), PAGE);
    expect(caps.webAssembly).toMatchObject({ available: false, simd: false, reason: expect.stringContaining('Refused to compile') });
  });

  it('SIMD comes from validating a SIMD module; a validator that throws means no SIMD', async () => {
    const validates = vi.fn((bytes: Uint8Array) => bytes.length === 8); // accepts only the empty module
    expect((await detectCapabilities(scope({ WebAssembly: { validate: validates, Module: WebAssembly.Module } }), PAGE)).webAssembly).toEqual({ available: true, simd: false, threads: false });
    expect(validates).toHaveBeenCalledTimes(1);
    const throwing = { validate: () => { throw new Error('no'); }, Module: WebAssembly.Module };
    expect((await detectCapabilities(scope({ WebAssembly: throwing }), PAGE)).webAssembly.simd).toBe(false);
  });

  it('threads need cross-origin isolation and SharedArrayBuffer', async () => {
    expect((await detectCapabilities(scope({ crossOriginIsolated: true }), PAGE)).webAssembly.threads).toBe(true);
    expect((await detectCapabilities(scope({ crossOriginIsolated: true, SharedArrayBuffer: undefined }), PAGE)).webAssembly.threads).toBe(false);
    expect((await detectCapabilities(scope({ crossOriginIsolated: false }), PAGE)).webAssembly.threads).toBe(false);
  });

  it('storage, locks and caches count only when they answer (an opaque origin has the objects but they reject)', async () => {
    const refused = () => Promise.reject(new DOMException('opaque origin', 'SecurityError'));
    const caps = await detectCapabilities(scope({ indexedDBWorks: refused, locks: { query: refused }, caches: { keys: refused } }), PAGE);
    expect(caps).toMatchObject({ indexedDB: false, webLocks: false, cacheApi: false });
    const absent = await detectCapabilities(scope({ indexedDBWorks: () => Promise.resolve(false), locks: undefined, caches: undefined }), PAGE);
    expect(absent).toMatchObject({ indexedDB: false, webLocks: false, cacheApi: false });
  });

  it('keeps the reason no worker started', async () => {
    const caps = await detectCapabilities(scope(), { ...PAGE, worker: 'none', workerError: 'the worker did not start' });
    expect(caps).toMatchObject({ worker: 'none', workerError: 'the worker did not start' });
  });
});

describe('probeWebGpu', () => {
  const gpu = (requestAdapter: () => Promise<GpuAdapterLike | null>) => ({ isNode: false, requestAdapter });
  it('tells a hardware adapter from a software one, and reads shader-f16', async () => {
    const f16 = { has: (name: string) => name === 'shader-f16' };
    expect(await probeWebGpu(gpu(() => Promise.resolve({ info: { vendor: 'apple' }, features: f16 })))).toEqual({ api: true, adapter: 'hardware', f16: true });
    expect(await probeWebGpu(gpu(() => Promise.resolve({ info: { isFallbackAdapter: true } })))).toEqual({ api: true, adapter: 'fallback', f16: false });
    expect(await probeWebGpu(gpu(() => Promise.resolve({ isFallbackAdapter: true })))).toMatchObject({ adapter: 'fallback' });
  });

  it('no navigator.gpu, no adapter, a failed request: none, with the reason', async () => {
    expect(await probeWebGpu({ isNode: false })).toEqual({ api: false, adapter: 'none', f16: false, reason: 'no navigator.gpu' });
    expect(await probeWebGpu(gpu(() => Promise.resolve(null)))).toMatchObject({ api: true, adapter: 'none', reason: expect.stringContaining('no adapter') });
    expect(await probeWebGpu(gpu(() => Promise.reject(new Error('GPU process crashed'))))).toMatchObject({ adapter: 'none', reason: 'requestAdapter() failed: GPU process crashed' });
  });

  it('an adapter request that never answers counts as failed after the timeout, for the report and the device plan alike', async () => {
    vi.useFakeTimers();
    try {
      const requestAdapter = vi.fn(() => new Promise<GpuAdapterLike | null>(() => undefined));
      const shared = onceAdapter({ isNode: false, requestAdapter }, 2000);
      const report = probeWebGpu(shared);
      const plan = planDevice('auto', shared);
      await vi.advanceTimersByTimeAsync(2000);
      expect(await report).toMatchObject({ adapter: 'none', reason: 'requestAdapter() failed: no answer within 2000 ms' });
      expect(await plan).toEqual({ kind: 'fixed', choice: { device: 'wasm', reason: 'WebGPU adapter request failed: no answer within 2000 ms' } });
      expect(requestAdapter).toHaveBeenCalledTimes(1);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('choosePath', () => {
  it('follows the options where everything is there (no reasons)', () => {
    expect(choosePath(capable(), AUTO, DEFAULT_LOW_MEMORY)).toEqual({ thread: 'worker', encoder: 'model', model: { device: 'auto' }, reasons: [] });
    expect(choosePath(capable(), { device: 'webgpu', dtype: 'fp16' }, DEFAULT_LOW_MEMORY)).toEqual({ thread: 'worker', encoder: 'model', model: { device: 'webgpu', dtype: 'fp16' }, reasons: [] });
    expect(choosePath(capable(), false, DEFAULT_LOW_MEMORY)).toEqual({ thread: 'worker', encoder: 'lexical', reasons: [] });
  });

  it('no worker: the engine on the page, without the model', () => {
    const path = choosePath(capable({ worker: 'none', workerError: 'the Worker constructor threw: Worker is not defined' }), AUTO, DEFAULT_LOW_MEMORY);
    expect(path).toMatchObject({ thread: 'main-thread', encoder: 'lexical' });
    expect(path.model).toBeUndefined();
    expect(path.reasons).toEqual([
      'no worker could start (the Worker constructor threw: Worker is not defined): the engine runs on the page, each call started in an idle period',
      'the model is not loaded on the page: its inference would block the page; the lexical encoder serves',
    ]);
    expect(choosePath(capable({ worker: 'none' }), false, DEFAULT_LOW_MEMORY).reasons).toHaveLength(1);
  });

  it('no WebAssembly, or no SIMD: no model', () => {
    const noWasm = choosePath(capable({ webAssembly: { available: false, simd: false, threads: false, reason: 'no WebAssembly global' } }), AUTO, DEFAULT_LOW_MEMORY);
    expect(noWasm).toEqual({ thread: 'worker', encoder: 'lexical', reasons: ['WebAssembly is unavailable (no WebAssembly global): the model cannot run; the lexical encoder serves'] });
    const noSimd = choosePath(capable({ webAssembly: { available: true, simd: false, threads: false } }), { device: 'webgpu' }, DEFAULT_LOW_MEMORY);
    expect(noSimd).toMatchObject({ encoder: 'lexical', reasons: [expect.stringContaining('SIMD is unavailable')] });
  });

  it('device memory below lexicalBelowGb: no model', () => {
    for (const gb of [0.25, 0.5]) {
      expect(choosePath(capable({ deviceMemoryGb: gb }), AUTO, DEFAULT_LOW_MEMORY)).toEqual({
        thread: 'worker',
        encoder: 'lexical',
        reasons: [`device memory ${gb} GB is below lowMemory.lexicalBelowGb (1 GB): no model; the lexical encoder serves`],
      });
    }
  });

  it('device memory below smallerDtypeBelowGb: q8 on WASM instead of a larger dtype or the WebGPU probe; smaller dtypes kept', () => {
    for (const gb of [1, 2]) {
      const path = choosePath(capable({ deviceMemoryGb: gb }), AUTO, DEFAULT_LOW_MEMORY);
      expect(path).toMatchObject({ encoder: 'model', model: { device: 'wasm', dtype: 'q8' } });
      expect(path.reasons).toEqual([`device memory ${gb} GB is below lowMemory.smallerDtypeBelowGb (4 GB): the model loads as q8 on WASM, without the WebGPU probe`]);
      expect(path.deviceReason).toBe(path.reasons[0]);
    }
    expect(choosePath(capable({ deviceMemoryGb: 2 }), { device: 'webgpu', dtype: 'fp32' }, DEFAULT_LOW_MEMORY).model).toEqual({ device: 'wasm', dtype: 'q8' });
    expect(choosePath(capable({ deviceMemoryGb: 2 }), { device: 'auto', dtype: 'q4' }, DEFAULT_LOW_MEMORY).model).toEqual({ device: 'wasm', dtype: 'q4' });
    // WASM at the default dtype already is the small path: nothing departs from the options.
    const asked = choosePath(capable({ deviceMemoryGb: 2 }), { device: 'wasm' }, DEFAULT_LOW_MEMORY);
    expect(asked).toEqual({ thread: 'worker', encoder: 'model', model: { device: 'wasm', dtype: 'q8' }, reasons: [] });
    // A dtype change alone is a reason, not a device change.
    const fp16 = choosePath(capable({ deviceMemoryGb: 2 }), { device: 'wasm', dtype: 'fp16' }, DEFAULT_LOW_MEMORY);
    expect(fp16.reasons).toHaveLength(1);
    expect(fp16.deviceReason).toBeUndefined();
  });

  it('at or above the thresholds, with unknown memory, or with lowMemory off: the options as given', () => {
    const requested = { device: 'webgpu' as const, dtype: 'fp32' };
    const asGiven = { thread: 'worker', encoder: 'model', model: requested, reasons: [] };
    expect(choosePath(capable({ deviceMemoryGb: 4 }), requested, DEFAULT_LOW_MEMORY)).toEqual(asGiven);
    expect(choosePath(capable({ deviceMemoryGb: null }), requested, DEFAULT_LOW_MEMORY)).toEqual(asGiven);
    expect(choosePath(capable({ deviceMemoryGb: 0.25 }), requested, null)).toEqual(asGiven);
  });

  it('thresholds are the host’s: zero turns a rung off, a higher one raises it', () => {
    expect(choosePath(capable({ deviceMemoryGb: 0.5 }), AUTO, { smallerDtypeBelowGb: 0, lexicalBelowGb: 0 }).encoder).toBe('model');
    expect(choosePath(capable({ deviceMemoryGb: 8 }), AUTO, { smallerDtypeBelowGb: 16, lexicalBelowGb: 1 }).model).toEqual({ device: 'wasm', dtype: 'q8' });
    expect(choosePath(capable({ deviceMemoryGb: 2 }), AUTO, { smallerDtypeBelowGb: 4, lexicalBelowGb: 4 }).encoder).toBe('lexical');
  });

  it('is pure: the same input gives the same path, and the input is not changed', () => {
    const caps = capable({ deviceMemoryGb: 2 });
    const copy = structuredClone(caps);
    expect(choosePath(caps, AUTO, DEFAULT_LOW_MEMORY)).toEqual(choosePath(caps, AUTO, DEFAULT_LOW_MEMORY));
    expect(caps).toEqual(copy);
  });
});

describe('detectEnvironment', () => {
  const adapterScope = (adapter: GpuAdapterLike | null) => {
    const requestAdapter = vi.fn(() => Promise.resolve(adapter));
    return { requestAdapter, scope: scope({ gpu: { isNode: false, requestAdapter } }) };
  };

  it('asks for the WebGPU adapter only when the path may use it', async () => {
    const auto = adapterScope({ info: { vendor: 'nvidia' } });
    const env = await detectEnvironment(auto.scope, PAGE, AUTO, DEFAULT_LOW_MEMORY);
    expect(env.capabilities.webgpu).toEqual({ api: true, adapter: 'hardware', f16: false });
    expect(auto.requestAdapter).toHaveBeenCalledTimes(1);

    for (const [model, page] of [
      [{ device: 'wasm' as const }, PAGE],
      [false as const, PAGE],
      [AUTO, { ...PAGE, deviceMemoryGb: 2 }],
      [AUTO, { ...PAGE, worker: 'none' as const }],
    ] as const) {
      const unused = adapterScope({});
      const result = await detectEnvironment(unused.scope, page, model, DEFAULT_LOW_MEMORY);
      expect(result.capabilities.webgpu).toEqual({ api: true, adapter: null, f16: false });
      expect(unused.requestAdapter).not.toHaveBeenCalled();
    }
  });
});

describe('readPageFacts and currentScope', () => {
  it('reads navigator (Node has hardwareConcurrency, no deviceMemory)', () => {
    const facts = readPageFacts('none', 'blocked');
    expect(facts.worker).toBe('none');
    expect(facts.workerError).toBe('blocked');
    expect(facts.deviceMemoryGb).toBeNull();
    expect(facts.hardwareConcurrency === null || facts.hardwareConcurrency > 0).toBe(true);
  });

  it('reads what a page reports, and ignores nonsense', () => {
    const original = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
    try {
      Object.defineProperty(globalThis, 'navigator', { configurable: true, value: { deviceMemory: 0.5, hardwareConcurrency: 'many' } });
      expect(readPageFacts('module')).toEqual({ worker: 'module', deviceMemoryGb: 0.5, hardwareConcurrency: null });
    } finally {
      if (original) Object.defineProperty(globalThis, 'navigator', original);
    }
  });

  it('the current scope of Node has WebAssembly with SIMD, and no caches', async () => {
    const caps = await detectCapabilities(currentScope(() => Promise.resolve(false), { isNode: true }), PAGE);
    expect(caps.webAssembly).toMatchObject({ available: true, simd: true });
    expect(caps.cacheApi).toBe(false);
  });
});

describe('the engine on the chosen path', () => {
  type Emitted = Array<{ type: string; payload: unknown }>;

  async function engineOn(page: PageFacts, options: Record<string, unknown>, withEnvironment = true) {
    const sources: ModelSource[] = [];
    const emitted: Emitted = [];
    const engine = new Engine({
      openStore: () => createMemoryStore(),
      storageWorks: () => Promise.resolve(true),
      loadModel: (source) => {
        sources.push(source);
        const info = { id: `model:${source.id}`, kind: 'model' as const, dimension: 4, device: source.device, ...(source.dtype ? { dtype: source.dtype } : {}) };
        return Promise.resolve({ info, embed: (texts: readonly string[]) => Promise.resolve(texts.map(() => Float32Array.of(0.5, 0.5, 0.5, 0.5))) });
      },
      deviceEnvironment: () => ({ isNode: false }),
      now: () => Date.UTC(2026, 0, 15),
      ...(withEnvironment ? { environment: (model: RequestedModel, lowMemory: LowMemoryThresholds | null) => detectEnvironment(scope(), page, model, lowMemory) } : {}),
    });
    await engine.init({ runtimeUrl: 'https://cdn.example/ort/', model: { id: 'm', baseUrl: 'https://cdn.example/models/' }, ...options }, (type, payload) => emitted.push({ type, payload }));
    await engine.whenModelSettled();
    return { engine, sources, emitted };
  }

  it('reports the environment once, before the first encoder event, and in profile()', async () => {
    const { engine, emitted } = await engineOn(PAGE, {});
    const types = emitted.map((e) => e.type);
    expect(types.filter((t) => t === 'environment')).toHaveLength(1);
    expect(types.indexOf('environment')).toBeLessThan(types.indexOf('encoder'));
    const report = emitted.find((e) => e.type === 'environment')!.payload as { path: unknown };
    expect(report.path).toEqual({ thread: 'worker', encoder: 'model', model: { device: 'auto' }, storage: 'indexeddb', reasons: [] });
    expect((await engine.profile()).environment).toEqual(report);
  });

  it('on the lexical rung no model is loaded, and no error says it failed', async () => {
    for (const page of [{ ...PAGE, deviceMemoryGb: 0.5 }, { ...PAGE, worker: 'none' as const, workerError: 'blocked' }]) {
      const { sources, emitted } = await engineOn(page, {});
      expect(sources).toEqual([]);
      expect(emitted.filter((e) => e.type === 'error')).toEqual([]);
      expect(emitted.filter((e) => e.type === 'encoder').map((e) => (e.payload as { kind: string }).kind)).toEqual(['lexical']);
    }
  });

  it('on a low-memory device the model loads as q8 on WASM, and the backend event says why', async () => {
    const { sources, emitted } = await engineOn({ ...PAGE, deviceMemoryGb: 2 }, { model: { id: 'm', baseUrl: 'https://cdn.example/models/', dtype: 'fp32', device: 'webgpu' } });
    expect(sources.map((s) => [s.device, s.dtype, s.ortBuild])).toEqual([['wasm', 'q8', 'wasm']]);
    expect(emitted.find((e) => e.type === 'backend')!.payload).toEqual({
      device: 'wasm',
      reason: 'device memory 2 GB is below lowMemory.smallerDtypeBelowGb (4 GB): the model loads as q8 on WASM, without the WebGPU probe',
    });
    expect(emitted.filter((e) => e.type === 'encoder').at(-1)!.payload).toMatchObject({ kind: 'model', device: 'wasm', dtype: 'q8' });
  });

  it('storage in the path is where the profile lives: memory when IndexedDB does not open', async () => {
    const sources: ModelSource[] = [];
    const emitted: Emitted = [];
    const engine = new Engine({
      openStore: () => createMemoryStore(),
      storageWorks: () => Promise.resolve(false),
      loadModel: (source) => (sources.push(source), Promise.reject(new Error('unused'))),
      deviceEnvironment: () => ({ isNode: false }),
      now: () => 0,
      environment: (model, lowMemory) => detectEnvironment(scope({ indexedDBWorks: () => Promise.resolve(false) }), PAGE, model, lowMemory),
    });
    await engine.init({ model: false }, (type, payload) => emitted.push({ type, payload }));
    expect((await engine.profile()).environment).toMatchObject({ capabilities: { indexedDB: false }, path: { storage: 'memory', encoder: 'lexical' } });
    expect(emitted.map((e) => e.type)).toEqual(['degraded', 'environment', 'encoder']);
  });

  it('a detection that fails (globals broken by the page) does not stop the engine: the options are followed, nothing is reported', async () => {
    const emitted: Emitted = [];
    const engine = new Engine({
      openStore: () => createMemoryStore(),
      storageWorks: () => Promise.resolve(true),
      loadModel: () => Promise.reject(new Error('unused')),
      deviceEnvironment: () => ({ isNode: false }),
      now: () => 0,
      environment: () => Promise.reject(new TypeError('navigator.locks.query is not a function')),
    });
    await expect(engine.init({ model: false }, (type, payload) => emitted.push({ type, payload }))).resolves.toMatchObject({ storage: 'indexeddb' });
    expect(emitted.map((e) => e.type)).toEqual(['encoder']);
    expect((await engine.profile()).environment).toBeUndefined();
  });

  it('outside a browser (no environment dependency: Node, the CLI, eval) the options are followed and nothing is reported', async () => {
    const { engine, sources, emitted } = await engineOn({ ...PAGE, deviceMemoryGb: 0.25 }, {}, false);
    expect(sources.map((s) => s.device)).toEqual(['wasm']);
    expect(emitted.some((e) => e.type === 'environment')).toBe(false);
    expect((await engine.profile()).environment).toBeUndefined();
  });
});

describe('the engine on the page', () => {
  const items = Array.from({ length: 1200 }, (_, i) => ({ id: `i${i}`, title: ['trail running shoes', 'cast iron pan', 'rain jacket'][i % 3]! + ` ${i}`, popularity: i % 17 }));
  const engineWith = async (yieldToHost?: () => Promise<void>) => {
    const engine = new Engine({
      openStore: () => createMemoryStore(),
      storageWorks: () => Promise.resolve(true),
      loadModel: () => Promise.reject(new Error('unused')),
      deviceEnvironment: () => ({ isNode: false }),
      now: () => Date.UTC(2026, 0, 15),
      ...(yieldToHost ? { yieldToHost } : {}),
    });
    await engine.init({ model: false });
    return engine;
  };

  it('computes the lexical rows of a large upsert in slices, yielding to the page between them, and ranks as in a worker', async () => {
    const yieldToHost = vi.fn(() => new Promise<void>((resolve) => setTimeout(resolve, 0)));
    const sliced = await engineWith(yieldToHost);
    const whole = await engineWith();
    await Promise.all([sliced.upsertItems(items), whole.upsertItems(items)]);
    expect(yieldToHost).toHaveBeenCalledTimes(2); // 1,200 items: slices of 500, 500 and 200
    for (const engine of [sliced, whole]) await engine.track({ type: 'view', itemId: 'i0' }, 'b1');
    const ids = items.map((i) => i.id).slice(1);
    const [a, b] = await Promise.all([sliced.rank(ids, { k: 20 }), whole.rank(ids, { k: 20 })]);
    expect(a.items.map((i) => [i.id, i.score])).toEqual(b.items.map((i) => [i.id, i.score]));
  });

  it('a forget() between two slices leaves a consistent index (the rest computed when next needed)', async () => {
    let yielded = 0;
    let release: () => void = () => undefined;
    const engine = await engineWith(() => {
      yielded++;
      return new Promise<void>((resolve) => (release = resolve));
    });
    const upsert = engine.upsertItems(items);
    await vi.waitFor(() => expect(yielded).toBe(1));
    await engine.forget({});
    release();
    await expect(upsert).resolves.toEqual({ count: 1200 });
    expect(yielded).toBe(1); // the upsert stopped slicing: its index is gone
    // Items of the later slices (no lexical row yet) still rank, their rows computed now: shoes first after viewing shoes.
    await engine.track({ type: 'view', itemId: 'i0' }, 'b1');
    const ranked = await engine.rank(['i1100', 'i1101', 'i1102'], {});
    expect(ranked.items[0]!.id).toBe('i1101');
  });
});
