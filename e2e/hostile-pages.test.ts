// Hostile pages (#7, part 4): LocalRank inside a cross-origin iframe (partitioned or blocked storage,
// a sandbox), under a Content Security Policy without blob: workers, on a page that overwrote fetch,
// Array.prototype and Promise before loading it, and with a disk that is full when the page opens.
// Chromium and Firefox ESR, the real worker, the fixture BERT model, real IndexedDB.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../scripts/serve.mjs';
import type { RouteHandler, RunningServer } from '../scripts/serve.mjs';
import { FIXTURE_MODEL, forEachBrowser, launchBrowser, launchWithStorageLimit, profileDir, sleep, watch } from './browsers.js';
import type { Browser, BrowserContext, BrowserEnv, Frame, Page } from './browsers.js';
import { consoleOf, slotItems, storedEvents, waitForRendered } from './cms-helpers.js';

type Target = Page | Frame;

const ITEMS = [
  { id: 'a', title: 'Trail running shoes', category: 'Shoes > Running' },
  { id: 'b', title: 'Running shoes for trail runners', category: 'Shoes > Running' },
  { id: 'c', title: 'Stainless steel chef knife', category: 'Kitchen > Knives' },
];

/** A page that embeds `?src=` in an iframe, sandboxed (scripts only, opaque origin) with `&sandbox`. */
const embedder: RouteHandler = (req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  const src = url.searchParams.get('src') ?? '';
  const sandbox = url.searchParams.has('sandbox') ? ' sandbox="allow-scripts"' : '';
  res.setHeader('content-type', 'text/html; charset=utf-8');
  res.end(`<!doctype html><title>embedder</title><p id="own">the embedding page</p><iframe id="frame"${sandbox} src="${src.replace(/"/g, '&quot;')}"></iframe>`);
};

/** Where a worker may come from: the script-tag build's blob: worker is not allowed; a worker file of the site is. */
const NO_BLOB_WORKERS = "default-src 'self'; script-src 'self' 'unsafe-inline' blob: 'wasm-unsafe-eval'; worker-src 'self'; connect-src 'self'";

/** Records, in every frame, what a page would see go wrong: uncaught errors, unhandled rejections, CSP violations. */
function recordTrouble(): void {
  const w = window as unknown as { __trouble: string[]; __violations: string[] };
  w.__trouble = [];
  w.__violations = [];
  addEventListener('error', (e) => w.__trouble.push(`error: ${e.message}`));
  addEventListener('unhandledrejection', (e) => w.__trouble.push(`unhandledrejection: ${String((e.reason as Error)?.message ?? e.reason)}`));
  document.addEventListener('securitypolicyviolation', (e) => w.__violations.push(`${e.effectiveDirective} ${e.blockedURI}`));
}

const trouble = (target: Target) => target.evaluate(() => (window as unknown as { __trouble: string[] }).__trouble);

let cspServer: RunningServer;
beforeAll(async () => {
  cspServer = await startServer({ headers: { 'Content-Security-Policy': NO_BLOB_WORKERS } });
});
afterAll(async () => {
  await cspServer?.close();
});

/** A page of `context` that records its trouble (recordTrouble, in every frame, before the page's own scripts). */
async function troublePage(context: BrowserContext | Browser, ...initScripts: string[]): Promise<Page> {
  const page = await context.newPage();
  await page.evaluateOnNewDocument(recordTrouble);
  for (const script of initScripts) await page.evaluateOnNewDocument(script);
  return page;
}

/** The iframe of an embedding page, once its document has loaded. */
async function childFrame(page: Page): Promise<Frame> {
  for (let i = 0; i < 200; i++) {
    const frame = page.frames().find((f) => f !== page.mainFrame() && f.url() !== 'about:blank');
    if (frame && (await frame.evaluate(() => (window as unknown as { __pageReady?: boolean }).__pageReady === true).catch(() => false))) return frame;
    await sleep(50);
  }
  throw new Error('the iframe did not load');
}

/** The same server under another site: `localhost` and `127.0.0.1` are two sites to the browser. */
const otherSiteOf = (env: BrowserEnv): string => env.server.url.replace('127.0.0.1', 'localhost');

/** Whether IndexedDB opens in this document ('ok') or how it fails. */
const indexedDbHere = (target: Target) =>
  target.evaluate(
    () =>
      new Promise<string>((resolve) => {
        try {
          const request = indexedDB.open('localrank-hostile-probe');
          request.onsuccess = () => {
            request.result.close();
            resolve('ok');
          };
          request.onerror = () => resolve(`fails: ${request.error?.name}`);
        } catch (error) {
          resolve(`fails: ${(error as Error).name}`);
        }
      }),
  );

