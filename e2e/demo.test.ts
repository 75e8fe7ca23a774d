import { describe, expect, it } from 'vitest';
import { useBrowserAndServer, watch } from './harness.js';

const env = useBrowserAndServer();

describe('the quick-start demo page', () => {
  it('shows the serving encoder and re-ranks "For you" after clicks', async () => {
    const context = await env.browser.newContext();
    const page = await context.newPage();
    const log = watch(context, page);
    await page.goto(`${env.server.url}/`);
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
