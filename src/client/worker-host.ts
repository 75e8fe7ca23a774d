import { proxy, releaseProxy, wrap } from 'comlink';
import type { Endpoint, Remote } from 'comlink';
import { installErrorTransfer } from '../protocol.js';
import { LocalRankError, toLocalRankError } from '../errors.js';
import { readPageFacts } from '../engine/capabilities.js';
import type { EngineApi } from '../engine/engine-api.js';
import type { Capabilities, Item, LocalRankEvents, LocalRankOptions } from '../types.js';
import type { Emitter } from './emitter.js';

/** What the host talks to: a Worker, or the engine on the page behind a MessagePort (the same messages). */
export interface EngineEndpoint extends Endpoint {
  terminate(): void;
}

/** Starts the engine: a module worker file (ESM), an inlined blob worker (IIFE), or the engine on the page. */
export type SpawnWorker = () => EngineEndpoint;

/** How an entry starts the engine. */
export interface EngineLaunch {
  spawn: SpawnWorker;
  /** The kind of worker `spawn` starts. */
  worker: Exclude<Capabilities['worker'], 'none'>;
  /**
   * Starts the engine on the page, used when `spawn` throws or its worker never
   * starts. Absent where there is no page (Node, server-side rendering).
   */
  onPage?: SpawnWorker;
}

const MAX_RESTARTS = 3;
const RESTART_WINDOW_MS = 60_000;
const UNLOADABLE =
  "The engine worker's script could not be loaded: a Content Security Policy whose worker-src does not allow it (the script-tag build starts its worker from a blob: URL), or a missing worker file";

interface Live {
  worker: EngineEndpoint;
  api: Remote<EngineApi>;
  ready: Promise<void>;
  /** Rejects when this worker crashes or is destroyed, so calls to a dead worker do not hang. */
  crashed: Promise<never>;
  kill(error: LocalRankError): void;
}

/** Ends a worker: its proxy released, its thread terminated. */
function stop(live: Live): void {
  live.api[releaseProxy]();
  live.worker.terminate();
}

const isCrash = (error: unknown): boolean => error instanceof LocalRankError && error.code === 'WORKER_CRASHED';

/** Degraded storage after which the profile may live in the worker's memory only: that worker is never let go. */
const VOLATILE_STORAGE = new Set(['STORAGE_UNAVAILABLE', 'STORAGE_FAILED', 'STORAGE_FULL']);

type LifecycleTarget = Pick<EventTarget, 'addEventListener' | 'removeEventListener'>;

/**
 * Owns the worker: starts it, forwards its events, and restarts it after a
 * crash or a poisoned model, replaying the catalogue so that callers see at
 * most one failed call.
 */
export class WorkerHost {
  private live: Live | null = null;
  private restarting: Promise<void> | null = null;
  /** A crash of the restarted worker while the restart was still under way. */
  private restartAgain = false;
  private readonly restarts: number[] = [];
  private readonly items = new Map<string, Item>();
  private inFlight = 0;
  private idle: Array<() => void> = [];
  private destroyed = false;
  private spawn: SpawnWorker;
  /** The page fallback, until it is used. */
  private onPage: SpawnWorker | null;
  /** What the engine runs in, for the capability report. */
  private workerKind: Capabilities['worker'];
  private workerError: string | undefined;
  /** Whether an engine of this instance ever answered `init`. */
  private everStarted = false;
  /** Why no engine could start at all, when the first start failed that way (said as an event too). */
  private startFailure: LocalRankError | null = null;
  /** The profile may live in the engine's memory only (storage 'memory', or IndexedDB missing or full). */
  private volatileProfile: boolean;
  /** The worker was let go to give its memory back; the next call starts a new one. */
  private released = false;
  private readonly lifecycle: LifecycleTarget | undefined;
  private readonly window: LifecycleTarget | undefined;
  /** Set from `pagehide` to `pageshow`: calls wait for `shown`, then start a new worker. */
  private hidden: { shown: Promise<void>; show(): void } | null = null;
  private readonly onFreeze = (): void => void this.release();
  private readonly onPageHide = (): void => this.hide();
  private readonly onPageShow = (): void => this.show();
  readonly ready: Promise<void>;

  constructor(
    launch: EngineLaunch,
    private readonly options: LocalRankOptions,
    private readonly emitter: Emitter,
  ) {
    this.spawn = launch.spawn;
    this.onPage = launch.onPage ?? null;
    this.workerKind = launch.worker;
    installErrorTransfer();
    this.volatileProfile = options?.storage === 'memory';
    // Browsers that freeze hidden pages to save resources (Chromium's Page Lifecycle) say so first:
    // the worker's memory (the model's runtime, the item index) is given back then.
    this.lifecycle = (globalThis as { document?: LifecycleTarget }).document;
    this.lifecycle?.addEventListener?.('freeze', this.onFreeze);
    this.window = this.lifecycle ? (globalThis as unknown as LifecycleTarget) : undefined;
    this.window?.addEventListener?.('pagehide', this.onPageHide);
    this.window?.addEventListener?.('pageshow', this.onPageShow);
    const first = this.start();
    // `ready` follows whichever worker comes up: a crash during the first start waits for the restart.
    this.ready = first.catch((error: unknown) => {
      if (isCrash(error) && !this.destroyed) return this.call(() => Promise.resolve());
      throw error;
    });
    // No engine at all is also said as an event (after the caller's synchronous `on()` calls), not only by `ready`.
    first.catch((error: unknown) => {
      if (error === this.startFailure && this.startFailure) this.emitter.emit('error', this.startFailure.toJSON());
    });
  }

