// The client (src/client/*) over a fake worker: a MessageChannel whose far end runs comlink.expose
// with a hand-written fake engine. Exercises worker-host restarts and the error protocol (src/protocol.ts).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { expose } from 'comlink';
import { createLocalRankWith } from '../src/client/create.ts';
import type { Scheduler } from '../src/client/page-engine.ts';
import { startEngineOnPage } from '../src/client/page-engine.ts';
import type { EngineLaunch } from '../src/client/worker-host.ts';
import type { PageFacts } from '../src/engine/capabilities.ts';
import { LocalRankError } from '../src/errors.ts';
import type { EncoderInfo, ExportedData, LocalRankErrorInfo, LocalRankEvents, LocalRankOptions, ProfileSummary } from '../src/types.ts';
import { rejected } from './caught.js';

const LEXICAL: EncoderInfo = { id: 'lexical:v1:16384', kind: 'lexical', dimension: 16384 };
const PROFILE: ProfileSummary = {
  counts: {},
  recentItems: [],
  recentSearches: [],
  interests: [],
  text: 'Nothing stored yet.',
  encoder: LEXICAL,
  affinities: { category: [], brand: [], tag: [], priceBand: [] },
  storage: { kind: 'memory', encrypted: false, events: 0, bytes: { log: 0, items: 0, summary: 0 } },
};

type RemoteEmit = <K extends keyof LocalRankEvents>(type: K, payload: LocalRankEvents[K]) => Promise<void>;

/** What one fake worker's engine saw. */
interface FakeEngine {
  index: number;
  initOptions?: unknown;
  /** What the page told the engine about itself (the worker outcome, device memory). */
  initFacts?: PageFacts;
  /** The page's event callback, as the engine holds it: a comlink proxy. */
  emit?: RemoteEmit;
  upserts: unknown[];
  tracks: Array<{ events: unknown; batchId: string }>;
  ranks: unknown[][];
  calls: string[];
  disposed: number;
}

type Method = 'init' | 'upsertItems' | 'track' | 'rank' | 'profile' | 'exportData' | 'forget' | 'dispose';
/** Per-worker overrides: the return value (or a promise, or a throw) of a method, after it was recorded. */
type Behaviour = (engine: FakeEngine) => Partial<Record<Method, (...args: never[]) => unknown>>;

function fakeApi(engine: FakeEngine, overrides: ReturnType<Behaviour>) {
  const run = (method: Method, fallback: () => unknown, args: unknown[]): unknown => {
    engine.calls.push(method);
    const override = overrides[method] as ((...a: unknown[]) => unknown) | undefined;
    return override ? override(...args) : fallback();
  };
  return {
    init(options: unknown, emit: RemoteEmit, facts?: PageFacts) {
      engine.initOptions = options;
      if (facts) engine.initFacts = facts;
      engine.emit = emit;
      return run('init', () => ({ encoder: LEXICAL, storage: 'memory' }), [options]);
    },
    whenModelSettled: () => LEXICAL,
    upsertItems(items: unknown[]) {
      engine.upserts.push(items);
      return run('upsertItems', () => ({ count: items.length }), [items]);
    },
    track(events: unknown, batchId: string) {
      engine.tracks.push({ events, batchId });
      return run('track', () => ({ accepted: Array.isArray(events) ? events.length : 1, rejected: [] }), [events, batchId]);
    },
    rank(candidates: unknown[], options: unknown) {
      engine.ranks.push([candidates, options]);
      return run(
        'rank',
        () => ({ items: candidates.map((c, i) => ({ id: typeof c === 'string' ? c : (c as { id: string }).id, score: -i, components: {}, reasons: [] })), encoder: LEXICAL, coldStart: true, elapsedMs: 0 }),
        [candidates, options],
      );
    },
    profile: () => run('profile', () => PROFILE, []),
    exportData: () =>
      run('exportData', (): ExportedData => ({ format: 'localrank-export', version: 2, namespace: 'default', exportedAt: 1, events: [], items: [], summary: {} }), []),
    forget: () => run('forget', () => undefined, []),
    dispose() {
      engine.disposed++;
      return run('dispose', () => undefined, []);
    },
  };
}

const openPorts: MessagePort[] = [];

/** A Worker look-alike: messages go through a MessagePort, `error` events are dispatched by hand. */
class FakeWorker extends EventTarget {
  readonly terminate = vi.fn(() => {
    this.port.close();
  });

  constructor(private readonly port: MessagePort) {
    super();
    port.start();
  }

  postMessage(message: unknown, transfer?: Transferable[]): void {
    this.port.postMessage(message, transfer ?? []);
  }

  override addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void {
    if (type === 'message') this.port.addEventListener(type, listener as EventListener, options);
    else super.addEventListener(type, listener, options);
  }

