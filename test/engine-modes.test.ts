import { describe, expect, it } from 'vitest';
import { Engine } from '../src/engine/engine.js';
import { createMemoryStore } from '../src/engine/store/kv.js';
import type { Item, RankResult } from '../src/types.js';

const T0 = Date.UTC(2026, 0, 15);

async function engineWith(catalog: Item[]): Promise<{ engine: Engine; clock: { now: number } }> {
  const clock = { now: T0 };
  const engine = new Engine({
    openStore: () => createMemoryStore(),
    storageWorks: () => Promise.resolve(true),
    loadModel: () => Promise.reject(new Error('unused')),
    deviceEnvironment: () => ({ isNode: true }),
    now: () => clock.now,
  });
  await engine.init({ model: false });
  await engine.upsertItems(catalog);
  return { engine, clock };
}

const ids = (r: RankResult): string[] => r.items.map((i) => i.id);

const CATALOG: Item[] = [
  { id: 'shoe1', title: 'trail running shoes', category: 'Shoes > Running', brand: 'Stridelab', popularity: 10 },
  { id: 'shoe2', title: 'trail running shoes waterproof', category: 'Shoes > Running', brand: 'Stridelab', popularity: 5 },
  { id: 'shoe3', title: 'road running shoes', category: 'Shoes > Running', brand: 'Paceline', popularity: 50 },
  { id: 'sock', title: 'running socks', category: 'Apparel > Socks', brand: 'Woolpath', popularity: 80 },
  { id: 'knife', title: 'chef knife', category: 'Kitchen > Knives', brand: 'Edgeworks', popularity: 1000 },
  { id: 'kettle', title: 'tea kettle', category: 'Kitchen > Kettles', brand: 'Brewhaus', popularity: 900 },
  {
    id: 'tent',
    title: 'backpacking tent',
    category: 'Outdoor > Tents',
    brand: 'Ridgeline',
    popularity: 20,
    complements: { stakes: 40, pad: 10, knife: 1, ghost: 99 },
  },
  { id: 'stakes', title: 'aluminium tent stakes', category: 'Outdoor > Accessories', popularity: 5 },
  { id: 'pad', title: 'sleeping pad', category: 'Outdoor > Sleeping', popularity: 30 },
];

describe('similarTo', () => {
  it('works with an empty profile: the most similar items first, never the item itself, reasons name it', async () => {
    const { engine } = await engineWith(CATALOG);
    const result = await engine.similarTo('shoe1');
    expect(ids(result)).not.toContain('shoe1');
    expect(ids(result).slice(0, 2).sort()).toEqual(['shoe2', 'shoe3']);
    expect(result.coldStart).toBe(true);
    expect(result.items[0]!.reasons).toContainEqual({ kind: 'similar_to_item', text: 'Similar to trail running shoes', itemId: 'shoe1' });
    // Kitchen items are the most popular but unlike the page's item.
    expect(ids(result).indexOf('knife')).toBeGreaterThan(ids(result).indexOf('sock'));
  });

  it('ranks only the given candidates when there are some, with the rank options', async () => {
    const { engine } = await engineWith(CATALOG);
    expect(ids(await engine.similarTo('shoe1', ['knife', 'shoe2', 'kettle'], { k: 1 }))).toEqual(['shoe2']);
    await expect(engine.similarTo('nope')).rejects.toMatchObject({ code: 'UNKNOWN_ITEM', field: 'itemId' });
    await expect(engine.similarTo(42)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'itemId' });
    await expect(engine.similarTo('shoe1', undefined, { k: -2 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'options.k' });
  });

  it('is personalised: of two equally similar items, the one of the brand the person bought comes first', async () => {
    const catalog: Item[] = [
      { id: 'anchor', title: 'running shoes', category: 'Shoes' },
      { id: 'a', title: 'running shoes blue', category: 'Shoes', brand: 'Alpha' },
      { id: 'b', title: 'running shoes blue', category: 'Shoes', brand: 'Beta' },
      { id: 'pastA', title: 'hiking boots', category: 'Boots', brand: 'Alpha' },
      { id: 'pastB', title: 'hiking boots', category: 'Boots', brand: 'Beta' },
    ];
    const { engine } = await engineWith(catalog);
    // Without a profile the two differ only by their brand's letters; whichever loses is then bought from.
    const [, loser] = ids(await engine.similarTo('anchor', ['a', 'b']));
    await engine.track([{ type: 'purchase', itemId: loser === 'a' ? 'pastA' : 'pastB' }], 'p');
    const personal = await engine.similarTo('anchor', ['a', 'b']);
    expect(ids(personal)[0]).toBe(loser);
    expect(personal.items[0]!.reasons).toContainEqual({ kind: 'interest', text: `Matches your interest in ${loser === 'a' ? 'Alpha' : 'Beta'}` });
  });
});

