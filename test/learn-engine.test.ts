import { describe, expect, it } from 'vitest';
import { Engine } from '../src/engine/engine.ts';
import { MIN_CLICKS, MIN_IMPRESSIONS } from '../src/engine/learning/learner.ts';
import type { KeyValueStore } from '../src/engine/store/kv.ts';
import type { Item, LocalRankOptions, RankOptions, RankResult } from '../src/types.ts';
import { rejected } from './caught.ts';
import { memoryDependencies } from './memory-engine.ts';

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

async function setup(options: LocalRankOptions = {}, stores = new Map<string, KeyValueStore>()) {
  let now = T0;
  const engine = new Engine(memoryDependencies(stores, { now: () => (now += 1000) }));
  await engine.init({ model: false, ...options });
  await engine.upsertItems(ITEMS);
  return { engine, stores };
}

/** 20 lamps, alike but for popularity (item i: 2000 / (i + 1)). */
const ITEMS: Item[] = Array.from({ length: 20 }, (_, i) => ({ id: `lamp-${i}`, title: `Desk lamp model ${i}`, category: 'Home > Lighting', popularity: Math.round(2000 / (i + 1)) }));
const IDS = ITEMS.map((i) => i.id);
const popularity = new Map(ITEMS.map((i) => [i.id, i.popularity!]));
/** Ranking by the prior and the learner only: what the learner adds is all that changes. */
const PRIOR_ONLY: RankOptions = { k: 10, weights: { content: 0, affinity: 0, negative: 0 } };

let batch = 0;
/** The person likes the less popular lamps (lamp-5 and beyond), wherever they are shown. */
const liked = (id: string): boolean => Number(id.slice(5)) >= 5;

/** One round: rank, the person sees all 10 and clicks the ones they like. */
async function round(engine: Engine, options: RankOptions = PRIOR_ONLY): Promise<RankResult> {
  const ranked = await engine.rank(IDS, options);
  const events = ranked.items.flatMap((item, position) => [
    { type: 'impression', itemId: item.id, position, listId: ranked.rankingId },
    ...(liked(item.id) ? [{ type: 'click', itemId: item.id, position, listId: ranked.rankingId }] : []),
  ]);
  const result = await engine.track(events, `b${batch++}`);
  expect(result.rejected).toEqual([]);
  return ranked;
}

const learnerOf = async (engine: Engine) => (await engine.exportData()).summary as { learner?: { impressions: number; clicks: number; weights: number[]; swaps: { upper: number[] } } };
const meanPopularity = (r: RankResult) => r.items.reduce((s, i) => s + popularity.get(i.id)!, 0) / r.items.length;

