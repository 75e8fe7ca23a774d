// Pages that go into the back-forward cache on a link click, and come back from it.
import { expect, it } from 'vitest';
import { forEachBrowser } from './browsers.js';
import type { Page } from './browsers.js';
import { instanceCall, newPage, storedEvents, waitForRendered } from './cms-helpers.js';

interface Watched {
  __restored?: number;
  __workers?: { started: number; terminated: number };
}

/** Counts, per page view, the times it came back from the back-forward cache and the workers it started and terminated. */
const watchLifecycle = (page: Page) =>
  page.evaluateOnNewDocument(() => {
    const view = window as unknown as Watched;
    const counts = (view.__workers = { started: 0, terminated: 0 });
    const Original = window.Worker;
    window.Worker = class extends Original {
      constructor(...args: ConstructorParameters<typeof Worker>) {
        super(...args);
        counts.started++;
      }
      override terminate(): void {
        counts.terminated++;
        super.terminate();
      }
    };
    addEventListener('pageshow', (e) => {
      if (e.persisted) view.__restored = (view.__restored ?? 0) + 1;
    });
  });

forEachBrowser('the back-forward cache', (env) => {
  it('regression: Chromium 156 crashed the renderer when a page went into the cache while its worker stored impressions (one click in eight)', async () => {
    // Each first screen is left by a click right after it rendered, while its impressions are being stored.
    for (let i = 0; i < 16; i++) {
      const context = await env.browser.createBrowserContext();
      const page = await newPage(context);
      // Another address than the link's: a link to the page's own address replaces it, and nothing is cached.
      await page.goto(`${env.server.url}/e2e/pages/cms-shop.html?first`);
      await waitForRendered(page, '#for-you');
      await Promise.all([page.waitForNavigation(), page.click('#grid [data-lr-item="knife"] a')]);
      await waitForRendered(page, '#for-you', 10_000);
      await context.close();
    }
  });

  it('a page left by a click lets its worker go; when it comes back from the cache it ranks on a new worker', async () => {
    // Both browsers restore the page from their cache most times, but either may evict it instead: Chromium 156 for
    // "JavaScriptExecution", or "WebLocksContention" when the next page wants a lock the frozen one held (2 runs in 8);
    // Firefox rarely (seen once in CI). An evicted page loads as a new page view. Every visit must hold what follows;
    // visits go on, each in a fresh context, until one was restored, so the restore path is always exercised.
    const visit = async (): Promise<number> => {
      const context = await env.browser.createBrowserContext();
      const page = await newPage(context);
      await watchLifecycle(page);
      await page.goto(`${env.server.url}/e2e/pages/cms-shop.html?first`);
      await waitForRendered(page, '#for-you');
      await Promise.all([page.waitForNavigation(), page.click('#grid [data-lr-item="pan"] a')]);
      await waitForRendered(page, '#for-you');
      // Back: a restore from the cache fires no load event, so the test waits for the page's own marks.
      await page.evaluate(() => void setTimeout(() => history.back(), 0));
      await page.waitForFunction(() => location.search === '?first' && document.querySelector('#for-you[data-lr-rendered]'));
      const restored = await page.evaluate(() => (window as unknown as Watched).__restored ?? 0);
      // A restored page view: its worker was terminated on the way out. A new one has started none but its own.
      expect(await page.evaluate(() => (window as unknown as Watched).__workers?.terminated)).toBe(restored);
      const ranked = await instanceCall<{ items: Array<{ id: string }> }>(page, 'rank', ['kettle', 'novel']);
      expect(ranked.items.map((i) => i.id).sort()).toEqual(['kettle', 'novel']);
      expect(await page.evaluate(() => (window as unknown as Watched).__workers?.started)).toBe(restored + 1);
      await expect.poll(async () => (await storedEvents(page)).filter((e) => e.type === 'click'), { timeout: 20_000 }).toEqual([
        { type: 'click', itemId: 'pan', listId: 'catalogue', position: 1 },
      ]);
      await context.close();
      return restored;
    };
    let restores = 0;
    for (let attempt = 0; attempt < 5 && restores === 0; attempt++) restores += await visit();
    expect(restores).toBe(1);
  });
});