interface Session {
  ready: string;
  tracked?: number;
  encoder?: string;
  thread?: string;
  order?: string[];
  storage?: { kind: string; events: number };
  events: Array<{ type: string; code?: string; kind?: string; reason?: string; message?: string }>;
}

/**
 * Starts LocalRank on a test page (esm.html or profile-iife-inner.html), with the fixture model
 * unless `model` is false, then: upsert, track, wait for the model, rank, profile.
 */
function session(target: Target, namespace: string, options: { model?: boolean; track?: Record<string, unknown> | null; modelBase?: string } = {}): Promise<Session> {
  return target.evaluate(
    async ([ns, items, model, modelBase, event]) => {
      const w = window as any;
      const NativePromise = (async () => undefined)().constructor as PromiseConstructor; // the page may have replaced Promise
      w.start({ namespace: ns, model: model ? { id: model, baseUrl: modelBase, device: 'wasm' } : false });
      const lr = w.lr;
      const settled = new NativePromise<void>((resolve) => {
        if (!model) resolve();
        lr.on('encoder', (e: { kind: string }) => e.kind === 'model' && resolve());
        lr.on('error', () => resolve());
        // The capability ladder may take the model out (the engine on the page serves lexically).
        lr.on('environment', (e: { path: { encoder: string } }) => e.path.encoder === 'lexical' && resolve());
      });
      const events = () => w.__events.filter((e: any) => e.type === 'error' || e.type === 'degraded').map((e: any) => ({ type: e.type, ...e.payload }));
      const ready = await lr.ready.then(
        () => 'ok',
        (e: { code: string }) => e.code,
      );
      if (ready !== 'ok') {
        await new NativePromise((r) => setTimeout(r, 300));
        return { ready, events: events() };
      }
      await lr.upsertItems(items);
      const tracked = event ? (await lr.track(event)).accepted : 0;
      await settled;
      const ranked = await lr.rank(['c', 'b']);
      const profile = await lr.profile();
      return {
        ready,
        tracked,
        encoder: ranked.encoder.kind,
        thread: profile.environment.path.thread,
        order: ranked.items.map((i: { id: string }) => i.id),
        storage: { kind: profile.storage.kind, events: profile.storage.events },
        events: events(),
      };
    },
    [namespace, ITEMS, options.model === false ? null : FIXTURE_MODEL, options.modelBase ?? '/models/', options.track === undefined ? { type: 'purchase', itemId: 'a' } : options.track] as const,
  ) as Promise<Session>;
}

const storedItemIds = (target: Target) =>
  target.evaluate(async () => ((await (window as any).lr.export()).events as Array<{ type: string; itemId?: string }>).map((e) => `${e.type}:${e.itemId}`));

const HOSTILE_GLOBALS = readFileSync(join(import.meta.dirname, 'pages/hostile-globals.js'), 'utf8');

