import { describe, expect, it } from 'vitest';
import { ItemIndex } from '../src/engine/item-index.ts';
import { affinityKeysOf, newKeyIds } from '../src/engine/ranking/affinity.ts';
import { densify } from '../src/engine/ranking/scores.ts';
import { itemKnnRecommender, popularityRecommender } from '../src/eval/baselines.ts';
import type { Interaction } from '../src/eval/data.ts';
import { coldStartSplit, leaveLastOut } from '../src/eval/data.ts';
import { evaluateCold, evaluateWarm } from '../src/eval/protocols.ts';
import { engineRecommender, ReplayEngine } from '../src/eval/replay.ts';
import type { Item } from '../src/types.ts';

const T0 = Date.UTC(2020, 0, 1);
const HOUR = 3600_000;

/** Three themes; every person sticks to one. Titles carry the theme, so content can find the next item. */
const THEMES = ['space rocket astronaut', 'kitchen cooking recipe', 'garden flower plant'];
const items: Item[] = THEMES.flatMap((theme, t) =>
  Array.from({ length: 8 }, (_, i) => ({ id: `t${t}-${i}`, title: `${theme} story ${i}`, popularity: 10 - i, cfVector: [t === 0 ? 1 : 0, t === 1 ? 1 : 0, t === 2 ? 1 : 0] })),
);
const log: Interaction[] = [];
for (let u = 0; u < 9; u++) {
  const t = u % 3;
  for (let i = 0; i < 6; i++) log.push({ user: `p${u}`, item: `t${t}-${(u + i) % 8}`, timestamp: T0 + (u * 10 + i) * HOUR });
}

describe('replay through the real engine (Node, in-memory storage)', () => {
  it('warm protocol: content replay finds the theme; results are deterministic', async () => {
    const { train, cases } = leaveLastOut(log);
    const replay = await ReplayEngine.create({ items, options: { model: false } });
    expect(replay.encoder).toMatch(/^lexical:/);
    const run = () =>
      evaluateWarm(
        [popularityRecommender(train), itemKnnRecommender(train), engineRecommender('content', replay, { weights: { affinity: 0, prior: 0, cf: 0 } }), engineRecommender('cf', replay, { weights: { content: 0, affinity: 0, prior: 0 } })],
        cases,
        { catalogue: items.map((i) => i.id), userCount: () => 1, users: 9, negatives: 5, seed: 1 },
      );
    const rows = await run();
    const byName = new Map(rows.map((r) => [r.name, r]));
    // 24 items, 5 seen: a theme-blind order puts the test item in the top 10 about half the time;
    // the content replay ranks its theme's 3 unseen items first.
    expect(byName.get('content')!.hr10).toBe(1);
    expect(byName.get('content')!.mrr).toBeGreaterThan(0.3);
    expect(byName.get('cf')!.hr10).toBe(1);
    expect(byName.get('content')!.auc).toBeGreaterThan(0.8);
    expect(byName.get('content')!.mrr).toBeGreaterThan(byName.get('popularity')!.mrr);
    expect(await run()).toEqual(rows);
  });

  it('cold protocol ranks only the new items', async () => {
    const split = coldStartSplit(log, { seed: 2, newShare: 0.3, minHistory: 3 });
    const replay = await ReplayEngine.create({ items, options: { model: false } });
    const [row] = await evaluateCold([engineRecommender('content', replay, { weights: { affinity: 0, prior: 0 } })], split.cases, { newItems: split.newItems, seed: 2 });
    expect(row!.users).toBe(split.cases.length);
    expect(row!.users).toBeGreaterThan(0);
    expect(row!.auc).toBeGreaterThan(0.7);
  });

  it('says which event the engine rejected (timestamps before 2000)', async () => {
    const replay = await ReplayEngine.create({ items, options: { model: false } });
    await expect(replay.setUser('old', [{ user: 'old', item: 't0-0', timestamp: Date.UTC(1996, 0, 1) }], T0)).rejects.toThrow(/rejected an event of old: .*timestamp/);
  });

  it('a missing model is an error, not a silent lexical replay', async () => {
    await expect(ReplayEngine.create({ items, options: { model: { id: 'nope' } } })).rejects.toThrow(/model did not load/);
  });
});

describe('ItemIndex.adopt (forget() keeps what was derived from catalogue items)', () => {
  it('copies lexical rows and vectors of the same item object, and nothing of another', () => {
    const ids = newKeyIds();
    const make = () => new ItemIndex((item) => item.title, (item) => affinityKeysOf(item, 8, ids));
    const hosted: Item = { id: 'a', title: 'A', cfVector: [1, 2] };
    const history: Item = { id: 'h', title: 'H' };
    const old = make();
    const [sa, sh] = old.slotsOf([hosted, history]);
    old.setLexical(sa!, { index: Uint16Array.from([3, 7]), value: Float32Array.from([0.6, 0.8]) });
    old.setVector('model:m', 2, sa!, Float32Array.from([0, 1]));
    old.setVector('model:m', 2, sh!, Float32Array.from([1, 0]));
    const fresh = make();
    const slot = fresh.adopt(hosted, old);
    expect(fresh.size).toBe(1);
    expect(fresh.missingLexical(Int32Array.from([slot]))).toEqual([]);
    expect([...densify(fresh.lexicalRows(Int32Array.from([slot])), 0, 8)]).toEqual([0, 0, 0, 0.6000000238418579, 0, 0, 0, 0.800000011920929]);
    expect([...fresh.vector('model:m', 2, slot)!]).toEqual([0, 1]);
    expect(fresh.cf.size).toBe(1);
    // A different object for the id (another snapshot) is taken in without the old derived data.
    const other = make();
    const s2 = other.adopt({ id: 'a', title: 'A changed' }, old);
    expect(other.missingLexical(Int32Array.from([s2]))).toEqual([0]);
  });
});
