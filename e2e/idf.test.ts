import { expect, it } from 'vitest';
import { forEachBrowser, offHost, startEsm } from './browsers.js';

const FILL = ['sofa', 'lamp', 'mug', 'scarf', 'rug', 'vase', 'chair', 'towel', 'kettle', 'clock'];
const RED = Array.from({ length: 30 }, (_, i) => ({ id: `red-${i}`, title: `Red ${FILL[i % 10]} ${i}` }));
const KAYAK = Array.from({ length: 60 }, (_, i) => ({ id: `kayak-${i}`, title: `Kayak ${FILL[i % 10]} ${i}` }));
const HISTORY = { id: 'history', title: 'Red kayak' };
/** Shares only "red" with the history item, and "rare" only "kayak". */
const COMMON = { id: 'common', title: 'Red wool blanket' };
const RARE = { id: 'rare', title: 'Kayak paddle with carbon blade' };

forEachBrowser('lexical ranking weighs words by the catalogue (IDF)', (env) => {
  it('the candidate sharing the rarer word with the history ranks first, and the order follows the catalogue as items arrive', async () => {
    const { page, log, close } = await env.open();
    await startEsm(page, env.server, { namespace: 'idf', model: false });
    const orders = await page.evaluate(
      async ([red, kayak, history, common, rare]) => {
        const lr = (window as any).lr;
        await lr.ready;
        await lr.upsertItems([...red, history, common, rare]);
        await lr.track({ type: 'view', itemId: history.id });
        const order = async () => ((await lr.rank([common.id, rare.id], { weights: { affinity: 0, prior: 0 } })).items as Array<{ id: string }>).map((r) => r.id);
        const redCommon = await order();
        // Now "kayak" becomes the common word.
        await lr.upsertItems(kayak);
        return { redCommon, kayakCommon: await order() };
      },
      [RED, KAYAK, HISTORY, COMMON, RARE] as const,
    );
    expect(orders.redCommon).toEqual(['rare', 'common']);
    expect(orders.kayakCommon).toEqual(['common', 'rare']);
    expect(offHost(log.requests, env.server)).toEqual([]);
    expect(log.requests.filter((u) => /kayak|history/i.test(u))).toEqual([]);
    expect(log.pageErrors).toEqual([]);
    await close();
  });
});
