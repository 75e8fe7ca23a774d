import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PERSONAS } from '../demo/personas.js';
import { forEachBrowser, watch } from './browsers.js';
import type { BrowserContext, Page, PageLog } from './browsers.js';

/**
 * Regression test for "forget() loses to another tab": page A forgets (the demo
 * does on start), page B of the same browser context then stores events, B
 * closes, and A forgets again. A's second forget() ran while A's profile was
 * the in-memory stand-in that a forget leaves until the next write, so it
 * erased only that and left B's database behind: `indexedDB.databases()` still
 * listed `localrank:demo`, and A's next event reopened it with B's 9 events
 * (the count went to 10). The library's fault (Engine.forget), not the demo's:
 * each page holds one LocalRank instance.
 */
const maya = PERSONAS[0]!;
const other = PERSONAS[1]!;

beforeAll(() => {
  execFileSync(process.execPath, ['scripts/build-demo-vectors.mjs'], { stdio: 'pipe' }); // as npm run demo does
});

forEachBrowser('forget() loses to another tab (regression)', (env) => {
  let context: BrowserContext;
  let a: Page;
  let log: PageLog;

  async function open(page: Page): Promise<void> {
    // The fixture model: this test is about storage, not about the encoder.
    await page.goto(`${env.server.url}/demo/?delay=0&model=fixture`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
  }
  const databases = (page: Page) => page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name).filter((n) => n?.startsWith('localrank:demo')));

  beforeAll(async () => {
    if (!env.browser) return; // it did not start: the test reports why
    context = await env.browser.createBrowserContext();
    a = await context.newPage();
    log = watch(a);
    await open(a);
  });
  afterAll(async () => {
    await context?.close();
  });

  it('forget in page A deletes what page B stored after A had forgotten, and A starts again from zero', async () => {
    const b = await context.newPage();
    await open(b);
    await b.click('#play');
    await b.waitForSelector(`body[data-done="true"][data-events="${maya.steps.length}"]`, { timeout: 60_000 });
    expect(await databases(b)).toContain('localrank:demo');
    await b.close();

    await a.select('#persona', other.id); // calls forget()
    await a.waitForSelector(`body[data-persona="${other.id}"][data-step="0"][data-events="0"]`);
    expect(await databases(a)).toEqual([]);
    await a.click('#step');
    await a.waitForSelector('body[data-step="1"]');
    await a.waitForFunction(() => document.body.dataset['busy'] !== 'true');
    expect(await a.evaluate(() => document.body.dataset['events'])).toBe('1');
    expect(await a.$$eval('#timeline li', (items) => items.length)).toBe(1);
    expect(log.pageErrors).toEqual([]);
    expect(log.consoleErrors).toEqual([]);
  });
});
