import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { FIXTURE_MODEL, startEsm, useBrowserAndServer, waitForEvent, watch } from './harness.js';

// Headless Chromium here has only SwiftShader behind --enable-unsafe-webgpu: this checks correctness, not speed.
const env = useBrowserAndServer({ webgpu: true });

const TEXTS = ['Trail running shoes', 'Stainless steel chef knife', 'Wireless noise cancelling headphones', 'Crème brûlée torch — café edition!'];

async function embed(page: Page, device: 'wasm' | 'webgpu'): Promise<{ encoder: { device: string }; vectors: number[][]; events: Array<{ type: string; payload: { device?: string; reason?: string } }> }> {
  return page.evaluate(
    ([d, texts, base]) =>
      (window as any).embedWith(
        { namespace: `gpu-${d}`, storage: 'memory', embeddingCacheSize: 0, runtimeUrl: `${base}/dist/ort/`, model: { id: 'localrank-tiny-bert', baseUrl: `${base}/models/`, device: d, dtype: 'fp32' } },
        texts,
      ),
    [device, TEXTS, env.server.url] as const,
  );
}

describe('WebGPU path', () => {
  it('gives the same embeddings as WASM on the software adapter', async () => {
    const page = await env.browser.newPage();
    await page.goto(`${env.server.url}/e2e/pages/worker.html`);
    await page.waitForFunction(() => (window as any).__pageReady === true);
    const adapter = await page.evaluate(async () => {
      const a = await (navigator as any).gpu?.requestAdapter();
      return a ? { fallback: a.info?.isFallbackAdapter ?? a.isFallbackAdapter } : null;
    });
    expect(adapter, 'Chromium should expose a WebGPU adapter with --enable-unsafe-webgpu').not.toBeNull();

    const wasm = await embed(page, 'wasm');
    const gpu = await embed(page, 'webgpu');
    expect(wasm.encoder.device).toBe('wasm');
    expect(gpu.encoder.device).toBe('webgpu');
    expect(gpu.events.find((e) => e.type === 'backend')?.payload.device).toBe('webgpu');
    gpu.vectors.forEach((v, i) => {
      const cos = v.reduce((sum, x, j) => sum + x * wasm.vectors[i]![j]!, 0);
      expect(cos, TEXTS[i]).toBeGreaterThanOrEqual(0.999);
    });
    await page.close();
  });

  it('auto picks WASM on a software (fallback) adapter and says why', async () => {
    const context = await env.browser.newContext();
    const page = await context.newPage();
    const log = watch(context, page);
    await startEsm(page, env.server, { namespace: 'gpu-auto', model: { id: FIXTURE_MODEL, baseUrl: '/models/', device: 'auto' } });
    const backend = (await waitForEvent(page, 'backend')) as { device: string; reason: string };
    expect(backend.device).toBe('wasm');
    expect(backend.reason).toMatch(/fallback/);
    // The plain (non-asyncify) runtime was chosen: it loads about twice as fast.
    expect(log.requests.some((u) => u.endsWith('/dist/ort/ort-wasm-simd-threaded.wasm'))).toBe(true);
    expect(log.requests.some((u) => u.includes('asyncify'))).toBe(false);
    await context.close();
  });
});
