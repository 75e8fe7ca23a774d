import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PERSONAS } from '../demo/personas.js';
import { hasSharedModel, useBrowserAndServer, watch } from './harness.js';
import type { PageLog } from './harness.js';

/**
 * The product managers' demo (demo/, `npm run demo`), driven like a person
 * would: scripted shoppers, the knobs, export and forget. Screenshots of the
 * main states go to test-results/demo/ (ignored by git).
 */
const env = useBrowserAndServer();
const SHOTS = join(process.cwd(), 'test-results/demo');
const MODEL = hasSharedModel ? 'localrank-minilm-distilled' : 'localrank-tiny-bert';

let context: BrowserContext;
let page: Page;
let log: PageLog;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  // The same step `npm run demo` runs: precomputed vectors for the models this machine has.
  execFileSync(process.execPath, ['scripts/build-demo-vectors.mjs'], { stdio: 'pipe' });
  context = await env.browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
  page = await context.newPage();
  log = watch(context, page);
  await page.goto(`${env.server.url}/demo/?delay=0`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
  await page.waitForFunction((m) => document.getElementById('encoder-badge')?.textContent === `encoder: model:${m}`, MODEL, { timeout: 60_000 });
});
afterAll(async () => {
  await context?.close();
});

const shot = (name: string, fullPage = true) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage });
const recIds = () => page.locator('#recs li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-id')));
const refreshes = () => page.evaluate(() => Number(document.body.dataset.refreshes ?? 0));
async function afterRefresh(action: () => Promise<unknown>): Promise<void> {
  const before = await refreshes();
  await action();
  await page.waitForFunction((n) => Number(document.body.dataset.refreshes ?? 0) > n, before);
  await page.waitForFunction(() => document.body.dataset.busy !== 'true');
}

