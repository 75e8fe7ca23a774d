import { describe, expect, it } from 'vitest';
import { Engine } from '../src/engine/engine.js';
import { createMemoryStore } from '../src/engine/store/kv.js';
import type { Item, RankOptions } from '../src/types.js';

const T0 = Date.UTC(2026, 0, 15);

async function engineWithHistory(history: Item[], catalog: Item[]): Promise<Engine> {
  const engine = new Engine({
    openStore: () => createMemoryStore(),
    storageWorks: () => Promise.resolve(true),
    loadModel: () => Promise.reject(new Error('unused')),
    deviceEnvironment: () => ({ isNode: true }),
    now: () => T0,
  });
  await engine.init({ model: false });
  await engine.upsertItems([...history, ...catalog]);
  if (history.length > 0) await engine.track(history.map((h) => ({ type: 'view', itemId: h.id })), 'h');
  return engine;
}

const ids = async (engine: Engine, candidates: string[], options: RankOptions): Promise<string[]> => (await engine.rank(candidates, options)).items.map((i) => i.id);

// History: running shoes. Candidates: eight running shoes of one brand (all as similar to the history, so popularity
// orders them: a model number in the title would not, as lexical similarity weighs a rare word highly), four others.
const HISTORY: Item[] = [{ id: 'h1', title: 'trail running shoes', brand: 'Stridelab' }];
const SHOES: Item[] = Array.from({ length: 8 }, (_, i) => ({ id: `s${i}`, title: 'trail running shoes', brand: 'Stridelab', popularity: 100 - i }));
const OTHERS: Item[] = [
  { id: 'o1', title: 'running socks', brand: 'Woolpath', popularity: 5, attributes: { color: 'red' } },
  { id: 'o2', title: 'running cap', brand: 'Paceline', popularity: 4, attributes: { color: 'blue' } },
  { id: 'o3', title: 'kitchen knife', brand: 'Edgeworks', popularity: 3, attributes: { color: 'red' } },
  { id: 'o4', title: 'tea kettle', brand: 'Brewhaus', popularity: 2 },
];
const ALL = [...SHOES, ...OTHERS].map((i) => i.id);

describe('re-ranking options', () => {
  it('an exposure cap per brand holds exactly in the top k, best items of the brand first', async () => {
    const engine = await engineWithHistory(HISTORY, [...SHOES, ...OTHERS]);
    const plain = await ids(engine, ALL, { k: 6 });
    expect(plain.filter((id) => id.startsWith('s')).length).toBeGreaterThan(2);
    const capped = await ids(engine, ALL, { k: 6, cap: { by: 'brand', maxShare: 0.34 } });
    // floor(0.34 × 6) = 2 Stridelab items at most.
    expect(capped.filter((id) => id.startsWith('s'))).toEqual(plain.filter((id) => id.startsWith('s')).slice(0, 2));
    expect(capped).toHaveLength(6);
  });

  it('diversity trades score for variety: a different item climbs above near-duplicates', async () => {
    const engine = await engineWithHistory(HISTORY, [...SHOES, ...OTHERS]);
    const plain = await ids(engine, ALL, { k: 12 });
    const diverse = await ids(engine, ALL, { k: 12, diversity: 0.8 });
    expect(diverse[0]).toBe(plain[0]);
    const firstOther = (order: string[]) => order.findIndex((id) => id.startsWith('o'));
    expect(firstOther(diverse)).toBeLessThan(firstOther(plain));
    expect([...diverse].sort()).toEqual([...plain].sort());
  });

  it('a long-tail quota brings at least n of the least popular into the top k', async () => {
    const engine = await engineWithHistory(HISTORY, [...SHOES, ...OTHERS]);
    // The head is the 20% most popular, rounded up: ceil(0.2 × 12) = 3 candidates, s0, s1, s2.
    const head = (id: string) => ['s0', 's1', 's2'].includes(id);
    const plain = await ids(engine, ALL, { k: 2 });
    expect(plain).toContain('s0');
    const ranked = await ids(engine, ALL, { k: 2, minLongTail: 2 });
    expect(ranked).toHaveLength(2);
    expect(ranked.filter(head)).toEqual([]);
    // The promoted long-tail items are the best-scored ones among them.
    const longTailOrder = (await ids(engine, ALL, { k: 12 })).filter((id) => !head(id));
    expect(ranked).toEqual(longTailOrder.slice(0, 2));
  });

  it('filters on attributes and pins items to positions (unknown pins are ignored)', async () => {
    const engine = await engineWithHistory(HISTORY, [...SHOES, ...OTHERS]);
    expect((await ids(engine, ALL, { filter: { color: 'red' } })).sort()).toEqual(['o1', 'o3']);
    expect((await ids(engine, ALL, { filter: { color: ['red', 'blue'] } })).sort()).toEqual(['o1', 'o2', 'o3']);
    const pinned = await ids(engine, ALL, { k: 4, pins: [{ id: 'o4', position: 0 }, { id: 'nope', position: 1 }] });
    expect(pinned[0]).toBe('o4');
    expect(pinned).toHaveLength(4);
  });

  it('is deterministic: the same call twice gives the same order', async () => {
    const engine = await engineWithHistory(HISTORY, [...SHOES, ...OTHERS]);
    const options: RankOptions = { k: 8, diversity: 0.5, cap: { by: 'brand', maxShare: 0.5 }, minLongTail: 1 };
    expect(await ids(engine, ALL, options)).toEqual(await ids(engine, ALL, options));
  });

  it.each([
    [{ diversity: 2 }, 'options.diversity'],
    [{ cap: { by: 'color', maxShare: 0.5 } }, 'options.cap.by'],
    [{ cap: { by: 'brand', maxShare: 0 } }, 'options.cap.maxShare'],
    [{ minLongTail: -1 }, 'options.minLongTail'],
    [{ filter: { color: { nested: true } } }, 'options.filter.color'],
    [{ pins: [{ id: 'o1', position: 1.5 }] }, 'options.pins[0].position'],
    [{ k: 1.5 }, 'options.k'],
    [{ excludeSeen: 'yes' }, 'options.excludeSeen'],
    [{ longTailExponent: Number.NaN }, 'options.longTailExponent'],
    [[1, 2], 'options'],
  ])('rejects %j naming %s', async (options, field) => {
    const engine = await engineWithHistory(HISTORY, [...SHOES, ...OTHERS]);
    await expect(engine.rank(ALL, options as RankOptions)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field });
  });
});
