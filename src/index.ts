/**
 * LocalRank: on-device recommendations. `createLocalRank()` starts the engine
 * in a Web Worker and returns the API; nothing personal leaves the device.
 * Importing this module touches no browser global (safe under SSR).
 */
import { createLocalRankWith, publicApi } from './client/create.js';
import { startEngineOnPage } from './client/page-engine.js';
import type { LocalRank, LocalRankOptions } from './types.js';

export { LocalRankError } from './errors.js';
export { readVectors, withVectors } from './vectors.js';
export type { VectorsFile } from './vectors.js';
export type * from './types.js';

function spawnEngineWorker(): Worker {
  return new Worker(new URL('../workers/engine.worker.ts', import.meta.url), { type: 'module', name: 'localrank-engine' });
}

/** Where no worker can start: the engine on the page, its code loaded only then (a chunk of its own). */
const startOnPage = () => startEngineOnPage(() => import('./engine/engine-api.js'));

/** Starts LocalRank. See {@link LocalRankOptions} for every option and its default. */
export function createLocalRank(options?: LocalRankOptions): LocalRank {
  // Without a page (server-side rendering, Node) nothing runs: `ready` rejects with WORKER_UNAVAILABLE.
  const hasPage = typeof document !== 'undefined' && typeof MessageChannel !== 'undefined';
  return publicApi(createLocalRankWith({ spawn: spawnEngineWorker, worker: 'module', ...(hasPage ? { onPage: startOnPage } : {}) }, options));
}
