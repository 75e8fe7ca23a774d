import { expect, it } from 'vitest';
import { forEachBrowser, offHost, startEsm } from './browsers.js';

// Two distinct interests, viewed equally; filler items keep every word's document frequency alike.
const FILL = ['sofa', 'lamp', 'mug', 'scarf', 'rug', 'vase', 'chair', 'towel', 'kettle', 'clock'];
const CATALOGUE = [
  ...Array.from({ length: 4 }, (_, i) => ({ id: `shoe-${i}`, title: 'Trail running shoe' })),
  ...Array.from({ length: 4 }, (_, i) => ({ id: `knife-${i}`, title: 'Chef kitchen knife' })),
  ...FILL.map((word, i) => ({ id: `fill-${i}`, title: `${word} ${FILL[(i + 3) % 10]}` })),
  /** Squarely inside one interest. */
  { id: 'inside', title: 'Trail running shoe' },
  /** Between the two: both at once. */
  { id: 'between', title: 'Trail running shoe, chef kitchen knife' },
];
const HISTORY = [...CATALOGUE.slice(0, 8)].map((item, i) => ({ type: 'view', itemId: item.id, offset: i }));

forEachBrowser("contentMatch: 'nearest' interest or the whole 'profile'", (env) => {
  it('the item inside one interest leads by its nearest interest, the item between two by the whole profile; the profile outlives a reload', async () => {
    const { page, log, close } = await env.open();
    await startEsm(page, env.server, { namespace: 'content-match', model: false });
    const run = (): Promise<{ nearest: string[]; fallback: string[]; profile: string[]; content: Record<string, number> }> =>
      page.evaluate(async () => {
        const lr = (window as any).lr;
        await lr.ready;
        const order = async (options: object) => ((await lr.rank(['inside', 'between'], { weights: { affinity: 0, prior: 0 }, ...options })).items as Array<{ id: string; components: { content: number } }>);
        const profile = await order({ contentMatch: 'profile' });
        return {
          nearest: (await order({ contentMatch: 'nearest' })).map((r) => r.id),
          fallback: (await order({})).map((r) => r.id),
          profile: profile.map((r) => r.id),
          content: Object.fromEntries(profile.map((r) => [r.id, r.components.content])),
        };
      });
    await page.evaluate(
      async ([items, history]) => {
        const lr = (window as any).lr;
        await lr.ready;
        await lr.upsertItems(items);
        const t0 = Date.now() - 60_000;
        await lr.track(history.map((h) => ({ type: h.type, itemId: h.itemId, timestamp: t0 + h.offset * 1000 })));
      },
      [CATALOGUE, HISTORY] as const,
    );
    const before = await run();
    expect(before.nearest).toEqual(['inside', 'between']);
    expect(before.fallback).toEqual(before.nearest); // the default is 'nearest'
    expect(before.profile).toEqual(['between', 'inside']);
    expect(before.content['between']!).toBeGreaterThan(before.content['inside']!);

    // From IndexedDB, with no catalogue upserted again: the whole profile was stored with the interests.
    await page.reload();
    await startEsm(page, env.server, { namespace: 'content-match', model: false });
    await page.evaluate((items) => (window as any).lr.upsertItems(items.slice(-2)), CATALOGUE);
    const after = await run();
    expect(after.nearest).toEqual(before.nearest);
    expect(after.profile).toEqual(before.profile);

    const bad = await page.evaluate(() =>
      (window as any).lr.rank(['inside'], { contentMatch: 'average' }).then(
        () => null,
        (e: { code: string; field: string }) => ({ code: e.code, field: e.field }),
      ),
    );
    expect(bad).toEqual({ code: 'INVALID_ARGUMENT', field: 'options.contentMatch' });
    expect(offHost(log.requests, env.server)).toEqual([]);
    expect(log.pageErrors).toEqual([]);
    await close();
  });
});