describe('the product managers’ demo', () => {
  it('starts on the model, with precomputed vectors, and shows a cold start', async () => {
    expect(await page.locator('#hood-vectors').textContent()).toMatch(new RegExp(`^322 of 322 precomputed .* for model:${MODEL}`));
    expect(await page.locator('#recs li').count()).toBe(10);
    expect(await page.locator('#hood-backend').textContent()).toMatch(/^WASM: /);
    await shot('01-cold-start');
  });

  for (const persona of PERSONAS) {
    it(`replays ${persona.name} to the end`, async () => {
      await page.selectOption('#persona', persona.id);
      await page.waitForSelector(`body[data-persona="${persona.id}"][data-step="0"][data-events="0"]`);
      await page.click('#step');
      await page.waitForSelector(`body[data-step="1"]`);
      if (persona.id === 'trail-runner') await shot('02-trail-runner-step-1');
      await page.click('#play');
      await page.waitForSelector(`body[data-done="true"][data-events="${persona.steps.length}"]`, { timeout: 60_000 });
      expect(await page.locator('#timeline li').count()).toBe(persona.steps.length);
      // Scripted steps are shop events of someone who never looked at the list: no impressions.
      expect(await page.evaluate(() => document.body.dataset.impressions)).toBe('0');
      expect(await page.locator('#recs li').count()).toBe(10);
      expect(await page.locator('#recs .chip').count()).toBeGreaterThan(0);
      expect(await page.locator('#interests li strong').count()).toBeGreaterThan(0);
      // Every engagement with a new item was scored for the three lists.
      const hr = await page.locator('#metrics tbody tr').first().locator('td').allTextContents();
      expect(hr).toHaveLength(3);
      for (const cell of hr) expect(cell).toMatch(/^\d\.\d\d$/);
      await shot(`03-${persona.id}-done`);
    });
  }

  it('the interest half-life re-weights old history (gift buyer: running from a month ago)', async () => {
    // The gift buyer is the last persona played: her month-old running purchases fade with a short half-life.
    const interests = () => page.locator('#interests li').allTextContents();
    await afterRefresh(() => page.selectOption('#half-life', '90'));
    const long = await interests();
    await afterRefresh(() => page.selectOption('#half-life', '1'));
    const short = await interests();
    expect(short).not.toEqual(long);
    expect(long.join(' ')).toContain('Paceline Ridgeback Energy Gels');
    await shot('04-half-life-1-day');
    await afterRefresh(() => page.selectOption('#half-life', '14'));
  });

  it('knobs change the ranking at once', async () => {
    const base = await recIds();
    await afterRefresh(() => page.locator('#diversity').fill('1'));
    const diverse = await recIds();
    expect(diverse).not.toEqual(base);
    await shot('05-knob-diversity');
    await afterRefresh(() => page.locator('#diversity').fill('0'));
    expect(await recIds()).toEqual(base);

    await afterRefresh(() => page.selectOption('#cap-by', 'brand'));
    await afterRefresh(() => page.locator('#cap-share').fill('0.1'));
    const capped = await recIds();
    const brands = await page.evaluate(async (ids) => {
      const catalog = (await (await fetch('/demo/catalog.json')).json()) as Array<{ id: string; brand: string }>;
      return ids.map((id) => catalog.find((item) => item.id === id)!.brand);
    }, capped);
    // At most max(1, floor(0.1 × 10)) = 1 item per brand, where the catalogue has enough brands.
    expect(new Set(brands).size).toBe(brands.length);
    await afterRefresh(() => page.click('#reset-knobs'));
    expect(await recIds()).toEqual(base);

    await afterRefresh(() => page.locator('#w-prior').fill('3'));
    await afterRefresh(() => page.locator('#w-content').fill('0'));
    const popular = await recIds();
    expect(popular).not.toEqual(base);
    await afterRefresh(() => page.locator('#long-tail').fill('5'));
    expect(await recIds()).not.toEqual(popular);
    await shot('06-knobs-popularity-long-tail');
    await afterRefresh(() => page.click('#reset-knobs'));
  });

  it('the exploration knob reorders the list deterministically under its seed and shows propensities', async () => {
    const propensities = () => page.locator('#recs li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-propensity')));
    const base = await recIds();
    expect(await page.locator('#recs .propensity').count()).toBe(0);
    expect(await page.locator('#epsilon-row').isHidden()).toBe(true);

    await afterRefresh(() => page.selectOption('#explore', 'epsilon'));
    expect(await page.locator('#epsilon-row').isVisible()).toBe(true);
    await afterRefresh(() => page.locator('#epsilon').fill('0.5'));
    const explored = await recIds();
    expect(explored).not.toEqual(base);
    const p = (await propensities()).map(Number);
    expect(p).toHaveLength(10);
    for (const value of p) expect(value > 0 && value <= 1).toBe(true);
    expect(await page.locator('#recs .propensity').first().textContent()).toMatch(/^(<1|\d{1,3})%$/);
    expect(await page.locator('#learner-status').textContent()).toContain('Exploring (ε-greedy, 50% of positions)');
    // The items exploration moved say so, against the list without it.
    const moved = explored.filter((id, i) => base[i] !== id).length;
    expect(moved).toBeGreaterThan(0);
    expect(await page.locator('#recs .chip.explored').count()).toBe(moved);
    await shot('10-exploration-epsilon');
    await page.locator('#recs-panel').screenshot({ path: join(SHOTS, '10-exploration-epsilon-list.png') });

    // The same seed and history give the same list; another seed another one.
    await afterRefresh(() => page.selectOption('#explore', ''));
    expect(await recIds()).toEqual(base);
    await afterRefresh(() => page.selectOption('#explore', 'epsilon'));
    expect(await recIds()).toEqual(explored);
    await afterRefresh(() => page.locator('#explore-seed').fill('2'));
    expect(await recIds()).not.toEqual(explored);
    await afterRefresh(() => page.locator('#explore-seed').fill('1'));
    expect(await recIds()).toEqual(explored);

    // Random adjacent swaps only reorder the top 10; Thompson sampling also logs propensities.
    await afterRefresh(() => page.selectOption('#explore', 'pairs'));
    expect([...(await recIds())].sort()).toEqual([...base].sort());
    expect((await propensities()).every((v) => v !== null)).toBe(true);
    await afterRefresh(() => page.selectOption('#explore', 'thompson'));
    const thompson = await recIds();
    expect((await propensities()).every((v) => v !== null)).toBe(true);
    await afterRefresh(() => page.selectOption('#explore', 'pairs'));
    await afterRefresh(() => page.selectOption('#explore', 'thompson'));
    expect(await recIds()).toEqual(thompson);
    await afterRefresh(() => page.click('#reset-knobs'));
    expect(await recIds()).toEqual(base);
    expect(await page.locator('#recs .propensity').count()).toBe(0);
  });

  it('free mode: search, click, add to cart and dismiss are tracked', async () => {
    await page.selectOption('#persona', 'free');
    await page.waitForSelector('body[data-persona="free"][data-events="0"]');
    await afterRefresh(async () => {
      await page.fill('#search', 'espresso');
      await page.press('#search', 'Enter');
    });
    await expect(page.locator('#shop-caption').textContent()).resolves.toMatch(/^\d+ products match “espresso”, ordered by LocalRank/);
    for (const title of await page.locator('#catalog li button.link').allTextContents()) expect(title).toContain('Espresso');
    const first = page.locator('#catalog li').first();
    await afterRefresh(() => first.locator('button.link').click());
    await afterRefresh(() => page.locator('#catalog li').nth(1).getByRole('button', { name: /^Add .* to the cart$/ }).click());
    const hidden = await page.locator('#recs li').first().getAttribute('data-id');
    await afterRefresh(() => page.locator('#recs li').first().getByRole('button', { name: /^Not interested in/ }).click());
    await page.waitForSelector('body[data-events="4"]');
    expect(await recIds()).not.toContain(hidden);
    const types = await page.locator('#timeline .ev-type').allTextContents();
    expect(types).toEqual(['hid', 'added to cart', 'clicked', 'searched']);
    await shot('07-free-mode');
  });

  it('exports the profile as a JSON file', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
    expect(download.suggestedFilename()).toBe('localrank-profile-demo.json');
    const data = JSON.parse(readFileSync((await download.path())!, 'utf8')) as { format: string; version: number; events: Array<{ type: string }> };
    expect(data.format).toBe('localrank-export');
    expect(data.version).toBe(2);
    expect(data.events.filter((e) => e.type !== 'impression').map((e) => e.type)).toEqual(['search', 'click', 'add_to_cart', 'dismiss']);
    // Before each action, the impressions of the list on screen, linked to its ranking, with positions.
    const impressions = data.events.filter((e) => e.type === 'impression') as unknown as Array<{ listId: string; position: number }>;
    expect(impressions).toHaveLength(40);
    for (const [i, e] of impressions.entries()) {
      expect(e.listId).toMatch(/./);
      expect(e.position).toBe(i % 10);
    }
  });

  it('after five clicks on the list the learned component joins the score', async () => {
    expect(await page.locator('#learner-status').textContent()).toContain('Learning from your clicks on this list: 0 clicks and 40 impressions so far');
    for (let i = 1; i <= 5; i++) {
      expect(await page.evaluate(() => document.body.dataset.learned)).toBe('false');
      expect(await page.locator('#legend').textContent()).not.toContain('Learned from clicks');
      await afterRefresh(() => page.locator('#recs li').nth(i % 3).locator('button.link').click());
    }
    expect(await page.evaluate(() => document.body.dataset.learned)).toBe('true');
    expect(await page.locator('#legend').textContent()).toContain('Learned from clicks');
    expect(await page.locator('#recs .seg.learned').count()).toBeGreaterThan(0);
    expect(await page.locator('#learner-status').textContent()).toMatch(/^Learned from clicks is part of the score: the learner has seen 5 clicks and 90 impressions/);
    expect(await page.locator('#timeline-note').textContent()).toContain('90 impressions');
    await shot('11-learned-from-clicks');
    await page.locator('#recs-panel').screenshot({ path: join(SHOTS, '11-learned-from-clicks-list.png') });
  });

  it('forget empties the profile panel and IndexedDB', async () => {
    const databases = () => page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name));
    expect(await databases()).toContain('localrank:demo');
    await afterRefresh(() => page.click('#forget'));
    await page.waitForSelector('body[data-events="0"]');
    expect(await page.locator('#timeline li').allTextContents()).toEqual(['No events stored.']);
    expect(await page.locator('#interests li').allTextContents()).toEqual(['None yet.']);
    expect(await page.locator('#profile-text').textContent()).toMatch(/^Nothing yet/);
    expect((await databases()).filter((name) => name?.startsWith('localrank:demo'))).toEqual([]);
    expect(await page.locator('#learner-status').textContent()).toContain('0 clicks and 0 impressions');
    await shot('08-forgotten');
  });

  it('falls back to the committed fixture model, with its own precomputed vectors', async () => {
    // A context of its own: two tabs of one origin would share the profile.
    const fixtureContext = await env.browser.newContext();
    const fixturePage = await fixtureContext.newPage();
    const fixtureLog = watch(fixtureContext, fixturePage);
    await fixturePage.goto(`${env.server.url}/demo/?delay=0&model=fixture`);
    await fixturePage.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
    await fixturePage.waitForFunction(() => document.getElementById('encoder-badge')?.textContent === 'encoder: model:localrank-tiny-bert', null, { timeout: 60_000 });
    expect(await fixturePage.locator('#hood-vectors').textContent()).toMatch(/^322 of 322 precomputed .* for model:localrank-tiny-bert/);
    await fixturePage.click('#play');
    await fixturePage.waitForSelector(`body[data-done="true"][data-events="${PERSONAS[0]!.steps.length}"]`, { timeout: 60_000 });
    expect(await fixturePage.locator('#recs li').count()).toBe(10);
    expect(fixtureLog.requests.filter((url) => !url.startsWith(env.server.url) && !url.startsWith('blob:') && !url.startsWith('data:'))).toEqual([]);
    expect(fixtureLog.pageErrors).toEqual([]);
    expect(fixtureLog.consoleErrors).toEqual([]);
    await fixtureContext.close();
  });

  it('Compare scores the lists with the evaluation module’s metrics (localrank/eval, dist/eval.js)', () => {
    const origin = env.server.url;
    expect(log.requests).toContain(`${origin}/dist/eval.js`);
    expect(log.requests.filter((url) => url.includes('/demo/metrics.js'))).toEqual([]);
  });

  it('made no request off the host, none with shopper data, and logged no errors', async () => {
    const origin = env.server.url;
    expect(log.requests.filter((url) => !url.startsWith(origin) && !url.startsWith('blob:') && !url.startsWith('data:'))).toEqual([]);
    const secrets = PERSONAS.flatMap((p) => p.steps.flatMap((s) => [s.itemId, s.query].filter((v): v is string => Boolean(v))));
    const decoded = log.requests.map((url) => decodeURIComponent(url.replace(/\+/g, ' ')).toLowerCase());
    for (const secret of [...secrets, 'espresso']) expect(decoded.filter((url) => url.includes(secret.toLowerCase()))).toEqual([]);
    expect(await page.locator('#privacy-count').textContent()).toBe('0');
    expect(Number(await page.locator('#request-count').textContent())).toBeGreaterThan(0);
    expect(log.pageErrors).toEqual([]);
    expect(log.consoleErrors).toEqual([]);
  });

  it('fits a phone screen and plays from the keyboard', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.selectOption('#persona', PERSONAS[0]!.id);
    await page.waitForSelector(`body[data-persona="${PERSONAS[0]!.id}"][data-events="0"]`);
    await page.focus('#persona');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('step');
    await page.keyboard.press('Enter');
    await page.waitForSelector('body[data-step="1"][data-events="1"]');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBe(0);
    await shot('09-phone', false);
  });
});
