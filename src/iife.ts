/**
 * The `<script>` build: the worker is inlined (it starts from a blob: URL, so
 * it works when the script comes from another origin) and the API is
 * `window.LocalRank`. Runtime files default to `ort/` next to the script.
 */
import EngineWorker from '../workers/engine.worker.ts?worker&inline';
import { createLocalRankWith } from './client/create.js';
import { LocalRankError } from './errors.js';
import type { LocalRank, LocalRankOptions } from './types.js';

// Captured at load time: document.currentScript is null once the script has run.
const scriptUrl = (document.currentScript as HTMLScriptElement | null)?.src;
const defaultRuntimeUrl = scriptUrl ? new URL('ort/', scriptUrl).href : undefined;

function createLocalRank(options?: LocalRankOptions): LocalRank {
  return createLocalRankWith(() => new EngineWorker({ name: 'localrank-engine' }), options, defaultRuntimeUrl);
}

const api = { createLocalRank, LocalRankError, version: __LOCALRANK_VERSION__ };
(window as unknown as { LocalRank: typeof api }).LocalRank = api;
