import { expose } from 'comlink';
import type { Endpoint } from 'comlink';
import type { createEngineApi } from '../engine/engine-api.js';
import { ENGINE_STARTED } from '../protocol.js';
import type { EngineEndpoint } from './worker-host.js';

/**
 * The last rung of the capability ladder: where no worker can start, the
 * engine runs on the page. It is exposed with comlink on one end of a
 * MessageChannel and the host talks to the other end as it would to a worker,
 * so restarts, retries and events work the same. Each call starts in an idle
 * period (requestIdleCallback, at most IDLE_TIMEOUT_MS late), not in the
 * middle of the page's own work.
 */

/** Loads the engine module only when needed: its own chunk in the npm build, a file next to the script for the script tag. */
export type LoadEngine = () => Promise<{ createEngineApi: typeof createEngineApi }>;

interface Deadline {
  timeRemaining(): number;
}
/** Runs `slice` when the page is idle. */
export type Scheduler = (slice: (deadline: Deadline) => void) => void;

/** A call waits at most this long for an idle period: a page that is never idle still gets its rankings. */
const IDLE_TIMEOUT_MS = 200;

const whenIdle: Scheduler = (slice) => {
  const g = globalThis as { requestIdleCallback?: (callback: (deadline: Deadline) => void, options: { timeout: number }) => number };
  if (typeof g.requestIdleCallback === 'function') g.requestIdleCallback(slice, { timeout: IDLE_TIMEOUT_MS });
  else setTimeout(() => slice({ timeRemaining: () => 0 }), 0); // Safari has no requestIdleCallback: one call per task
};

const errorEvent = (message: string): Event => Object.assign(new Event('error', { cancelable: true }), { message });

export function startEngineOnPage(load: LoadEngine, schedule: Scheduler = whenIdle): EngineEndpoint {
  const { port1, port2 } = new MessageChannel();
  const failures = new EventTarget();
  const queue: MessageEvent[] = [];
  let deliver: ((event: MessageEvent) => void) | null = null;
  let scheduled = false;
  let stopped = false;
  let dispose: (() => Promise<void>) | undefined;

  const pump = (): void => {
    if (scheduled || stopped || !deliver || queue.length === 0) return;
    scheduled = true;
    schedule((deadline) => {
      scheduled = false;
      // One call per slice at least, more while the idle period lasts.
      do deliver?.(queue.shift()!);
      while (!stopped && queue.length > 0 && deadline.timeRemaining() > 1);
      pump();
    });
  };
  port2.onmessage = (event) => {
    queue.push(event);
    pump();
  };

  load().then(
    ({ createEngineApi }) => {
      if (stopped) return;
      // Long work (the lexical rows of a large upsert) yields to the page between slices too.
      const { api } = createEngineApi({ yieldToHost: () => new Promise<void>((resolve) => schedule(() => resolve())) });
      dispose = api.dispose;
      const sliced: Endpoint = {
        postMessage: (message: unknown, transfer?: Transferable[]) => port2.postMessage(message, transfer ?? []),
        addEventListener: (_type, listener) => {
          deliver = (event) => (typeof listener === 'function' ? listener(event) : listener.handleEvent(event));
          pump();
        },
        removeEventListener: () => {
          deliver = null;
        },
      };
      expose(api, sliced);
      port2.postMessage(ENGINE_STARTED);
    },
    (error: unknown) => {
      if (!stopped) failures.dispatchEvent(errorEvent(`the engine could not be loaded on the page: ${error instanceof Error ? error.message : String(error)}`));
    },
  );

  port1.start();
  return {
    postMessage: (message: unknown, transfer?: Transferable[]) => port1.postMessage(message, transfer ?? []),
    addEventListener: (type, listener) => (type === 'error' ? failures : port1).addEventListener(type, listener),
    removeEventListener: (type, listener) => (type === 'error' ? failures : port1).removeEventListener(type, listener),
    terminate() {
      stopped = true;
      queue.length = 0;
      deliver = null;
      port1.close();
      port2.close();
      if (dispose) void Promise.resolve().then(dispose).catch(() => undefined);
    },
  };
}
