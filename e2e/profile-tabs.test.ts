import { expect, it } from 'vitest';
import { forEachBrowser, startEsm, watch } from './browsers.js';
import { schemaErrors } from './profile-helpers.js';

const NAMESPACE = 'tabs';
const PER_PAGE = 1000;
const OPTIONS = { namespace: NAMESPACE, model: false, maxEvents: 5000 };

interface TabOutcome {
  calls: number;
  singleCalls: number;
  accepted: number;
  rejected: unknown[];
  failures: string[];
  /** Identity of every event sent: the item id, or the query of a search. */
  keys: string[];
  ms: number;
}

/**
 * Runs in a page: upserts half of its items, then, at `startAt` (a wall-clock
 * time shared with the other page), sends PER_PAGE events in calls of random
 * sizes (single events, small and large batches), many in flight at once,
 * interleaved with timers and awaits. Every event names a distinct item (or a
 * distinct query), so the test can find each one in the export.
 */
async function runTab(args: { tag: string; seed: number; count: number; startAt: number }): Promise<TabOutcome> {
  const { tag, seed, count, startAt } = args;
  const lr = (window as any).lr;
  await lr.ready;
  let s = seed >>> 0;
  const rand = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const CATEGORIES = ['Shoes > Running', 'Shoes > Hiking', 'Kitchen > Knives', 'Audio > Headphones', 'Garden > Tools'];
  const item = (i: number) => ({
    id: `${tag}-${i}`,
    title: `${tag.toUpperCase()} product ${i}`,
    category: pick(CATEGORIES),
    brand: `Brand${i % 7}`,
    tags: [`t${i % 5}`],
    price: 5 + (i % 200),
  });
  // Even items are upserted; odd ones travel inline with their event.
  await lr.upsertItems(Array.from({ length: count }, (_, i) => i).filter((i) => i % 2 === 0).map(item));

  const now = Date.now();
  const keys: string[] = [];
  const events = Array.from({ length: count }, (_, i) => {
    const timestamp = rand() < 0.2 ? undefined : now - Math.floor(rand() * 7 * 24 * 3600 * 1000);
    const base: Record<string, unknown> = timestamp === undefined ? {} : { timestamp };
    if (i % 10 === 3) {
      keys.push(`q:${tag} query ${i}`);
      return { ...base, type: 'search', query: `${tag} query ${i}` };
    }
    keys.push(`i:${tag}-${i}`);
    const ref = i % 2 === 0 ? { itemId: `${tag}-${i}` } : { item: item(i) };
    const type = pick(['view', 'view', 'click', 'add_to_cart', 'purchase', 'rate', 'dismiss', 'impression']);
    if (type === 'rate') return { ...base, ...ref, type, value: 1 + Math.floor(rand() * 5) };
    if (type === 'impression') return { ...base, ...ref, type, listId: 'home', position: Math.floor(rand() * 20) };
    if (type === 'click' && rand() < 0.5) return { ...base, ...ref, type, listId: 'home', position: Math.floor(rand() * 20) };
    return { ...base, ...ref, type };
  });

  // Start together with the other page.
  await new Promise((r) => setTimeout(r, Math.max(0, startAt - Date.now())));
  const t0 = performance.now();
  const SIZES = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 3, 5, 8, 13, 21, 34, 55, 100];
  const calls: Array<Promise<{ accepted: number; rejected: unknown[] }>> = [];
  const failures: string[] = [];
  let singleCalls = 0;
  let next = 0;
  while (next < events.length) {
    const size = Math.min(pick(SIZES), events.length - next);
    const slice = events.slice(next, next + size);
    next += size;
    const single = size === 1 && rand() < 0.6;
    if (single) singleCalls++;
    const p = lr.track(single ? slice[0] : slice) as Promise<{ accepted: number; rejected: unknown[] }>;
    calls.push(
      p.catch((e: any) => {
        failures.push(`${e?.code ?? e?.name}: ${e?.message ?? String(e)}`);
        return { accepted: 0, rejected: [] };
      }),
    );
    // Interleave: sometimes a macrotask, sometimes wait for this call, mostly keep firing.
    const r = rand();
    if (r < 0.15) await new Promise((res) => setTimeout(res, 0));
    else if (r < 0.2) await p.catch(() => undefined);
    else if (r < 0.23) await new Promise((res) => setTimeout(res, 5));
  }
  const results = await Promise.all(calls);
  return {
    calls: calls.length,
    singleCalls,
    accepted: results.reduce((n, x) => n + x.accepted, 0),
    rejected: results.flatMap((x) => x.rejected),
    failures,
    keys,
    ms: performance.now() - t0,
  };
}

