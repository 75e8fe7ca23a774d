import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { FIXTURE_MODEL, launch, serve, startEsm, waitForEvent, watch } from './harness.js';
import type { RunningServer } from '../scripts/serve.mjs';

let browser: Browser;
let server: RunningServer;
beforeAll(async () => {
  [browser, server] = await Promise.all([launch(), serve()]);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('ESM build in Chromium', () => {
  it('loads the model in the worker over WASM and ranks', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const log = watch(context, page);
    await startEsm(page, server, { namespace: 'esm', model: { id: FIXTURE_MODEL, baseUrl: '/models/', device: 'wasm' } });
    const backend = await waitForEvent(page, 'backend');
    expect(backend).toMatchObject({ device: 'wasm' });
    const encoder = await waitForEvent(page, 'encoder', "(e) => e.kind === 'model'");
    expect(encoder).toMatchObject({ id: `model:${FIXTURE_MODEL}`, kind: 'model', dimension: 64, device: 'wasm' });
    const result = await page.evaluate(async () => {
      const lr = (window as any).lr;
      await lr.ready;
      await lr.upsertItems([
        { id: 'shoe-1', title: 'Trail running shoes', category: 'Shoes > Running' },
        { id: 'shoe-2', title: 'Running shoes for trail runners', category: 'Shoes > Running' },
        { id: 'knife-1', title: 'Stainless steel chef knife', category: 'Kitchen > Knives' },
      ]);
      await lr.track({ type: 'view', itemId: 'shoe-1' });
      return lr.rank(['knife-1', 'shoe-2']);
    });
    expect(result.encoder.kind).toBe('model');
    expect(result.items.map((i: { id: string }) => i.id)).toEqual(['shoe-2', 'knife-1']);
    expect(result.items[0].reasons[0]).toMatchObject({ kind: 'similar_to_history', itemId: 'shoe-1' });
    expect(log.pageErrors).toEqual([]);
    await context.close();
  });
});