  override removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | EventListenerOptions): void {
    if (type === 'message') this.port.removeEventListener(type, listener as EventListener, options);
    else super.removeEventListener(type, listener, options);
  }

  /** What a browser does when the worker dies of an uncaught error. */
  crash(message = 'Uncaught RangeError: out of memory'): void {
    this.dispatchEvent(Object.assign(new Event('error', { cancelable: true }), { message }));
  }

  /** What a browser does when the worker's script cannot load (blocked by worker-src, or a 404): a plain event, no message. */
  failToLoad(): void {
    this.dispatchEvent(new Event('error', { cancelable: true }));
  }
}

function harness(behaviour: Behaviour = () => ({})) {
  const workers: FakeWorker[] = [];
  const engines: FakeEngine[] = [];
  const spawn = vi.fn((): Worker => {
    const { port1, port2 } = new MessageChannel();
    openPorts.push(port1, port2);
    const engine: FakeEngine = { index: engines.length, upserts: [], tracks: [], ranks: [], calls: [], disposed: 0 };
    engines.push(engine);
    expose(fakeApi(engine, behaviour(engine)), port2);
    const worker = new FakeWorker(port1);
    workers.push(worker);
    return worker as unknown as Worker;
  });
  const worker = (i: number): FakeWorker => workers[i]!;
  const engine = (i: number): FakeEngine => engines[i]!;
  return { spawn, workers, engines, worker, engine };
}

function start(h: ReturnType<typeof harness>, options: LocalRankOptions = { model: false }, runtimeUrl?: string) {
  return startWith({ spawn: h.spawn, worker: 'module' }, options, runtimeUrl);
}

/** An instance started the way `launch` says, with the error events it emits. */
function startWith(launch: EngineLaunch, options: LocalRankOptions = { model: false }, runtimeUrl?: string) {
  const lr = createLocalRankWith(launch, options, runtimeUrl);
  const errors: LocalRankErrorInfo[] = [];
  lr.on('error', (e) => errors.push(e));
  return { lr, errors };
}

/** Generous: the CI machine has 2 cores. */
const WAIT = { timeout: 5000 };
const never = <T>(): Promise<T> => new Promise<T>(() => undefined);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));


afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  for (const port of openPorts.splice(0)) port.close();
});

// ---------------------------------------------------------------------------

describe('client: calls', () => {
  it('ready resolves once the engine is initialised, with the prepared options', async () => {
    const h = harness();
    const { lr } = start(h, { namespace: 'shop', model: { id: 'm', baseUrl: 'https://cdn.example/models/' } }, 'https://cdn.example/ort/');
    await expect(lr.ready).resolves.toBeUndefined();
    expect(h.spawn).toHaveBeenCalledTimes(1);
    expect(h.engine(0).initOptions).toEqual({
      namespace: 'shop',
      model: { id: 'm', baseUrl: 'https://cdn.example/models/' },
      runtimeUrl: 'https://cdn.example/ort/',
    });
    expect(h.engine(0).calls).toEqual(['init']);
  });

  it('forwards arguments and results', async () => {
    const h = harness();
    const { lr } = start(h);
    await lr.ready;

    expect(await lr.upsertItems([{ id: 'a', title: 'A' }])).toEqual({ count: 1 });
    expect(h.engine(0).upserts).toEqual([[{ id: 'a', title: 'A' }]]);

    const result = await lr.rank(['a', { id: 'b', title: 'B', price: 3 }], { k: 1, excludeSeen: true });
    expect(result.items.map((i) => i.id)).toEqual(['a', 'b']);
    expect(h.engine(0).ranks[0]).toEqual([['a', { id: 'b', title: 'B', price: 3 }], { k: 1, excludeSeen: true }]);
    await lr.rank(['a']);
    expect(h.engine(0).ranks[1]).toEqual([['a'], {}]);

    expect(await lr.track({ type: 'view', itemId: 'a' })).toEqual({ accepted: 1, rejected: [] });
    expect(await lr.track([{ type: 'view', itemId: 'a' }, { type: 'search', query: 'q' }])).toEqual({ accepted: 2, rejected: [] });
    const [t1, t2] = h.engine(0).tracks;
    expect(t1!.events).toEqual({ type: 'view', itemId: 'a' });
    expect(t2!.events).toEqual([{ type: 'view', itemId: 'a' }, { type: 'search', query: 'q' }]);
    expect(typeof t1!.batchId).toBe('string');
    expect(t1!.batchId.length).toBeGreaterThan(0);
    expect(t2!.batchId).not.toBe(t1!.batchId);

    expect(await lr.profile()).toEqual(PROFILE);
    expect((await lr.export()).format).toBe('localrank-export');
    await expect(lr.forget()).resolves.toBeUndefined();
    expect(h.engine(0).calls).toEqual(['init', 'upsertItems', 'rank', 'rank', 'track', 'track', 'profile', 'exportData', 'forget']);
  });

  it('a LocalRankError thrown in the engine arrives with its code and field', async () => {
    const h = harness(() => ({
      upsertItems: () => {
        throw new LocalRankError('INVALID_ITEM', 'items[0].title must be a string', 'items[0].title');
      },
      rank: () => Promise.reject(new LocalRankError('UNKNOWN_ITEM', 'candidates[2] "x" is not a known item', 'candidates[2]')),
      forget: () => Promise.reject(new LocalRankError('STORAGE_FAILED', 'quota exceeded')),
    }));
    const { lr } = start(h);
    await lr.ready;

    const invalid = await rejected(lr.upsertItems([{ id: 'a', title: 5 as never }]));
    expect({ name: invalid.name, code: invalid.code, field: invalid.field, message: invalid.message }).toEqual({
      name: 'LocalRankError',
      code: 'INVALID_ITEM',
      field: 'items[0].title',
      message: 'items[0].title must be a string',
    });
    const unknown = await rejected(lr.rank(['a', 'b', 'x']));
    expect([unknown.code, unknown.field]).toEqual(['UNKNOWN_ITEM', 'candidates[2]']);
    const storage = await rejected(lr.forget());
    expect(storage.code).toBe('STORAGE_FAILED');
    expect(storage.field).toBeUndefined();
    expect(storage.toJSON()).toEqual({ code: 'STORAGE_FAILED', message: 'quota exceeded' });
    expect(h.spawn).toHaveBeenCalledTimes(1); // errors are not crashes
  });

  it('any other error thrown in the engine arrives as a LocalRankError with its message', async () => {
    const h = harness(() => ({
      profile: () => {
        throw new TypeError('cannot read properties of undefined');
      },
    }));
    const { lr } = start(h);
    await lr.ready;
    const error = await rejected(lr.profile());
    expect(error.message).toBe('cannot read properties of undefined');
    expect(typeof error.code).toBe('string');
    expect(h.spawn).toHaveBeenCalledTimes(1);
    expect(h.engine(0).calls.filter((c) => c === 'profile')).toHaveLength(1); // not retried
  });

  it('ready rejects with the engine error when init fails', async () => {
    const h = harness(() => ({
      init: () => Promise.reject(new LocalRankError('INVALID_ARGUMENT', 'options.maxEvents must be a whole number > 0', 'options.maxEvents')),
    }));
    const { lr } = start(h, { maxEvents: 0 });
    const error = await rejected(lr.ready);
    expect([error.code, error.field]).toEqual(['INVALID_ARGUMENT', 'options.maxEvents']);
  });

  it('does not remember items the engine rejected', async () => {
    const h = harness((e) => (e.index === 0 ? { upsertItems: (items: unknown[]) => (items.length > 1 ? Promise.reject(new LocalRankError('INVALID_ITEM', 'bad', 'items[1].title')) : { count: 1 }) } : {}));
    const { lr } = start(h);
    await lr.ready;
    await lr.upsertItems([{ id: 'good', title: 'Good' }]);
    await expect(lr.upsertItems([{ id: 'x', title: 'X' }, { id: 'y', title: '' }])).rejects.toMatchObject({ code: 'INVALID_ITEM' });
    h.worker(0).crash();
    await lr.profile();
    expect(h.engine(1).upserts).toEqual([[{ id: 'good', title: 'Good' }]]);
  });
});

