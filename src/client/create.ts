import { LocalRankError } from '../errors.js';
import type { Item, LocalRank, LocalRankOptions, TrackEvent, TrackResult } from '../types.js';
import { Emitter } from './emitter.js';
import type { EngineLaunch } from './worker-host.js';
import { WorkerHost } from './worker-host.js';

let batchCounter = 0;
const batchId = (): string =>
  `${typeof crypto !== 'undefined' && 'randomUUID' in crypto ? crypto.randomUUID() : Math.random().toString(36).slice(2)}-${++batchCounter}`;

/** Relative URLs are resolved here, on the page: inside a blob: worker they would resolve against nothing. */
function absolute(url: string | undefined): string | undefined {
  if (url === undefined || typeof url !== 'string') return url;
  const base = (globalThis as { document?: { baseURI?: string } }).document?.baseURI ?? (globalThis as { location?: { href?: string } }).location?.href;
  try {
    return base ? new URL(url, base).href : url;
  } catch {
    return url; // the engine's option check reports it
  }
}

function prepareOptions(options: LocalRankOptions | undefined, defaultRuntimeUrl: string | undefined): LocalRankOptions {
  if (options !== undefined && (typeof options !== 'object' || options === null)) return options as never;
  const prepared: LocalRankOptions = { ...options };
  const runtimeUrl = absolute(prepared.runtimeUrl) ?? defaultRuntimeUrl;
  if (runtimeUrl !== undefined) prepared.runtimeUrl = runtimeUrl;
  if (prepared.model && typeof prepared.model === 'object' && prepared.model.baseUrl !== undefined) {
    prepared.model = { ...prepared.model, baseUrl: absolute(prepared.model.baseUrl)! };
  }
  return prepared;
}

/**
 * The API plus tracking under a caller-chosen batch id: a batch whose id is in
 * the stored log is not stored again, also on a later page load. The script-tag
 * driver replays its journal of unconfirmed events with it.
 */
export interface LocalRankWithBatches extends LocalRank {
  trackBatch(events: TrackEvent | TrackEvent[], batchId: string): Promise<TrackResult>;
}

/** Builds the public API over a worker host. Shared by the ESM and the script-tag entries. */
export function createLocalRankWith(launch: EngineLaunch, options: LocalRankOptions | undefined, defaultRuntimeUrl?: string): LocalRankWithBatches {
  const emitter = new Emitter();
  const host = new WorkerHost(launch, prepareOptions(options, defaultRuntimeUrl), emitter);
  // A host that never awaits `ready` must not get an unhandled rejection; awaiting it still rejects.
  host.ready.catch(() => undefined);

  const trackBatch = (events: TrackEvent | TrackEvent[], id: string): Promise<TrackResult> => host.call((api) => api.track(events, id));
  return {
    ready: host.ready,
    upsertItems(items: Item[]) {
      return host.call(async (api) => {
        const result = await api.upsertItems(items);
        host.rememberItems(items);
        return result;
      });
    },
    // The id is drawn once per call: a replay after a worker restart reuses it.
    track: (events: TrackEvent | TrackEvent[]) => trackBatch(events, batchId()),
    trackBatch,
    rank: (candidates, rankOptions) => host.call((api) => api.rank(candidates, rankOptions ?? {})),
    similarTo: (itemId, candidates, rankOptions) => host.call((api) => api.similarTo(itemId, candidates, rankOptions ?? {})),
    complements: (itemId, candidates, rankOptions) => host.call((api) => api.complements(itemId, candidates, rankOptions ?? {})),
    recentlyViewed: (recentOptions) => host.call((api) => api.recentlyViewed(recentOptions ?? {})),
    offer: (itemId, offerOptions) => host.call((api) => api.offer(itemId, offerOptions)),
    trackOffer(type, itemId) {
      const id = batchId(); // the same id if the call is replayed after a worker restart
      return host.call((api) => api.trackOffer(type, itemId, id));
    },
    experimentReport: () => host.call((api) => api.experimentReport()),
    reportInterests: (reportOptions) => host.call((api) => api.reportInterests(reportOptions)),
    profile: () => host.call((api) => api.profile()),
    export: () => host.call((api) => api.exportData()),
    forget: (forgetOptions) => host.call((api) => api.forget(forgetOptions ?? {})),
    on: (type, listener) => {
      if (typeof listener !== 'function') throw new LocalRankError('INVALID_ARGUMENT', 'listener must be a function', 'listener');
      return emitter.on(type, listener);
    },
    destroy: () => host.destroy(),
  };
}

/** The public API of an instance, without the internal batch-id tracking (both entries hand out this). */
export function publicApi(handle: LocalRankWithBatches): LocalRank {
  const { trackBatch: _internal, ...api } = handle;
  return api;
}
