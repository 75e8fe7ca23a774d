// The capability ladder in Chromium and Firefox ESR: each rung forced the way a browser or a page really
// lacks the capability (no Worker global, a CSP that blocks workers, Trusted Types, a browser without
// WebAssembly, low device memory), asserting the path reported (event and profile) and a ranking that works.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../scripts/serve.mjs';
import type { RunningServer } from '../scripts/serve.mjs';
import type { EnvironmentReport } from '../src/types.js';
import { FIXTURE_MODEL, expectNoLongScripts, forEachBrowser, launchBrowser, waitForEvent, watch } from './browsers.js';
import type { Browser, BrowserEnv, Page, PageLog } from './browsers.js';

// Every response carries this policy: inline scripts and WebAssembly allowed, workers forbidden.
const NO_WORKERS = "default-src 'self'; script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'; worker-src 'none'; connect-src 'self'";

// Trusted Types: a worker URL must be a TrustedScriptURL, so `new Worker(blobUrl)` throws.
const TRUSTED_TYPES = "require-trusted-types-for 'script'";

let noWorkers: RunningServer;
let trustedTypes: RunningServer;
beforeAll(async () => {
  [noWorkers, trustedTypes] = await Promise.all([
    startServer({ headers: { 'Content-Security-Policy': NO_WORKERS } }),
    startServer({ headers: { 'Content-Security-Policy': TRUSTED_TYPES } }),
  ]);
});
afterAll(async () => {
  await Promise.all([noWorkers?.close(), trustedTypes?.close()]);
});

const CATEGORIES = ['Shoes > Running', 'Kitchen > Cookware', 'Outdoor > Jackets'];
const ITEMS = Array.from({ length: 60 }, (_, i) => ({
  id: `i${i}`,
  title: [`Trail running shoes ${i}`, `Cast iron frying pan ${i}`, `Waterproof hiking jacket ${i}`][i % 3]!,
  category: CATEGORIES[i % 3]!,
  brand: ['Stridelab', 'Ironhearth', 'Ridgeway', 'Paceline'][i % 4]!,
  popularity: 10 + ((i * 37) % 50),
}));
const VIEWED = ['i0', 'i3', 'i6'];
const categoryOf = new Map(ITEMS.map((i) => [i.id, i.category]));

/** How each browser words the refusal of a worker URL under Trusted Types. */
const TRUSTED_TYPES_REFUSAL = { chromium: /TrustedScriptURL/, firefox: /Sink type mismatch violation blocked by CSP/ };

interface Outcome {
  environment: EnvironmentReport;
  top: string[];
  encoder: { kind: string; device?: string; dtype?: string };
  profileEnvironment: EnvironmentReport | undefined;
  events: Array<{ type: string; payload: unknown }>;
}

/** The `environment` event's payload, once emitted (without waitForEvent's `new Function`, which a CSP may forbid). */
async function environmentOf(target: Page): Promise<EnvironmentReport> {
  const handle = await target.waitForFunction(() => (window as any).__events.find((e: { type: string }) => e.type === 'environment')?.payload, { timeout: 30_000, polling: 50 });
  return (await handle.jsonValue()) as EnvironmentReport;
}

/**
 * Starts LocalRank with `options` (on the page already open), waits for the environment report and,
 * when `untilModel`, for the model; then views three running shoes and ranks the other 57 items.
 */
async function rankAfterViews(target: Page, options: Record<string, unknown>, untilModel = false): Promise<Outcome> {
  await target.evaluate((o) => (window as any).start(o), options);
  const environment = await environmentOf(target);
  if (untilModel) await waitForEvent(target, 'encoder', "(e) => e.kind === 'model'");
  const result = await target.evaluate(
    async ([items, viewed]) => {
      const lr = (window as any).lr;
      await lr.ready;
      await lr.upsertItems(items);
      await lr.track(viewed.map((itemId: string) => ({ type: 'view', itemId })));
      const ranked = await lr.rank(items.map((i: { id: string }) => i.id).filter((id: string) => !viewed.includes(id)), { k: 10 });
      const profile = await lr.profile();
      return {
        top: ranked.items.map((i: { id: string }) => i.id),
        encoder: ranked.encoder,
        profileEnvironment: profile.environment,
        events: (window as any).__events.map((e: any) => ({ type: e.type, payload: e.payload })),
      };
    },
    [ITEMS, VIEWED] as const,
  );
  return { environment, ...result };
}

