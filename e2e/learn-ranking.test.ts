import { expect, it } from 'vitest';
import { FIXTURE_MODEL, forEachBrowser, offHost, startEsm, waitForEvent } from './browsers.js';
import type { BrowserEnv, Page } from './browsers.js';
import { schemaErrors } from './profile-helpers.js';

/** 20 desk lamps, alike but for popularity (lamp-i: 2000 / (i + 1)). */
const LAMPS = Array.from({ length: 20 }, (_, i) => ({ id: `lamp-${i}`, title: `Desk lamp model ${i}`, category: 'Home > Lighting', popularity: Math.round(2000 / (i + 1)) }));
/** The person likes the less popular lamps (lamp-5 and beyond). */
const liked = (id: string): boolean => Number(id.slice(5)) >= 5;
/** Ranked by the prior and the learner only, so what changes is the learner's doing. */
const OPTIONS = { k: 10, weights: { content: 0, affinity: 0, negative: 0 } };
const MODEL = { id: FIXTURE_MODEL, baseUrl: '/models/', device: 'wasm' };

async function start(page: Page, env: BrowserEnv): Promise<void> {
  await startEsm(page, env.server, { namespace: 'learn', model: MODEL });
  await waitForEvent(page, 'encoder', "(e) => e.kind === 'model'");
  await page.evaluate(async (lamps) => (window as any).lr.upsertItems(lamps), LAMPS);
}

/**
 * As a host would: ranks, renders the list, tracks an impression per item shown, and tracks a click
 * (with the ranking's id and the position) when an item is clicked. Returns the ranking.
 */
function renderList(page: Page): Promise<{ ids: string[]; learned: Array<number | null>; rankingId: string }> {
  return page.evaluate(
    async ([ids, options]) => {
      const lr = (window as any).lr;
      const ranked = await lr.rank(ids, options);
      document.querySelector('#for-you')?.remove();
      const list = document.createElement('ol');
      list.id = 'for-you';
      (window as any).__tracking = [];
      ranked.items.forEach((item: { id: string }, position: number) => {
        const li = document.createElement('li');
        li.dataset['id'] = item.id;
        li.textContent = item.id;
        li.addEventListener('click', () => (window as any).__tracking.push(lr.track({ type: 'click', itemId: item.id, listId: ranked.rankingId, position })));
        list.append(li);
      });
      document.body.append(list);
      await lr.track(ranked.items.map((item: { id: string }, position: number) => ({ type: 'impression', itemId: item.id, listId: ranked.rankingId, position })));
      return {
        ids: ranked.items.map((i: { id: string }) => i.id),
        learned: ranked.items.map((i: { components: { learned?: number } }) => i.components.learned ?? null),
        rankingId: ranked.rankingId,
      };
    },
    [LAMPS.map((l) => l.id), OPTIONS] as const,
  );
}

const meanPopularity = (ids: string[]) => ids.reduce((s, id) => s + LAMPS.find((l) => l.id === id)!.popularity, 0) / ids.length;