describe('client: restarts', () => {
  it('a crash during an in-flight track respawns, replays items and retries the call with the same batch id', async () => {
    const h = harness((e) => (e.index === 0 ? { track: () => never() } : {}));
    const { lr, errors } = start(h);
    await lr.ready;
    const items = [
      { id: 'a', title: 'Trail Shoe', price: 90 },
      { id: 'b', title: 'Chef Knife' },
    ];
    await lr.upsertItems(items);
    await lr.upsertItems([{ id: 'a', title: 'Trail Shoe v2' }]);

    const pending = lr.track({ type: 'view', itemId: 'a' });
    await vi.waitFor(() => expect(h.engine(0).tracks).toHaveLength(1), WAIT);
    h.worker(0).crash('worker ran out of memory');

    await expect(pending).resolves.toEqual({ accepted: 1, rejected: [] });
    expect(h.spawn).toHaveBeenCalledTimes(2);
    expect(h.worker(0).terminate).toHaveBeenCalled();
    // The new worker got the catalogue (latest version of each item) before the retried call.
    expect(h.engine(1).calls).toEqual(['init', 'upsertItems', 'track']);
    expect(h.engine(1).upserts).toEqual([[{ id: 'a', title: 'Trail Shoe v2' }, { id: 'b', title: 'Chef Knife' }]]);
    expect(h.engine(1).tracks).toHaveLength(1);
    expect(h.engine(1).tracks[0]!.batchId).toBe(h.engine(0).tracks[0]!.batchId);
    expect(h.engine(1).tracks[0]!.events).toEqual({ type: 'view', itemId: 'a' });
    expect(errors).toEqual([expect.objectContaining({ code: 'WORKER_CRASHED' })]);
    expect(errors[0]!.message).toContain('worker ran out of memory');
    // Later calls go to the new worker.
    await lr.profile();
    expect(h.engine(1).calls).toContain('profile');
    expect(h.engine(0).calls).not.toContain('profile');
  });

  it('retries a crashed call only once', async () => {
    const h = harness(() => ({ track: () => never() }));
    const { lr } = start(h);
    await lr.ready;
    const pending = lr.track({ type: 'search', query: 'q' });
    const settled = rejected(pending);
    await vi.waitFor(() => expect(h.engine(0).tracks).toHaveLength(1), WAIT);
    h.worker(0).crash();
    await vi.waitFor(() => expect(h.engines[1]?.tracks).toHaveLength(1), WAIT);
    h.worker(1).crash();
    expect((await settled).code).toBe('WORKER_CRASHED');
    expect(h.spawn).toHaveBeenCalledTimes(3);
  });

  it('calls made while the worker restarts wait for the new one', async () => {
    const h = harness();
    const { lr } = start(h);
    await lr.ready;
    h.worker(0).crash();
    const result = await lr.rank(['a']);
    expect(result.items.map((i) => i.id)).toEqual(['a']);
    expect(h.engine(1).ranks).toHaveLength(1);
    expect(h.engine(0).ranks).toHaveLength(0);
  });

  it('an INFERENCE_FAILED event from the engine restarts the worker after in-flight calls finish', async () => {
    let finishProfile: (() => void) | undefined;
    const h = harness((e) =>
      e.index === 0 ? { profile: () => new Promise((resolve) => (finishProfile = () => resolve(PROFILE))) } : {},
    );
    const { lr, errors } = start(h);
    await lr.ready;
    await lr.upsertItems([{ id: 'a', title: 'A' }]);

    const inFlight = lr.profile();
    await vi.waitFor(() => expect(finishProfile).toBeDefined(), WAIT);
    await h.engine(0).emit!('error', { code: 'INFERENCE_FAILED', message: 'Inference failed: OrtRun error' });
    expect(errors).toEqual([{ code: 'INFERENCE_FAILED', message: 'Inference failed: OrtRun error' }]);

    await sleep(30);
    expect(h.spawn).toHaveBeenCalledTimes(1);
    expect(h.worker(0).terminate).not.toHaveBeenCalled();

    finishProfile!();
    await expect(inFlight).resolves.toEqual(PROFILE);
    await vi.waitFor(() => expect(h.spawn).toHaveBeenCalledTimes(2), WAIT);
    await vi.waitFor(() => expect(h.worker(0).terminate).toHaveBeenCalled(), WAIT);

    await lr.rank(['a']);
    expect(h.engine(1).ranks).toHaveLength(1);
    expect(h.engine(0).ranks).toHaveLength(0);
    expect(h.engine(1).upserts).toEqual([[{ id: 'a', title: 'A' }]]);
    // INFERENCE_FAILED is reported once (by the engine), not as a crash.
    expect(errors.map((e) => e.code)).toEqual(['INFERENCE_FAILED']);
  });

  it('other engine error events are forwarded without a restart', async () => {
    const h = harness();
    const { lr, errors } = start(h);
    await lr.ready;
    await h.engine(0).emit!('error', { code: 'MODEL_LOAD_FAILED', message: '404' });
    await sleep(20);
    expect(errors).toEqual([{ code: 'MODEL_LOAD_FAILED', message: '404' }]);
    expect(h.spawn).toHaveBeenCalledTimes(1);
  });

  it('stops after more than 3 crashes within a minute and emits WORKER_UNAVAILABLE', async () => {
    const h = harness();
    const { lr, errors } = start(h);
    await lr.ready;
    for (let i = 0; i < 3; i++) {
      h.worker(i).crash();
      await lr.profile(); // served by the restarted worker
      expect(h.spawn).toHaveBeenCalledTimes(i + 2);
    }
    h.worker(3).crash();
    expect(h.spawn).toHaveBeenCalledTimes(4);
    expect(h.worker(3).terminate).toHaveBeenCalled();
    expect(errors.map((e) => e.code)).toEqual(['WORKER_CRASHED', 'WORKER_CRASHED', 'WORKER_CRASHED', 'WORKER_CRASHED', 'WORKER_UNAVAILABLE']);
    await expect(lr.profile()).rejects.toMatchObject({ code: 'WORKER_UNAVAILABLE' });
    await sleep(20);
    expect(h.spawn).toHaveBeenCalledTimes(4);
  });

  it('keeps restarting when the crashes are more than a minute apart', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const h = harness();
    const { lr, errors } = start(h);
    await lr.ready;
    for (let i = 0; i < 5; i++) {
      vi.setSystemTime(Date.now() + 61_000);
      h.worker(i).crash();
      await lr.profile();
    }
    expect(h.spawn).toHaveBeenCalledTimes(6);
    expect(errors.map((e) => e.code)).not.toContain('WORKER_UNAVAILABLE');
  });
});

