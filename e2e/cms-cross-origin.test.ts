import { afterAll, beforeAll, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RouteHandler, RunningServer } from '../scripts/serve.mjs';
import { startServer } from '../scripts/serve.mjs';
import { FIXTURE_MODEL, forEachBrowser, sleep, watch } from './browsers.js';
import type { Page } from './browsers.js';
import { consoleOf, instanceCall, newPage, slotItems, storedEvents, suspiciousRequests, waitForRendered } from './cms-helpers.js';

const SHOP = readFileSync(join(import.meta.dirname, 'pages/cms-shop.html'), 'utf8');

/** The shop page as a CMS on another origin would serve it: LocalRank's script and the model from the asset origin. */
const fromAssets = (asset: string, nonce?: string): string =>
  SHOP.replace('<script src="/dist/localrank.iife.js"', `<script${nonce ? ` nonce="${nonce}"` : ''} src="${asset}/dist/localrank.iife.js"`).replace(
    'data-lr-model-base="/models/"',
    `data-lr-model-base="${asset}/models/"`,
  );

/** The exact policy LocalRank needs (docs/script-tag.md), around a page that allows nothing else but its own CSS and images. */
const allowlistPolicy = (asset: string): string =>
  `default-src 'none'; script-src ${asset} blob: 'wasm-unsafe-eval'; worker-src blob:; connect-src ${asset}; style-src 'self'; img-src 'self'; report-uri /csp-report`;
const noncePolicy = (asset: string, nonce: string): string =>
  `default-src 'none'; script-src 'nonce-${nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; worker-src blob:; connect-src ${asset}; style-src 'self'; img-src 'self'; report-uri /csp-report`;

let pageOrigin: RunningServer;
let assetOrigin: RunningServer;
const reports: string[] = [];

/** Opens a shop page of the page origin and waits until its slot is rendered and the model serves its rankings. */
async function servedByModel(tab: Page, path: string): Promise<void> {
  await tab.goto(`${pageOrigin.url}${path}`);
  await waitForRendered(tab, '#for-you');
  await expect.poll(async () => (await instanceCall<{ encoder: { kind: string } }>(tab, 'rank', ['kettle', 'pan'])).encoder.kind, { timeout: 30_000 }).toBe('model');
}

const page = (html: () => string, policy?: () => string): RouteHandler => (_req, res) => {
  if (policy) res.setHeader('Content-Security-Policy', policy());
  res.setHeader('content-type', 'text/html; charset=utf-8');
  res.end(html());
};

beforeAll(async () => {
  // Two servers = two origins: the CMS page on one, LocalRank's script, runtime and model on the other.
  assetOrigin = await startServer();
  const asset = assetOrigin.url;
  const nonce = 'cms-test-nonce';
  pageOrigin = await startServer({ routes: {
    '/shop/plain.html': page(() => fromAssets(asset)),
    '/shop/csp-allowlist.html': page(() => fromAssets(asset), () => allowlistPolicy(asset)),
    '/shop/csp-nonce.html': page(() => fromAssets(asset, nonce), () => noncePolicy(asset, nonce)),
    '/shop/csp-no-blob.html': page(() => fromAssets(asset), () => allowlistPolicy(asset).replace(' blob: ', ' ')),
    '/shop/csp-no-wasm.html': page(() => fromAssets(asset), () => allowlistPolicy(asset).replace(" 'wasm-unsafe-eval'", '')),
    '/shop/cms-shop.html': page(() => fromAssets(asset)),
    '/csp-report': (req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        reports.push(body);
        res.end();
      });
    },
  } });
});
afterAll(async () => {
  await Promise.all([pageOrigin?.close(), assetOrigin?.close()]);
});

