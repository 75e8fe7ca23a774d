import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningServer } from '../scripts/serve.mjs';
import { startServer } from '../scripts/serve.mjs';
import { FIXTURE_MODEL, forEachBrowser } from './browsers.js';
import type { Page } from './browsers.js';

// Two servers: the browser's plain one (env.server), and one whose every response (page and worker script)
// carries a CSP without 'wasm-unsafe-eval', so the worker can compile no WebAssembly: no model, and no ranking kernel.
const NO_WASM = "default-src 'self'; script-src 'self' 'unsafe-inline'; worker-src 'self'; connect-src 'self'";

let noWasm: RunningServer;
beforeAll(async () => {
  noWasm = await startServer({ headers: { 'Content-Security-Policy': NO_WASM } });
});
afterAll(async () => {
  await noWasm?.close();
});

const ITEMS = Array.from({ length: 60 }, (_, i) => ({
  id: `i${i}`,
  title: [`Trail running shoes ${i}`, `Cast iron frying pan ${i}`, `Waterproof hiking jacket ${i}`][i % 3]!,
  category: ['Shoes > Running', 'Kitchen > Cookware', 'Outdoor > Jackets'][i % 3]!,
  brand: ['Stridelab', 'Ironhearth', 'Ridgeway', 'Paceline'][i % 4]!,
  popularity: 10 + ((i * 37) % 50),
}));

interface Ranked {
  id: string;
  score: number;
}

/** Opens the ESM page, waits for the environment report, views three running shoes and ranks the rest. */
async function rankOn(page: Page, server: RunningServer): Promise<{ environment: any; encoder: string; items: Ranked[] }> {
  await page.goto(`${server.url}/e2e/pages/esm.html`);
  await page.waitForFunction(() => (window as any).__pageReady === true);
  return page.evaluate(
    async ([items, model]) => {
      const w = window as any;
      w.start({ namespace: 'no-wasm', model: { id: model, baseUrl: '/models/', device: 'wasm' } });
      const reported = new Promise<unknown>((resolve) => w.lr.on('environment', resolve));
      await w.lr.ready;
      const environment = await reported;
      await w.lr.upsertItems(items);
      await w.lr.track(['i0', 'i3', 'i6'].map((itemId) => ({ type: 'view', itemId })));
      const ranked = await w.lr.rank(items.map((i: { id: string }) => i.id).filter((id: string) => !['i0', 'i3', 'i6'].includes(id)), { k: 10 });
      return { environment, encoder: ranked.encoder.kind as string, items: ranked.items.map((r: { id: string; score: number }) => ({ id: r.id, score: r.score })) };
    },
    [ITEMS, FIXTURE_MODEL] as const,
  );
}

forEachBrowser('ranking where WebAssembly is forbidden', (env) => {
  it('without wasm-unsafe-eval the model is not even fetched, and the lexical ranking (JavaScript loops instead of the SIMD kernel) equals the one with WebAssembly', async () => {
    const { context, page: blocked, log, close } = await env.open();
    const withoutWasm = await rankOn(blocked, noWasm);
    // The capability ladder sees that WebAssembly cannot be compiled in the worker: no model, and nothing downloaded for one.
    expect(withoutWasm.environment.capabilities.webAssembly).toMatchObject({ available: false, reason: expect.stringMatching(/unsafe-eval|Content Security Policy|blocked by CSP/) });
    expect(withoutWasm.environment.path).toMatchObject({ thread: 'worker', encoder: 'lexical' });
    expect(log.requests.filter((u) => u.includes('/models/') || u.includes('/ort/'))).toEqual([]);
    expect(withoutWasm.encoder).toBe('lexical');
    expect(log.pageErrors).toEqual([]);

    // The reference: the same page where WebAssembly is allowed, with the model not loaded (lexical ranking, SIMD kernel).
    const reference = await (async (): Promise<Ranked[]> => {
      const page = await context.newPage();
      await page.goto(`${env.server.url}/e2e/pages/esm.html`);
      await page.waitForFunction(() => (window as any).__pageReady === true);
      return page.evaluate(async (items) => {
        const w = window as any;
        w.start({ namespace: 'no-wasm-reference' });
        await w.lr.ready;
        await w.lr.upsertItems(items);
        await w.lr.track(['i0', 'i3', 'i6'].map((itemId) => ({ type: 'view', itemId })));
        const ranked = await w.lr.rank(items.map((i: { id: string }) => i.id).filter((id: string) => !['i0', 'i3', 'i6'].includes(id)), { k: 10 });
        return ranked.items.map((r: { id: string; score: number }) => ({ id: r.id, score: r.score }));
      }, ITEMS);
    })();

    // Running shoes first, as with the kernel; same order, same scores to float precision.
    const categoryOf = new Map(ITEMS.map((i) => [i.id, i.category]));
    expect(withoutWasm.items.slice(0, 5).every((r) => categoryOf.get(r.id) === 'Shoes > Running')).toBe(true);
    expect(withoutWasm.items.map((r) => r.id)).toEqual(reference.map((r) => r.id));
    withoutWasm.items.forEach((r, i) => expect(r.score).toBeCloseTo(reference[i]!.score, 5));
    await close();
  });
});