describe('client: lifecycle', () => {
  it('destroy() disposes the engine, terminates the worker, and later calls reject with DESTROYED', async () => {
    const h = harness();
    const { lr } = start(h);
    await lr.ready;
    await lr.destroy();
    expect(h.engine(0).disposed).toBe(1);
    expect(h.worker(0).terminate).toHaveBeenCalledTimes(1);
    for (const call of [() => lr.rank([]), () => lr.track({ type: 'search', query: 'q' }), () => lr.profile(), () => lr.upsertItems([])]) {
      const error = await rejected(call());
      expect(error.code).toBe('DESTROYED');
    }
    await lr.destroy(); // idempotent
    expect(h.worker(0).terminate).toHaveBeenCalledTimes(1);
    expect(h.spawn).toHaveBeenCalledTimes(1);
  });

  it('destroy() terminates the worker even when the engine does not answer', async () => {
    const h = harness(() => ({ dispose: () => never() }));
    const { lr } = start(h);
    await lr.ready;
    await lr.destroy();
    expect(h.worker(0).terminate).toHaveBeenCalled();
  });

  it('a crash after destroy() does not respawn', async () => {
    const h = harness();
    const { lr } = start(h);
    await lr.ready;
    await lr.destroy();
    h.worker(0).crash();
    await sleep(20);
    expect(h.spawn).toHaveBeenCalledTimes(1);
  });

  it('a spawn function that throws rejects ready with WORKER_UNAVAILABLE, without an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const spawn = (): never => {
        throw new Error('Workers are blocked by the CSP');
      };
      const lr = createLocalRankWith({ spawn, worker: 'module' }, {});
      const errors: LocalRankErrorInfo[] = [];
      lr.on('error', (e) => errors.push(e)); // subscribed after creation, as hosts do: the event still arrives
      await sleep(30);
      expect(unhandled).toEqual([]);
      expect(errors).toEqual([{ code: 'WORKER_UNAVAILABLE', message: expect.stringContaining('Workers are blocked by the CSP') }]);
      const error = await rejected(lr.ready);
      expect(error.code).toBe('WORKER_UNAVAILABLE');
      expect(error.message).toContain('Workers are blocked by the CSP');
      expect((await rejected(lr.rank([]))).code).toBe('WORKER_UNAVAILABLE');
      await expect(lr.destroy()).resolves.toBeUndefined();
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('client: events', () => {
  it('on() delivers engine events and its return value unsubscribes', async () => {
    const h = harness();
    const { lr } = start(h);
    await lr.ready;
    const seen: Array<LocalRankEvents['backend']> = [];
    const off = lr.on('backend', (e) => seen.push(e));
    await h.engine(0).emit!('backend', { device: 'wasm', reason: 'no WebGPU adapter' });
    expect(seen).toEqual([{ device: 'wasm', reason: 'no WebGPU adapter' }]);
    off();
    await h.engine(0).emit!('backend', { device: 'webgpu', reason: 'probe' });
    expect(seen).toHaveLength(1);
  });

  it('delivers each event type only to its own listeners', async () => {
    const h = harness();
    const { lr } = start(h);
    await lr.ready;
    const encoders: EncoderInfo[] = [];
    const progress: unknown[] = [];
    lr.on('encoder', (e) => encoders.push(e));
    lr.on('progress', (e) => progress.push(e));
    await h.engine(0).emit!('encoder', LEXICAL);
    expect(encoders).toEqual([LEXICAL]);
    expect(progress).toEqual([]);
  });

  it('a throwing listener does not stop the others, and its error still surfaces', async () => {
    const h = harness();
    const { lr } = start(h);
    await lr.ready;
    const realSetTimeout = globalThis.setTimeout;
    const rethrown: unknown[] = [];
    vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) =>
      realSetTimeout(() => {
        try {
          fn(...args);
        } catch (error) {
          rethrown.push(error);
        }
      }, ms)) as typeof setTimeout);

    const boom = new Error('listener bug');
    const calls: string[] = [];
    lr.on('degraded', () => {
      calls.push('first');
      throw boom;
    });
    lr.on('degraded', (e) => calls.push(`second:${e.code}`));
    await h.engine(0).emit!('degraded', { code: 'STORAGE_UNAVAILABLE', reason: 'private mode' });
    expect(calls).toEqual(['first', 'second:STORAGE_UNAVAILABLE']);
    await vi.waitFor(() => expect(rethrown).toEqual([boom]), WAIT);
  });

  it('on() rejects a listener that is not a function', () => {
    const h = harness();
    const { lr } = start(h);
    expect(() => lr.on('error', 'nope' as never)).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT', field: 'listener' }));
  });
});

