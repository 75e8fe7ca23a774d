// Round trip of build-time vectors into the browser: `localrank embed` (the built CLI, spawned) writes the
// files; the page loads them with withVectors + upsertItems from dist/localrank.js in real Chromium and Firefox.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { itemText } from '../src/engine/item-text.js';
import type { Item } from '../src/types.js';
import { readVectors } from '../src/vectors.js';
import { FIXTURE_MODEL, forEachBrowser } from './browsers.js';
import { cosine } from '../test/cosine.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const out = mkdtempSync(join(tmpdir(), 'localrank-cli-browser-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const items: Item[] = [
  { id: 'shoe-1', title: 'Trail running shoes', category: 'Shoes > Running', brand: 'Stridelab', tags: ['trail', 'grip'] },
  { id: 'shoe-2', title: 'Road racing flats', category: 'Shoes > Running', brand: 'Copperline' },
  { id: 'shoe-3', title: 'Waterproof hiking boots', category: 'Shoes > Hiking', description: 'Leather upper, Vibram sole, for wet mountain trails.' },
  { id: 'knife-1', title: 'Stainless steel chef knife', category: 'Kitchen > Knives', brand: 'Ironwood' },
  { id: 'knife-2', title: 'Japanese santoku knife', category: 'Kitchen > Knives', tags: ['steel'] },
  { id: 'pan-1', title: 'Cast iron skillet', category: 'Kitchen > Cookware', description: 'Pre-seasoned, 26 cm.' },
  { id: 'tea-1', title: 'Organic green tea', category: 'Grocery > Tea', tags: ['organic'] },
  { id: 'tea-2', title: 'Earl Grey black tea', category: 'Grocery > Tea', brand: 'Ironwood' },
  { id: 'audio-1', title: 'Wireless noise cancelling headphones', category: 'Electronics > Audio' },
  { id: 'audio-2', title: 'Bluetooth speaker — café edition, <b>loud</b>', category: 'Electronics > Audio' },
  { id: 'sock-1', title: 'Merino wool running socks', category: 'Apparel > Socks', brand: 'Stridelab' },
  { id: 'mat-1', title: 'Yoga mat', category: 'Sports > Yoga', price: 30 },
];

beforeAll(async () => {
  writeFileSync(join(out, 'catalog.json'), JSON.stringify(items, null, 2));
  const model = join(ROOT, 'test/fixtures/models', FIXTURE_MODEL);
  for (const [file, flags] of [['vectors.bin', []], ['vectors-int8.bin', ['--int8']]] as const) {
    await promisify(execFile)(process.execPath, [join(ROOT, 'bin/localrank.mjs'), 'embed', join(out, 'catalog.json'), '--model', model, '--out', join(out, file), '--quiet', ...flags]);
  }
});


