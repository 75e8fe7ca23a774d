import { expose } from 'comlink';
import { ENGINE_STARTED, installErrorTransfer } from '../src/protocol.js';
import { readPageFacts } from '../src/engine/capabilities.js';
import { loadModelEncoder } from '../src/engine/encoder/model.js';
import { createEngineApi } from '../src/engine/engine-api.js';

/** ORT files sit next to the worker script in the package (`dist/ort/`), unless the host says otherwise. */
function defaultRuntimeUrl(): string | undefined {
  const here = self.location?.href;
  return here && /^(https?|file):/.test(here) ? new URL('ort/', here).href : undefined;
}

/** The worker: one Engine with real IndexedDB and transformers.js, exposed through comlink. */
const { api, report } = createEngineApi({
  loadModel: loadModelEncoder,
  defaultRuntimeUrl,
  // Driven directly (tests, benchmarks): the npm build's module worker, seeing navigator from here.
  defaultFacts: () => readPageFacts('module'),
});

// Errors nobody awaited still reach the page as `error` events, never silence.
self.addEventListener('unhandledrejection', (event) => {
  const reason = (event as PromiseRejectionEvent).reason as unknown;
  report('error', { code: 'WORKER_CRASHED', message: `Unhandled rejection in worker: ${reason instanceof Error ? reason.message : String(reason)}` });
});

export type { EngineApi } from '../src/engine/engine-api.js';

installErrorTransfer();
expose(api);
self.postMessage(ENGINE_STARTED);
