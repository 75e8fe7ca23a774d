import { expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RouteHandler } from '../scripts/serve.mjs';
import { forEachBrowser, sleep, watch } from './browsers.js';
import type { BrowserEnv } from './browsers.js';
import { consoleOf, newPage, slotItems, storedEvents, suspiciousRequests, textOf, waitForRendered } from './cms-helpers.js';

const PAGES = join(import.meta.dirname, 'pages');
const DIST = join(import.meta.dirname, '..', 'dist');

/** Serves an e2e page with changes: a response header, or its HTML rewritten. */
const variant = (file: string, change: { headers?: Record<string, string>; html?: (html: string) => string }): RouteHandler => (_req, res) => {
  const html = readFileSync(join(PAGES, file), 'utf8');
  for (const [name, value] of Object.entries(change.headers ?? {})) res.setHeader(name, value);
  res.setHeader('content-type', 'text/html; charset=utf-8');
  res.end(change.html ? change.html(html) : html);
};

const ROUTES = {
  // The broken page without LocalRank: what the page's own DOM looks like untouched.
  '/variants/broken-without-localrank.html': variant('cms-broken.html', { html: (h) => h.replace(/<script src="\/dist\/localrank\.iife\.js"[^>]*><\/script>/, '') }),
  '/variants/bad-namespace.html': variant('cms-xss.html', { html: (h) => h.replace('data-lr-namespace="cms-xss"', 'data-lr-namespace="has spaces"') }),
  // The broken page where no worker may start (a CSP that forbids workers): the engine runs on the page.
  '/variants/broken-no-worker.html': variant('cms-broken.html', { headers: { 'Content-Security-Policy': "worker-src 'none'" } }),
  // The same, with the script served from a folder that lacks localrank.page-engine.js: nothing can start.
  '/variants/broken-nothing-starts.html': variant('cms-broken.html', {
    headers: { 'Content-Security-Policy': "worker-src 'none'" },
    html: (h) => h.replace('src="/dist/localrank.iife.js"', 'src="/dist-without-page-engine/localrank.iife.js"'),
  }),
  '/dist-without-page-engine/': ((_req, res, rest) => {
    if (!rest.startsWith('localrank.iife.js')) {
      res.statusCode = 404;
      res.end('not found');
      return;
    }
    res.setHeader('content-type', 'text/javascript');
    res.end(readFileSync(join(DIST, 'localrank.iife.js')));
  }) as RouteHandler,
};

/** The page's DOM outside LocalRank's slots, serialised. */
const domOutsideSlots = () => {
  const copy = document.body.cloneNode(true) as HTMLElement;
  for (const slot of copy.querySelectorAll('[data-lr-slot]')) slot.remove();
  return copy.innerHTML;
};

/**
 * A new context with the broken page's reference copy (served without LocalRank) read first, then a
 * page with its request log and console, ready to open a variant of the broken page.
 */
async function besideReference(env: BrowserEnv) {
  const context = await env.browser.createBrowserContext();
  const reference = await newPage(context);
  await reference.goto(`${env.server.url}/variants/broken-without-localrank.html`);
  const serverSlot = await reference.$eval('#for-you', (e) => e.innerHTML);
  const expectedDom = await reference.evaluate(domOutsideSlots);
  await reference.close();
  const page = await newPage(context);
  return { context, page, log: watch(page), messages: consoleOf(page), serverSlot, expectedDom };
}

