import { describe, expect, it } from 'vitest';
import type { RunningServer } from '../scripts/serve.mjs';
import { FIXTURE_MODEL, forEachBrowser, launchBrowser, launchWithStorageLimit, profileDir, startEsm, watch } from './browsers.js';
import type { Browser, Page } from './browsers.js';

// Model files and ONNX Runtime's files are fetched once per version and served from the
// Cache API afterwards (src/engine/encoder/file-cache.ts), checked against the SHA-256
// recorded when they were stored.

/** Requests a visit made for the model's files or ONNX Runtime's. */
const modelOrRuntime = (requests: string[]): string[] => requests.filter((u) => u.includes('/models/') || /\/ort-wasm[^/]*$/.test(new URL(u).pathname));
const path = (u: string): string => new URL(u).pathname;

const ITEMS = [
  { id: 'shoe', title: 'Trail running shoes', category: 'Shoes > Running' },
  { id: 'boot', title: 'Waterproof hiking boots', category: 'Shoes > Hiking' },
  { id: 'pan', title: 'Cast iron frying pan', category: 'Kitchen > Cookware' },
  { id: 'knife', title: 'Stainless steel chef knife', category: 'Kitchen > Knives' },
];

interface Visit {
  encoder: string;
  /** From createLocalRank() to the first ranking the model served, in ms. */
  msToModelRanking: number;
  ranking: Array<{ id: string; score: number }>;
  progress: Array<{ file: string; loaded: number; total: number }>;
  warnings: Array<{ code: string; reason: string }>;
}

/**
 * One visit: starts LocalRank on the ESM page (profile in memory, so only the cached files carry over),
 * waits for the model and ranks with it.
 */
async function visit(page: Page, server: RunningServer, model: Record<string, unknown> = {}): Promise<Visit> {
  await startEsm(page, server, { namespace: 'visits', storage: 'memory', model: { id: FIXTURE_MODEL, baseUrl: '/models/', device: 'wasm', ...model } });
  return page.evaluate(async (items) => {
    const w = window as any;
    const events = w.__events as Array<{ type: string; payload: any }>;
    await new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (events.some((e) => e.type === 'encoder' && e.payload.kind === 'model')) resolve();
        else if (events.some((e) => e.type === 'error')) reject(new Error(JSON.stringify(events.filter((e) => e.type === 'error'))));
        else setTimeout(check, 10);
      };
      check();
    });
    await w.lr.upsertItems(items);
    await w.lr.track({ type: 'view', itemId: 'shoe' });
    const ranked = await w.lr.rank(['boot', 'pan', 'knife']);
    if (ranked.encoder.kind !== 'model') throw new Error(`ranked by ${ranked.encoder.id}`);
    return {
      encoder: ranked.encoder.id,
      msToModelRanking: performance.now() - w.__createdAt,
      ranking: ranked.items.map((r: { id: string; score: number }) => ({ id: r.id, score: r.score })),
      progress: events.filter((e) => e.type === 'progress').map((e) => e.payload),
      warnings: events.filter((e) => e.type === 'degraded').map((e) => e.payload),
    };
  }, ITEMS);
}

/** The entries of LocalRank's model cache, as the page sees them: path, version and recorded size. */
async function cacheEntries(page: Page): Promise<Array<{ path: string; version: string | null; size: number }>> {
  return page.evaluate(async () => {
    const cache = await caches.open('localrank-models');
    const out = [];
    for (const request of await cache.keys()) {
      const entry = await cache.match(request);
      out.push({ path: new URL(request.url).pathname + new URL(request.url).search, version: entry!.headers.get('x-localrank-version'), size: Number(entry!.headers.get('x-localrank-size')) });
    }
    return out.sort((a, b) => (a.path < b.path ? -1 : 1));
  });
}

/** insecure.test is served by the same server over http: not a secure context, so no Cache API. */
const INSECURE_HOST = 'insecure.test';

