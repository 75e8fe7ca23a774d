import { expose } from 'comlink';
import { installErrorTransfer } from '../src/protocol.js';
import { currentDeviceEnvironment } from '../src/engine/encoder/backend.js';
import { loadModelEncoder } from '../src/engine/encoder/model.js';
import type { Emit } from '../src/engine/engine.js';
import { Engine } from '../src/engine/engine.js';
import { createIndexedDbStore, indexedDbWorks } from '../src/engine/store/kv.js';
import { leaseLock, webLocks } from '../src/engine/store/lock.js';
import type { LocalRankOptions } from '../src/types.js';

/** The worker: one Engine with real IndexedDB and transformers.js, exposed through comlink. */
const engine = new Engine({
  openStore: (name) => createIndexedDbStore(name),
  storageWorks: indexedDbWorks,
  // Web Locks where the browser has them; else a lease record in IndexedDB.
  createLock: (raw) => webLocks() ?? leaseLock(raw),
  broadcast: (name, onMessage) => {
    if (typeof BroadcastChannel === 'undefined') return { post: () => undefined, close: () => undefined };
    const channel = new BroadcastChannel(name);
    channel.onmessage = () => onMessage();
    return { post: () => channel.postMessage('changed'), close: () => channel.close() };
  },
  loadModel: loadModelEncoder,
  deviceEnvironment: currentDeviceEnvironment,
  now: () => Date.now(),
});

let emitToPage: Emit = () => undefined;

// Errors nobody awaited still reach the page as `error` events, never silence.
self.addEventListener('unhandledrejection', (event) => {
  const reason = (event as PromiseRejectionEvent).reason as unknown;
  emitToPage('error', { code: 'WORKER_CRASHED', message: `Unhandled rejection in worker: ${reason instanceof Error ? reason.message : String(reason)}` });
});

/** ORT files sit next to the worker script in the package (`dist/ort/`), unless the host says otherwise. */
function defaultRuntimeUrl(): string | undefined {
  const here = self.location?.href;
  return here && /^(https?|file):/.test(here) ? new URL('ort/', here).href : undefined;
}

const api = {
  init(options: LocalRankOptions, emit: Emit) {
    emitToPage = (type, payload) => {
      void Promise.resolve(emit(type, payload)).catch(() => undefined);
    };
    const runtimeUrl = options.runtimeUrl ?? defaultRuntimeUrl();
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

export type EngineApi = typeof api;

installErrorTransfer();
expose(api);
