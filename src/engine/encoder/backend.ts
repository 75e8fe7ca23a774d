import type { BackendChoice } from '../../types.js';

/**
 * Everything about where inference runs lives here: which ONNX Runtime build
 * the worker loads, and whether the model runs on WebGPU or WASM.
 */

/** ORT ships two builds: the plain one loads about 2x faster; WebGPU needs the asyncify one. */
export const ORT_FILES = {
  wasm: { mjs: 'ort-wasm-simd-threaded.mjs', wasm: 'ort-wasm-simd-threaded.wasm' },
  webgpu: { mjs: 'ort-wasm-simd-threaded.asyncify.mjs', wasm: 'ort-wasm-simd-threaded.asyncify.wasm' },
} as const;

export type RequestedDevice = 'auto' | 'wasm' | 'webgpu';
export type Device = BackendChoice['device'];

/** What the environment offers, injected so the decision is testable without a GPU. */
export interface DeviceEnvironment {
  isNode: boolean;
  requestAdapter?: () => Promise<GpuAdapterLike | null>;
}

export interface GpuAdapterLike {
  /** Newer Chromium reports this on `adapter.info`, older on the adapter itself. */
  isFallbackAdapter?: boolean;
  info?: { isFallbackAdapter?: boolean; vendor?: string; architecture?: string };
  features?: { has(name: string): boolean };
}

/** A software adapter (SwiftShader, WARP…): WebGPU there is slower than WASM. */
export const isFallbackAdapter = (adapter: GpuAdapterLike): boolean => adapter.info?.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false;

/**
 * The environment with its adapter requested at most once and given up after
 * `timeoutMs` (a request that never settles, as on some drivers, then counts as
 * a failed one): the capability report and the device plan share one answer.
 */
export function onceAdapter(environment: DeviceEnvironment, timeoutMs: number): DeviceEnvironment {
  const { requestAdapter } = environment;
  if (!requestAdapter) return environment;
  let answer: Promise<GpuAdapterLike | null> | undefined;
  return {
    ...environment,
    requestAdapter: () =>
      (answer ??= new Promise<GpuAdapterLike | null>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        requestAdapter().then(resolve, reject).finally(() => clearTimeout(timer));
      })),
  };
}

/** First decision, before any model is loaded: a device, or "probe both" on an adapter named by `adapterKey`. */
export type DevicePlan = { kind: 'fixed'; choice: BackendChoice } | { kind: 'probe'; adapterKey: string };

export async function planDevice(requested: RequestedDevice, environment: DeviceEnvironment): Promise<DevicePlan> {
  const fixed = (device: Device, reason: string): DevicePlan => ({ kind: 'fixed', choice: { device, reason } });
  if (environment.isNode) return fixed('cpu', 'Node.js: onnxruntime-node on the CPU');
  if (requested === 'wasm') return fixed('wasm', 'WASM requested');

  let adapter: GpuAdapterLike | null = null;
  let adapterError = '';
  if (environment.requestAdapter) {
    try {
      adapter = await environment.requestAdapter();
    } catch (error) {
      adapterError = error instanceof Error ? error.message : String(error);
    }
  }
  const isFallback = adapter !== null && isFallbackAdapter(adapter);

  if (requested === 'webgpu') {
    if (adapter) return fixed('webgpu', isFallback ? 'WebGPU requested (software fallback adapter)' : 'WebGPU requested');
    return fixed('wasm', `WebGPU requested but unavailable (${adapterError || 'no adapter'}); using WASM`);
  }
  if (!environment.requestAdapter) return fixed('wasm', 'WebGPU not available in this browser');
  if (!adapter) return fixed('wasm', adapterError ? `WebGPU adapter request failed: ${adapterError}` : 'no WebGPU adapter');
  if (isFallback) return fixed('wasm', 'only a software (fallback) WebGPU adapter: WASM is faster');
  return { kind: 'probe', adapterKey: `${adapter.info?.vendor ?? 'unknown'}/${adapter.info?.architecture ?? 'unknown'}` };
}

/** Final decision for `auto` on a real adapter: the faster of two timed runs. */
export function decideFromProbe(wasmMs: number, webgpuMs: number): BackendChoice {
  const probe = { wasmMs, webgpuMs };
  if (webgpuMs < wasmMs) {
    const ratio = webgpuMs > 0 ? `${(wasmMs / webgpuMs).toFixed(1)}x` : 'much';
    return { device: 'webgpu', reason: `WebGPU ${ratio} faster than WASM in probe`, probe };
  }
  return { device: 'wasm', reason: `WASM ${(webgpuMs / Math.max(wasmMs, 1e-6)).toFixed(1)}x faster than WebGPU in probe`, probe };
}

/** True in Node (tests, CLI, benchmarks), where transformers.js runs on onnxruntime-node. */
export const isNodeRuntime = (): boolean => typeof process !== 'undefined' && typeof process.versions?.node === 'string';

/** The environment of the current global scope (window, worker or Node). */
export function currentDeviceEnvironment(): DeviceEnvironment {
  const isNode = isNodeRuntime();
  const gpu = (globalThis.navigator as (Navigator & { gpu?: { requestAdapter(): Promise<GpuAdapterLike | null> } }) | undefined)?.gpu;
  return gpu ? { isNode, requestAdapter: () => gpu.requestAdapter() } : { isNode };
}
