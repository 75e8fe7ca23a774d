/**
 * The `<script>` build: the worker is inlined (it starts from a blob: URL, so
 * it works when the script comes from another origin) and the API is
 * `window.LocalRank`. Runtime files default to `ort/` next to the script.
 *
 * A script tag with `data-lr-*` attributes also starts an instance configured
 * by them (`LocalRank.instance`) and lets the page's markup drive it (see
 * docs/script-tag.md); without such attributes it starts nothing.
 */
import EngineWorker from '../workers/engine.worker.ts?worker&inline';
import type { LocalRankWithBatches } from './client/create.js';
import { createLocalRankWith, publicApi } from './client/create.js';
import type { LoadEngine } from './client/page-engine.js';
import { startEngineOnPage } from './client/page-engine.js';
import { readerOf } from './dom/attributes.js';
import { driveMarkup } from './dom/drive-markup.js';
import { readConfig } from './dom/read-config.js';
import { createWarn, warnError } from './dom/warn.js';
import { LocalRankError } from './errors.js';
import type { LocalRank, LocalRankOptions } from './types.js';
import { readVectors, withVectors } from './vectors.js';

type PageEngineModule = Awaited<ReturnType<LoadEngine>>;

// Captured at load time: document.currentScript is null once the script has run.
const script = document.currentScript as HTMLScriptElement | null;
const scriptUrl = script?.src;
const defaultRuntimeUrl = scriptUrl ? new URL('ort/', scriptUrl).href : undefined;

/**
 * Where no worker can start (no Worker, a CSP without blob: workers): the engine on the page, loaded only
 * then from `localrank.page-engine.js` next to the script (pages with workers do not download it).
 */
const pageEngineUrl = scriptUrl ? new URL('localrank.page-engine.js', scriptUrl).href : undefined;
const onPage = pageEngineUrl ? () => startEngineOnPage(() => import(/* @vite-ignore */ pageEngineUrl) as Promise<PageEngineModule>) : undefined;

function start(options: LocalRankOptions | undefined): LocalRankWithBatches {
  const spawn = () => new EngineWorker({ name: 'localrank-engine' });
  return createLocalRankWith({ spawn, worker: 'classic', ...(onPage ? { onPage } : {}) }, options, defaultRuntimeUrl);
}

/** The public API of an instance (the batch-id tracking stays internal). */
function publicView(handle: LocalRankWithBatches, beforeForget?: () => void): LocalRank {
  const api = publicApi(handle);
  if (!beforeForget) return api;
  return {
    ...api,
    forget(options) {
      beforeForget();
      return api.forget(options);
    },
  };
}

function createLocalRank(options?: LocalRankOptions): LocalRank {
  return publicView(start(options));
}

interface LocalRankGlobal {
  createLocalRank: typeof createLocalRank;
  LocalRankError: typeof LocalRankError;
  /** Build-time item vectors (`npx localrank embed`), as in the npm package. */
  withVectors: typeof withVectors;
  readVectors: typeof readVectors;
  version: string;
  /** The instance started from the script tag's `data-lr-*` attributes, or null when the tag has none. */
  instance: LocalRank | null;
}

const global = window as unknown as { LocalRank?: LocalRankGlobal };
const previous = global.LocalRank;
const api: LocalRankGlobal = { createLocalRank, LocalRankError, withVectors, readVectors, version: __LOCALRANK_VERSION__, instance: previous?.instance ?? null };
global.LocalRank = api;

if (script) {
  const warn = createWarn();
  try {
    const config = readConfig(readerOf(script), script.getAttributeNames());
    if (config.auto && api.instance) {
      warn('twice', 'the script tag is on the page twice; the second one starts nothing');
    } else if (config.auto) {
      const handle = start(config.options);
      let driver: { clearJournal(): void } | undefined;
      const instance = publicView(handle, () => driver?.clearJournal());
      api.instance = instance;
      driver = driveMarkup(handle, config, window, warn, instance);
    }
  } catch (error) {
    warnError(warn, 'start', error, 'could not start; the page is left as it is');
  }
}
