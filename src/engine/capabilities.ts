import type { Capabilities, EnginePath } from '../types.js';
import type { DeviceEnvironment, RequestedDevice } from './encoder/backend.js';
import { isFallbackAdapter } from './encoder/backend.js';

/**
 * The capability ladder: what the environment offers (detected once per
 * engine start) and the path chosen from it. The page knows whether a worker
 * started and what `navigator` says about the device; the engine probes the
 * rest where it runs (in its worker, or on the page).
 */

/** What the page tells the engine: facts the engine cannot see (or see differently) from its worker. */
export interface PageFacts {
  worker: Capabilities['worker'];
  workerError?: string;
  deviceMemoryGb: number | null;
  hardwareConcurrency: number | null;
}

/** The globals detection reads, injected so that every rung can be tested without a browser. */
export interface CapabilityScope {
  WebAssembly?: { validate(bytes: Uint8Array<ArrayBuffer>): boolean; Module: new (bytes: Uint8Array<ArrayBuffer>) => unknown } | undefined;
  crossOriginIsolated?: boolean;
  SharedArrayBuffer?: unknown;
  indexedDBWorks(): Promise<boolean>;
  locks?: { query(): Promise<unknown> } | undefined;
  caches?: { keys(): Promise<unknown> } | undefined;
  gpu: DeviceEnvironment;
}

/** Device-memory thresholds, resolved (see LowMemoryOptions in types.ts). */
export interface LowMemoryThresholds {
  smallerDtypeBelowGb: number;
  lexicalBelowGb: number;
}

export const DEFAULT_LOW_MEMORY: LowMemoryThresholds = { smallerDtypeBelowGb: 4, lexicalBelowGb: 1 };

/** The model as the options ask for it (`false`: no model). */
export type RequestedModel = { device: RequestedDevice; dtype?: string } | false;

/** The path before storage is opened; `deviceReason` says why the model's device is not the one requested. */
export interface ChosenPath extends Omit<EnginePath, 'storage'> {
  deviceReason?: string;
}

/** The smallest module there is: compiling it tells whether WebAssembly may be compiled here at all. */
const EMPTY_MODULE = Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00);
/** A function using final 128-bit SIMD (i8x16.splat, i8x16.popcnt): valid only where SIMD is. */
const SIMD_MODULE = Uint8Array.of(0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11);
/** dtypes no larger than q8: kept on a low-memory device. */
const SMALL_DTYPES = ['q8', 'int8', 'uint8', 'q4'];

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** What `navigator` says on the page, with the worker outcome. */
export function readPageFacts(worker: Capabilities['worker'], workerError?: string): PageFacts {
  const nav = globalThis.navigator as (Navigator & { deviceMemory?: unknown }) | undefined;
  const positive = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : null);
  const facts: PageFacts = { worker, deviceMemoryGb: positive(nav?.deviceMemory), hardwareConcurrency: positive(nav?.hardwareConcurrency) };
  if (workerError !== undefined) facts.workerError = workerError;
  return facts;
}

/** The scope of the current global (worker or page); `indexedDBWorks` and `gpu` are shared with the engine's storage and device plan. */
export function currentScope(indexedDBWorks: () => Promise<boolean>, gpu: DeviceEnvironment): CapabilityScope {
  // Some of these getters throw in opaque origins (sandboxed frames): a throw means "not here".
  const read = <T>(get: () => T): T | undefined => {
    try {
      return get();
    } catch {
      return undefined;
    }
  };
  const g = globalThis as { crossOriginIsolated?: boolean; caches?: CapabilityScope['caches']; navigator?: { locks?: CapabilityScope['locks'] } };
  return {
    WebAssembly: typeof WebAssembly === 'object' ? WebAssembly : undefined,
    crossOriginIsolated: g.crossOriginIsolated === true,
    SharedArrayBuffer: typeof SharedArrayBuffer === 'function' ? SharedArrayBuffer : undefined,
    indexedDBWorks,
    locks: read(() => g.navigator?.locks),
    caches: read(() => g.caches),
    gpu,
  };
}

function detectWebAssembly(scope: CapabilityScope): Capabilities['webAssembly'] {
  const wasm = scope.WebAssembly;
  if (typeof wasm !== 'object' || wasm === null) return { available: false, simd: false, threads: false, reason: 'no WebAssembly global' };
  try {
    new wasm.Module(EMPTY_MODULE);
  } catch (error) {
    // A CSP without 'wasm-unsafe-eval' refuses to compile.
    return { available: false, simd: false, threads: false, reason: messageOf(error) };
  }
  let simd = false;
  try {
    simd = wasm.validate(SIMD_MODULE);
  } catch {
    simd = false;
  }
  return { available: true, simd, threads: scope.crossOriginIsolated === true && typeof scope.SharedArrayBuffer === 'function' };
}

const answers = async (probe: (() => Promise<unknown>) | undefined): Promise<boolean> => {
  if (!probe) return false;
  try {
    await probe();
    return true;
  } catch {
    return false;
  }
};