forEachBrowser('vectors from localrank embed in the browser', (env) => {
  it("equal the browser's own embedding of the same items (cosine >= 0.99, q8 on both sides) and carry the browser's encoder id", async () => {
    const page = await env.browser.newPage();
    await page.goto(`${env.server.url}/e2e/pages/worker.html`);
    await page.waitForFunction(() => (window as any).__pageReady === true);
    // The browser's defaults: no dtype given (q8 on WASM), as a host would configure it.
    const browser = (await page.evaluate(
      ([base, id, texts]) => (window as any).embedWith({ namespace: 'cli-cmp', storage: 'memory', embeddingCacheSize: 0, runtimeUrl: `${base}/dist/ort/`, model: { id, baseUrl: `${base}/models/`, device: 'wasm' } }, texts),
      [env.server.url, FIXTURE_MODEL, items.map(itemText)] as const,
    )) as { encoder: { id: string; kind: string }; vectors: number[][] };
    expect(browser.encoder.kind).toBe('model');
    for (const name of ['vectors.bin', 'vectors-int8.bin']) {
      const file = readVectors(readFileSync(join(out, name)));
      expect(file.encoder).toBe(browser.encoder.id);
      expect(file.ids).toEqual(items.map((i) => i.id));
      file.vectors.forEach((v, i) => expect(cosine(v, browser.vectors[i]!), `${name} ${items[i]!.id}`).toBeGreaterThanOrEqual(0.99));
    }
    await page.close();
  });

  it('upsertItems(withVectors(items, buffer)): the engine uses the vectors and embeds only items that are new or changed', async () => {
    const { page, log, close } = await env.open();
    await page.goto(`${env.server.url}/e2e/pages/esm.html`);
    await page.waitForFunction(() => (window as any).__pageReady === true);
    const result = await page.evaluate(
      async ([id, catalog]) => {
        // (Not `import()`: vitest would rewrite it; this runs in the page.)
        const { createLocalRank, withVectors } = await new Function('url', 'return import(url)')('/dist/localrank.js');
        const start = (namespace: string) => {
          const lr = createLocalRank({ namespace, model: { id, baseUrl: '/models/', device: 'wasm' } });
          const model = new Promise<void>((resolveModel, rejectModel) => {
            lr.on('encoder', (e: { kind: string }) => e.kind === 'model' && resolveModel());
            lr.on('error', (e: { message: string }) => rejectModel(new Error(e.message)));
          });
          return { lr, model };
        };
        /** Entries the model wrote to the namespace's embedding cache (IndexedDB, keyed by encoder id and text hash). */
        const embedded = (namespace: string) =>
          new Promise<number>((resolveCount, rejectCount) => {
            const open = indexedDB.open(`localrank:${namespace}:embeddings`);
            // No database yet: nothing was ever cached. Abort so that none is created here.
            open.onupgradeneeded = () => open.transaction!.abort();
            open.onerror = () => (open.error?.name === 'AbortError' ? resolveCount(0) : rejectCount(open.error));
            open.onsuccess = () => {
              try {
                const request = open.result.transaction('kv').objectStore('kv').getAllKeys();
                request.onsuccess = () => {
                  resolveCount((request.result as string[]).filter((k) => String(k).startsWith(`model:${id}|`)).length);
                  open.result.close();
                };
                request.onerror = () => rejectCount(request.error);
              } catch (e) {
                rejectCount(e);
              }
            };
          });
        const ids = catalog.map((i: { id: string }) => i.id);
        const buffer = await (await fetch('/cli-out/vectors.bin')).arrayBuffer();

        // A: items with the CLI's vectors. B (control): the same items without, embedded in the browser.
        const a = start('cli-a');
        const b = start('cli-b');
        await Promise.all([a.model, b.model]);
        await a.lr.upsertItems(withVectors(catalog, buffer));
        await b.lr.upsertItems(catalog);
        for (const x of [a.lr, b.lr]) await x.track([{ type: 'view', itemId: 'shoe-1' }, { type: 'click', itemId: 'tea-1' }]);
        const rankedA = await a.lr.rank(ids);
        const rankedB = await b.lr.rank(ids);
        const similarA = await a.lr.similarTo('knife-1');
        const similarB = await b.lr.similarTo('knife-1');
        const afterCatalog = { a: await embedded('cli-a'), b: await embedded('cli-b') };

        // A new item and a changed title: the file has no vector for their text, so the browser embeds those two only.
        const changed = { ...catalog[1], title: 'Road racing flats, carbon plate' };
        const fresh = { id: 'fresh-1', title: 'Insulated water bottle', category: 'Sports > Hydration' };
        const update = withVectors([changed, fresh, catalog[2]], buffer);
        await a.lr.upsertItems(update);
        const rankedAgain = await a.lr.rank([...ids, 'fresh-1']);
        const afterUpdate = await embedded('cli-a');

        let truncated: { name: string; code: string; field: string; message: string } | null = null;
        try {
          withVectors(catalog, buffer.slice(0, buffer.byteLength - 10));
        } catch (e) {
          truncated = { name: (e as Error).name, code: (e as { code: string }).code, field: (e as { field: string }).field, message: (e as Error).message };
        }
        await Promise.all([a.lr.destroy(), b.lr.destroy()]);
        const scores = (r: { items: Array<{ id: string; score: number }> }) => Object.fromEntries(r.items.map((i) => [i.id, i.score]));
        return {
          encoder: rankedA.encoder.id,
          warnings: [...(rankedA.warnings ?? []), ...(rankedAgain.warnings ?? [])],
          orderA: rankedA.items.map((i: { id: string }) => i.id),
          orderB: rankedB.items.map((i: { id: string }) => i.id),
          similarA: scores(similarA),
          similarB: scores(similarB),
          vectorsAttached: update.map((i: { vector?: unknown }) => i.vector !== undefined),
          afterCatalog,
          afterUpdate,
          rankedAgain: rankedAgain.items.length,
          truncated,
        };
      },
      [FIXTURE_MODEL, items] as const,
    );

    expect(result.encoder).toBe(`model:${FIXTURE_MODEL}`);
    expect(result.warnings).toEqual([]);
    // Only the unchanged item kept its vector.
    expect(result.vectorsAttached).toEqual([false, false, true]);
    // With the file's vectors the model embedded no item; the control embedded all twelve.
    expect(result.afterCatalog).toEqual({ a: 0, b: items.length });
    expect(result.afterUpdate).toBe(2);
    expect(result.rankedAgain).toBe(items.length + 1);
    // Same ranking as with the browser's own embeddings.
    expect(result.orderA).toEqual(result.orderB);
    for (const [id, score] of Object.entries(result.similarB)) expect(result.similarA[id], id).toBeCloseTo(score, 2);
    expect(result.truncated).toMatchObject({ name: 'LocalRankError', code: 'INVALID_ARGUMENT', field: 'vectors' });
    expect(result.truncated!.message).toMatch(/truncated/);
    expect(log.pageErrors).toEqual([]);
    expect(log.requests.filter((u) => !u.startsWith(`${env.server.url}/`) && !/^(blob|data):/.test(u))).toEqual([]);
    await close();
  });
}, { routes: { '/cli-out/': out } });
