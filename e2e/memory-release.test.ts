// Memory (#7, part 5): destroy() gives back everything the worker held (the model's ONNX Runtime
// session and heap, the item index, the caches): the worker ends and the browser attributes no
// memory to it any more; a new instance then loads the model again. Measured with Chromium's
// performance.measureUserAgentSpecificMemory(), which needs a cross-origin isolated page.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { chromiumFlags } from '../scripts/chromium.mjs';
import { FIXTURE_MODELS, startServer } from '../scripts/serve.mjs';
import type { RunningServer } from '../scripts/serve.mjs';
import { CHROMIUM, FIXTURE_MODEL, watch } from './harness.js';

// The tiny fixture keeps this test fast; the worker's figures for a real model are in bench:encoder.
const MODEL = { id: FIXTURE_MODEL, baseUrl: '/models/', file: join(FIXTURE_MODELS, FIXTURE_MODEL, 'onnx/model_quantized.onnx') };

const ITEMS = Array.from({ length: 1000 }, (_, i) => ({
  id: `i${i}`,
  title: [`Trail running shoes no. ${i}`, `Cast iron frying pan no. ${i}`, `Waterproof hiking jacket no. ${i}`][i % 3]!,
  category: ['Shoes > Running', 'Kitchen > Cookware', 'Outdoor > Jackets'][i % 3]!,
}));

let browser: Browser;
let server: RunningServer;
beforeAll(async () => {
  [browser, server] = await Promise.all([
    // Measure at once rather than at the next garbage collection.
    chromium.launch({ executablePath: CHROMIUM, args: [...chromiumFlags(), '--enable-blink-features=ForceEagerMeasureMemory'] }),
    startServer({ headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } }),
  ]);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Bytes the browser attributes to dedicated workers of the page (JavaScript heaps and WebAssembly memories). */
const workerBytes = (page: Page): Promise<number> =>
  page.evaluate(async () => {
    const result = await (performance as unknown as { measureUserAgentSpecificMemory(): Promise<{ breakdown: Array<{ bytes: number; attribution: Array<{ scope: string }> }> }> }).measureUserAgentSpecificMemory();
    return result.breakdown.filter((b) => b.attribution.some((a) => a.scope === 'DedicatedWorkerGlobalScope')).reduce((sum, b) => sum + b.bytes, 0);
  });

/** Starts an instance with the model, upserts the catalogue, tracks a view and ranks every item. */
const startAndRank = (page: Page) =>
  page.evaluate(
    async ([model, items]) => {
      const w = window as any;
      w.start({ namespace: 'memory', model: { id: model.id, baseUrl: model.baseUrl, device: 'wasm' } });
      const loaded = new Promise<void>((resolve, reject) => {
        w.lr.on('encoder', (e: { kind: string }) => e.kind === 'model' && resolve());
        w.lr.on('error', (e: { code: string; message: string }) => reject(new Error(`${e.code}: ${e.message}`)));
      });
      await w.lr.ready;
      await loaded;
      await w.lr.upsertItems(items);
      await w.lr.track({ type: 'view', itemId: 'i0' });
      const ranked = await w.lr.rank(items.map((i: { id: string }) => i.id).slice(1), { k: 5 });
      return { encoder: ranked.encoder.kind as string, top: ranked.items.map((i: { id: string }) => i.id) as string[] };
    },
    [MODEL, ITEMS] as const,
  );

describe('memory', () => {
  it('destroy() ends the worker and the browser attributes no memory to it any more; a new instance loads the model again', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const log = watch(context, page);
    await page.goto(`${server.url}/e2e/pages/esm.html`);
    await page.waitForFunction(() => (window as any).__pageReady === true);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(await workerBytes(page)).toBe(0);

    const modelBytes = statSync(MODEL.file).size;
    const first = await startAndRank(page);
    expect(first.encoder).toBe('model');
    const loadedBytes = await workerBytes(page);
    // The worker holds at least the model's weights (in ONNX Runtime's WebAssembly memory).
    expect(loadedBytes).toBeGreaterThan(modelBytes);
    console.log(`worker memory with ${MODEL.id} loaded and ${ITEMS.length} items ranked: ${(loadedBytes / 2 ** 20).toFixed(1)} MiB`);

    const [worker] = page.workers();
    expect(worker?.url()).toContain('/dist/engine.worker.js');
    const closed = new Promise<void>((resolve) => worker!.once('close', () => resolve()));
    await page.evaluate(() => (window as any).lr.destroy());
    await closed;
    expect(page.workers()).toEqual([]);
    expect(await workerBytes(page)).toBe(0);
    expect(await page.evaluate(() => (window as any).lr.rank(['i1']).catch((e: { code: string }) => e.code))).toBe('DESTROYED');

    // Released, not broken: the next instance (a new worker) loads the model again and ranks the same.
    const second = await startAndRank(page);
    expect(second).toEqual(first);
    expect(await workerBytes(page)).toBeGreaterThan(modelBytes);
    expect(log.pageErrors).toEqual([]);
    await context.close();
  });
});