/** Everything but the WebGPU adapter (`adapter: null`: see detectEnvironment). */
export async function detectCapabilities(scope: CapabilityScope, page: PageFacts): Promise<Capabilities> {
  const { locks, caches } = scope;
  const [indexedDB, webLocks, cacheApi] = await Promise.all([
    scope.indexedDBWorks().catch(() => false),
    answers(locks && (() => locks.query())),
    answers(caches && (() => caches.keys())),
  ]);
  const capabilities: Capabilities = {
    worker: page.worker,
    webAssembly: detectWebAssembly(scope),
    webgpu: { api: scope.gpu.requestAdapter !== undefined, adapter: null, f16: false },
    indexedDB,
    webLocks,
    cacheApi,
    crossOriginIsolated: scope.crossOriginIsolated === true,
    deviceMemoryGb: page.deviceMemoryGb,
    hardwareConcurrency: page.hardwareConcurrency,
  };
  if (page.workerError !== undefined) capabilities.workerError = page.workerError;
  return capabilities;
}

/** Asks for the WebGPU adapter (once per scope: `gpu` is shared with the device plan) and describes it. */
export async function probeWebGpu(gpu: DeviceEnvironment): Promise<Capabilities['webgpu']> {
  if (!gpu.requestAdapter) return { api: false, adapter: 'none', f16: false, reason: 'no navigator.gpu' };
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return { api: true, adapter: 'none', f16: false, reason: 'requestAdapter() gave no adapter' };
    return { api: true, adapter: isFallbackAdapter(adapter) ? 'fallback' : 'hardware', f16: adapter.features?.has('shader-f16') ?? false };
  } catch (error) {
    return { api: true, adapter: 'none', f16: false, reason: `requestAdapter() failed: ${messageOf(error)}` };
  }
}

/**
 * The rung to run on, from what is there and what the options ask for. Pure:
 * the same capabilities and options always give the same path.
 */
export function choosePath(capabilities: Capabilities, model: RequestedModel, lowMemory: LowMemoryThresholds | null): ChosenPath {
  const thread = capabilities.worker === 'none' ? 'main-thread' : 'worker';
  const reasons: string[] = [];
  if (thread === 'main-thread') {
    reasons.push(`no worker could start (${capabilities.workerError ?? 'unknown reason'}): the engine runs on the page, each call started in an idle period`);
  }
  const lexical = (why?: string): ChosenPath => ({ thread, encoder: 'lexical', reasons: why ? [...reasons, `${why}; the lexical encoder serves`] : reasons });
  if (model === false) return lexical();
  if (thread === 'main-thread') return lexical('the model is not loaded on the page: its inference would block the page');
  const { webAssembly } = capabilities;
  if (!webAssembly.available) return lexical(`WebAssembly is unavailable (${webAssembly.reason ?? 'unknown reason'}): the model cannot run`);
  if (!webAssembly.simd) return lexical('WebAssembly SIMD is unavailable: the model runtime (ONNX Runtime) needs it');

  const memory = capabilities.deviceMemoryGb;
  if (lowMemory && memory !== null && memory < lowMemory.lexicalBelowGb) {
    return lexical(`device memory ${memory} GB is below lowMemory.lexicalBelowGb (${lowMemory.lexicalBelowGb} GB): no model`);
  }
  if (lowMemory && memory !== null && memory < lowMemory.smallerDtypeBelowGb) {
    const dtype = model.dtype !== undefined && SMALL_DTYPES.includes(model.dtype) ? model.dtype : 'q8';
    const path: ChosenPath = { thread, encoder: 'model', model: { device: 'wasm', dtype }, reasons };
    if (model.device !== 'wasm' || (model.dtype ?? 'q8') !== dtype) {
      const why = `device memory ${memory} GB is below lowMemory.smallerDtypeBelowGb (${lowMemory.smallerDtypeBelowGb} GB): the model loads as ${dtype} on WASM, without the WebGPU probe`;
      path.reasons = [...reasons, why];
      if (model.device !== 'wasm') path.deviceReason = why;
    }
    return path;
  }
  return { thread, encoder: 'model', model: model.dtype === undefined ? { device: model.device } : { device: model.device, dtype: model.dtype }, reasons };
}

/**
 * Detects the capabilities and chooses the path. The WebGPU adapter is asked
 * for only when the path may use it (asking can wake a discrete GPU).
 */
export async function detectEnvironment(
  scope: CapabilityScope,
  page: PageFacts,
  model: RequestedModel,
  lowMemory: LowMemoryThresholds | null,
): Promise<{ capabilities: Capabilities; path: ChosenPath }> {
  const capabilities = await detectCapabilities(scope, page);
  const path = choosePath(capabilities, model, lowMemory);
  if (path.model && path.model.device !== 'wasm') capabilities.webgpu = await probeWebGpu(scope.gpu);
  return { capabilities, path };
}
