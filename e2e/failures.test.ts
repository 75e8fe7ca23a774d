import { existsSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { expect, it } from 'vitest';
import { FIXTURE_MODELS } from '../scripts/serve.mjs';
import type { RouteHandler } from '../scripts/serve.mjs';
import { FIXTURE_MODEL, expectNoLongScripts, forEachBrowser, startEsm, waitForEvent } from './browsers.js';

/**
 * A model whose config claims 512 positions while the weights have 64: the
 * tokenizer lets long inputs through and ONNX Runtime fails at run time, the
 * failure that poisons a transformers.js worker (FIELD_NOTES).
 */
const lyingModel: RouteHandler = (_req, res, rest) => {
  const path = rest.split('?')[0]!;
  const file = join(FIXTURE_MODELS, FIXTURE_MODEL, path.replace(/^localrank-tiny-bert\//, ''));
  let body: Buffer | string = readFileSync(file);
  if (path.endsWith('config.json')) {
    const json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    if ('max_position_embeddings' in json) json['max_position_embeddings'] = 512;
    if ('model_max_length' in json) json['model_max_length'] = 512;
    body = JSON.stringify(json);
  }
  res.setHeader('content-type', path.endsWith('.json') ? 'application/json' : 'application/octet-stream');
  res.end(body);
};

/**
 * The built package with a test hook appended to the engine worker: a message on the BroadcastChannel
 * 'localrank-test-crash' throws an uncaught error in it, a real crash of the real worker (the page's
 * Worker gets its error event). Served under /crashable-dist/, with an ESM page that imports from there.
 */
const CRASH_HOOK = `\n;new BroadcastChannel('localrank-test-crash').onmessage = () => setTimeout(() => { throw new Error('simulated crash'); });\n`;
const DIST = join(import.meta.dirname, '../dist');
const TYPES: Record<string, string> = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm' };
const crashableDist: RouteHandler = (_req, res, rest) => {
  const path = rest.split('?')[0]!;
  const file = join(DIST, path);
  if (path.includes('..') || !existsSync(file)) {
    res.statusCode = 404;
    res.end('not found');
    return;
  }
  const body = readFileSync(file);
  res.setHeader('content-type', TYPES[extname(path)] ?? 'application/octet-stream');
  res.end(path === 'engine.worker.js' ? Buffer.concat([body, Buffer.from(CRASH_HOOK)]) : body);
};
const crashablePage: RouteHandler = (_req, res) => {
  res.setHeader('content-type', 'text/html; charset=utf-8');
  res.end(readFileSync(join(import.meta.dirname, 'pages/esm.html'), 'utf8').replace("'/dist/localrank.js'", "'/crashable-dist/localrank.js'"));
};

const ITEMS = [
  { id: 'shoe-1', title: 'Trail running shoes', category: 'Shoes > Running', popularity: 10 },
  { id: 'shoe-2', title: 'Running shoes for trail runners', category: 'Shoes > Running', popularity: 5 },
  { id: 'knife-1', title: 'Stainless steel chef knife', category: 'Kitchen > Knives', popularity: 50 },
];

forEachBrowser('failures degrade, never break the page', (env) => {
  it('a model URL that 404s leaves the lexical encoder serving and emits an error event', async () => {
    const { page, log, close } = await env.open();
    await startEsm(page, env.server, { namespace: 'missing', model: { id: 'no-such-model', baseUrl: '/models/', device: 'wasm' } });
    const error = (await waitForEvent(page, 'error')) as { code: string; message: string };
    expect(error.code).toBe('MODEL_LOAD_FAILED');
    expect(error.message).toContain('no-such-model');
    const result = await page.evaluate(async (items) => {
      const lr = (window as any).lr;
      await lr.upsertItems(items);
      await lr.track({ type: 'click', itemId: 'shoe-1' });
      return lr.rank(['knife-1', 'shoe-2']);
    }, ITEMS);
    expect(result.encoder.kind).toBe('lexical');
    expect(result.items[0].id).toBe('shoe-2');
    expect(log.requests.some((u) => u.includes('/models/no-such-model/') )).toBe(true);
    expect(log.pageErrors).toEqual([]);
    await close();
  });

  it('after a failed inference the worker restarts: one failed call, then the model serves again', async () => {
    const { page, log, close } = await env.open();
    await startEsm(page, env.server, { namespace: 'respawn', model: { id: FIXTURE_MODEL, baseUrl: '/lying-models/', device: 'wasm' } });
    await waitForEvent(page, 'encoder', "(e) => e.kind === 'model'");
    const longText = Array.from({ length: 150 }, (_, i) => `word${i % 7} running`).join(' ');
    const outcome = await page.evaluate(
      async ([items, description]) => {
        const lr = (window as any).lr;
        await lr.upsertItems(items);
        await lr.track({ type: 'view', itemId: 'shoe-1' });
        const failed = await lr.rank([{ id: 'long', title: 'Long one', description }]).then(
          () => null,
          (e: any) => ({ name: e.name, code: e.code }),
        );
        // The next calls wait for the restarted worker and succeed.
        const next = await lr.rank(['knife-1', 'shoe-2']);
        const profile = await lr.profile();
        return { failed, next, events: profile.storage.events };
      },
      [ITEMS, longText] as const,
    );
    expect(outcome.failed).toEqual({ name: 'LocalRankError', code: 'INFERENCE_FAILED' });
    expect(outcome.next.items.map((i: { id: string }) => i.id)).toEqual(['shoe-2', 'knife-1']);
    expect(outcome.events).toBe(1);
    // The restarted worker loads the model again.
    await page.waitForFunction(() => (window as any).__events.filter((e: any) => e.type === 'encoder' && e.payload.kind === 'model').length >= 2, { timeout: 60_000 });
    const afterRestart = await page.evaluate(() => (window as any).lr.rank(['knife-1', 'shoe-2']));
    expect(afterRestart.encoder.kind).toBe('model');
    await expectNoLongScripts(page, env.name);
    expect(log.pageErrors).toEqual([]);
    await close();
  });

  it('a worker that crashes (an uncaught error in it) is restarted: an error event, the catalogue and the stored profile serve again', async () => {
    const { page, log, close } = await env.open();
    await page.goto(`${env.server.url}/crashable/esm.html`);
    await page.waitForFunction(() => (window as any).__pageReady === true);
    const before = await page.evaluate(async (items) => {
      (window as any).start({ namespace: 'crash', model: false });
      const lr = (window as any).lr;
      await lr.upsertItems(items);
      await lr.track({ type: 'click', itemId: 'shoe-1' });
      return (await lr.rank(['knife-1', 'shoe-2'])).items.map((i: { id: string }) => i.id);
    }, ITEMS);
    expect(before).toEqual(['shoe-2', 'knife-1']);
    await page.evaluate(() => new BroadcastChannel('localrank-test-crash').postMessage('crash'));
    const crashed = (await waitForEvent(page, 'error', "(e) => e.code === 'WORKER_CRASHED'", 30_000)) as { message: string };
    expect(crashed.message).toContain('simulated crash');
    const after = await page.evaluate(async () => {
      const lr = (window as any).lr;
      // Items the restarted worker never saw from the page: the client replays the catalogue.
      const ranked = await lr.rank(['knife-1', 'shoe-2']);
      return { order: ranked.items.map((i: { id: string }) => i.id), events: (await lr.profile()).storage.events };
    });
    expect(after).toEqual({ order: ['shoe-2', 'knife-1'], events: 1 });
    expect(log.pageErrors).toEqual([]);
    await close();
  });

  it('bad input rejects with a typed LocalRankError naming the field, and stored data is untouched', async () => {
    const { page, log, close } = await env.open();
    await startEsm(page, env.server, { namespace: 'bad-input', model: false });
    const outcome = await page.evaluate(async (items) => {
      const lr = (window as any).lr;
      await lr.ready;
      await lr.upsertItems(items);
      const catchInfo = (p: Promise<unknown>) => p.then(() => null, (e: any) => ({ isLocalRankError: e instanceof (window as any).LocalRankError, code: e.code, field: e.field }));
      const badItem = await catchInfo(lr.upsertItems([{ id: 'x', title: 'ok', price: Number.NaN }]));
      const badRank = await catchInfo(lr.rank(['shoe-1', 'nope']));
      const track = await lr.track([{ type: 'view', itemId: 'shoe-1' }, { type: 'teleport', itemId: 'shoe-1' }, { type: 'view', itemId: 'shoe-2', timestamp: 1_700_000 }]);
      const badOptions = (window as any).start({ namespace: 'has spaces' }) && (await catchInfo((window as any).lr.ready));
      const exported = await lr.export();
      return { badItem, badRank, track, badOptions, events: exported.events.length };
    }, ITEMS);
    expect(outcome.badItem).toEqual({ isLocalRankError: true, code: 'INVALID_ITEM', field: 'items[0].price' });
    expect(outcome.badRank).toEqual({ isLocalRankError: true, code: 'UNKNOWN_ITEM', field: 'candidates[1]' });
    expect(outcome.track.accepted).toBe(1);
    expect(outcome.track.rejected.map((r: any) => [r.index, r.error.field])).toEqual([
      [1, 'events[1].type'],
      [2, 'events[2].timestamp'],
    ]);
    expect(outcome.badOptions).toEqual({ isLocalRankError: true, code: 'INVALID_ARGUMENT', field: 'options.namespace' });
    expect(outcome.events).toBe(1);
    expect(log.pageErrors).toEqual([]);
    await close();
  });
}, { routes: { '/lying-models/': lyingModel, '/crashable-dist/': crashableDist, '/crashable/esm.html': crashablePage } });
