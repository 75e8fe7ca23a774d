import { expect, it } from 'vitest';
import { forEachBrowser, offHost, startEsm, waitForEvent } from './browsers.js';

// Two taste groups that the text cannot tell apart (the same words everywhere): only the host's
// item factors (cfVector, from a server-side model) separate them.
const ITEMS = Array.from({ length: 24 }, (_, i) => {
  const group = i % 2 === 0 ? 'a' : 'b';
  const spread = (i % 5) * 0.05;
  return { id: `${group}-${i}`, title: `Film ${i}`, popularity: 10, cfVector: group === 'a' ? [0.9, spread, 0.1, 0] : [0.1, spread, 0.9, 0] };
});
const HISTORY = ['a-0', 'a-2', 'a-4'];

forEachBrowser('collaborative-filtering fold-in in the browser', (env) => {
  it('after viewing items whose factors point one way, the matching items rank up by cf; reasons unchanged; nothing leaves the page', async () => {
    const { page, log, close } = await env.open();
    await startEsm(page, env.server, { namespace: 'cf', model: false, cf: { regularization: 0.1, alpha: 2 } });
    await waitForEvent(page, 'encoder');
    const out = await page.evaluate(
      async ([items, history]) => {
        const lr = (window as any).lr;
        await lr.upsertItems(items);
        const candidates = items.map((i: { id: string }) => i.id).filter((id: string) => !history.includes(id));
        const before = await lr.rank(candidates);
        await lr.track(history.map((itemId: string) => ({ type: 'view', itemId })));
        const withCf = await lr.rank(candidates);
        const withoutCf = await lr.rank(candidates, { weights: { cf: 0 } });
        const badOption = await lr.rank(candidates, { weights: { cf: -2 } }).catch((e: { code: string; field?: string }) => ({ code: e.code, field: e.field }));
        return { before, withCf, withoutCf, badOption };
      },
      [ITEMS, HISTORY] as const,
    );
    // Cold start: no history, no cf component.
    expect(out.before.items.every((i: { components: { cf?: number } }) => i.components.cf === undefined)).toBe(true);
    // With the history: every group-a item above every group-b item, by the cf component.
    const ids: string[] = out.withCf.items.map((i: { id: string }) => i.id);
    const lastA = Math.max(...ids.map((id, i) => (id.startsWith('a-') ? i : -1)));
    const firstB = ids.findIndex((id) => id.startsWith('b-'));
    expect(lastA).toBeLessThan(firstB);
    const cfOf = (group: string) => out.withCf.items.filter((i: { id: string }) => i.id.startsWith(group)).map((i: { components: { cf: number } }) => i.components.cf);
    expect(Math.min(...cfOf('a-'))).toBeGreaterThan(Math.max(...cfOf('b-')));
    // Turning cf off leaves no component, and the explanations are the same with and without it.
    expect(out.withoutCf.items[0].components.cf).toBeUndefined();
    const reasons = (r: { items: Array<{ id: string; reasons: unknown }> }) => Object.fromEntries(r.items.map((i) => [i.id, i.reasons]));
    expect(reasons(out.withCf)).toEqual(reasons(out.withoutCf));
    expect(out.badOption).toEqual({ code: 'INVALID_ARGUMENT', field: 'options.weights.cf' });
    // Only this host's files were requested: the history never left the page.
    expect(offHost(log.requests, env.server)).toEqual([]);
    expect(log.pageErrors).toEqual([]);
    await close();
  });

  it('a bad cf option is a clear error at creation', async () => {
    const { page, close } = await env.open();
    await startEsm(page, env.server, { namespace: 'cf-bad', model: false, cf: { regularization: -1 } });
    const error = await page.evaluate(() => (window as any).lr.ready.then(() => null, (e: { code: string; field?: string }) => ({ code: e.code, field: e.field })));
    expect(error).toEqual({ code: 'INVALID_ARGUMENT', field: 'options.cf.regularization' });
    await close();
  });
});
