import { describe, expect, it, vi } from 'vitest';
import { currentDeviceEnvironment, decideFromProbe, planDevice } from '../src/engine/encoder/backend.ts';
import type { DeviceEnvironment, GpuAdapterLike } from '../src/engine/encoder/backend.ts';

const browser = (requestAdapter?: () => Promise<GpuAdapterLike | null>): DeviceEnvironment =>
  requestAdapter ? { isNode: false, requestAdapter } : { isNode: false };
const adapter = (a: GpuAdapterLike) => vi.fn(() => Promise.resolve(a));

describe('planDevice', () => {
  it('runs on the CPU in Node whatever was requested', async () => {
    for (const requested of ['auto', 'wasm', 'webgpu'] as const) {
      const requestAdapter = adapter({});
      const plan = await planDevice(requested, { isNode: true, requestAdapter });
      expect(plan.kind).toBe('fixed');
      expect(plan.kind === 'fixed' && plan.choice.device).toBe('cpu');
      expect(requestAdapter).not.toHaveBeenCalled();
    }
  });

  it('uses WASM when WASM is requested, without asking for an adapter', async () => {
    const requestAdapter = adapter({});
    expect(await planDevice('wasm', browser(requestAdapter))).toEqual({ kind: 'fixed', choice: { device: 'wasm', reason: 'WASM requested' } });
    expect(requestAdapter).not.toHaveBeenCalled();
  });

  describe('webgpu requested', () => {
    it('uses WebGPU on a real adapter', async () => {
      expect(await planDevice('webgpu', browser(adapter({ info: { vendor: 'nvidia' } })))).toEqual({
        kind: 'fixed',
        choice: { device: 'webgpu', reason: 'WebGPU requested' },
      });
    });

    it('honours the request on a fallback adapter, and says so', async () => {
      const plan = await planDevice('webgpu', browser(adapter({ info: { isFallbackAdapter: true } })));
      expect(plan.kind === 'fixed' && plan.choice.device).toBe('webgpu');
      expect(plan.kind === 'fixed' && plan.choice.reason).toMatch(/fallback/);
    });

    it('falls back to WASM without an adapter', async () => {
      for (const env of [browser(adapter(null as never)), browser()]) {
        const plan = await planDevice('webgpu', env);
        expect(plan.kind === 'fixed' && plan.choice.device).toBe('wasm');
        expect(plan.kind === 'fixed' && plan.choice.reason).toMatch(/no adapter/);
      }
    });

    it('falls back to WASM when the adapter request throws, naming the error', async () => {
      const plan = await planDevice('webgpu', browser(() => Promise.reject(new Error('GPU process crashed'))));
      expect(plan.kind === 'fixed' && plan.choice.device).toBe('wasm');
      expect(plan.kind === 'fixed' && plan.choice.reason).toContain('GPU process crashed');
    });
  });

  describe('auto', () => {
    it('uses WASM when the browser has no WebGPU', async () => {
      const plan = await planDevice('auto', browser());
      expect(plan.kind === 'fixed' && plan.choice.device).toBe('wasm');
      expect(plan.kind === 'fixed' && plan.choice.reason).toMatch(/not available/);
    });

    it('uses WASM when there is no adapter', async () => {
      expect(await planDevice('auto', browser(adapter(null as never)))).toEqual({
        kind: 'fixed',
        choice: { device: 'wasm', reason: 'no WebGPU adapter' },
      });
    });

    it('uses WASM when requestAdapter throws or rejects', async () => {
      const rejecting = await planDevice('auto', browser(() => Promise.reject(new Error('blocklisted'))));
      expect(rejecting.kind === 'fixed' && rejecting.choice.device).toBe('wasm');
      expect(rejecting.kind === 'fixed' && rejecting.choice.reason).toContain('blocklisted');

      const throwing = await planDevice(
        'auto',
        browser(() => {
          throw new TypeError('sync failure');
        }),
      );
      expect(throwing.kind === 'fixed' && throwing.choice.device).toBe('wasm');
      expect(throwing.kind === 'fixed' && throwing.choice.reason).toContain('sync failure');

      const nonError = await planDevice('auto', browser(() => Promise.reject('denied')));
      expect(nonError.kind === 'fixed' && nonError.choice.reason).toContain('denied');
    });

    it('uses WASM on a software fallback adapter (adapter.info.isFallbackAdapter)', async () => {
      const plan = await planDevice('auto', browser(adapter({ info: { isFallbackAdapter: true, vendor: 'google' } })));
      expect(plan.kind === 'fixed' && plan.choice.device).toBe('wasm');
      expect(plan.kind === 'fixed' && plan.choice.reason).toMatch(/fallback/);
    });

    it('uses WASM on a software fallback adapter (legacy adapter.isFallbackAdapter)', async () => {
      const plan = await planDevice('auto', browser(adapter({ isFallbackAdapter: true })));
      expect(plan.kind === 'fixed' && plan.choice.device).toBe('wasm');
      expect(plan.kind === 'fixed' && plan.choice.reason).toMatch(/fallback/);
    });

    it('asks for a probe on a real adapter', async () => {
      const requestAdapter = adapter({ info: { isFallbackAdapter: false, vendor: 'apple', architecture: 'metal-3' } });
      // The adapter is named, so the probe's outcome can be remembered per adapter.
      expect(await planDevice('auto', browser(requestAdapter))).toEqual({ kind: 'probe', adapterKey: 'apple/metal-3' });
      expect(requestAdapter).toHaveBeenCalledTimes(1);
      expect(await planDevice('auto', browser(adapter({})))).toEqual({ kind: 'probe', adapterKey: 'unknown/unknown' });
      expect(await planDevice('auto', browser(adapter({ isFallbackAdapter: false })))).toEqual({ kind: 'probe', adapterKey: 'unknown/unknown' });
    });
  });
});

describe('decideFromProbe', () => {
  it('picks WebGPU when it is faster, with the speed-up and the timings', () => {
    expect(decideFromProbe(100, 40)).toEqual({
      device: 'webgpu',
      reason: 'WebGPU 2.5x faster than WASM in probe',
      probe: { wasmMs: 100, webgpuMs: 40 },
    });
  });

  it('picks WASM when it is faster', () => {
    expect(decideFromProbe(30, 90)).toEqual({
      device: 'wasm',
      reason: 'WASM 3.0x faster than WebGPU in probe',
      probe: { wasmMs: 30, webgpuMs: 90 },
    });
  });

  it('picks WASM on a tie', () => {
    const choice = decideFromProbe(50, 50);
    expect(choice.device).toBe('wasm');
    expect(choice.probe).toEqual({ wasmMs: 50, webgpuMs: 50 });
  });

  it('does not divide by zero when WASM measured 0 ms', () => {
    const choice = decideFromProbe(0, 10);
    expect(choice.device).toBe('wasm');
    expect(choice.reason).not.toMatch(/Infinity|NaN/);
  });
});

describe('currentDeviceEnvironment', () => {
  it('reports Node here', () => {
    expect(currentDeviceEnvironment().isNode).toBe(true);
  });
});