describe('client: a worker script that cannot load', () => {
  it('is not restarted: one WORKER_UNAVAILABLE error event that names the likely cause; ready and calls reject with it', async () => {
    const h = harness(() => ({ init: () => never() }));
    const { lr, errors } = start(h);
    const pending = rejected(lr.profile());
    await vi.waitFor(() => expect(h.engine(0).calls).toContain('init'), WAIT);
    h.worker(0).failToLoad();
    const error = await rejected(lr.ready);
    expect(error.code).toBe('WORKER_UNAVAILABLE');
    expect(error.message).toContain('worker-src');
    expect((await pending).code).toBe('WORKER_UNAVAILABLE');
    expect((await rejected(lr.rank([]))).code).toBe('WORKER_UNAVAILABLE');
    await sleep(20);
    expect(errors).toEqual([{ code: 'WORKER_UNAVAILABLE', message: error.message }]);
    expect(h.spawn).toHaveBeenCalledTimes(1);
    expect(h.worker(0).terminate).toHaveBeenCalled();
    await expect(lr.destroy()).resolves.toBeUndefined();
  });

  it('a worker that ran once and then fails the same way is restarted as a crash', async () => {
    const h = harness();
    const { lr, errors } = start(h);
    await lr.ready;
    h.worker(0).failToLoad();
    await expect(lr.profile()).resolves.toEqual(PROFILE);
    expect(h.spawn).toHaveBeenCalledTimes(2);
    expect(errors.map((e) => e.code)).toEqual(['WORKER_CRASHED']);
  });
});