describe('the learner in the engine', () => {
  it('gives every ranking an id while learning is on, none when it is off', async () => {
    const { engine } = await setup();
    const a = await engine.rank(IDS, { k: 3 });
    const b = await engine.rank(IDS, { k: 3 });
    expect(a.rankingId).toMatch(/^[0-9a-z]+-\d+$/);
    expect(b.rankingId).not.toBe(a.rankingId);
    expect(a.items.every((i) => i.propensity === undefined && i.components.learned === undefined)).toBe(true);
    const off = await setup({ learning: false });
    expect((await off.engine.rank(IDS, { k: 3 })).rankingId).toBeUndefined();
  });

  it('adds the learned component only after enough feedback, then moves the ranking the way the clicks point', async () => {
    const { engine } = await setup();
    const before = await engine.rank(IDS, PRIOR_ONLY);
    expect(before.items.map((i) => i.id)).toEqual(IDS.slice(0, 10)); // by popularity
    const rounds = Math.ceil(MIN_IMPRESSIONS / 10) + 1;
    for (let r = 0; r < rounds; r++) {
      const ranked = await round(engine);
      const learner = (await learnerOf(engine)).learner!;
      if (learner.clicks < MIN_CLICKS || learner.impressions < MIN_IMPRESSIONS) expect(ranked.items.every((i) => i.components.learned === undefined)).toBe(true);
    }
    for (let r = 0; r < 10; r++) await round(engine);
    const after = await engine.rank(IDS, PRIOR_ONLY);
    const learned = after.items.map((i) => i.components.learned);
    expect(learned.every((v) => v !== undefined && v > 0 && v < 1)).toBe(true);
    // Clicks went to the less popular lamps: of the lamps first shown, the learner scores every liked one
    // above every other, and they rise (the prior alone would keep lamp-0 on top).
    const all = await engine.rank(IDS, { ...PRIOR_ONLY, k: 20 });
    const learnedOf = (id: string) => all.items.find((i) => i.id === id)!.components.learned!;
    const firstShown = IDS.slice(0, 10);
    expect(Math.min(...firstShown.filter(liked).map(learnedOf))).toBeGreaterThan(Math.max(...firstShown.filter((id) => !liked(id)).map(learnedOf)));
    expect(after.items[0]!.id).not.toBe('lamp-0');
    // The liked lamps that were shown (5 to 9) rise above the more popular ones the person passed over.
    expect(before.items.slice(0, 5).some((i) => liked(i.id))).toBe(false);
    expect(after.items.slice(0, 5).every((i) => liked(i.id))).toBe(true);
    expect(meanPopularity(after)).toBeLessThanOrEqual(meanPopularity(before));
    // Weight 0 turns the component off.
    const off = await engine.rank(IDS, { ...PRIOR_ONLY, weights: { ...PRIOR_ONLY.weights, learned: 0 } });
    expect(off.items.map((i) => i.id)).toEqual(IDS.slice(0, 10));
  });

  it('learns nothing with learning: false (same events, the prior order stays)', async () => {
    const { engine } = await setup({ learning: false });
    for (let r = 0; r < 8; r++) {
      const ranked = await engine.rank(IDS, PRIOR_ONLY);
      await engine.track(ranked.items.map((item, position) => ({ type: position >= 5 ? 'click' : 'impression', itemId: item.id, position, listId: 'home' })), `off${r}`);
    }
    expect((await learnerOf(engine)).learner).toBeUndefined();
    expect((await engine.rank(IDS, PRIOR_ONLY)).items.map((i) => i.id)).toEqual(IDS.slice(0, 10));
  });

  it('counts each item once per ranking; a click without its impression counts as one; unknown lists are stored, not learned from', async () => {
    const { engine } = await setup();
    const ranked = await engine.rank(IDS, { k: 5 });
    const id = ranked.rankingId!;
    await engine.track(
      [
        { type: 'impression', itemId: 'lamp-0', position: 0, listId: id },
        { type: 'impression', itemId: 'lamp-0', position: 0, listId: id },
        { type: 'click', itemId: ranked.items[3]!.id, listId: id },
        { type: 'click', itemId: ranked.items[3]!.id, listId: id },
        { type: 'impression', itemId: 'lamp-1', position: 1, listId: 'somewhere-else' },
      ],
      'dupes',
    );
    const learner = (await learnerOf(engine)).learner!;
    expect(learner.impressions).toBe(2);
    expect(learner.clicks).toBe(1);
    expect((await engine.exportData()).events).toHaveLength(5);
  });

  it('rejects feedback that names an item the ranking did not show, or a bad position, with clear errors; the rest is kept', async () => {
    const { engine } = await setup();
    const ranked = await engine.rank(IDS, { k: 3 });
    const result = await engine.track(
      [
        { type: 'impression', itemId: 'lamp-15', position: 0, listId: ranked.rankingId },
        { type: 'impression', itemId: 'lamp-0', position: 100_000, listId: ranked.rankingId },
        { type: 'click', itemId: 'lamp-0', position: -2, listId: ranked.rankingId },
        { type: 'impression', itemId: 'lamp-0', position: 0, listId: ranked.rankingId },
      ],
      'bad',
    );
    expect(result.accepted).toBe(1);
    expect(result.rejected).toEqual([
      { index: 0, error: { code: 'INVALID_EVENT', field: 'events[0].itemId', message: `events[0].itemId "lamp-15" was not in the ranking "${ranked.rankingId}" that listId names` } },
      { index: 1, error: { code: 'INVALID_EVENT', field: 'events[1].position', message: 'events[1].position must be at most 99999' } },
      { index: 2, error: { code: 'INVALID_EVENT', field: 'events[2].position', message: 'events[2].position must be >= 0' } },
    ]);
    expect((await learnerOf(engine)).learner!.impressions).toBe(1);
  });

  it('remembers the first 100 items of a longer ranking: feedback further down is stored, not learned from, not rejected', async () => {
    const { engine } = await setup();
    const many = Array.from({ length: 120 }, (_, i) => ({ id: `bulb-${i}`, title: `Light bulb ${i}`, popularity: 120 - i }));
    await engine.upsertItems(many);
    const ranked = await engine.rank(many.map((i) => i.id));
    const far = ranked.items[110]!.id;
    const result = await engine.track({ type: 'impression', itemId: far, position: 110, listId: ranked.rankingId }, 'far');
    expect(result).toEqual({ accepted: 1, rejected: [] });
    expect((await learnerOf(engine)).learner).toBeUndefined();
    await engine.track({ type: 'impression', itemId: ranked.items[99]!.id, position: 99, listId: ranked.rankingId }, 'near');
    expect((await learnerOf(engine)).learner!.impressions).toBe(1);
  });

  it('rejects bad learning and explore options naming the field', async () => {
    for (const [learning, field] of [
      ['yes', 'options.learning'],
      [{ ips: 1 }, 'options.learning.ips'],
      [{ positionBias: 'swaps' }, 'options.learning.positionBias'],
    ] as const) {
      const engine = new Engine(memoryDependencies(new Map(), { storageWorks: () => Promise.resolve(false), now: () => T0 }));
      expect(await rejected(engine.init({ model: false, learning } as never))).toMatchObject({ code: 'INVALID_ARGUMENT', field });
    }
    const { engine } = await setup();
    for (const [explore, field] of [
      ['epsilon', 'options.explore'],
      [{ method: 'ucb' }, 'options.explore.method'],
      [{ method: 'epsilon', epsilon: 1.5 }, 'options.explore.epsilon'],
      [{ method: 'pairs', epsilon: 0.2 }, 'options.explore.epsilon'],
      [{ method: 'thompson', seed: 1.5 }, 'options.explore.seed'],
    ] as const) {
      expect(await rejected(engine.rank(IDS, { explore } as never))).toMatchObject({ code: 'INVALID_ARGUMENT', field });
    }
    const pinned = await rejected(engine.rank(IDS, { pins: [{ id: 'lamp-3', position: 0 }], explore: { method: 'epsilon' } }));
    expect(pinned).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'options.explore' });
    expect(pinned.message).toContain('pins');
  });
});

