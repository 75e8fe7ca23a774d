import { expect, it } from 'vitest';
import { FIXTURE_MODEL, expectNoLongScripts, forEachBrowser, hasSharedModel, offHost, startEsm, waitForEvent } from './browsers.js';

const brands = ['Stridelab', 'Paceline', 'Ridgeway'];
const RUNNING = Array.from({ length: 9 }, (_, i) => ({
  id: `run-${i}`,
  title: ['Trail running shoes', 'Road running shoes', 'Lightweight running shoes'][i % 3]! + ` ${i}`,
  category: 'Shoes > Running',
  brand: i < 6 ? 'Stridelab' : brands[i % 3]!,
  popularity: 50 + i,
}));
const KITCHEN = Array.from({ length: 9 }, (_, i) => ({
  id: `kit-${i}`,
  title: ['Cast iron frying pan', 'Stainless steel chef knife', 'Electric kettle'][i % 3]! + ` ${i}`,
  category: 'Kitchen',
  brand: ['Ironhearth', 'Edgeworks', 'Brewhaus'][i % 3]!,
  popularity: 80 + i,
}));
const HISTORY = ['run-0', 'run-1', 'run-2'];

forEachBrowser('ranking in the browser', (env) => {
  it('after three running shoes, running items rise over kitchen items; a brand cap holds in the rendered order; reasons name real history items', async () => {
    const { page, log, close } = await env.open();
    const model = hasSharedModel ? { id: 'localrank-minilm-distilled', baseUrl: '/shared-models/', device: 'wasm' } : { id: FIXTURE_MODEL, baseUrl: '/models/', device: 'wasm' };
    await startEsm(page, env.server, { namespace: 'rerank', model });
    await waitForEvent(page, 'encoder', "(e) => e.kind === 'model'");
    const result = await page.evaluate(
      async ([items, history]) => {
        const lr = (window as any).lr;
        await lr.upsertItems(items);
        await lr.track(history.map((itemId: string) => ({ type: 'view', itemId })));
        const candidates = items.map((i: { id: string }) => i.id).filter((id: string) => !history.includes(id));
        const ranked = await lr.rank(candidates, { k: 8, diversity: 0.3, cap: { by: 'brand', maxShare: 0.25 } });
        // Render as a host would, then read the order back from the DOM.
        const list = document.createElement('ol');
        list.id = 'for-you';
        for (const r of ranked.items) {
          const li = document.createElement('li');
          li.dataset['id'] = r.id;
          li.textContent = items.find((i: { id: string }) => i.id === r.id)?.title ?? r.id;
          list.append(li);
        }
        document.body.append(list);
        return {
          rendered: [...document.querySelectorAll('#for-you li')].map((li) => (li as HTMLElement).dataset['id']),
          reasons: ranked.items.flatMap((r: { reasons: Array<{ kind: string; itemId?: string }> }) => r.reasons),
        };
      },
      [[...RUNNING, ...KITCHEN], HISTORY] as const,
    );
    const brandOf = new Map<string, string>([...RUNNING, ...KITCHEN].map((i) => [i.id, i.brand]));
    const rendered = result.rendered as string[];
    expect(rendered).toHaveLength(8);
    // Cap: floor(0.25 × 8) = 2 per brand in the rendered top 8.
    const perBrand = new Map<string, number>();
    for (const id of rendered) {
      const brand = brandOf.get(id)!;
      perBrand.set(brand, (perBrand.get(brand) ?? 0) + 1);
    }
    expect(Math.max(...perBrand.values())).toBeLessThanOrEqual(2);
    // Within what the cap allows, running items lead: the first two are running shoes, and running items
    // outrank kitchen items on average even though kitchen items are more popular.
    expect(rendered.slice(0, 2).every((id) => id.startsWith('run-'))).toBe(true);
    const meanPosition = (prefix: string) => {
      const positions = rendered.map((id, i) => (id.startsWith(prefix) ? i : -1)).filter((i) => i >= 0);
      return positions.reduce((a, b) => a + b, 0) / positions.length;
    };
    expect(meanPosition('run-')).toBeLessThan(meanPosition('kit-'));
    // Variety: more than one category and more than two brands in the top 8.
    expect(new Set(rendered.map((id) => id.split('-')[0])).size).toBe(2);
    expect(perBrand.size).toBeGreaterThan(2);
    // Every "because you viewed" names an item that really is in the history.
    const named = (result.reasons as Array<{ kind: string; itemId?: string }>).filter((r) => r.kind === 'similar_to_history').map((r) => r.itemId);
    expect(named.length).toBeGreaterThan(0);
    expect(named.every((id) => HISTORY.includes(id!))).toBe(true);
    await expectNoLongScripts(page, env.name);
    expect(log.pageErrors).toEqual([]);
    await close();
  });

  it('modes: similarTo with an empty profile, complements from the host prior, recentlyViewed, search re-ranking; no request carries user data', async () => {
    const { page, log, close } = await env.open();
    await startEsm(page, env.server, { namespace: 'modes', model: { id: FIXTURE_MODEL, baseUrl: '/models/', device: 'wasm' } });
    await waitForEvent(page, 'encoder', "(e) => e.kind === 'model'");
    const tent = { id: 'tent', title: 'Backpacking tent', category: 'Outdoor > Tents', popularity: 10, complements: { 'kit-1': 2, 'run-4': 30 } };
    const out = await page.evaluate(
      async ([items, tentItem]) => {
        const lr = (window as any).lr;
        await lr.upsertItems([...items, tentItem]);
        const similarCold = await lr.similarTo('run-0', undefined, { k: 4 });
        const complements = await lr.complements('tent');
        await lr.track([{ type: 'view', itemId: 'kit-2' }, { type: 'view', itemId: 'run-3' }, { type: 'add_to_cart', itemId: 'kit-2' }]);
        const recent = await lr.recentlyViewed();
        const searchStarted = performance.now();
        const search = await lr.rank(items.map((i: { id: string }) => i.id), { query: 'chef knife', k: 3 });
        const searchRoundTripMs = performance.now() - searchStarted;
        const error = await lr.similarTo('nope').catch((e: { code: string; field?: string }) => ({ code: e.code, field: e.field }));
        return { similarCold, complements, recent, search, searchRoundTripMs, error };
      },
      [[...RUNNING, ...KITCHEN], tent] as const,
    );
    // similarTo works before any event, never returns the page's item, and says why.
    expect(out.similarCold.coldStart).toBe(true);
    const similarIds = out.similarCold.items.map((i: { id: string }) => i.id);
    expect(similarIds).not.toContain('run-0');
    expect(similarIds.every((id: string) => id.startsWith('run-'))).toBe(true);
    expect(out.similarCold.items[0].reasons.map((r: { kind: string }) => r.kind)).toContain('similar_to_item');
    // complements: the prior's items, strongest first.
    expect(out.complements.items.map((i: { id: string }) => i.id)).toEqual(['run-4', 'kit-1']);
    // recentlyViewed: newest first, one entry per item.
    expect(out.recent.items.map((i: { id: string }) => i.id)).toEqual(['kit-2', 'run-3']);
    // Search: knives first.
    expect(out.search.items[0].id).toMatch(/^kit-(1|4|7)$/);
    expect(out.error).toEqual({ code: 'UNKNOWN_ITEM', field: 'itemId' });
    // Every mode says how long it took in the worker: no longer than the page waited for it.
    for (const r of [out.similarCold, out.complements, out.recent, out.search]) {
      expect(Number.isFinite(r.elapsedMs) && r.elapsedMs >= 0).toBe(true);
    }
    expect(out.search.elapsedMs).toBeLessThanOrEqual(out.searchRoundTripMs + 0.1);
    // Only model and runtime files from this host; no URL mentions what was viewed or searched.
    expect(offHost(log.requests, env.server)).toEqual([]);
    expect(log.requests.filter((u) => /kit-|run-|chef|knife|tent/i.test(u))).toEqual([]);
    expect(log.pageErrors).toEqual([]);
    await close();
  });
});