describe('client: giving the worker memory back when the page is frozen', () => {
  /** A stand-in for the page's document, which announces `freeze` (Chromium's Page Lifecycle). */
  let page: EventTarget;
  const freeze = (): void => void page.dispatchEvent(new Event('freeze'));
  beforeEach(() => {
    page = new EventTarget();
    (globalThis as { document?: unknown }).document = page;
  });
  afterEach(() => {
    delete (globalThis as { document?: unknown }).document;
  });

  it('an idle worker is let go; the next call starts a new one with the catalogue, and nothing is reported', async () => {
    const h = harness();
    const { lr, errors } = start(h);
    await lr.ready;
    await lr.upsertItems([{ id: 'a', title: 'A' }]);
    freeze();
    expect(h.worker(0).terminate).toHaveBeenCalledTimes(1);
    expect(h.spawn).toHaveBeenCalledTimes(1); // nothing starts until it is needed
    expect((await lr.rank(['a'])).items.map((i) => i.id)).toEqual(['a']);
    expect(h.spawn).toHaveBeenCalledTimes(2);
    expect(h.engine(1).calls).toEqual(['init', 'upsertItems', 'rank']);
    expect(h.engine(1).upserts).toEqual([[{ id: 'a', title: 'A' }]]);
    // Not a crash: freezing again and again never reaches the restart limit.
    for (let i = 2; i < 7; i++) {
      freeze();
      await lr.profile();
      expect(h.spawn).toHaveBeenCalledTimes(i + 1);
    }
    expect(errors).toEqual([]);
  });

  it('keeps the worker while a call is in flight, when the profile lives in memory, and after destroy()', async () => {
    let finish: (() => void) | undefined;
    const busy = harness((e) => (e.index === 0 ? { profile: () => new Promise((resolve) => (finish = () => resolve(PROFILE))) } : {}));
    const { lr } = start(busy);
    await lr.ready;
    const pending = lr.profile();
    await vi.waitFor(() => expect(finish).toBeDefined(), WAIT);
    const memory = harness();
    await start(memory, { model: false, storage: 'memory' }).lr.ready;
    const noDisk = harness();
    await start(noDisk).lr.ready;
    await noDisk.engine(0).emit!('degraded', { code: 'STORAGE_UNAVAILABLE', reason: 'no IndexedDB' });
    freeze();
    for (const h of [busy, memory, noDisk]) expect(h.worker(0).terminate).not.toHaveBeenCalled();
    finish!();
    await pending;

    await lr.destroy();
    expect(busy.worker(0).terminate).toHaveBeenCalledTimes(1);
    freeze();
    expect(busy.worker(0).terminate).toHaveBeenCalledTimes(1);
    expect(busy.spawn).toHaveBeenCalledTimes(1);
  });
});