describe('exploration in the engine', () => {
  it('every method logs a propensity per shown item and is reproducible under a seed', async () => {
    const { engine } = await setup();
    for (const method of ['epsilon', 'thompson', 'pairs'] as const) {
      const options: RankOptions = { k: 6, explore: { method, seed: 11, ...(method === 'epsilon' ? { epsilon: 0.5 } : {}) } };
      const a = await engine.rank(IDS, options);
      const b = await engine.rank(IDS, options);
      expect(a.items).toHaveLength(6);
      expect(a.items.map((i) => i.id)).toEqual(b.items.map((i) => i.id));
      expect(a.items.map((i) => i.propensity)).toEqual(b.items.map((i) => i.propensity));
      expect(a.items.every((i) => i.propensity! > 0 && i.propensity! <= 1)).toBe(true);
      const orders = new Set<string>();
      for (let seed = 0; seed < 12; seed++) orders.add((await engine.rank(IDS, { ...options, explore: { ...options.explore!, seed } })).items.map((i) => i.id).join());
      expect(orders.size).toBeGreaterThan(1);
    }
  });

  it('clicks on lists explored with random pairs feed the position-bias estimate', async () => {
    const { engine } = await setup({ learning: { positionBias: 'estimated' } });
    for (let r = 0; r < 5; r++) await round(engine, { ...PRIOR_ONLY, explore: { method: 'pairs', seed: r } });
    const swaps = (await learnerOf(engine)).learner!.swaps.upper;
    // Clicks on randomised pairs were counted; none beyond the list of 10 (the last pair starts at 8).
    expect(swaps.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(swaps.slice(9).reduce((a, b) => a + b, 0)).toBe(0);
  });
});

describe('the learner in storage', () => {
  it('survives a restart with the same stores, is in export(), and forget() erases it', async () => {
    const stores = new Map<string, KeyValueStore>();
    const first = await setup({}, stores);
    for (let r = 0; r < 6; r++) await round(first.engine);
    const stored = (await learnerOf(first.engine)).learner!;
    expect(stored.impressions).toBe(60);
    const second = await setup({}, stores);
    expect((await learnerOf(second.engine)).learner).toEqual(stored);
    expect((await second.engine.rank(IDS, PRIOR_ONLY)).items[0]!.components.learned).toBeGreaterThan(0);
    await second.engine.forget();
    expect((await learnerOf(second.engine)).learner).toBeUndefined();
    expect((await second.engine.rank(IDS, PRIOR_ONLY)).items[0]!.components.learned).toBeUndefined();
    const third = await setup({}, stores);
    expect((await learnerOf(third.engine)).learner).toBeUndefined();
  });
});
