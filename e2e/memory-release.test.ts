// Memory (#7, part 5): destroy() gives back everything the worker held (the model's ONNX Runtime
// session and heap, the item index, the caches): the worker ends and the browser attributes no
// memory to it any more; a new instance then loads the model again. Each browser's own attribution:
// Chromium's performance.measureUserAgentSpecificMemory() (a cross-origin isolated page), Firefox's
// memory reporters (about:memory, read over WebDriver BiDi in its privileged scope). So does a page
// Chromium freezes, when its profile is on disk: Firefox has no freeze event.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { firefoxWorkerMemory } from '../scripts/browsers.mjs';
import { FIXTURE_MODELS, startServer } from '../scripts/serve.mjs';
import type { RunningServer } from '../scripts/serve.mjs';
import { FIXTURE_MODEL, forEachBrowser, sleep } from './browsers.js';
import type { BrowserEnv, Page } from './browsers.js';

// The tiny fixture keeps this test fast; the worker's figures for a real model are in bench:encoder.
const MODEL = { id: FIXTURE_MODEL, baseUrl: '/models/', file: join(FIXTURE_MODELS, FIXTURE_MODEL, 'onnx/model_quantized.onnx') };

const ITEMS = Array.from({ length: 1000 }, (_, i) => ({
  id: `i${i}`,
  title: [`Trail running shoes no. ${i}`, `Cast iron frying pan no. ${i}`, `Waterproof hiking jacket no. ${i}`][i % 3]!,
  category: ['Shoes > Running', 'Kitchen > Cookware', 'Outdoor > Jackets'][i % 3]!,
}));

// measureUserAgentSpecificMemory() needs a cross-origin isolated page.
let isolated: RunningServer;
beforeAll(async () => {
  isolated = await startServer({ headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } });
});
afterAll(async () => {
  await isolated?.close();
});

/**
 * Bytes the browser attributes to the page's engine worker: Chromium's measureUserAgentSpecificMemory() for
 * its dedicated workers, Firefox's memory reports naming the worker's script (WebAssembly memory included).
 */
async function workerBytes(env: BrowserEnv, page: Page): Promise<number> {
  if (env.name === 'firefox') return (await firefoxWorkerMemory(env.browser, 'engine.worker.js')).bytes;
  return page.evaluate(async () => {
    const result = await (performance as unknown as { measureUserAgentSpecificMemory(): Promise<{ breakdown: Array<{ bytes: number; attribution: Array<{ scope: string }> }> }> }).measureUserAgentSpecificMemory();
    return result.breakdown.filter((b) => b.attribution.some((a) => a.scope === 'DedicatedWorkerGlobalScope')).reduce((sum, b) => sum + b.bytes, 0);
  });
}

const engineWorkers = (page: Page) => page.workers().filter((w) => w.url().includes('/dist/engine.worker.js'));

/**
 * Waits until the page has no engine worker. Chromium forgets a worker for memory measurement a little
 * after it closed: a measurement started before that waits for a 60 s timeout.
 */
async function ended(page: Page): Promise<void> {
  await expect.poll(() => engineWorkers(page).length, { timeout: 10_000 }).toBe(0);
  await sleep(1000);
}

