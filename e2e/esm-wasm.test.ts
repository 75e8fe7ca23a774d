import { expect, it } from 'vitest';
import { FIXTURE_MODEL, expectNoLongScripts, forEachBrowser, hasSharedModel, offHost, startEsm, waitForEvent } from './browsers.js';

const SECRET_QUERY = 'zebra-print orthopedic sandals';

forEachBrowser('ESM build', (env) => {
  it('loads the model in the worker over WASM and ranks; no request leaves the host or carries user data; no long scripts on the page', async () => {
    const { page, log, close } = await env.open();
    await startEsm(page, env.server, { namespace: 'esm', model: { id: FIXTURE_MODEL, baseUrl: '/models/', device: 'wasm' } });
    const backend = await waitForEvent(page, 'backend');
    expect(backend).toMatchObject({ device: 'wasm' });
    const encoder = await waitForEvent(page, 'encoder', "(e) => e.kind === 'model'");
    expect(encoder).toMatchObject({ id: `model:${FIXTURE_MODEL}`, kind: 'model', dimension: 64, device: 'wasm' });
    const progress = (await page.evaluate(() => (window as any).__events.filter((e: any) => e.type === 'progress').map((e: any) => e.payload))) as Array<{ file: string; progress: number }>;
    expect(progress.some((p) => p.file.includes('onnx/model'))).toBe(true);

    const result = await page.evaluate(async (query) => {
      const lr = (window as any).lr;
      await lr.ready;
      await lr.upsertItems([
        { id: 'shoe-1', title: 'Trail running shoes', category: 'Shoes > Running' },
        { id: 'shoe-2', title: 'Running shoes for trail runners', category: 'Shoes > Running' },
        { id: 'knife-1', title: 'Stainless steel chef knife', category: 'Kitchen > Knives' },
      ]);
      await lr.track([{ type: 'view', itemId: 'shoe-1' }, { type: 'search', query }]);
      return lr.rank(['knife-1', 'shoe-2']);
    }, SECRET_QUERY);
    expect(result.encoder.kind).toBe('model');
    expect(result.items.map((i: { id: string }) => i.id)).toEqual(['shoe-2', 'knife-1']);
    expect(result.items[0].reasons[0]).toMatchObject({ kind: 'similar_to_history', itemId: 'shoe-1', text: 'Because you viewed Trail running shoes' });
    expect(result.items[0].components.content).toBeGreaterThan(result.items[1].components.content);

    // (e) Every request, the worker's included, went to the serving host, and none names what the person did.
    expect(log.requests.some((u) => u.includes(`/models/${FIXTURE_MODEL}/onnx/`))).toBe(true);
    expect(offHost(log.requests, env.server)).toEqual([]);
    expect(log.requests.filter((u) => /cdn|jsdelivr|huggingface|unpkg/i.test(u))).toEqual([]);
    expect(log.requests.filter((u) => u.includes('zebra') || u.includes('shoe-1') || u.toLowerCase().includes('trail'))).toEqual([]);

    // (f) No long script on the main thread during model load and ranking.
    await expectNoLongScripts(page, env.name);
    expect(log.pageErrors).toEqual([]);
    await close();
  });

  it('ranks by meaning with the semantic model when ../shared/models has it (else the fixture, by shared words)', async () => {
    const { page, close } = await env.open();
    const model = hasSharedModel ? { id: 'localrank-minilm-distilled', baseUrl: '/shared-models/', device: 'wasm' } : { id: FIXTURE_MODEL, baseUrl: '/models/', device: 'wasm' };
    console.info(`semantic e2e uses ${model.id}${hasSharedModel ? '' : ' (../shared/models/localrank-minilm-distilled not found)'}`);
    await startEsm(page, env.server, { namespace: 'semantic', model });
    await waitForEvent(page, 'encoder', "(e) => e.kind === 'model'");
    const history = hasSharedModel
      ? ['Lightweight trail running shoes', 'Cushioned road running sneakers', 'Marathon racing shoes with carbon plate']
      : ['Trail running shoes', 'Running shoes for trail runners', 'Lightweight running shoes'];
    const result = await page.evaluate(async (titles) => {
      const lr = (window as any).lr;
      const history = titles.map((title: string, i: number) => ({ id: `h${i}`, title, category: 'Shoes > Running' }));
      const candidates = [
        { id: 'k1', title: 'Cast iron frying pan', category: 'Kitchen > Cookware' },
        { id: 'r1', title: 'Running socks with arch support', category: 'Shoes > Accessories' },
        { id: 'k2', title: 'Stainless steel chef knife', category: 'Kitchen > Knives' },
        { id: 'r2', title: 'Trail shoes for running on rocky paths', category: 'Shoes > Running' },
        { id: 'k3', title: 'Electric kettle for tea', category: 'Kitchen > Appliances' },
      ];
      await lr.upsertItems([...history, ...candidates]);
      await lr.track(history.map((h: { id: string }) => ({ type: 'view', itemId: h.id })));
      return lr.rank(candidates.map((c) => c.id));
    }, history);
    expect(result.encoder.id).toBe(`model:${model.id}`);
    const order = result.items.map((i: { id: string }) => i.id);
    // Running items first, kitchen items after.
    expect(order.slice(0, 2).sort()).toEqual(['r1', 'r2']);
    await expectNoLongScripts(page, env.name);
    await close();
  });

  it("device 'auto' (the default) without a WebGPU adapter loads the plain WASM runtime and says why", async () => {
    const { page, log, close } = await env.open();
    await startEsm(page, env.server, { namespace: 'auto', model: { id: FIXTURE_MODEL, baseUrl: '/models/' } });
    const backend = (await waitForEvent(page, 'backend')) as { device: string; reason: string };
    // Headless Chromium has navigator.gpu but no adapter without --enable-unsafe-webgpu; Firefox ESR on Linux has no navigator.gpu.
    expect(backend).toEqual({ device: 'wasm', reason: env.name === 'firefox' ? 'WebGPU not available in this browser' : 'no WebGPU adapter' });
    expect(await waitForEvent(page, 'encoder', "(e) => e.kind === 'model'")).toMatchObject({ device: 'wasm' });
    expect(log.requests.some((u) => u.endsWith('/dist/ort/ort-wasm-simd-threaded.wasm'))).toBe(true);
    expect(log.requests.filter((u) => u.includes('asyncify'))).toEqual([]);
    expect(log.pageErrors).toEqual([]);
    await close();
  });
});