  private start(): Promise<void> {
    let worker: EngineEndpoint;
    try {
      worker = this.spawn();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (this.useThePage(`the Worker constructor threw: ${message}`)) return this.start();
      this.startFailure = new LocalRankError('WORKER_UNAVAILABLE', `The engine worker could not start: ${message}`);
      return Promise.reject(this.startFailure);
    }
    const api = wrap<EngineApi>(worker);
    let kill: (error: LocalRankError) => void = () => undefined;
    const crashed = new Promise<never>((_, reject) => (kill = reject));
    crashed.catch(() => undefined);
    const live: Live = { worker, api, ready: Promise.resolve(), crashed, kill };
    // Any message (the first is ENGINE_STARTED) means the worker's script ran.
    let started = false;
    worker.addEventListener('message', () => (started = true));
    worker.addEventListener('error', (event) => {
      event.preventDefault?.();
      const message = (event as ErrorEvent).message;
      // An error before the engine's script ran (a CSP's worker-src, a download that failed: the event has no
      // message then) is no crash: a restart would fail the same way. The engine moves to the page, once.
      const unavailable = !started && this.workerKind === 'none';
      // Without a page to move to (no fallback given), a worker whose script did not load (an error without a
      // message before its first message) cannot start either.
      const unloadable = !started && !message && !unavailable && !this.onPage;
      if (this.live === live) {
        if (unavailable) this.giveUp(`LocalRank could not start: no worker could (${this.workerError}), and ${message || 'the engine did not start on the page'}`);
        else if (unloadable) this.giveUp(UNLOADABLE);
        else if (!started && this.useThePage(`the worker did not start: ${message || 'its script was blocked or could not be loaded'}`)) this.relaunch(false);
        else this.restart('WORKER_CRASHED', `The engine worker crashed: ${message || 'unknown error'}`, false);
      }
      kill(
        unavailable || unloadable
          ? new LocalRankError('WORKER_UNAVAILABLE', unloadable ? UNLOADABLE : 'The engine could not start')
          : new LocalRankError('WORKER_CRASHED', 'The engine worker crashed during this call'),
      );
    });
    const forward = <K extends keyof LocalRankEvents>(type: K, payload: LocalRankEvents[K]): void => {
      if (this.live !== live) return;
      if (type === 'degraded' && VOLATILE_STORAGE.has((payload as LocalRankEvents['degraded']).code)) this.volatileProfile = true;
      this.emitter.emit(type, payload);
      if (type === 'error' && (payload as LocalRankEvents['error']).code === 'INFERENCE_FAILED') {
        this.restart('INFERENCE_FAILED', 'The model failed in the worker; restarting it', true);
      }
    };
    const init = (async () => {
      await api.init(this.options, proxy(forward), readPageFacts(this.workerKind, this.workerError));
      this.everStarted = true;
      if (this.items.size > 0) await api.upsertItems([...this.items.values()]);
    })();
    live.ready = Promise.race([init, crashed]);
    live.ready.catch(() => undefined);
    this.live = live;
    return live.ready;
  }

  /** Terminates the current worker and starts a new one; calls made meanwhile wait for it. */
  private restart(code: 'WORKER_CRASHED' | 'INFERENCE_FAILED', message: string, waitForCalls: boolean): void {
    if (this.destroyed) return;
    if (this.restarting) {
      if (code === 'WORKER_CRASHED') this.restartAgain = true;
      return;
    }
    const now = Date.now();
    while (this.restarts.length > 0 && now - this.restarts[0]! > RESTART_WINDOW_MS) this.restarts.shift();
    if (code === 'WORKER_CRASHED') this.emitter.emit('error', { code, message });
    if (this.restarts.length >= MAX_RESTARTS) {
      this.giveUp(`The engine worker failed ${MAX_RESTARTS} times in a minute; LocalRank stopped`);
      return;
    }
    this.restarts.push(now);
    this.relaunch(waitForCalls);
  }

  /** Stops for good: later calls reject with WORKER_UNAVAILABLE. */
  private giveUp(message: string): void {
    this.live?.worker.terminate();
    this.live = null;
    this.emitter.emit('error', { code: 'WORKER_UNAVAILABLE', message });
  }

  /** From now on the engine starts on the page (once per instance; false where there is no page). */
  private useThePage(reason: string): boolean {
    if (!this.onPage || this.destroyed) return false;
    this.spawn = this.onPage;
    this.onPage = null;
    this.workerKind = 'none';
    this.workerError = reason;
    return true;
  }

