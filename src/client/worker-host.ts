import { proxy, releaseProxy, wrap } from 'comlink';
import type { Remote } from 'comlink';
import { installErrorTransfer } from '../protocol.js';
import { LocalRankError, toLocalRankError } from '../errors.js';
import type { EngineApi } from '../../workers/engine.worker.js';
import type { Item, LocalRankEvents, LocalRankOptions } from '../types.js';
import type { Emitter } from './emitter.js';

/** How the page starts the engine worker: a module worker file (ESM) or an inlined blob (IIFE). */
export type SpawnWorker = () => Worker;

const MAX_RESTARTS = 3;
const RESTART_WINDOW_MS = 60_000;
const UNLOADABLE =
  "The engine worker's script could not be loaded: a Content Security Policy whose worker-src does not allow it (the script-tag build starts its worker from a blob: URL), or a missing worker file";

interface Live {
  worker: Worker;
  api: Remote<EngineApi>;
  ready: Promise<void>;
  /** Rejects when this worker crashes or is destroyed, so calls to a dead worker do not hang. */
  crashed: Promise<never>;
  kill(error: LocalRankError): void;
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
  /** Whether a worker of this instance ever answered: a first worker that fails before that never ran. */
  private everStarted = false;
  /** The profile may live in the worker's memory only (storage 'memory', or IndexedDB missing or full). */
  private volatileProfile: boolean;
  /** The worker was let go to give its memory back; the next call starts a new one. */
  private released = false;
  private readonly lifecycle: LifecycleTarget | undefined;
  private readonly onFreeze = (): void => void this.release();
  readonly ready: Promise<void>;

  constructor(
    private readonly spawn: SpawnWorker,
    private readonly options: LocalRankOptions,
    private readonly emitter: Emitter,
  ) {
    installErrorTransfer();
    this.volatileProfile = options?.storage === 'memory';
    // Browsers that freeze hidden pages to save resources (Chromium's Page Lifecycle) say so first:
    // the worker's memory (the model's runtime, the item index) is given back then.
    this.lifecycle = (globalThis as { document?: LifecycleTarget }).document;
    this.lifecycle?.addEventListener?.('freeze', this.onFreeze);
    const first = this.start();
    // `ready` follows whichever worker comes up: a crash during the first start waits for the restart.
    this.ready = first.catch((error: unknown) => {
      if (isCrash(error) && !this.destroyed) return this.call(() => Promise.resolve());
      throw error;
    });
    // No worker at all is also said as an event (after the caller's synchronous `on()` calls), not only by `ready`.
    first.catch((error: unknown) => {
      if (error instanceof LocalRankError && error.code === 'WORKER_UNAVAILABLE') this.emitter.emit('error', error.toJSON());
    });
  }

  private start(): Promise<void> {
    let worker: Worker;
    try {
      worker = this.spawn();
    } catch (error) {
      return Promise.reject(new LocalRankError('WORKER_UNAVAILABLE', `The engine worker could not start: ${error instanceof Error ? error.message : String(error)}`));
    }
    const api = wrap<EngineApi>(worker);
    let kill: (error: LocalRankError) => void = () => undefined;
    const crashed = new Promise<never>((_, reject) => (kill = reject));
    crashed.catch(() => undefined);
    const live: Live = { worker, api, ready: Promise.resolve(), crashed, kill };
    worker.addEventListener('error', (event) => {
      event.preventDefault?.();
      if (!this.everStarted && !event.message && this.live === live) {
        // An error without a message before any worker answered: the script itself did not load
        // (blocked by the CSP's worker-src, or not found). Starting it again would fail the same way.
        this.live = null;
        api[releaseProxy]();
        worker.terminate();
        kill(new LocalRankError('WORKER_UNAVAILABLE', UNLOADABLE));
        return;
      }
      if (this.live === live) this.restart('WORKER_CRASHED', `The engine worker crashed: ${event.message || 'unknown error'}`, false);
      kill(new LocalRankError('WORKER_CRASHED', 'The engine worker crashed during this call'));
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
      await api.init(this.options, proxy(forward));
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
    const old = this.live;
    if (code === 'WORKER_CRASHED') this.emitter.emit('error', { code, message });
    if (this.restarts.length >= MAX_RESTARTS) {
      old?.worker.terminate();
      this.live = null;
      this.emitter.emit('error', { code: 'WORKER_UNAVAILABLE', message: `The engine worker failed ${MAX_RESTARTS} times in a minute; LocalRank stopped` });
      return;
    }
    this.restarts.push(now);
    this.restarting = (async () => {
      if (waitForCalls) await this.settled();
      old?.api[releaseProxy]();
      old?.worker.terminate();
      await this.start().catch((error: unknown) => {
        // A crash was reported by the error listener already (and restarts again).
        if (!isCrash(error)) this.emitter.emit('error', toLocalRankError(error, 'WORKER_UNAVAILABLE').toJSON());
      });
    })().finally(() => {
      this.restarting = null;
      if (this.restartAgain) {
        this.restartAgain = false;
        this.restart('WORKER_CRASHED', 'The restarted engine worker crashed while starting', false);
      }
    });
  }

  /**
   * Lets the worker go, and all its memory with it, when nothing would be lost: no call in flight,
   * the profile on disk. The next call starts a new worker with the catalogue; the model loads
   * again (the lexical encoder serves meanwhile). Returns whether it did.
   */
  private release(): boolean {
    const live = this.live;
    if (!live || this.destroyed || this.restarting || this.inFlight > 0 || this.volatileProfile || !this.everStarted) return false;
    this.live = null;
    this.released = true;
    live.api[releaseProxy]();
    live.worker.terminate();
    return true;
  }

  /** Starts a worker again after `release()`; calls wait for it as for a restart. */
  private wake(): void {
    this.released = false;
    this.restarting = this.start()
      .catch((error: unknown) => {
        if (!isCrash(error)) this.emitter.emit('error', toLocalRankError(error, 'WORKER_UNAVAILABLE').toJSON());
      })
      .finally(() => {
        this.restarting = null;
        if (this.restartAgain) {
          this.restartAgain = false;
          this.restart('WORKER_CRASHED', 'The restarted engine worker crashed while starting', false);
        }
      });
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
      if (this.destroyed) throw new LocalRankError('DESTROYED', 'This LocalRank instance was destroyed');
      if (this.released && !this.restarting) this.wake();
      while (this.restarting) await this.restarting;
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
    const live = this.live;
    this.live = null;
    if (!live) return;
    await Promise.race([live.api.dispose().catch(() => undefined), new Promise((r) => setTimeout(r, 1000))]);
    live.api[releaseProxy]();
    live.worker.terminate();
    live.kill(new LocalRankError('DESTROYED', 'This LocalRank instance was destroyed'));
  }
}
