import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { RunningServer } from '../scripts/serve.mjs';
import { launch, serve, watch } from './harness.js';

let browser: Browser;
let server: RunningServer;
beforeAll(async () => {
  [browser, server] = await Promise.all([launch(), serve()]);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the quick-start demo page', () => {
  it('shows the serving encoder and re-ranks "For you" after clicks', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const log = watch(context, page);
    await page.goto(`${server.url}/`);
    await page.waitForFunction(() => document.getElementById('encoder')?.textContent?.startsWith('model:'), null, { timeout: 60_000 });
    await page.locator('#catalog li', { hasText: 'Stainless steel chef knife' }).click();
    await page.locator('#catalog li', { hasText: 'Cast iron frying pan' }).click();
    // Both clicks are in the painted state once both catalogue entries are marked as seen.
    await page.waitForFunction(() => document.querySelectorAll('#catalog li.seen').length === 2);
    expect(await page.locator('#profile').textContent()).toContain('Kitchen');
    const forYou = await page.locator("#for-you li").allTextContents();
    expect(forYou).toHaveLength(6);
    // Clicked items are excluded, and the two other kitchen items are in the top three.
    expect(forYou.some((t) => t.startsWith('Stainless steel chef knife'))).toBe(false);
    const top3 = forYou.slice(0, 3).join('|');
    expect(top3).toContain('Bamboo cutting board set');
    expect(top3).toContain('Electric kettle');
    expect(log.pageErrors).toEqual([]);
    await context.close();
  });
});