describe('client: leaving the page (pagehide, and pageshow from the back-forward cache)', () => {
  /** Stand-ins for the page's window (pagehide, pageshow) and its document (which makes the host a page's). */
  let win: EventTarget;
  const global = globalThis as { document?: unknown; addEventListener?: unknown; removeEventListener?: unknown };
  const pagehide = (persisted: boolean): void => void win.dispatchEvent(Object.assign(new Event('pagehide'), { persisted }));
  const pageshow = (): void => void win.dispatchEvent(Object.assign(new Event('pageshow'), { persisted: true }));
  beforeEach(() => {
    win = new EventTarget();
    global.document = new EventTarget();
    global.addEventListener = win.addEventListener.bind(win);
    global.removeEventListener = win.removeEventListener.bind(win);
  });
  afterEach(() => {
    delete global.document;
    delete global.addEventListener;
    delete global.removeEventListener;
  });

  it('terminates the worker with calls in flight; they run again on a new worker when the page is shown, the batch under its id, and nothing is reported', async () => {
    const h = harness((e) => (e.index === 0 ? { track: () => never(), rank: () => never() } : {}));
    const { lr, errors } = start(h);
    await lr.ready;
    await lr.upsertItems([{ id: 'a', title: 'A' }]);
    const tracked = lr.track({ type: 'click', itemId: 'a' });
    const ranked = lr.rank(['a']);
    await vi.waitFor(() => expect(h.engine(0).calls).toEqual(['init', 'upsertItems', 'track', 'rank']), WAIT);

    pagehide(true);
    expect(h.worker(0).terminate).toHaveBeenCalledTimes(1);
    // Hidden: nothing starts, and later calls wait too.
    const later = lr.profile();
    await sleep(50);
    expect(h.spawn).toHaveBeenCalledTimes(1);

    pageshow();
    await expect(tracked).resolves.toEqual({ accepted: 1, rejected: [] });
    expect((await ranked).items.map((i) => i.id)).toEqual(['a']);
    await expect(later).resolves.toEqual(PROFILE);
    expect(h.spawn).toHaveBeenCalledTimes(2);
    expect(h.engine(1).upserts).toEqual([[{ id: 'a', title: 'A' }]]);
    expect(h.engine(1).tracks.map((t) => t.batchId)).toEqual(h.engine(0).tracks.map((t) => t.batchId));
    expect(errors).toEqual([]);
  });

  it('a page left while a restart waits for its calls starts one new worker when shown, not two', async () => {
    const h = harness((e) => (e.index === 0 ? { profile: () => never() } : {}));
    const { lr } = start(h);
    await lr.ready;
    const inFlight = lr.profile();
    await vi.waitFor(() => expect(h.engine(0).calls).toContain('profile'), WAIT);
    await h.engine(0).emit!('error', { code: 'INFERENCE_FAILED', message: 'Inference failed' });
    pagehide(true);
    await sleep(30);
    expect(h.spawn).toHaveBeenCalledTimes(1);
    pageshow();
    await expect(inFlight).resolves.toEqual(PROFILE);
    await expect(lr.profile()).resolves.toEqual(PROFILE);
    expect(h.spawn).toHaveBeenCalledTimes(2);
  });

  it('an unloaded page (persisted false) starts nothing again; a profile in memory keeps its worker; destroy() while hidden rejects waiting calls', async () => {
    const h = harness();
    const { lr } = start(h);
    await lr.ready;
    const memory = harness();
    const inMemory = start(memory, { model: false, storage: 'memory' }).lr;
    await inMemory.ready;
    pagehide(false);
    expect(h.worker(0).terminate).toHaveBeenCalledTimes(1);
    expect(memory.worker(0).terminate).not.toHaveBeenCalled();
    const waiting = lr.profile();
    await sleep(50);
    expect(h.spawn).toHaveBeenCalledTimes(1);
    await lr.destroy();
    await expect(waiting).rejects.toMatchObject({ code: 'DESTROYED' });
    expect(h.spawn).toHaveBeenCalledTimes(1);
    await expect(inMemory.profile()).resolves.toEqual(PROFILE);
  });
});

describe('worker host regressions', () => {
  it('a crash before the first worker finished init does not leave ready or calls hanging (regression)', async () => {
    const h = harness((engine) => (engine.index === 0 ? { init: () => never() } : {}));
    const { lr } = start(h);
    const pending = lr.profile();
    await vi.waitFor(() => expect(h.engine(0).calls).toContain('init'), WAIT);
    h.worker(0).crash();
    await expect(lr.ready).resolves.toBeUndefined();
    await expect(pending).resolves.toEqual(PROFILE);
    expect(h.spawn).toHaveBeenCalledTimes(2);
  });

  it('a restarted worker that crashes during its own init is restarted again (regression: the instance hung)', async () => {
    const h = harness((engine) => (engine.index === 1 ? { init: () => never() } : {}));
    const { lr, errors } = start(h);
    await lr.ready;
    h.worker(0).crash();
    await vi.waitFor(() => expect(h.engine(1)?.calls).toContain('init'), WAIT);
    h.worker(1).crash();
    await expect(lr.profile()).resolves.toEqual(PROFILE);
    expect(h.spawn).toHaveBeenCalledTimes(3);
    expect(errors.filter((e) => e.code === 'WORKER_CRASHED')).toHaveLength(2);
  });

  it('destroy() rejects calls already in progress with DESTROYED (regression: they hung)', async () => {
    const h = harness(() => ({ profile: () => never() }));
    const { lr } = start(h);
    await lr.ready;
    const pending = lr.profile();
    await vi.waitFor(() => expect(h.engine(0).calls).toContain('profile'), WAIT);
    await lr.destroy();
    await expect(pending).rejects.toMatchObject({ code: 'DESTROYED' });
  });
});