forEachBrowser('hostile pages', (env) => {
  describe('in a cross-origin iframe', () => {
    it('where the browser partitions third-party storage (Chrome and Firefox by default): the profile persists in the iframe, apart from the same site opened top-level', async () => {
      const { context, close } = await env.open();
      try {
        const server = env.server;
        const otherSite = otherSiteOf(env);
        const embedding = await troublePage(context);
        const log = watch(embedding);
        const widget = `${server.url}/e2e/pages/profile-iife-inner.html`;
        await embedding.goto(`${otherSite}/hostile/embed.html?src=${encodeURIComponent(widget)}`);
        let frame = await childFrame(embedding);
        expect([await embedding.evaluate(() => origin), await frame.evaluate(() => origin)]).toEqual([otherSite, server.url]);
        expect(await indexedDbHere(frame)).toBe('ok');

        const inFrame = await session(frame, 'widget');
        expect(inFrame).toMatchObject({ ready: 'ok', tracked: 1, encoder: 'model', order: ['b', 'c'], storage: { kind: 'indexeddb', events: 1 }, events: [] });

        // The same origin as the iframe, opened top-level: its own storage, which has not seen the iframe's profile.
        const topLevel = await troublePage(context);
        await topLevel.goto(widget);
        await topLevel.waitForFunction(() => (window as any).__pageReady === true);
        const first = await session(topLevel, 'widget', { model: false, track: { type: 'view', itemId: 'c' } });
        expect(first).toMatchObject({ ready: 'ok', storage: { kind: 'indexeddb', events: 1 }, events: [] });
        expect(await storedItemIds(topLevel)).toEqual(['view:c']);

        // The iframe again, on a new page load: its partition kept its profile, and only that.
        await embedding.reload();
        frame = await childFrame(embedding);
        const again = await session(frame, 'widget', { model: false, track: null });
        expect(again.storage).toEqual({ kind: 'indexeddb', events: 1 });
        expect(await storedItemIds(frame)).toEqual(['purchase:a']);

        expect(await trouble(frame)).toEqual([]);
        expect(await trouble(topLevel)).toEqual([]);
        expect(log.requests.filter((u) => !u.startsWith(server.url) && !u.startsWith(otherSite) && !u.startsWith('blob:'))).toEqual([]);
        expect(log.pageErrors).toEqual([]);
      } finally {
        await close();
      }
    });

    it('where the browser blocks third-party storage (Firefox set to block cross-site cookies; Chromium without storage partitioning, where third-party cookies are blocked): an in-memory profile and a degraded event', async () => {
      const browser = await launchBrowser(env.name, { thirdPartyStorage: 'blocked' });
      try {
        const embedding = await troublePage(browser);
        await embedding.goto(`${otherSiteOf(env)}/hostile/embed.html?src=${encodeURIComponent(`${env.server.url}/e2e/pages/esm.html`)}`);
        const frame = await childFrame(embedding);
        expect(await indexedDbHere(frame)).toMatch(/^fails: /);
        const result = await session(frame, 'widget');
        expect(result).toMatchObject({ ready: 'ok', tracked: 1, encoder: 'model', order: ['b', 'c'], storage: { kind: 'memory', events: 1 } });
        // No storage of any kind for the frame: neither IndexedDB nor the Cache API for the model files.
        expect(result.events).toHaveLength(2);
        expect(result.events).toEqual(
          expect.arrayContaining([
            { type: 'degraded', code: 'STORAGE_UNAVAILABLE', reason: expect.any(String) },
            { type: 'degraded', code: 'MODEL_CACHE_FAILED', reason: expect.any(String) },
          ]),
        );
        expect(await trouble(frame)).toEqual([]);
      } finally {
        await browser.close();
      }
    });

    it('sandboxed without allow-same-origin, the npm build cannot start its worker file (opaque origin): the engine runs on the page, in memory, nothing thrown into the frame', async () => {
      // The script-tag build in such a frame: e2e/profile-degraded.test.ts.
      const { context, close } = await env.open();
      try {
        const embedding = await troublePage(context);
        const log = watch(embedding);
        await embedding.goto(`${env.server.url}/hostile/embed.html?sandbox&src=${encodeURIComponent('/e2e/pages/esm.html')}`);
        const frame = await childFrame(embedding);
        expect(await frame.evaluate(() => origin)).toBe('null');
        const result = await session(frame, 'sandboxed');
        expect(result).toMatchObject({ ready: 'ok', tracked: 1, thread: 'main-thread', encoder: 'lexical', order: ['b', 'c'], storage: { kind: 'memory', events: 1 } });
        expect(result.events).toEqual(expect.arrayContaining([{ type: 'degraded', code: 'STORAGE_UNAVAILABLE', reason: expect.any(String) }]));
        expect(result.events.filter((e) => e.type === 'error')).toEqual([]);
        expect(log.requests.some((u) => u.includes('/models/'))).toBe(false);
        expect(await trouble(frame)).toEqual([]);
        expect(log.pageErrors).toEqual([]);
      } finally {
        await close();
      }
    });
  });

  describe("under a Content Security Policy without blob: workers (worker-src 'self')", () => {
    it('the script-tag build cannot start its blob: worker: the engine moves to the page at once (one violation, no restarts), ranks, and the page keeps working', async () => {
      const { context, close } = await env.open();
      const page = await troublePage(context);
      const log = watch(page);
      await page.goto(`${cspServer.url}/e2e/pages/profile-iife-inner.html`);
      await page.waitForFunction(() => (window as any).__pageReady === true);
      const started = Date.now();
      const result = await session(page, 'csp');
      expect(result).toMatchObject({ ready: 'ok', tracked: 1, thread: 'main-thread', encoder: 'lexical', order: ['b', 'c'], storage: { kind: 'indexeddb', events: 1 } });
      expect(result.events).toEqual([]); // no WORKER_CRASHED round before moving
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(await page.evaluate(() => (window as any).__violations)).toEqual([expect.stringMatching(/^worker-src blob/)]);
      expect(log.requests.some((u) => u.endsWith('/dist/localrank.page-engine.js'))).toBe(true);
      expect(log.requests.some((u) => u.includes('/models/'))).toBe(false);
      expect(await page.evaluate(() => document.body.textContent?.includes('LocalRank script-tag build'))).toBe(true);
      expect(await trouble(page)).toEqual([]);
      expect(log.pageErrors).toEqual([]);
      await close();
    });

    it('the npm build starts its worker file from the site and serves the model, without a violation', async () => {
      const { context, close } = await env.open();
      const page = await troublePage(context);
      const log = watch(page);
      await page.goto(`${cspServer.url}/e2e/pages/esm.html`);
      await page.waitForFunction(() => (window as any).__pageReady === true);
      const result = await session(page, 'csp');
      expect(result).toMatchObject({ ready: 'ok', tracked: 1, encoder: 'model', order: ['b', 'c'], storage: { kind: 'indexeddb', events: 1 }, events: [] });
      expect(log.requests.some((u) => u.startsWith(`${cspServer.url}/dist/engine.worker.js`))).toBe(true);
      expect(await page.evaluate(() => (window as any).__violations)).toEqual([]);
      expect(await trouble(page)).toEqual([]);
      expect(log.pageErrors).toEqual([]);
      await close();
    });
  });

  describe('on a page that replaced fetch, extended Array.prototype and polyfilled Promise before loading LocalRank', () => {
    /** The page's globals really are the hostile ones (so the test cannot pass on a clean page). */
    const globalsAreHostile = (target: Target) =>
      target.evaluate(async () => {
        const w = window as any;
        const keys: string[] = [];
        for (const key in [1]) keys.push(key);
        const fetchRefuses = await fetch('/e2e/pages/esm.html').then(
          () => false,
          () => true,
        );
        w.__hostile.fetchCalls.length = 0;
        return { promise: Promise !== w.__hostile.nativePromise, forIn: keys, fetchRefuses };
      });

    for (const [build, path] of [
      ['npm build (ESM import)', '/e2e/pages/esm.html'],
      ['script-tag build (window.LocalRank)', '/e2e/pages/profile-iife-inner.html'],
    ] as const) {
      it(`the ${build} ranks with the model; the page's fetch wrapper never sees a LocalRank request`, async () => {
        const { context, close } = await env.open();
        const page = await troublePage(context, HOSTILE_GLOBALS);
        const log = watch(page);
        await page.goto(`${env.server.url}${path}`);
        await page.waitForFunction(() => (window as any).__pageReady === true);
        expect(await globalsAreHostile(page)).toEqual({ promise: true, forIn: ['0', 'each', 'remove'], fetchRefuses: true });
        const result = await session(page, 'hostile');
        expect(result).toMatchObject({ ready: 'ok', tracked: 1, encoder: 'model', order: ['b', 'c'], storage: { kind: 'indexeddb', events: 1 }, events: [] });
        // The model and the runtime were fetched (by the worker, with its own clean globals), not through the page's wrapper.
        expect(log.requests.some((u) => u.includes(`/models/${FIXTURE_MODEL}/onnx/`))).toBe(true);
        expect(await page.evaluate(() => (window as any).__hostile.fetchCalls)).toEqual([]);
        expect(await trouble(page)).toEqual([]);
        expect(log.pageErrors).toEqual([]);
        await close();
      });
    }

    it('the script tag driven by markup fills its slot and keeps a click across the navigation', async () => {
      const { context, close } = await env.open();
      const page = await troublePage(context, HOSTILE_GLOBALS);
      const log = watch(page);
      const messages = consoleOf(page);
      await page.goto(`${env.server.url}/e2e/pages/cms-shop.html`);
      expect((await globalsAreHostile(page)).forIn).toEqual(['0', 'each', 'remove']);
      await waitForRendered(page, '#for-you');
      expect(await slotItems(page, '#for-you')).toHaveLength(3);
      await Promise.all([page.waitForNavigation(), page.click('#grid [data-lr-item="knife"] a')]);
      await waitForRendered(page, '#for-you');
      await expect.poll(async () => (await storedEvents(page)).filter((e) => e.type === 'click'), { timeout: 20_000 }).toEqual([
        { type: 'click', itemId: 'knife', listId: 'catalogue', position: 4 },
      ]);
      expect(await page.evaluate(() => (window as any).__hostile.fetchCalls)).toEqual([]);
      expect(messages.warnings.filter((w) => w.startsWith('LocalRank:'))).toEqual([]);
      expect(await trouble(page)).toEqual([]);
      expect(log.pageErrors).toEqual([]);
      await close();
    });
  });

  describe('storage full when the page opens', () => {
    /**
     * One visit of a returning visitor: a browser on the profile directory (restarted between visits, as a
     * returning visitor's is), with the origin's storage limited to `limit` bytes before the page opens.
     */
    const visitOn =
      (dir: string) =>
      async <T>(limit: number | null, run: (page: Page) => Promise<T>): Promise<T> => {
        const { browser, page } =
          limit === null ? await launchBrowser(env.name, { userDataDir: dir }).then(async (b) => ({ browser: b, page: await b.newPage() })) : await launchWithStorageLimit(env.name, env.server.url, limit, { userDataDir: dir });
        try {
          await page.evaluateOnNewDocument(recordTrouble);
          const log = watch(page);
          await page.goto(`${env.server.url}/e2e/pages/esm.html`);
          await page.waitForFunction(() => (window as any).__pageReady === true);
          const result = await run(page);
          expect(await trouble(page)).toEqual([]);
          expect(log.pageErrors).toEqual([]);
          return result;
        } finally {
          await browser.close();
        }
      };

    /** Whether this origin can write to IndexedDB now. */
    const writeOutcome = (page: Page) =>
      page.evaluate(
        () =>
          new Promise<string>((resolve) => {
            const request = indexedDB.open('localrank-quota-probe');
            request.onupgradeneeded = () => request.result.createObjectStore('s');
            request.onerror = () => resolve(`open fails: ${request.error?.name}`);
            request.onsuccess = () => {
              const tx = request.result.transaction('s', 'readwrite');
              tx.objectStore('s').put(new Uint8Array(4096), 'k');
              tx.oncomplete = () => resolve('written');
              tx.onabort = () => resolve(`write fails: ${tx.error?.name}`);
            };
          }),
      );

    it('a returning visitor whose disk filled up: the model ranks and new events live in memory (Chromium: the stored profile is read and stays; Firefox evicts the site\'s data first)', async () => {
      const profile = profileDir();
      const visit = visitOn(profile.dir);
      try {
        const firstVisit = await visit(null, (page) => session(page, 'full'));
        expect(firstVisit).toMatchObject({ storage: { kind: 'indexeddb', events: 1 }, events: [] });

        // The origin's limit, set below what it already stores (1 KB): every write fails.
        await visit(1024, async (page) => {
          expect(await writeOutcome(page)).toMatch(/fails: QuotaExceededError/);
          const fullVisit = await session(page, 'full', { track: { type: 'view', itemId: 'b' } });
          if (env.name === 'chromium') {
            // Chromium keeps the data over the limit and refuses writes: the stored profile is read.
            expect(fullVisit).toMatchObject({ ready: 'ok', tracked: 1, encoder: 'model', storage: { kind: 'memory', events: 2 } });
            expect(fullVisit.events).toEqual([{ type: 'degraded', code: 'STORAGE_FULL', reason: expect.stringContaining('lives in memory') }]);
            expect(await storedItemIds(page)).toEqual(['purchase:a', 'view:b']);
          } else {
            // Firefox evicts a site's best-effort data (IndexedDB, the Cache API) that is over the limit when it
            // starts, then refuses to open any: a fresh profile in memory, the model from the network.
            expect(fullVisit).toMatchObject({ ready: 'ok', tracked: 1, encoder: 'model', storage: { kind: 'memory', events: 1 } });
            expect(fullVisit.events).toEqual([
              { type: 'degraded', code: 'STORAGE_FULL', reason: expect.stringContaining('lives in memory') },
              { type: 'degraded', code: 'MODEL_CACHE_FAILED', reason: expect.any(String) },
            ]);
            expect(await storedItemIds(page)).toEqual(['view:b']);
          }
          expect(fullVisit.order).toEqual(['b', 'c']);
        });

        // Space again: the next visit reads the profile as it was stored before the disk filled (Firefox: nothing, it evicted it).
        await visit(null, async (page) => {
          const later = await session(page, 'full', { model: false, track: null });
          expect(later).toMatchObject({ storage: { kind: 'indexeddb', events: env.name === 'chromium' ? 1 : 0 }, events: [] });
          expect(await storedItemIds(page)).toEqual(env.name === 'chromium' ? ['purchase:a'] : []);
        });
      } finally {
        profile.cleanup();
      }
    });
  });
}, { routes: { '/hostile/embed.html': embedder } });