forEachBrowser('learning from clicks in the browser', (env) => {
  it('clicks on a ranked list move the next ranking their way; the learner survives a reload, is exported, and forget() erases it; no request carries user data', async () => {
    const { page, log, close } = await env.open();
    await start(page, env);

    const first = await renderList(page);
    expect(first.ids).toEqual(LAMPS.slice(0, 10).map((l) => l.id)); // by popularity
    expect(first.learned.every((v) => v === null)).toBe(true);
    const rankingIds = [first.rankingId];
    let list = first;
    for (let round = 0; round < 8; round++) {
      // The person clicks the lamps they like in the rendered list.
      for (const id of list.ids.filter(liked)) await page.click(`#for-you li[data-id="${id}"]`);
      const results = await page.evaluate(() => Promise.all((window as any).__tracking));
      expect(results.every((r: { accepted: number }) => r.accepted === 1)).toBe(true);
      list = await renderList(page);
      rankingIds.push(list.rankingId);
    }
    // The learned component is there and the less popular lamps the person clicked rose.
    expect(list.learned.every((v) => v !== null && v > 0 && v < 1)).toBe(true);
    expect(list.ids[0]).not.toBe('lamp-0');
    // The liked lamps that were shown rise above the more popular ones passed over (the same ten may stay).
    expect(first.ids.slice(0, 5).some(liked)).toBe(false);
    expect(list.ids.slice(0, 5).every(liked)).toBe(true);
    expect(meanPopularity(list.ids)).toBeLessThanOrEqual(meanPopularity(first.ids));
    const before = await page.evaluate(() => (window as any).lr.export());
    expect(before.summary.learner.clicks).toBeGreaterThan(10);
    expect(schemaErrors(before)).toEqual([]);

    // Reload: the learner comes back from IndexedDB and ranks the same way.
    const beforeReload = await renderListIds(page);
    await page.reload();
    await start(page, env);
    const reloaded = await page.evaluate(async (options) => {
      const lr = (window as any).lr;
      const ranked = await lr.rank(Array.from({ length: 20 }, (_, i) => `lamp-${i}`), options);
      return { ids: ranked.items.map((i: { id: string }) => i.id), learned: ranked.items.map((i: { components: { learned?: number } }) => i.components.learned ?? null), exported: await lr.export() };
    }, OPTIONS);
    expect(reloaded.exported.summary.learner).toEqual(before.summary.learner);
    expect(reloaded.ids).toEqual(beforeReload.ids);
    expect(reloaded.ids[0]).not.toBe('lamp-0');
    expect(reloaded.learned.every((v: number | null) => v !== null)).toBe(true);

    // Exploration: every shown item carries its propensity; the same seed, the same list.
    const explored = await page.evaluate(async (options) => {
      const lr = (window as any).lr;
      const ids = Array.from({ length: 20 }, (_, i) => `lamp-${i}`);
      const a = await lr.rank(ids, { ...options, explore: { method: 'thompson', seed: 3 } });
      const b = await lr.rank(ids, { ...options, explore: { method: 'thompson', seed: 3 } });
      return { a: a.items.map((i: { id: string; propensity: number }) => [i.id, i.propensity]), b: b.items.map((i: { id: string; propensity: number }) => [i.id, i.propensity]) };
    }, OPTIONS);
    expect(explored.a).toEqual(explored.b);
    expect(explored.a.every(([, p]: [string, number]) => p > 0 && p <= 1)).toBe(true);

    // forget(): the learner is gone, also after another reload.
    await page.evaluate(() => (window as any).lr.forget());
    const forgotten = await page.evaluate(async (options) => {
      const lr = (window as any).lr;
      const ranked = await lr.rank(Array.from({ length: 20 }, (_, i) => `lamp-${i}`), options);
      return { ids: ranked.items.map((i: { id: string }) => i.id), learned: ranked.items.map((i: { components: { learned?: number } }) => i.components.learned ?? null), exported: await lr.export() };
    }, OPTIONS);
    expect(forgotten.exported.summary.learner).toBeUndefined();
    expect(forgotten.learned.every((v: number | null) => v === null)).toBe(true);
    expect(forgotten.ids).toEqual(first.ids);
    await page.reload();
    await start(page, env);
    expect(await page.evaluate(async () => (await (window as any).lr.export()).summary.learner)).toBeUndefined();

    // Nothing left the device: only this host's files, and no URL names a lamp or a ranking.
    expect(offHost(log.requests, env.server)).toEqual([]);
    expect(log.requests.filter((u) => /lamp|desk/i.test(u) || rankingIds.some((id) => u.includes(id)))).toEqual([]);
    expect(log.pageErrors).toEqual([]);
    await close();
  });
});

/** The ids of a plain ranking with the test's options (no tracking). */
function renderListIds(page: Page): Promise<{ ids: string[] }> {
  return page.evaluate(async (options) => {
    const ranked = await (window as any).lr.rank(Array.from({ length: 20 }, (_, i) => `lamp-${i}`), options);
    return { ids: ranked.items.map((i: { id: string }) => i.id) };
  }, OPTIONS);
}