forEachBrowser('model and runtime files cached between visits', (env) => {
  it('a second visit (browser restarted) makes no request for model or runtime files and ranks with the same model; a new model.version replaces the cached model', async () => {
    const profile = profileDir();
    const browsers: Browser[] = [];
    const server = env.server;
    try {
      const first = await launchBrowser(env.name, { userDataDir: profile.dir });
      browsers.push(first);
      let page = await first.newPage();
      let log = watch(page);
      const visits: Visit[] = [await visit(page, server)];
      const fetched = modelOrRuntime(log.requests).map(path);
      expect(fetched).toEqual(expect.arrayContaining([`/models/${FIXTURE_MODEL}/config.json`, `/models/${FIXTURE_MODEL}/onnx/model_quantized.onnx`, '/dist/ort/ort-wasm-simd-threaded.wasm', '/dist/ort/ort-wasm-simd-threaded.mjs']));
      // Download progress is reported, up to the whole model file.
      const model = visits[0]!.progress.filter((p) => p.file === 'onnx/model_quantized.onnx');
      expect(model.length).toBeGreaterThan(0);
      expect(model.at(-1)!.loaded).toBe(model.at(-1)!.total);
      expect(model.at(-1)!.total).toBeGreaterThan(100_000);
      expect(visits[0]!.warnings).toEqual([]);
      await first.close();

      // Second visit, after a browser restart on the same profile.
      const second = await launchBrowser(env.name, { userDataDir: profile.dir });
      browsers.push(second);
      page = await second.newPage();
      log = watch(page);
      visits.push(await visit(page, server));
      expect(modelOrRuntime(log.requests)).toEqual([]);
      // Nothing else either: the page and LocalRank's own scripts (and the browser's own favicon request).
      expect(log.requests.filter((u) => !u.startsWith('blob:') && !/^\/(dist\/[\w.-]+\.js|e2e\/pages\/esm\.html|node_modules\/comlink\/.+|favicon\.ico)$/.test(path(u)))).toEqual([]);
      expect(visits[1]!.ranking).toEqual(visits[0]!.ranking);
      expect(visits[1]!.warnings).toEqual([]);
      expect(log.pageErrors).toEqual([]);
      const unversioned = await cacheEntries(page);
      expect(unversioned.filter((e) => e.path.startsWith('/models/')).map((e) => e.version)).toEqual(['', '', '', '']);

      // The host ships a new version of the model: its files are fetched again (the runtime's are not),
      // and the old entries are gone once the new ones are stored.
      page = await second.newPage();
      log = watch(page);
      visits.push(await visit(page, server, { version: '2024-06' }));
      expect(modelOrRuntime(log.requests).map(path)).toEqual(expect.arrayContaining([`/models/${FIXTURE_MODEL}/config.json`, `/models/${FIXTURE_MODEL}/onnx/model_quantized.onnx`]));
      expect(modelOrRuntime(log.requests).filter((u) => u.includes('/ort/'))).toEqual([]);
      const versioned = await cacheEntries(page);
      expect(versioned).toEqual(unversioned.map((e) => (e.path.startsWith('/models/') ? { ...e, version: '2024-06' } : e)));
      expect(visits[2]!.ranking).toEqual(visits[0]!.ranking);
      // Vectors of the new version are its own: cached embeddings and interests of the old one do not mix in.
      expect(visits.map((v) => v.encoder)).toEqual([`model:${FIXTURE_MODEL}`, `model:${FIXTURE_MODEL}`, `model:${FIXTURE_MODEL}@2024-06`]);
      console.log(`[model-cache] time to the first model ranking (fixture model, ${env.name}): first visit ${visits[0]!.msToModelRanking.toFixed(0)} ms, second ${visits[1]!.msToModelRanking.toFixed(0)} ms`);
    } finally {
      await Promise.all(browsers.filter((b) => b.connected).map((b) => b.close()));
      profile.cleanup();
    }
  });

  describe('a cache that fails degrades to the network with one warning, never an error', () => {
    it('a corrupted entry is detected, evicted and fetched again (only that file), and stored again whole', async () => {
      const { page, close, context } = await env.open();
      await visit(page, env.server);
      // Truncate the cached model in place, keeping the headers recorded when it was stored.
      await page.evaluate(async (model) => {
        const cache = await caches.open('localrank-models');
        const key = `${location.origin}/models/${model}/onnx/model_quantized.onnx`;
        const entry = (await cache.match(key))!;
        const bytes = new Uint8Array(await entry.arrayBuffer());
        await cache.put(key, new Response(bytes.slice(0, bytes.length >> 1), { headers: entry.headers }));
      }, FIXTURE_MODEL);

      const again = await context.newPage();
      const log = watch(again);
      const second = await visit(again, env.server);
      expect(second.warnings).toEqual([{ code: 'MODEL_CACHE_FAILED', reason: expect.stringMatching(/^the cached model_quantized\.onnx is corrupted \(\d+ bytes instead of \d+\): evicted and fetched again$/) }]);
      // Range requests (for progress totals) and the download itself, of that file only.
      expect([...new Set(modelOrRuntime(log.requests).map(path))]).toEqual([`/models/${FIXTURE_MODEL}/onnx/model_quantized.onnx`]);
      expect(log.pageErrors).toEqual([]);

      // Stored again, whole.
      const size = Number(await again.evaluate(async (model) => (await fetch(`/models/${model}/onnx/model_quantized.onnx`, { method: 'HEAD' })).headers.get('content-length'), FIXTURE_MODEL));
      expect(await cacheEntries(again)).toContainEqual({ path: `/models/${FIXTURE_MODEL}/onnx/model_quantized.onnx`, version: '', size });
      await close();
    });

    it('a full store (quota exceeded when storing) still loads the model, with one warning; what fit is cached', async () => {
      // Room for the fixture model (0.4 MB), not for the 14 MB runtime.
      const { browser, page } = await launchWithStorageLimit(env.name, env.server.url, 4 * 1024 * 1024);
      try {
        const log = watch(page);
        const first = await visit(page, env.server);
        // Chromium rejects with a QuotaExceededError; Firefox with an exception named NS_ERROR_FILE_NO_DEVICE_SPACE.
        const refusal = env.name === 'chromium' ? 'QuotaExceededError: .*' : 'NS_ERROR_FILE_NO_DEVICE_SPACE';
        expect(first.warnings).toEqual([{ code: 'MODEL_CACHE_FAILED', reason: expect.stringMatching(new RegExp(`^no room to cache ort-wasm-simd-threaded\\.wasm \\(${refusal}\\): it loads from the network again on the next visit$`)) }]);
        expect(log.pageErrors).toEqual([]);

        // What fit is cached: the next visit fetches only the runtime's wasm.
        expect((await cacheEntries(page)).map((e) => e.path)).toEqual([
          `/models/${FIXTURE_MODEL}/config.json`,
          `/models/${FIXTURE_MODEL}/onnx/model_quantized.onnx`,
          `/models/${FIXTURE_MODEL}/tokenizer.json`,
          `/models/${FIXTURE_MODEL}/tokenizer_config.json`,
          '/dist/ort/ort-wasm-simd-threaded.mjs',
        ].sort());
      } finally {
        await browser.close();
      }
    });

    it('without the Cache API (a page over plain http) the model loads from the network on every visit, with one warning', async () => {
      const insecure = env.server.url.replace('127.0.0.1', INSECURE_HOST);
      const { page, log, close } = await env.open();
      await page.goto(`${insecure}/e2e/pages/esm.html`);
      expect(await page.evaluate(() => ({ secure: window.isSecureContext, caches: typeof caches }))).toEqual({ secure: false, caches: 'undefined' });
      const first = await visit(page, { ...env.server, url: insecure });
      expect(first.warnings).toEqual([
        {
          code: 'MODEL_CACHE_FAILED',
          reason: 'the Cache API is not available here (it needs a secure context: https or localhost): model and runtime files load from the network on every visit',
        },
      ]);
      expect(first.ranking.map((r) => r.id)).toHaveLength(3);
      expect(modelOrRuntime(log.requests).map(path)).toEqual(expect.arrayContaining([`/models/${FIXTURE_MODEL}/onnx/model_quantized.onnx`, '/dist/ort/ort-wasm-simd-threaded.wasm']));
      expect(log.pageErrors).toEqual([]);
      await close();
    });
  });
}, { launch: { loopbackHosts: [INSECURE_HOST] } });