  /** Stops the current engine and starts another; calls made meanwhile wait for it. */
  private relaunch(waitForCalls: boolean): void {
    const old = this.live;
    const relaunching: Promise<void> = (async () => {
      if (waitForCalls) await this.settled();
      while (this.hidden) await this.hidden.shown;
      if (this.destroyed) return;
      // This start also serves a worker let go meanwhile (the page was left during a restart): that one is gone already.
      this.released = false;
      if (old && this.live === old) stop(old);
      await this.start().catch((error: unknown) => {
        // A crash was reported by the error listener already (and restarts again).
        if (!isCrash(error)) this.emitter.emit('error', toLocalRankError(error, 'WORKER_UNAVAILABLE').toJSON());
      });
    })().finally(() => {
      if (this.restarting !== relaunching) return; // superseded: a worker that did not start moved the engine to the page
      this.restarting = null;
      if (this.restartAgain) {
        this.restartAgain = false;
        this.restart('WORKER_CRASHED', 'The restarted engine worker crashed while starting', false);
      }
    });
    this.restarting = relaunching;
  }

  /**
   * Lets the worker go, and all its memory with it, when nothing would be lost: no call in flight,
   * the profile on disk. The next call starts a new worker with the catalogue; the model loads
   * again (the lexical encoder serves meanwhile). An engine on the page is kept: it is the page's memory.
   * Returns whether it did.
   */
  private release(): boolean {
    const live = this.live;
    if (!live || this.destroyed || this.restarting || this.inFlight > 0 || this.volatileProfile || !this.everStarted || this.workerKind === 'none') return false;
    this.letGo(live);
    return true;
  }

  /** Ends the live worker for now; the next call starts a new one. */
  private letGo(live: Live): void {
    this.live = null;
    this.released = true;
    stop(live);
  }

  /**
   * The page is left (`pagehide`): unloaded, or put in the back-forward cache, from where it may come
   * back. The worker is terminated now, with the calls in flight, which run again on a new worker if
   * the page is shown again (track batches carry ids: none is stored twice). Chromium 156 crashed the
   * renderer process about one click in eight when a page went into the back-forward cache while
   * its worker was still storing events (V8: "Invoke in DisallowJavascriptExecutionScope"), taking the
   * tab's next page with it; a click's event is in the tab's journal (src/dom/durable-track.ts), so the
   * next page stores it. A profile that lives in the worker's memory only keeps its worker.
   */
  private hide(): void {
    if (this.destroyed || this.hidden || this.volatileProfile || this.workerKind === 'none') return;
    let show = (): void => undefined;
    const shown = new Promise<void>((resolve) => (show = resolve));
    this.hidden = { shown, show };
    const live = this.live;
    if (!live) return;
    this.letGo(live);
    live.kill(new LocalRankError('WORKER_CRASHED', 'The page was left during this call'));
  }

  private show(): void {
    const hidden = this.hidden;
    this.hidden = null;
    hidden?.show();
  }

  /** Waits until a worker can take calls: the page shown, restarts done, a released worker started again. */
  private async available(): Promise<void> {
    for (;;) {
      if (this.destroyed) return;
      if (this.hidden) await this.hidden.shown;
      else if (this.restarting) await this.restarting;
      else if (this.released) {
        // Calls wait for the new worker as for a restart.
        this.released = false;
        this.relaunch(false);
      } else return;
    }
  }

  private settled(): Promise<void> {
    return this.inFlight === 0 ? Promise.resolve() : new Promise((resolve) => this.idle.push(resolve));
  }

  /** Remembers upserted items so a restarted worker gets the same catalogue. */
  rememberItems(items: readonly Item[]): void {
    for (const item of items) if (item && typeof item.id === 'string') this.items.set(item.id, item);
  }

  /**
   * Runs one engine call. If the worker crashes during the call, it is retried
   * once on the restarted worker (track batches carry ids, so a retry never
   * stores an event twice).
   */
  async call<T>(run: (api: Remote<EngineApi>) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      await this.available();
      if (this.destroyed) throw new LocalRankError('DESTROYED', 'This LocalRank instance was destroyed');
      const live = this.live;
      if (!live) throw new LocalRankError('WORKER_UNAVAILABLE', 'The engine worker is not running');
      this.inFlight++;
      try {
        await live.ready;
        return await Promise.race([run(live.api), live.crashed]);
      } catch (error) {
        if (!isCrash(error) || this.live === live || attempt >= 1) throw error;
      } finally {
        if (--this.inFlight === 0) this.idle.splice(0).forEach((resolve) => resolve());
      }
    }
  }

  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    this.lifecycle?.removeEventListener?.('freeze', this.onFreeze);
    this.window?.removeEventListener?.('pagehide', this.onPageHide);
    this.window?.removeEventListener?.('pageshow', this.onPageShow);
    this.show();
    const live = this.live;
    this.live = null;
    if (!live) return;
    await Promise.race([live.api.dispose().catch(() => undefined), new Promise((r) => setTimeout(r, 1000))]);
    stop(live);
    live.kill(new LocalRankError('DESTROYED', 'This LocalRank instance was destroyed'));
  }
}