/** Starts an instance with the model, upserts the catalogue, tracks a view and ranks every item. */
const startAndRank = (page: Page, storage: 'indexeddb' | 'memory' = 'indexeddb') =>
  page.evaluate(
    async ([model, items, storage]) => {
      const w = window as any;
      w.start({ namespace: 'memory', storage, model: { id: model.id, baseUrl: model.baseUrl, device: 'wasm' } });
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
    [MODEL, ITEMS, storage] as const,
  );

/** Ranks again once the model serves (the lexical encoder answers while it loads), and counts the stored events. */
const rankWithModel = (page: Page) =>
  page.evaluate(async (items) => {
    const w = window as any;
    const ids = items.map((i: { id: string }) => i.id).slice(1);
    for (let tries = 0; tries < 600; tries++) {
      const ranked = await w.lr.rank(ids, { k: 5 });
      if (ranked.encoder.kind === 'model') {
        return { encoder: 'model', top: ranked.items.map((i: { id: string }) => i.id) as string[], events: (await w.lr.profile()).storage.events as number };
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the model did not serve again');
  }, ITEMS);

/** What Chromium dispatches when it freezes a hidden page; headless Chromium never hides (so never freezes) a page, so the test sends it. */
const freeze = (page: Page) => page.evaluate(() => document.dispatchEvent(new Event('freeze')));

async function openEsm(env: BrowserEnv) {
  const opened = await env.open();
  await opened.page.goto(`${isolated.url}/e2e/pages/esm.html`);
  await opened.page.waitForFunction(() => (window as any).__pageReady === true);
  return opened;
}

forEachBrowser(
  'memory',
  (env) => {
    it('destroy() ends the worker and the browser attributes no memory to it any more; a new instance loads the model again', async () => {
      const { page, log, close } = await openEsm(env);
      // Chromium measures only in a cross-origin isolated page; Firefox reads its reports from outside the page.
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
      expect(await workerBytes(env, page)).toBe(0);

      const modelBytes = statSync(MODEL.file).size;
      const first = await startAndRank(page);
      expect(first.encoder).toBe('model');
      const loadedBytes = await workerBytes(env, page);
      // The worker holds more than the model's weights.
      expect(loadedBytes).toBeGreaterThan(modelBytes);
      expect(engineWorkers(page)).toHaveLength(1);
      console.log(`[memory-release] ${env.name}: the engine worker with the fixture model and 1,000 items ranked: ${(loadedBytes / 2 ** 20).toFixed(1)} MiB (the browser's own attribution)`);

      await page.evaluate(() => (window as any).lr.destroy());
      await ended(page);
      expect(await workerBytes(env, page)).toBe(0);
      expect(await page.evaluate(() => (window as any).lr.rank(['i1']).catch((e: { code: string }) => e.code))).toBe('DESTROYED');

      // Released, not broken: the next instance (a new worker) loads the model again and ranks the same.
      const second = await startAndRank(page);
      expect(second).toEqual(first);
      expect(await workerBytes(env, page)).toBeGreaterThan(modelBytes);
      expect(log.pageErrors).toEqual([]);
      await close();
    });

    if (env.name === 'firefox') {
      it('Firefox has no Page Lifecycle freeze event, so a hidden tab keeps its worker (the day it has one, this fails and the freeze tests run here too)', async () => {
        const { page, close } = await openEsm(env);
        expect(await page.evaluate(() => 'onfreeze' in document)).toBe(false);
        await close();
      });
      return;
    }

    it('a page the browser freezes gives the worker memory back; the next call starts a new worker with the stored profile, and the model serves again', async () => {
      const { page, log, close } = await openEsm(env);
      const before = await startAndRank(page);
      expect(await page.evaluate(() => 'onfreeze' in document)).toBe(true);
      await freeze(page);
      await ended(page);
      expect(await workerBytes(env, page)).toBe(0);

      // Back from the freeze: the first call starts a worker, which reads the profile from IndexedDB and loads the model again.
      const after = await rankWithModel(page);
      expect(after).toEqual({ ...before, events: 1 });
      expect(engineWorkers(page)).toHaveLength(1);
      const errors = await page.evaluate(() => (window as any).__events.filter((e: { type: string }) => e.type === 'error'));
      expect(errors).toEqual([]);
      expect(log.pageErrors).toEqual([]);
      await close();
    });

    it('a profile that lives in memory keeps its worker through a freeze (releasing it would lose the profile)', async () => {
      const { page, close } = await openEsm(env);
      const before = await startAndRank(page, 'memory');
      await freeze(page);
      await sleep(300);
      expect(engineWorkers(page)).toHaveLength(1);
      expect(await rankWithModel(page)).toEqual({ ...before, events: 1 });
      await close();
    });
  },
  // Chromium: measure at once rather than at the next garbage collection. Firefox: its memory reports need the privileged scope.
  { launch: { chromiumArgs: ['--enable-blink-features=ForceEagerMeasureMemory'], systemAccess: true } },
);