describe('client: the engine on the page where no worker starts', () => {
  /** The real page endpoint (src/client/page-engine.ts) over fake engines; `schedule` defaults to setTimeout slices (no requestIdleCallback in Node). */
  function pageHarness(behaviour: Behaviour = () => ({}), schedule?: Scheduler) {
    const engines: FakeEngine[] = [];
    let loads = 0;
    const onPage = vi.fn(() =>
      startEngineOnPage(async () => {
        loads++;
        const engine: FakeEngine = { index: engines.length, upserts: [], tracks: [], ranks: [], calls: [], disposed: 0 };
        engines.push(engine);
        return { createEngineApi: () => ({ api: fakeApi(engine, behaviour(engine)), report: () => undefined }) } as never;
      }, schedule),
    );
    return { onPage, engines, loads: () => loads };
  }

  const noWorker = (): never => {
    throw new ReferenceError('Worker is not defined');
  };

  it('a Worker constructor that throws: the engine starts on the page, which is told why; no error event', async () => {
    const page = pageHarness();
    const { lr, errors } = startWith({ spawn: noWorker, worker: 'module', onPage: page.onPage });
    await expect(lr.ready).resolves.toBeUndefined();
    expect(page.onPage).toHaveBeenCalledTimes(1);
    expect(page.engines[0]!.initFacts).toMatchObject({ worker: 'none', workerError: 'the Worker constructor threw: Worker is not defined' });
    expect(await lr.upsertItems([{ id: 'a', title: 'A' }])).toEqual({ count: 1 });
    expect((await lr.rank(['a'])).items.map((i) => i.id)).toEqual(['a']);
    expect(errors).toEqual([]);
    await lr.destroy();
    expect(page.engines[0]!.disposed).toBeGreaterThanOrEqual(1);
  });

  it('a worker whose error event comes before its first message (blocked by a CSP) is not restarted: the page takes over, once', async () => {
    const h = harness();
    const page = pageHarness();
    const { lr, errors } = startWith({ spawn: h.spawn, worker: 'classic', onPage: page.onPage });
    h.worker(0).dispatchEvent(new Event('error', { cancelable: true })); // what Chromium fires: no message
    await expect(lr.ready).resolves.toBeUndefined();
    expect(h.spawn).toHaveBeenCalledTimes(1);
    expect(h.worker(0).terminate).toHaveBeenCalled();
    expect(page.engines[0]!.initFacts).toMatchObject({ worker: 'none', workerError: 'the worker did not start: its script was blocked or could not be loaded' });
    await expect(lr.profile()).resolves.toEqual(PROFILE);
    expect(errors).toEqual([]);
  });

  it('a worker that started and then crashes is restarted as a worker, and the page engine is not loaded', async () => {
    const h = harness();
    const page = pageHarness();
    const { lr, errors } = startWith({ spawn: h.spawn, worker: 'module', onPage: page.onPage });
    await lr.ready;
    expect(h.engine(0).initFacts).toMatchObject({ worker: 'module' });
    expect(h.engine(0).initFacts!.workerError).toBeUndefined();
    h.worker(0).crash();
    await expect(lr.profile()).resolves.toEqual(PROFILE);
    expect(h.spawn).toHaveBeenCalledTimes(2);
    expect(page.onPage).not.toHaveBeenCalled();
    expect(errors.map((e) => e.code)).toEqual(['WORKER_CRASHED']);
  });

  it('a page engine that cannot be loaded stops LocalRank with WORKER_UNAVAILABLE at once (no restarts)', async () => {
    const onPage = vi.fn(() => startEngineOnPage(() => Promise.reject(new TypeError('Failed to fetch dynamically imported module: https://cdn.example/localrank.page-engine.js'))));
    const { lr, errors } = startWith({ spawn: noWorker, worker: 'classic', onPage });
    const error = await rejected(lr.ready);
    expect(error.code).toBe('WORKER_UNAVAILABLE');
    expect(errors).toEqual([{ code: 'WORKER_UNAVAILABLE', message: expect.stringContaining('Failed to fetch dynamically imported module') }]);
    expect(errors[0]!.message).toContain('Worker is not defined');
    expect((await rejected(lr.rank([]))).code).toBe('WORKER_UNAVAILABLE');
    expect(onPage).toHaveBeenCalledTimes(1);
  });

  it('each call waits for an idle slice; a slice with time left runs several', async () => {
    const slices: Array<(deadline: { timeRemaining(): number }) => void> = [];
    const page = pageHarness(() => ({}), (slice) => slices.push(slice));
    const launch: EngineLaunch = { spawn: noWorker, worker: 'module', onPage: page.onPage };
    const lr = createLocalRankWith(launch, { model: false });
    await vi.waitFor(() => expect(slices).toHaveLength(1), WAIT);
    await sleep(20);
    expect(page.engines[0]!.calls).toEqual([]); // init waits for the page to be idle
    slices.shift()!({ timeRemaining: () => 0 });
    await lr.ready;
    expect(page.engines[0]!.calls).toEqual(['init']);

    const results = Promise.all([lr.profile(), lr.profile(), lr.profile()]);
    await vi.waitFor(() => expect(slices).toHaveLength(1), WAIT);
    await sleep(20); // all three calls are queued by now
    let remaining = 2;
    slices.shift()!({ timeRemaining: () => (remaining-- > 0 ? 10 : 0) });
    await expect(results).resolves.toEqual([PROFILE, PROFILE, PROFILE]);
    expect(page.engines[0]!.calls).toEqual(['init', 'profile', 'profile', 'profile']);
    expect(slices).toHaveLength(0);
  });

  it('without a page fallback (Node, server-side rendering) a throwing constructor still rejects with WORKER_UNAVAILABLE', async () => {
    const lr = createLocalRankWith({ spawn: noWorker, worker: 'module' }, {});
    expect((await rejected(lr.ready)).code).toBe('WORKER_UNAVAILABLE');
  });
});