describe('complements', () => {
  it('defaults to the known items of the co-purchase prior, strongest first, with a reason naming the page item', async () => {
    const { engine } = await engineWith(CATALOG);
    const result = await engine.complements('tent');
    // "ghost" is not a known item; the tent itself never comes back.
    expect(ids(result)).toEqual(['stakes', 'pad', 'knife']);
    expect(result.items[0]!.components.context).toBeCloseTo(1, 9);
    expect(result.items[1]!.components.context).toBeCloseTo(Math.log1p(10) / Math.log1p(40), 9);
    expect(result.items[0]!.reasons).toContainEqual({ kind: 'bought_together', text: 'Often bought with backpacking tent', itemId: 'tent' });
  });

  it('an item without a prior has no complements; given candidates without a prior entry get context 0', async () => {
    const { engine } = await engineWith(CATALOG);
    expect((await engine.complements('knife')).items).toEqual([]);
    const given = await engine.complements('tent', ['kettle', 'pad']);
    expect(ids(given)).toEqual(['pad', 'kettle']);
    expect(given.items[1]!.components.context).toBe(0);
    expect(given.items[1]!.reasons.some((r) => r.kind === 'bought_together')).toBe(false);
  });

  it('rejects an invalid co-purchase prior when the item is upserted', async () => {
    const { engine } = await engineWith([]);
    await expect(engine.upsertItems([{ id: 'x', title: 'x', complements: { y: -1 } }])).rejects.toMatchObject({ code: 'INVALID_ITEM', field: 'items[0].complements.y' });
    await expect(engine.upsertItems([{ id: 'x', title: 'x', complements: [1] }])).rejects.toMatchObject({ code: 'INVALID_ITEM', field: 'items[0].complements' });
  });
});

describe('elapsedMs', () => {
  it('every mode reports the time it took in the engine, within the time its call took', async () => {
    const { engine } = await engineWith(CATALOG);
    await engine.track([{ type: 'view', itemId: 'shoe1', timestamp: T0 - 60_000 }], 'e');
    const calls: Array<() => Promise<RankResult>> = [
      () => engine.rank(CATALOG.map((i) => i.id), { k: 3 }),
      () => engine.similarTo('shoe1'),
      () => engine.complements('tent'),
      () => engine.recentlyViewed(),
    ];
    for (const call of calls) {
      const before = performance.now();
      const result = await call();
      const around = performance.now() - before;
      expect(result.elapsedMs).toBeGreaterThan(0);
      expect(result.elapsedMs).toBeLessThanOrEqual(around);
    }
  });
});

