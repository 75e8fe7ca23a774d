import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningServer } from '../scripts/serve.mjs';
import { startServer } from '../scripts/serve.mjs';
import { FIXTURE_MODEL, forEachBrowser } from './browsers.js';

// Two origins: the page on the browser's own server (env.server), the script, runtime and model on this one.
let assetOrigin: RunningServer;
beforeAll(async () => {
  assetOrigin = await startServer();
});
afterAll(async () => {
  await assetOrigin?.close();
});

forEachBrowser('IIFE build in a <script> tag from another origin', (env) => {
  it('exposes window.LocalRank, starts its inlined worker and ranks with the model', async () => {
    const { page, log, close } = await env.open();
    await page.goto(`${env.server.url}/e2e/pages/iife.html?from=${encodeURIComponent(assetOrigin.url)}`);
    await page.waitForFunction(() => (window as any).__scriptLoaded || (window as any).__scriptFailed);
    const result = await page.evaluate(
      async ([modelBase, model]) => {
        const { createLocalRank, LocalRankError, readVectors, version } = (window as any).LocalRank;
        const lr = createLocalRank({ namespace: 'iife', model: { id: model, baseUrl: modelBase, device: 'wasm' } });
        const encoders: string[] = [];
        const modelReady = new Promise<void>((resolve) => lr.on('encoder', (e: { kind: string }) => { encoders.push(e.kind); if (e.kind === 'model') resolve(); }));
        await lr.ready;
        await lr.upsertItems([
          { id: 'a', title: 'Trail running shoes' },
          { id: 'b', title: 'Running shoes for trail runners' },
          { id: 'c', title: 'Stainless steel chef knife' },
        ]);
        await lr.track({ type: 'purchase', itemId: 'a' });
        const lexical = await lr.rank(['c', 'b']);
        await modelReady;
        const withModel = await lr.rank(['c', 'b']);
        const bad = await lr.rank('not an array').catch((e: unknown) => e instanceof LocalRankError);
        let badVectors = '';
        try {
          readVectors(new Uint8Array([1, 2, 3]));
        } catch (error) {
          badVectors = error instanceof LocalRankError ? (error as { code: string }).code : String(error);
        }
        return { version, lexical, withModel, encoders, bad, badVectors };
      },
      [`${assetOrigin.url}/models/`, FIXTURE_MODEL] as const,
    );
    expect(result.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(result.lexical.encoder.kind).toBe('lexical');
    expect(result.withModel.encoder.kind).toBe('model');
    expect(result.withModel.items[0].id).toBe('b');
    expect(result.bad).toBe(true);
    expect(result.badVectors).toBe('INVALID_ARGUMENT');
    // The worker is a blob: the runtime and the model came from the script's origin.
    expect(log.requests.some((u) => u.startsWith(`${assetOrigin.url}/dist/ort/ort-wasm-simd-threaded.wasm`))).toBe(true);
    expect(log.requests.some((u) => u.startsWith(`${assetOrigin.url}/models/${FIXTURE_MODEL}/onnx/`))).toBe(true);
    expect(log.requests.filter((u) => !u.startsWith(env.server.url) && !u.startsWith(assetOrigin.url) && !u.startsWith('blob:'))).toEqual([]);
    expect(log.pageErrors).toEqual([]);
    await close();
  });
});