/** The ranking works: the five best are running shoes, like the three viewed. */
function expectShoesFirst(outcome: Outcome): void {
  expect(outcome.top).toHaveLength(10);
  expect(outcome.top.slice(0, 5).map((id) => categoryOf.get(id))).toEqual(Array(5).fill('Shoes > Running'));
}

/** Nothing but the package, the test pages and (when asked for) the model was requested, all from the test server. */
function expectOnlyOwnRequests(log: PageLog, origin: string): void {
  expect(log.requests.filter((u) => !u.startsWith(`${origin}/`) && !u.startsWith('blob:'))).toEqual([]);
  expect(log.pageErrors).toEqual([]);
}

const modelRequests = (log: PageLog): string[] => log.requests.filter((u) => u.includes('/models/'));

interface OpenPage {
  page: Page;
  log: PageLog;
  close(): Promise<void>;
}

/** A page of a fresh context at `path` of `origin`, with `initScript` run in it before the page's own scripts. */
async function openPage(env: BrowserEnv, origin: string, path: string, initScript?: string): Promise<OpenPage> {
  const { page, log, close } = await env.open();
  if (initScript) await page.evaluateOnNewDocument(initScript);
  await page.goto(`${origin}${path}`);
  await page.waitForFunction(() => (window as any).__pageReady === true);
  return { page, log, close };
}

const esmPage = (env: BrowserEnv, origin: string, initScript?: string): Promise<OpenPage> => openPage(env, origin, '/e2e/pages/esm.html', initScript);

const MODEL = { id: FIXTURE_MODEL, baseUrl: '/models/' };

/** Reports this device memory to the page (Firefox has no navigator.deviceMemory: defined there, as a Chromium device would report it). */
const reporting = (gb: number): string => `Object.defineProperty(Navigator.prototype, 'deviceMemory', { configurable: true, get: () => ${gb} });`;

