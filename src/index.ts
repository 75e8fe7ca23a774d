/**
 * LocalRank: on-device recommendations. `createLocalRank()` starts the engine
 * in a Web Worker and returns the API; nothing personal leaves the device.
 * Importing this module touches no browser global (safe under SSR).
 */
import { createLocalRankWith, publicApi } from './client/create.js';
import type { LocalRank, LocalRankOptions } from './types.js';

export { LocalRankError } from './errors.js';
export { readVectors, withVectors } from './vectors.js';
export type { VectorsFile } from './vectors.js';
export type * from './types.js';

function spawnEngineWorker(): Worker {
  return new Worker(new URL('../workers/engine.worker.ts', import.meta.url), { type: 'module', name: 'localrank-engine' });
}

/** Starts LocalRank. See {@link LocalRankOptions} for every option and its default. */
export function createLocalRank(options?: LocalRankOptions): LocalRank {
  return publicApi(createLocalRankWith(spawnEngineWorker, options));
}