const keyOf = (e: { itemId?: string; query?: string; type: string }): string => (e.type === 'search' ? `q:${e.query}` : `i:${e.itemId}`);

forEachBrowser('many tabs share one profile', (env) => {
  it('two pages tracking 1,000 events each at the same time lose none: a fresh page exports all 2,000', async () => {
    const context = await env.browser.createBrowserContext();
    const [pageA, pageB] = await Promise.all([context.newPage(), context.newPage()]);
    const logA = watch(pageA);
    const logB = watch(pageB);
    await Promise.all([startEsm(pageA, env.server, OPTIONS), startEsm(pageB, env.server, OPTIONS)]);
    await Promise.all([pageA.evaluate(() => (window as any).lr.ready), pageB.evaluate(() => (window as any).lr.ready)]);

    const startAt = Date.now() + 1500;
    const [a, b] = await Promise.all([
      pageA.evaluate(runTab, { tag: 'a', seed: 1, count: PER_PAGE, startAt }),
      pageB.evaluate(runTab, { tag: 'b', seed: 2, count: PER_PAGE, startAt }),
    ]);
    console.log(`[tabs] page a: ${a.calls} calls (${a.singleCalls} single), ${a.ms.toFixed(0)} ms; page b: ${b.calls} calls (${b.singleCalls} single), ${b.ms.toFixed(0)} ms`);
    expect(a.failures).toEqual([]);
    expect(b.failures).toEqual([]);
    expect(a.rejected).toEqual([]);
    expect(b.rejected).toEqual([]);
    expect(a.accepted).toBe(PER_PAGE);
    expect(b.accepted).toBe(PER_PAGE);

    // A third page of the site, opened afterwards, sees both pages' events.
    const fresh = await context.newPage();
    const logFresh = watch(fresh);
    await startEsm(fresh, env.server, OPTIONS);
    const { exported, profile } = await fresh.evaluate(async () => {
      const lr = (window as any).lr;
      return { exported: await lr.export(), profile: await lr.profile() };
    });
    const events = exported.events as Array<{ id: string; seq?: number; type: string; itemId?: string; query?: string }>;
    expect(events).toHaveLength(2 * PER_PAGE);
    expect(new Set(events.map((e) => e.id)).size).toBe(2 * PER_PAGE);
    const expected = new Set([...a.keys, ...b.keys]);
    expect(expected.size).toBe(2 * PER_PAGE);
    const stored = events.map(keyOf);
    expect(new Set(stored).size).toBe(2 * PER_PAGE);
    const missing = [...expected].filter((k) => !stored.includes(k));
    expect(missing).toEqual([]);
    // Sequence numbers: unique, increasing in log order.
    const seqs = events.map((e) => e.seq);
    expect(seqs.every((s) => Number.isInteger(s))).toBe(true);
    expect(seqs.every((s, i) => i === 0 || s! > seqs[i - 1]!)).toBe(true);
    // Every item event has its snapshot.
    const itemIds = new Set((exported.items as Array<{ id: string }>).map((i) => i.id));
    expect(events.filter((e) => e.type !== 'search' && !itemIds.has(e.itemId!)).map((e) => e.itemId)).toEqual([]);
    expect(profile.storage.events).toBe(2 * PER_PAGE);
    expect(profile.storage.kind).toBe('indexeddb');
    // The summary folded in every event of both tabs, not only one tab's.
    const counts = (exported.summary as { counts?: Record<string, number> }).counts;
    if (counts) {
      const byType: Record<string, number> = {};
      for (const e of events) byType[e.type] = (byType[e.type] ?? 0) + 1;
      expect(counts).toEqual(byType);
    }
    expect(schemaErrors(exported)).toEqual([]);

    // The two writing pages share that profile too (they pick up the other tab's writes).
    for (const page of [pageA, pageB]) {
      await expect
        .poll(async () => page.evaluate(async () => (await (window as any).lr.export()).events.length), { timeout: 10_000 })
        .toBe(2 * PER_PAGE);
    }
    expect([...logA.pageErrors, ...logB.pageErrors, ...logFresh.pageErrors]).toEqual([]);
    await context.close();
  });
});