describe('recentlyViewed', () => {
  it('newest first, one entry per item, without impressions and dismissals; k and excludePurchased', async () => {
    const { engine, clock } = await engineWith(CATALOG);
    const at = (minutes: number) => T0 + minutes * 60_000;
    clock.now = at(10);
    await engine.track(
      [
        { type: 'view', itemId: 'shoe1', timestamp: at(1) },
        { type: 'view', itemId: 'knife', timestamp: at(2) },
        { type: 'impression', itemId: 'kettle', listId: 'home', position: 0, timestamp: at(3) },
        { type: 'view', itemId: 'shoe1', timestamp: at(4) },
        { type: 'purchase', itemId: 'pad', timestamp: at(5) },
        { type: 'dismiss', itemId: 'sock', timestamp: at(6) },
      ],
      'b',
    );
    const recent = await engine.recentlyViewed();
    expect(ids(recent)).toEqual(['pad', 'shoe1', 'knife']);
    expect(recent.items[0]!.reasons).toEqual([{ kind: 'recently_viewed', text: 'You bought this' }]);
    expect(ids(await engine.recentlyViewed({ k: 1 }))).toEqual(['pad']);
    expect(ids(await engine.recentlyViewed({ excludePurchased: true }))).toEqual(['shoe1', 'knife']);
    await expect(engine.recentlyViewed({ k: 'x' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'options.k' });
  });

  it('is empty on a cold start', async () => {
    const { engine } = await engineWith(CATALOG);
    const recent = await engine.recentlyViewed();
    expect(recent.items).toEqual([]);
    expect(recent.coldStart).toBe(true);
  });
});

describe('forYou score components', () => {
  it('affinity lifts the viewed category and brand, with a reason that names the category', async () => {
    const { engine } = await engineWith(CATALOG);
    await engine.track([{ type: 'view', itemId: 'shoe1' }, { type: 'view', itemId: 'shoe2' }], 'v');
    const result = await engine.rank(['knife', 'kettle', 'shoe3', 'sock']);
    expect(ids(result)[0]).toBe('shoe3');
    const shoe3 = result.items[0]!;
    expect(shoe3.components.affinity).toBeGreaterThan(0);
    expect(shoe3.reasons).toContainEqual({ kind: 'interest', text: 'Matches your interest in Shoes > Running' });
    expect(result.items.find((i) => i.id === 'knife')!.components.affinity).toBe(0);
  });

  it('weights and boosts are options: popularity alone, or a boosted item first', async () => {
    const { engine } = await engineWith(CATALOG);
    await engine.track([{ type: 'view', itemId: 'shoe1' }], 'v');
    const candidates = ['shoe2', 'knife', 'kettle'];
    expect(ids(await engine.rank(candidates, { weights: { content: 0, affinity: 0 } }))).toEqual(['knife', 'kettle', 'shoe2']);
    const boosted = await engine.rank(candidates, { boosts: { kettle: 1 } });
    expect(ids(boosted)[0]).toBe('kettle');
    expect(boosted.items[0]!.components.boost).toBe(1);
    expect(boosted.items[0]!.reasons).toContainEqual({ kind: 'boosted', text: 'Featured' });
    await expect(engine.rank(candidates, { weights: { content: -1 } })).rejects.toMatchObject({ field: 'options.weights.content' });
    await expect(engine.rank(candidates, { weights: { charm: 1 } })).rejects.toMatchObject({ field: 'options.weights.charm' });
    await expect(engine.rank(candidates, { boosts: { kettle: 2 } })).rejects.toMatchObject({ field: 'options.boosts.kettle' });
  });

  it('a dismissed item is held back by the negative component', async () => {
    const { engine } = await engineWith(CATALOG);
    await engine.track([{ type: 'view', itemId: 'shoe1' }], 'v');
    const before = ids(await engine.rank(['shoe2', 'shoe3']));
    await engine.track([{ type: 'dismiss', itemId: before[0]! }], 'd');
    const after = await engine.rank(['shoe2', 'shoe3']);
    expect(ids(after)[1]).toBe(before[0]);
    expect(after.items[1]!.components.negative).toBeGreaterThan(0.5);
  });

  it('negatives are found by slot once per change: a later dismissal, or a candidate given as an object, still counts', async () => {
    const { engine } = await engineWith(CATALOG);
    await engine.track([{ type: 'view', itemId: 'shoe1' }], 'v');
    await engine.track([{ type: 'dismiss', itemId: 'shoe2' }], 'd1');
    const first = await engine.rank(['shoe2', 'shoe3', 'knife']);
    const negative = (r: Awaited<ReturnType<typeof engine.rank>>, id: string) => r.items.find((i) => i.id === id)!.components.negative ?? 0;
    expect(negative(first, 'shoe2')).toBeGreaterThan(0.5);
    expect(negative(first, 'shoe3')).toBe(0);
    // A second dismissal after the first ranking: the negatives' slots are looked up again.
    await engine.track([{ type: 'dismiss', itemId: 'shoe3' }], 'd2');
    const second = await engine.rank(['shoe2', 'shoe3', 'knife']);
    expect(negative(second, 'shoe3')).toBeGreaterThan(0.5);
    expect(negative(second, 'knife')).toBe(0);
    // The same id as a candidate object (a new snapshot of the item) is the same slot.
    const shoe3 = CATALOG.find((i) => i.id === 'shoe3')!;
    const asObject = await engine.rank([{ ...shoe3, title: `${shoe3.title} (new)` }, 'knife']);
    expect(negative(asObject, 'shoe3')).toBeGreaterThan(0.5);
  });
});