forEachBrowser('script tag driven by markup, served from another origin', (env) => {
  it('renders, tracks clicks across a navigation and loads the model from the asset origin; nothing else leaves', async () => {
    const context = await env.browser.createBrowserContext();
    const tab = await newPage(context);
    const log = watch(tab);
    await tab.goto(`${pageOrigin.url}/shop/plain.html`);
    await waitForRendered(tab, '#for-you');
    expect(await slotItems(tab, '#for-you')).toHaveLength(3);
    // The item links point to cms-shop.html next to the page: the same page again.
    await Promise.all([tab.waitForNavigation(), tab.click('#grid [data-lr-item="knife"] a')]);
    await waitForRendered(tab, '#for-you');
    await expect.poll(async () => (await storedEvents(tab)).filter((e) => e.type === 'click'), { timeout: 20_000 }).toEqual([
      { type: 'click', itemId: 'knife', listId: 'catalogue', position: 4 },
    ]);
    const ranked = await instanceCall<{ encoder: { kind: string } }>(tab, 'rank', ['kettle', 'pan']);
    await expect.poll(async () => (await instanceCall<{ encoder: { kind: string } }>(tab, 'rank', ['kettle', 'pan'])).encoder.kind, { timeout: 30_000 }).toBe('model');
    expect(ranked.encoder.kind).toMatch(/lexical|model/);
    expect(log.requests.some((u) => u.startsWith(`${assetOrigin.url}/models/${FIXTURE_MODEL}/`))).toBe(true);
    expect(log.requests.some((u) => u.startsWith(`${assetOrigin.url}/dist/ort/`))).toBe(true);
    expect(suspiciousRequests(log.requests, [pageOrigin.url, assetOrigin.url])).toEqual([]);
    expect(log.pageErrors).toEqual([]);
    await context.close();
  });

  for (const [name, path] of [
    ['a host allowlist', '/shop/csp-allowlist.html'],
    ["a nonce with 'strict-dynamic'", '/shop/csp-nonce.html'],
  ] as const) {
    it(`works under a strict Content Security Policy with ${name} (response header), without a single violation`, async () => {
      reports.length = 0;
      const context = await env.browser.createBrowserContext();
      const tab = await newPage(context);
      const log = watch(tab);
      const messages = consoleOf(tab);
      await tab.evaluateOnNewDocument(() => {
        (window as any).__violations = [];
        document.addEventListener('securitypolicyviolation', (e) => (window as any).__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
      });
      // The model (ONNX Runtime: a blob: worker, WebAssembly, the runtime's factory module) serves under the policy.
      await servedByModel(tab, path);
      // IndexedDB works: the impressions of the first screen are stored.
      await expect.poll(async () => (await storedEvents(tab)).filter((e) => e.type === 'impression').length, { timeout: 10_000 }).toBeGreaterThan(0);
      expect(await tab.evaluate(() => (window as any).__violations)).toEqual([]);
      expect(reports).toEqual([]); // the report-uri also hears the worker's violations
      expect(messages.warnings.filter((w) => w.startsWith('LocalRank:'))).toEqual([]);
      expect(suspiciousRequests(log.requests, [pageOrigin.url, assetOrigin.url])).toEqual([]);
      expect(log.pageErrors).toEqual([]);
      await context.close();
    });
  }

  it('a policy without blob: in script-src still serves the model: the factory comes from runtimeUrl, and the refusal is reported once, not on the next visit', async () => {
    reports.length = 0;
    const context = await env.browser.createBrowserContext();
    const tab = await newPage(context);
    const messages = consoleOf(tab);
    await servedByModel(tab, '/shop/csp-no-blob.html');
    // The factory module's blob: import was refused (and reported); the one from runtimeUrl is allowed.
    await expect.poll(() => reports.length, { timeout: 10_000 }).toBeGreaterThan(0);
    expect(reports.join('\n')).toMatch(/script-src/);
    expect(reports.join('\n')).toMatch(/"blocked-uri":"blob"/);
    expect(messages.warnings.filter((w) => w.startsWith('LocalRank:'))).toEqual([]);

    // Next visit: no violation, and only the factory module (24 KB) is fetched; the wasm and the model come from the cache.
    reports.length = 0;
    const next = await newPage(context);
    const log = watch(next);
    await servedByModel(next, '/shop/csp-no-blob.html');
    expect(log.requests.filter((u) => u.includes('/models/') || u.includes('/ort/')).map((u) => new URL(u).pathname)).toEqual(['/dist/ort/ort-wasm-simd-threaded.mjs']);
    await sleep(500); // reports are posted asynchronously
    expect(reports).toEqual([]);
    await context.close();
  });

  it("a policy without 'wasm-unsafe-eval' stops the model, and the violation is reported", async () => {
    // Proves the tests above can fail: the same page, one source fewer. The capability ladder finds that
    // WebAssembly cannot be compiled and serves lexically, without downloading the model.
    reports.length = 0;
    const context = await env.browser.createBrowserContext();
    const tab = await newPage(context);
    const log = watch(tab);
    await tab.goto(`${pageOrigin.url}/shop/csp-no-wasm.html`);
    await waitForRendered(tab, '#for-you');
    expect(await tab.$eval('#for-you', (e) => e.getAttribute('data-lr-rendered'))).toBe('lexical');
    expect((await instanceCall<{ environment: { path: { encoder: string } } }>(tab, 'profile')).environment.path.encoder).toBe('lexical');
    expect(log.requests.filter((u) => u.includes('/models/'))).toEqual([]);
    await expect.poll(() => reports.length, { timeout: 10_000 }).toBeGreaterThan(0);
    expect(reports.join('\n')).toContain('script-src');
    await context.close();
  });
});