forEachBrowser('capability ladder', (env) => {
  describe('no worker: the engine runs on the page, in idle slices', () => {
    it('npm build without a Worker global: the main-thread path, lexical encoder, its code loaded only now, no long script', async () => {
      const { page, log, close } = await esmPage(env, env.server.url, 'delete window.Worker;');
      expect(await page.evaluate(() => typeof (window as any).Worker)).toBe('undefined');
      const outcome = await rankAfterViews(page, { namespace: 'ladder-no-worker', model: MODEL });

      expect(outcome.environment.capabilities).toMatchObject({ worker: 'none', webAssembly: { available: true, simd: true }, indexedDB: true, webLocks: true, cacheApi: true });
      expect(outcome.environment.capabilities.workerError).toMatch(/Worker constructor threw: .*Worker is not defined/);
      expect(outcome.environment.path).toMatchObject({ thread: 'main-thread', encoder: 'lexical', storage: 'indexeddb' });
      expect(outcome.environment.path.reasons.join(' ')).toMatch(/no worker could start.*model is not loaded on the page/);
      expect(outcome.profileEnvironment).toEqual(outcome.environment);
      expect(outcome.encoder.kind).toBe('lexical');
      expectShoesFirst(outcome);
      expect(outcome.events.filter((e) => e.type === 'error')).toEqual([]);

      // The engine's chunk was fetched for this page; the worker script and the model never were.
      expect(log.requests.some((u) => /\/dist\/engine-api-[\w-]+\.js$/.test(u))).toBe(true);
      expect(log.requests.filter((u) => u.includes('engine.worker'))).toEqual([]);
      expect(modelRequests(log)).toEqual([]);
      await expectNoLongScripts(page, env.name);
      expectOnlyOwnRequests(log, env.server.url);
      await close();
    });

    it('script-tag build without a Worker global: it imports localrank.page-engine.js from next to itself and ranks', async () => {
      const { page, log, close } = await openPage(env, env.server.url, '/e2e/pages/profile-iife-inner.html', 'delete window.Worker;');
      const outcome = await rankAfterViews(page, { namespace: 'ladder-no-worker-iife', model: false });

      expect(outcome.environment.capabilities).toMatchObject({ worker: 'none', workerError: expect.stringContaining('Worker constructor threw') });
      expect(outcome.environment.path).toMatchObject({ thread: 'main-thread', encoder: 'lexical', storage: 'indexeddb' });
      expect(outcome.profileEnvironment).toEqual(outcome.environment);
      expectShoesFirst(outcome);
      expect(log.requests.filter((u) => u.endsWith('/dist/localrank.page-engine.js'))).toHaveLength(1);
      expect(await page.evaluate(() => (window as any).__errors)).toEqual([]);
      expectOnlyOwnRequests(log, env.server.url);
      await close();
    });

    it('script-tag build under Trusted Types: the blob: worker is refused (the constructor throws), the engine runs on the page', async () => {
      const { page, log, close } = await openPage(env, trustedTypes.url, '/e2e/pages/profile-iife-inner.html');
      expect(await page.evaluate(() => typeof (window as any).trustedTypes?.createPolicy)).toBe('function');
      const outcome = await rankAfterViews(page, { namespace: 'ladder-trusted-types', model: false });
      expect(outcome.environment.capabilities.workerError).toMatch(/^the Worker constructor threw: /);
      expect(outcome.environment.capabilities.workerError).toMatch(TRUSTED_TYPES_REFUSAL[env.name]);
      expect(outcome.environment.path).toMatchObject({ thread: 'main-thread', encoder: 'lexical' });
      expectShoesFirst(outcome);
      expect(await page.evaluate(() => (window as any).__errors)).toEqual([]);
      expectOnlyOwnRequests(log, trustedTypes.url);
      await close();
    });

    it("a CSP with worker-src 'none': the worker never starts (an error event before its first message), so the engine moves to the page", async () => {
      const { page, log, close } = await esmPage(env, noWorkers.url);
      expect(await page.evaluate(() => typeof (window as any).Worker)).toBe('function');
      const outcome = await rankAfterViews(page, { namespace: 'ladder-csp-workers', model: MODEL });

      expect(outcome.environment.capabilities.worker).toBe('none');
      expect(outcome.environment.capabilities.workerError).toMatch(/worker did not start|Worker constructor threw/);
      expect(outcome.environment.path).toMatchObject({ thread: 'main-thread', encoder: 'lexical' });
      expectShoesFirst(outcome);
      // A start failure is not a crash: no WORKER_CRASHED, no restarts.
      expect(outcome.events.filter((e) => e.type === 'error')).toEqual([]);
      expect(modelRequests(log)).toEqual([]);
      expectOnlyOwnRequests(log, noWorkers.url);
      await close();
    });
  });

  describe('no WebAssembly: no model, ranking in JavaScript', () => {
    it("a browser without WebAssembly in pages and workers (V8 jitless; Firefox's javascript.options.wasm; Safari's Lockdown Mode): lexical, nothing downloaded", async () => {
      let noWasm: Browser | undefined;
      try {
        noWasm = await launchBrowser(env.name, { webAssembly: false });
        const page = await noWasm.newPage();
        const log = watch(page);
        await page.goto(`${env.server.url}/e2e/pages/esm.html`);
        await page.waitForFunction(() => (window as any).__pageReady === true);
        expect(await page.evaluate(() => typeof (globalThis as any).WebAssembly)).toBe('undefined');
        const outcome = await rankAfterViews(page, { namespace: 'ladder-no-wasm', model: MODEL });

        expect(outcome.environment.capabilities).toMatchObject({ worker: 'module', webAssembly: { available: false, simd: false, threads: false, reason: 'no WebAssembly global' } });
        expect(outcome.environment.capabilities.webgpu.adapter).toBeNull();
        expect(outcome.environment.path).toMatchObject({ thread: 'worker', encoder: 'lexical' });
        expect(outcome.environment.path.reasons).toEqual([expect.stringContaining('WebAssembly is unavailable (no WebAssembly global): the model cannot run')]);
        expectShoesFirst(outcome);
        expect(outcome.events.filter((e) => e.type === 'error')).toEqual([]);
        expect(modelRequests(log)).toEqual([]);
        expect(log.requests.filter((u) => u.includes('/ort/'))).toEqual([]);
        expectOnlyOwnRequests(log, env.server.url);
      } finally {
        await noWasm?.close();
      }
    });
  });

  describe('low device memory (navigator.deviceMemory as the page reports it)', () => {
    it('the browser itself: Chromium reports navigator.deviceMemory, Firefox has none (so its path never depends on memory)', async () => {
      const { page, close } = await esmPage(env, env.server.url);
      const reported = await page.evaluate(() => (navigator as any).deviceMemory);
      if (env.name === 'chromium') expect(reported).toBeGreaterThan(0);
      else expect(reported).toBeUndefined();
      const outcome = await rankAfterViews(page, { namespace: 'ladder-memory-own', model: false });
      expect(outcome.environment.capabilities.deviceMemoryGb).toBe(env.name === 'chromium' ? reported : null);
      await close();
    });

    it('0.5 GB: no model, the lexical encoder serves', async () => {
      const { page, log, close } = await esmPage(env, env.server.url, reporting(0.5));
      const outcome = await rankAfterViews(page, { namespace: 'ladder-memory-05', model: MODEL });
      expect(outcome.environment.capabilities.deviceMemoryGb).toBe(0.5);
      expect(outcome.environment.path).toMatchObject({ thread: 'worker', encoder: 'lexical' });
      expect(outcome.environment.path.reasons).toEqual([expect.stringContaining('device memory 0.5 GB is below lowMemory.lexicalBelowGb (1 GB)')]);
      expectShoesFirst(outcome);
      expect(modelRequests(log)).toEqual([]);
      expectOnlyOwnRequests(log, env.server.url);
      await close();
    });

    it('the thresholds are options: 2 GB is below a lexicalBelowGb of 4', async () => {
      const { page, log, close } = await esmPage(env, env.server.url, reporting(2));
      const outcome = await rankAfterViews(page, { namespace: 'ladder-memory-threshold', model: MODEL, lowMemory: { lexicalBelowGb: 4 } });
      expect(outcome.environment.capabilities.deviceMemoryGb).toBe(2);
      expect(outcome.environment.path).toMatchObject({ encoder: 'lexical', reasons: [expect.stringContaining('below lowMemory.lexicalBelowGb (4 GB)')] });
      expectShoesFirst(outcome);
      expect(modelRequests(log)).toEqual([]);
      expectOnlyOwnRequests(log, env.server.url);
      await close();
    });

    it('2 GB: the model loads as q8 on WASM without asking for a WebGPU adapter; 8 GB: the requested auto device', async () => {
      const lowPage = await esmPage(env, env.server.url, reporting(2));
      const low = await rankAfterViews(lowPage.page, { namespace: 'ladder-memory-2', model: MODEL }, true);
      expect(low.environment.capabilities.deviceMemoryGb).toBe(2);
      expect(low.environment.capabilities.webgpu.adapter).toBeNull();
      expect(low.environment.path).toMatchObject({ thread: 'worker', encoder: 'model', model: { device: 'wasm', dtype: 'q8' } });
      expect(low.encoder).toMatchObject({ kind: 'model', device: 'wasm', dtype: 'q8' });
      const backend = low.events.find((e) => e.type === 'backend')!.payload as { device: string; reason: string };
      expect(backend).toEqual({ device: 'wasm', reason: expect.stringContaining('below lowMemory.smallerDtypeBelowGb (4 GB)') });
      expectShoesFirst(low);
      expect(modelRequests(lowPage.log).some((u) => u.endsWith('/onnx/model_quantized.onnx'))).toBe(true);
      // The npm build's page engine is not fetched where a worker runs.
      expect(lowPage.log.requests.filter((u) => u.includes('engine-api'))).toEqual([]);
      expectOnlyOwnRequests(lowPage.log, env.server.url);
      await lowPage.close();

      const roomy = await esmPage(env, env.server.url, reporting(8));
      const high = await rankAfterViews(roomy.page, { namespace: 'ladder-memory-8', model: MODEL }, true);
      expect(high.environment.path).toMatchObject({ thread: 'worker', encoder: 'model', model: { device: 'auto' }, reasons: [] });
      // Asked for, since auto may use it: headless Chromium without --enable-unsafe-webgpu has none; Firefox ESR on Linux has no navigator.gpu.
      expect(high.environment.capabilities.webgpu).toMatchObject({ api: env.name === 'chromium', adapter: 'none', f16: false });
      expect(high.events.find((e) => e.type === 'backend')!.payload).toMatchObject({ device: 'wasm' });
      expectShoesFirst(high);
      expectOnlyOwnRequests(roomy.log, env.server.url);
      await roomy.close();
    });
  });
});