forEachBrowser('script tag driven by markup (same origin)', (env) => {
  it('clicks on two items of one category put that category first in the for-you slot; clicks survive the navigation', async () => {
    const context = await env.browser.createBrowserContext();
    const page = await newPage(context);
    const log = watch(page);
    await page.goto(`${env.server.url}/e2e/pages/cms-shop.html`);
    await waitForRendered(page, '#for-you');
    const before = await slotItems(page, '#for-you');
    expect(before).toHaveLength(3);
    expect(before[0]!.category).not.toMatch(/^Kitchen/);

    // Each click follows the link (a full page load) right away, before LocalRank could answer it. The slot is
    // rendered first: its items move the grid down, and a click aimed before that lands beside the link.
    for (const id of ['kettle', 'pan']) {
      await waitForRendered(page, '#for-you');
      await Promise.all([page.waitForNavigation(), page.click(`#grid [data-lr-item="${id}"] a`)]);
    }
    await waitForRendered(page, '#for-you');
    const after = await slotItems(page, '#for-you');
    expect(after[0]!.category).toMatch(/^Kitchen/);
    // Rendered items are themselves marked items, with their fields as text.
    expect(await textOf(page, '#for-you [data-lr-item] [data-lr-field="price"]')).toMatch(/€/);

    // Every click stored exactly once, with its list and position (kettle is the grid's first, pan its second).
    await page.waitForFunction(async () => {
      const data = await (window as any).LocalRank.instance.export();
      return data.events.filter((e: { type: string }) => e.type === 'click').length >= 2;
    });
    const clicks = (await storedEvents(page)).filter((e) => e.type === 'click');
    expect(clicks).toEqual([
      { type: 'click', itemId: 'kettle', listId: 'catalogue', position: 0 },
      { type: 'click', itemId: 'pan', listId: 'catalogue', position: 1 },
    ]);
    expect(suspiciousRequests(log.requests, [env.server.url])).toEqual([]);
    expect(log.pageErrors).toEqual([]);
    await context.close();
  });

  it('logs an impression with its list and position once per element and page view, as items scroll into view', async () => {
    const context = await env.browser.createBrowserContext();
    const page = await newPage(context);
    const log = watch(page);
    await page.goto(`${env.server.url}/e2e/pages/cms-shop.html`);
    await waitForRendered(page, '#for-you');
    const impressions = async () => (await storedEvents(page)).filter((e) => e.type === 'impression');
    const grid = await page.$$eval('#grid [data-lr-item]', (els) => els.map((e) => e.getAttribute('data-lr-item')!));
    const rendered = (await slotItems(page, '#for-you')).map((i) => i.id);

    await expect.poll(async () => (await impressions()).filter((e) => e.listId === 'for-you').length, { timeout: 10_000 }).toBe(3);
    const firstScreen = await impressions();
    // Rows are 220 px high in a 600 px viewport: the grid's last items are not seen yet.
    expect(firstScreen.some((e) => e.itemId === 'atlas')).toBe(false);

    for (const round of [1, 2]) {
      await page.$eval('#grid [data-lr-item="atlas"]', (e) => e.scrollIntoView());
      await sleep(300);
      await page.evaluate(() => window.scrollTo(0, 0));
      await sleep(300);
      if (round === 1) await expect.poll(async () => (await impressions()).some((e) => e.itemId === 'atlas'), { timeout: 10_000 }).toBe(true);
    }
    const all = await impressions();
    // Once per element: scrolling back and forth twice added nothing twice.
    const keys = all.map((e) => `${e.listId}/${e.itemId}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const e of all.filter((x) => x.listId === 'catalogue')) expect(e.position).toBe(grid.indexOf(e.itemId!));
    for (const e of all.filter((x) => x.listId === 'for-you')) expect(e.position).toBe(rendered.indexOf(e.itemId!));
    expect(all.find((e) => e.itemId === 'atlas' && e.listId === 'catalogue')?.position).toBe(7);

    // The summary reads the impressions as negatives: shown, never clicked.
    const profile = await page.evaluate(() => (window as any).LocalRank.instance.profile());
    expect(profile.counts.impression).toBe(all.length);
    expect(suspiciousRequests(log.requests, [env.server.url])).toEqual([]);
    expect(log.pageErrors).toEqual([]);
    await context.close();
  });

  it('items the page adds later ("load more") are upserted, and their impressions and clicks tracked', async () => {
    const context = await env.browser.createBrowserContext();
    const page = await newPage(context);
    const log = watch(page);
    await page.goto(`${env.server.url}/e2e/pages/cms-shop.html`);
    await waitForRendered(page, '#for-you');
    // What a CMS "load more" widget does: append marked elements (this is the page's code, not LocalRank's).
    await page.evaluate(() => {
      const li = document.createElement('li');
      li.setAttribute('data-lr-item', 'lamp');
      li.setAttribute('data-lr-category', 'Home > Lighting');
      li.innerHTML = '<a href="#lamp">Desk lamp</a>';
      document.getElementById('grid')!.append(li);
    });
    await page.$eval('#grid [data-lr-item="lamp"]', (e) => e.scrollIntoView());
    await page.click('#grid [data-lr-item="lamp"] a');
    const lampEvents = async () => (await storedEvents(page)).filter((e) => e.itemId === 'lamp').sort((a, b) => a.type.localeCompare(b.type));
    await expect.poll(lampEvents, { timeout: 10_000 }).toEqual([
      { type: 'click', itemId: 'lamp', listId: 'catalogue', position: 8 },
      { type: 'impression', itemId: 'lamp', listId: 'catalogue', position: 8 },
    ]);
    // The engine knows the new item (title from its text): it can be ranked.
    const ranked = await page.evaluate(() => (window as any).LocalRank.instance.rank(['lamp']));
    expect(ranked.items.map((i: { id: string }) => i.id)).toEqual(['lamp']);
    expect(log.pageErrors).toEqual([]);
    await context.close();
  });

  it('a model that fails to load leaves the page alone: its own script runs, its DOM outside slots is unchanged, one warning', async () => {
    const { context, page, log, messages, expectedDom } = await besideReference(env);
    await page.goto(`${env.server.url}/e2e/pages/cms-broken.html`);
    expect(await page.evaluate(() => (window as any).__ownScriptRan)).toBe(true);
    await expect.poll(() => messages.warnings.filter((w) => w.includes('MODEL_LOAD_FAILED')).length, { timeout: 30_000 }).toBe(1);
    // The lexical encoder still serves, so the slot is filled; everything else is as the page made it.
    await waitForRendered(page, '#for-you');
    expect(await page.$eval('#for-you', (e) => e.getAttribute('data-lr-rendered'))).toBe('lexical');
    expect(await page.evaluate(domOutsideSlots)).toBe(expectedDom);
    expect(messages.warnings.filter((w) => w.startsWith('LocalRank:'))).toHaveLength(1);
    expect(messages.errors.filter((e) => !e.startsWith('Failed to load resource'))).toEqual([]);
    expect(log.pageErrors).toEqual([]);
    await context.close();
  });

  it('when no worker can start, the engine runs on the page: the slot fills, one warning says why, the page is untouched', async () => {
    const { context, page, log, messages, expectedDom } = await besideReference(env);
    await page.goto(`${env.server.url}/variants/broken-no-worker.html`);
    await waitForRendered(page, '#for-you');
    expect(await page.$eval('#for-you', (e) => e.getAttribute('data-lr-rendered'))).toBe('lexical');
    expect(await slotItems(page, '#for-you')).toHaveLength(3);
    expect(await page.evaluate(() => (window as any).__ownScriptRan)).toBe(true);
    expect(await page.evaluate(domOutsideSlots)).toBe(expectedDom);
    // The model is not loaded on the page, so its broken URL is never fetched either.
    expect(messages.warnings.filter((w) => w.startsWith('LocalRank:'))).toEqual([expect.stringMatching(/^LocalRank: no worker could start .*the engine runs on the page/)]);
    expect(log.requests.filter((u) => u.includes('/no-such-models/'))).toEqual([]);
    expect(log.pageErrors).toEqual([]);
    await context.close();
  });

  it('when nothing can start (no worker, no page engine file), slots keep their server-rendered content and the page its script', async () => {
    const { context, page, log, messages, serverSlot, expectedDom } = await besideReference(env);
    await page.goto(`${env.server.url}/variants/broken-nothing-starts.html`);
    await expect.poll(() => messages.warnings.filter((w) => w.includes('WORKER_UNAVAILABLE')).length, { timeout: 30_000 }).toBe(1);
    await sleep(500);
    expect(await page.evaluate(() => (window as any).__ownScriptRan)).toBe(true);
    expect(await page.$eval('#for-you', (e) => e.innerHTML)).toBe(serverSlot);
    expect(await page.evaluate(domOutsideSlots)).toBe(expectedDom);
    expect(await page.$eval('#for-you', (e) => e.hasAttribute('data-lr-rendered'))).toBe(false);
    expect(messages.warnings.filter((w) => w.startsWith('LocalRank:'))).toHaveLength(1);
    // Firefox reports the failed load of the missing page-engine file (this test's premise) as an error of its own.
    expect(log.pageErrors.filter((e) => !(env.name === 'firefox' && e.includes('/dist-without-page-engine/localrank.page-engine.js')))).toEqual([]);
    await context.close();
  });

  it('without IndexedDB, sessionStorage and the Cache API (a sandboxed frame) the slots still fill, with one warning for each store', async () => {
    const context = await env.browser.createBrowserContext();
    const page = await newPage(context);
    const log = watch(page);
    const messages = consoleOf(page);
    await page.goto(`${env.server.url}/e2e/pages/cms-sandboxed.html`);
    const frame = page.frames().find((f) => f.url().endsWith('/cms-shop.html'))!;
    await waitForRendered(frame, '#for-you');
    expect(await slotItems(frame, '#for-you')).toHaveLength(3);
    expect(await frame.evaluate(() => { try { return typeof sessionStorage; } catch (e) { return (e as Error).name; } })).toBe('SecurityError');
    // Clicks are still tracked (straight to the worker, whose profile lives in memory).
    await frame.click('#grid [data-lr-item="atlas"]', { offset: { x: 300, y: 5 } });
    await expect.poll(async () => (await frame.evaluate(() => (window as any).LocalRank.instance.profile())).counts.click, { timeout: 10_000 }).toBe(1);
    // The model loads there too, uncached (in Firefox even reading `caches` in such a frame's worker throws).
    await expect.poll(async () => (await frame.evaluate(() => (window as any).LocalRank.instance.rank(['kettle', 'pan']))).encoder.kind, { timeout: 30_000 }).toBe('model');
    expect(messages.warnings.filter((w) => w.startsWith('LocalRank:')).sort()).toEqual([
      expect.stringContaining('MODEL_CACHE_FAILED: the Cache API is not available here'),
      expect.stringContaining('STORAGE_UNAVAILABLE'),
    ]);
    expect(log.pageErrors).toEqual([]);
    await context.close();
  });

  it('mistakes in the markup are reported (one warning for the tag, one for the page, one per unknown template field); the rest works', async () => {
    const context = await env.browser.createBrowserContext();
    const page = await newPage(context);
    const log = watch(page);
    const messages = consoleOf(page);
    await page.goto(`${env.server.url}/e2e/pages/cms-bad-markup.html`);
    await waitForRendered(page, '#for-you');
    // data-lr-k="0" was ignored (default 4): every valid item is shown; b (negative price) and e (no title) are not.
    expect((await slotItems(page, '#for-you')).map((i) => i.id).sort()).toEqual(['a', 'c', 'd']);
    // An unknown field stays as the template wrote it.
    expect(await page.$$eval('#for-you [data-lr-field="colour"]', (els) => els.map((e) => e.textContent))).toEqual(['', '', '']);
    for (const id of ['#unknown', '#similar']) expect(await page.$eval(id, (e) => e.innerHTML.trim())).toBe('<p>server-rendered</p>');
    const ours = messages.warnings.filter((w) => w.startsWith('LocalRank:'));
    expect(ours).toHaveLength(3);
    expect(ours[0]).toContain('unknown attribute data-lr-namepsace');
    const markup = ours.find((w) => w.includes('markup problems'))!;
    for (const problem of ['data-lr-catalog is not valid JSON', 'data-lr-catalog[1].price must be >= 0', 'data-lr-price="cheap" is not a number', 'data-lr-item="e".title', 'empty item id', 'data-lr-slot="bestsellers"', 'data-lr-slot="similar" needs', 'data-lr-k="0"']) {
      expect(markup).toContain(problem);
    }
    expect(ours.find((w) => w.includes('data-lr-field="colour"'))).toBeDefined();
    expect(log.pageErrors).toEqual([]);
    await context.close();
  });

  it('a bad option on the script tag stops LocalRank with one warning naming it; slots keep their content', async () => {
    const context = await env.browser.createBrowserContext();
    const page = await newPage(context);
    const messages = consoleOf(page);
    await page.goto(`${env.server.url}/variants/bad-namespace.html`);
    await expect.poll(() => messages.warnings.filter((w) => w.startsWith('LocalRank:')), { timeout: 10_000 }).toEqual([expect.stringContaining('INVALID_ARGUMENT')]);
    expect(messages.warnings[0]).toContain('namespace');
    expect(await page.$eval('#for-you', (e) => e.hasAttribute('data-lr-rendered'))).toBe(false);
    await context.close();
  });

  it('item data that looks like HTML renders as text, and javascript: URLs are refused', async () => {
    const context = await env.browser.createBrowserContext();
    const page = await newPage(context);
    const log = watch(page);
    const messages = consoleOf(page);
    await page.goto(`${env.server.url}/e2e/pages/cms-xss.html`);
    await waitForRendered(page, '#for-you');
    const slot = await page.$eval('#for-you', (e) => ({
      ids: [...e.querySelectorAll('[data-lr-item]')].map((x) => x.getAttribute('data-lr-item')),
      imgs: [...e.querySelectorAll('img')].map((i) => i.getAttribute('src')),
      scripts: e.querySelectorAll('script, svg').length,
      titles: [...e.querySelectorAll('[data-lr-field="title"]')].map((x) => x.textContent),
      categories: [...e.querySelectorAll('[data-lr-field="category"]')].map((x) => x.textContent),
      hrefs: [...e.querySelectorAll('a')].map((a) => a.getAttribute('href')),
    }));
    expect(slot.ids).toHaveLength(4);
    expect(slot.titles).toContain('<img src=x onerror="window.__pwned = \'title\'">Kettle');
    expect(slot.titles).toContain("</li><script>window.__pwned = 'script'</script>Pan");
    expect(slot.titles).toContain('<svg onload="window.__pwned = \'attr\'">Mug');
    expect(slot.categories).toContain('<b>Kitchen</b>');
    // The only <img> elements are the template's own, and none got the data: URL.
    expect(slot.imgs.every((src) => src === null)).toBe(true);
    expect(slot.scripts).toBe(0);
    // javascript: URLs are refused: the template's own href stays.
    expect(slot.hrefs.filter((h) => h === '#fallback')).toHaveLength(3);
    expect(slot.hrefs).toContain(`${env.server.url}/e2e/pages/cms-xss.html#teapot`);
    await page.click('#for-you a');
    await sleep(300);
    expect(await page.evaluate(() => (window as any).__pwned)).toBeUndefined();
    expect(messages.warnings.some((w) => w.includes('refused href'))).toBe(true);
    expect(log.pageErrors).toEqual([]);
    await context.close();
  });

  it('a product page: its item is a view, similar and recently-viewed slots fill from templates, a list without template is reordered; events reach page code', async () => {
    const context = await env.browser.createBrowserContext();
    const page = await newPage(context);
    const log = watch(page);
    // What page code would do: listen for LocalRank's DOM events (no LocalRank code in the page itself).
    await page.evaluateOnNewDocument(() => {
      const seen: unknown[] = ((window as any).__lrEvents = []);
      document.addEventListener('localrank:ready', (e) => {
        const detail = (e as CustomEvent).detail;
        seen.push({ type: 'ready', sameInstance: detail.instance === (window as any).LocalRank.instance, pageItem: detail.pageItem, items: detail.items });
      });
      document.addEventListener('localrank:render', (e) => seen.push({ type: 'render', kind: (e as CustomEvent).detail.kind, slot: (e.target as Element).id }));
    });

    // First visit, empty profile: the similar slot follows the page's item; nothing was viewed before, so the
    // recently-viewed slot keeps its server-rendered content.
    await page.goto(`${env.server.url}/e2e/pages/cms-product.html`);
    await waitForRendered(page, '#similar');
    const similar = await slotItems(page, '#similar');
    expect(similar).toHaveLength(2);
    expect(similar.map((i) => i.id)).not.toContain('kettle');
    expect(similar[0]!.id).toBe('pan'); // same category and brand as the kettle
    await page.waitForSelector('#more[data-lr-rendered]');
    expect(await page.$eval('#recent', (e) => ({ rendered: e.hasAttribute('data-lr-rendered'), items: e.querySelectorAll('[data-lr-item]').length }))).toEqual({ rendered: false, items: 0 });
    await expect.poll(async () => (await storedEvents(page)).filter((e) => e.type === 'view')).toEqual([{ type: 'view', itemId: 'kettle' }]);
    const events = (await page.evaluate(() => (window as any).__lrEvents)) as Array<Record<string, unknown>>;
    expect(events.find((e) => e['type'] === 'ready')).toEqual({ type: 'ready', sameInstance: true, pageItem: 'kettle', items: 9 });
    expect(events.filter((e) => e['type'] === 'render').map((e) => e['slot'])).toEqual(expect.arrayContaining(['similar', 'more']));

    // Then the person clicks running shoes in the shop and comes back.
    await page.goto(`${env.server.url}/e2e/pages/cms-shop.html`);
    await waitForRendered(page, '#for-you'); // before the slot's items move the grid down
    await Promise.all([page.waitForNavigation(), page.click('#grid [data-lr-item="trail"] a')]);
    await page.goto(`${env.server.url}/e2e/pages/cms-product.html`);
    for (const slot of ['#recent', '#more']) await page.waitForSelector(`${slot}[data-lr-rendered]`);
    // The page's own item is not "recently viewed" on its own page; the clicked shoes are.
    expect((await slotItems(page, '#recent')).map((i) => i.id)).toEqual(['trail']);
    expect(await textOf(page, '#recent [data-lr-field="reason"]')).toMatch(/clicked/i);
    // Reordered in place: the same five elements, three visible, the hidden ones marked as LocalRank's doing.
    const more = await page.$$eval('#more > li', (els) => els.map((e) => ({ id: e.getAttribute('data-lr-item'), hidden: (e as HTMLElement).hidden, overflow: e.hasAttribute('data-lr-overflow') })));
    expect(more.map((m) => m.id).sort()).toEqual(['atlas', 'extra', 'novel', 'road', 'socks']);
    expect(more.map((m) => m.hidden)).toEqual([false, false, false, true, true]);
    expect(more.every((m) => m.hidden === m.overflow)).toBe(true);
    expect(['road', 'socks']).toContain(more[0]!.id); // the clicked running shoes pull their own kind up
    expect(suspiciousRequests(log.requests, [env.server.url])).toEqual([]);
    expect(log.pageErrors).toEqual([]);
    await context.close();
  });

  it('a script tag without data-lr-* attributes starts nothing: window.LocalRank only, as before', async () => {
    const context = await env.browser.createBrowserContext();
    const page = await newPage(context);
    const log = watch(page);
    await page.goto(`${env.server.url}/e2e/pages/iife.html?from=${encodeURIComponent(env.server.url)}`);
    await page.waitForFunction(() => (window as any).__scriptLoaded);
    await sleep(300);
    expect(await page.evaluate(() => ({ instance: (window as any).LocalRank.instance, create: typeof (window as any).LocalRank.createLocalRank }))).toEqual({ instance: null, create: 'function' });
    expect(log.requests.filter((u) => u.startsWith('blob:') || u.includes('/models/') || u.includes('/ort/'))).toEqual([]);
    await context.close();
  });
}, { routes: ROUTES });
