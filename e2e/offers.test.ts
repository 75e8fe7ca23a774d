import { expect, it } from 'vitest';
import { forEachBrowser, offHost, startEsm } from './browsers.js';
import type { Page } from './browsers.js';
const ITEMS = [
  { id: 'shoe-1', title: 'Trail running shoes', category: 'Shoes > Running', brand: 'Stridelab', price: 120 },
  { id: 'shoe-2', title: 'Trail running shoes waterproof', category: 'Shoes > Running', brand: 'Stridelab', price: 140 },
];
const OPTIONS = { namespace: 'offers', model: false, offers: { experiment: 'spring-sale' }, interestReports: { categories: ['Shoes', 'Kitchen'] } };

/** The arm and the stored local id, read back as a page would (the id straight from IndexedDB). */
async function armAndId(page: Page): Promise<{ arm: string; price: number; id: string | undefined }> {
  return page.evaluate(async (items) => {
    const lr = (window as any).lr;
    await lr.upsertItems(items);
    const offer = await lr.offer('shoe-2', { listPrice: 140, floor: 112 });
    const id = await new Promise<string | undefined>((resolve, reject) => {
      const open = indexedDB.open('localrank:offers:settings');
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const db = open.result;
        const names = [...db.objectStoreNames];
        if (names.length === 0) return resolve(undefined);
        const get = db.transaction(names[0]!).objectStore(names[0]!).get('offers:local-id');
        get.onsuccess = () => {
          db.close();
          resolve(get.result as string | undefined);
        };
        get.onerror = () => reject(get.error);
      };
    });
    return { arm: offer.arm, price: offer.price, id };
  }, ITEMS);
}

forEachBrowser('offers in the browser', (env) => {
  it('keep their arm across a reload, draw a new id after forget(), count outcomes, and send nothing', async () => {
    const { page, log, close } = await env.open();
    await startEsm(page, env.server, OPTIONS);
    const first = await armAndId(page);
    expect(first.id).toMatch(/^[0-9a-f]{32}$/);
    expect(first.price).toBeLessThanOrEqual(140);
    expect(first.price).toBeGreaterThanOrEqual(112);

    await page.reload();
    await startEsm(page, env.server, OPTIONS);
    const reloaded = await armAndId(page);
    expect(reloaded).toEqual({ ...first, price: reloaded.price });
    expect(reloaded.arm).toBe(first.arm);

    const report = await page.evaluate(async () => {
      const lr = (window as any).lr;
      await lr.track([{ type: 'view', itemId: 'shoe-1' }]);
      await lr.trackOffer('offer_shown', 'shoe-2');
      await lr.trackOffer('offer_accepted', 'shoe-2');
      const interests = await lr.reportInterests({ epsilon: 1 });
      return { experiment: await lr.experimentReport(), interests };
    });
    expect(report.experiment).toEqual([
      {
        experiment: 'spring-sale',
        arms: {
          control: first.arm === 'control' ? { shown: 1, accepted: 1, conversion: 1 } : { shown: 0, accepted: 0, conversion: 0 },
          treatment: first.arm === 'treatment' ? { shown: 1, accepted: 1, conversion: 1 } : { shown: 0, accepted: 0, conversion: 0 },
        },
      },
    ]);
    expect(report.interests).toMatchObject({ format: 'localrank-ldp', mechanism: 'k-rr', epsilon: 1, categories: ['Shoes', 'Kitchen', 'other'] });

    await page.evaluate(() => (window as any).lr.forget());
    expect(await page.evaluate(() => (window as any).lr.experimentReport())).toEqual([]);
    const afterForget = await armAndId(page);
    expect(afterForget.id).toMatch(/^[0-9a-f]{32}$/);
    expect(afterForget.id).not.toBe(first.id);

    // The library itself sent nothing: every request is a GET for a file of this host (the page, the package).
    expect(offHost(log.requests, env.server)).toEqual([]);
    expect(log.requests.filter((u) => /offer|spring|shoe|ldp|report/i.test(u))).toEqual([]);
    expect(log.pageErrors).toEqual([]);
    await close();
  });
});
