import { LocalRankError } from '../errors.js';
import type { LocalRankOptions } from '../types.js';
import type { PageFacts } from './capabilities.js';
import { currentScope, detectEnvironment, readPageFacts } from './capabilities.js';
import { currentDeviceEnvironment, onceAdapter } from './encoder/backend.js';
import type { ModelSource } from './encoder/model.js';
import type { Encoder } from './encoder/types.js';
import type { Emit } from './engine.js';
import { Engine } from './engine.js';
import { createIndexedDbStore, indexedDbWorks } from './store/kv.js';
import { leaseLock, webLocks } from './store/lock.js';

/** A WebGPU adapter request that has not answered by then counts as failed. */
const ADAPTER_TIMEOUT_MS = 2000;

export interface EngineHost {
  /** Loads the model; absent on the page, where the capability ladder never loads one. */
  loadModel?: (source: ModelSource) => Promise<Encoder>;
  /** Where the ONNX Runtime files are when the options do not say. */
  defaultRuntimeUrl?: () => string | undefined;
  /** What to assume when `init` gets no page facts (the engine driven directly, by tests and benchmarks). */
  defaultFacts?: () => PageFacts;
  /** Lets the page run between slices of long work, where the engine shares its thread. */
  yieldToHost?: () => Promise<void>;
}

/**
 * One Engine with real IndexedDB, Web Locks and BroadcastChannel, and the API
 * the page calls through comlink: the worker exposes it on its global scope,
 * the page (where no worker could start) on a MessagePort.
 */
export function createEngineApi(host: EngineHost = {}) {
  // Asked once, shared by the capability report, the storage layer and the device plan.
  let storageAnswer: Promise<boolean> | undefined;
  const storageWorks = (): Promise<boolean> => (storageAnswer ??= indexedDbWorks());
  const gpu = onceAdapter(currentDeviceEnvironment(), ADAPTER_TIMEOUT_MS);
  let page: PageFacts | undefined;

  const engine = new Engine({
    openStore: (name) => createIndexedDbStore(name),
    storageWorks,
    // Web Locks where the browser has them; else a lease record in IndexedDB.
    createLock: (raw) => webLocks() ?? leaseLock(raw),
    broadcast: (name, onMessage) => {
      if (typeof BroadcastChannel === 'undefined') return { post: () => undefined, close: () => undefined };
      const channel = new BroadcastChannel(name);
      channel.onmessage = () => onMessage();
      return { post: () => channel.postMessage('changed'), close: () => channel.close() };
    },
    loadModel: host.loadModel ?? (() => Promise.reject(new LocalRankError('MODEL_LOAD_FAILED', 'No model runs on the page'))),
    deviceEnvironment: () => gpu,
    environment: (model, lowMemory) => detectEnvironment(currentScope(storageWorks, gpu), page ?? host.defaultFacts?.() ?? readPageFacts('none'), model, lowMemory),
    now: () => Date.now(),
    ...(host.yieldToHost ? { yieldToHost: host.yieldToHost } : {}),
  });

  let emitToPage: Emit = () => undefined;

  const api = {
    /** `facts`: what the page knows (worker outcome, device memory); the engine probes the rest. */
    init(options: LocalRankOptions, emit: Emit, facts?: PageFacts) {
      emitToPage = (type, payload) => {
        void Promise.resolve(emit(type, payload)).catch(() => undefined);
      };
      page = facts;
      const runtimeUrl = options?.runtimeUrl ?? host.defaultRuntimeUrl?.();
      return engine.init(runtimeUrl ? { ...options, runtimeUrl } : options, emitToPage);
    },
    whenModelSettled: () => engine.whenModelSettled(),
    upsertItems: (items: unknown) => engine.upsertItems(items),
    track: (events: unknown, batchId: string) => engine.track(events, batchId),
    rank: (candidates: unknown, options: unknown) => engine.rank(candidates, options),
    similarTo: (itemId: unknown, candidates: unknown, options: unknown) => engine.similarTo(itemId, candidates, options),
    complements: (itemId: unknown, candidates: unknown, options: unknown) => engine.complements(itemId, candidates, options),
    recentlyViewed: (options: unknown) => engine.recentlyViewed(options),
    offer: (itemId: unknown, options: unknown) => engine.offer(itemId, options),
    trackOffer: (type: unknown, itemId: unknown, callId: string) => engine.trackOffer(type, itemId, callId),
    experimentReport: () => engine.experimentReport(),
    reportInterests: (options: unknown) => engine.reportInterests(options),
    embed: (texts: unknown) => engine.embedTexts(texts),
    profile: () => engine.profile(),
    exportData: () => engine.exportData(),
    forget: (options: unknown) => engine.forget(options),
    dispose: () => engine.dispose(),
  };
  /** Reports an event to the page outside any call (e.g. an unhandled rejection in the worker). */
  const report: Emit = (type, payload) => emitToPage(type, payload);
  return { api, report };
}

export type EngineApi = ReturnType<typeof createEngineApi>['api'];
