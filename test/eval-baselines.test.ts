import { describe, expect, it } from 'vitest';
import { trainAls } from '../src/eval/als.ts';
import { alsRecommender, itemKnnRecommender, popularityRecommender, randomRecommender, userCounts } from '../src/eval/baselines.ts';
import type { Interaction } from '../src/eval/data.ts';
import { coldStartSplit, leaveLastOut, sampleItems, seededRandom } from '../src/eval/data.ts';
import { foldIn } from '../src/engine/learning/fold-in.ts';

const at = (user: string, item: string, t: number): Interaction => ({ user, item, timestamp: t });

/** Two taste groups: users u1-u3 like films A1-A3, u4-u6 like B1-B3; X is watched by everyone. */
function tiny(): Interaction[] {
  const log: Interaction[] = [];
  let t = 1;
  for (const u of ['u1', 'u2', 'u3']) for (const i of ['A1', 'A2', 'A3', 'X']) log.push(at(u, i, t++));
  for (const u of ['u4', 'u5', 'u6']) for (const i of ['B1', 'B2', 'B3', 'X']) log.push(at(u, i, t++));
  return log;
}

describe('splits', () => {
  it('leave-last-one-out keeps each user’s last interaction (time order, ties in log order) out of training', () => {
    const log = [at('u', 'a', 5), at('u', 'b', 1), at('u', 'c', 5), at('v', 'd', 1)];
    const { train, cases } = leaveLastOut(log);
    expect(cases).toEqual([{ user: 'u', history: [at('u', 'b', 1), at('u', 'a', 5)], test: at('u', 'c', 5) }]);
    expect(train).toEqual([at('u', 'b', 1), at('u', 'a', 5), at('v', 'd', 1)]);
  });

  it('cold start: a seeded 20% of the items are new and hidden from training; users need one new and five other items', () => {
    const log: Interaction[] = [];
    for (let u = 0; u < 30; u++) for (let i = 0; i < 20; i++) if ((u + i) % 3 !== 0) log.push(at(`u${u}`, `i${i}`, u * 100 + i));
    const a = coldStartSplit(log, { seed: 3 });
    expect(a).toEqual(coldStartSplit(log, { seed: 3 }));
    expect(a.newItems).toHaveLength(4);
    expect(a.train.some((x) => a.newItems.includes(x.item))).toBe(false);
    for (const c of a.cases) {
      expect(c.history.length).toBeGreaterThanOrEqual(5);
      expect(c.positives.length).toBeGreaterThan(0);
      expect(c.positives.every((p) => a.newItems.includes(p))).toBe(true);
    }
    expect(coldStartSplit(log, { seed: 4 }).newItems).not.toEqual(a.newItems);
  });

  it('samples distinct items outside the exclusions, deterministically', () => {
    const pool = ['a', 'b', 'c', 'd', 'e'];
    const s = sampleItems(pool, new Set(['a', 'b']), 10, seededRandom(1));
    expect([...s].sort()).toEqual(['c', 'd', 'e']);
    expect(sampleItems(pool, new Set(), 2, seededRandom(9))).toEqual(sampleItems(pool, new Set(), 2, seededRandom(9)));
  });
});

describe('baselines on a tiny dataset', () => {
  const train = tiny();
  const candidates = ['A1', 'B1', 'X'];

  it('popularity counts distinct users', async () => {
    expect(userCounts([...train, at('u1', 'X', 99)]).get('X')).toBe(6);
    const score = await popularityRecommender(train).forUser('u1', [], 0);
    expect([...(await score(candidates))]).toEqual([3, 3, 6]);
  });

  it('item-kNN: co-occurrence cosine summed over the profile', async () => {
    const score = await itemKnnRecommender(train).forUser('new', [at('new', 'A2', 1)], 0);
    // sim(A2, A1) = 3/√(3·3) = 1; sim(A2, B1) = 0; sim(A2, X) = 3/√(3·6).
    const [a1, b1, x] = await score(candidates);
    expect(a1).toBeCloseTo(1, 12);
    expect(b1).toBe(0);
    expect(x).toBeCloseTo(3 / Math.sqrt(18), 12);
  });

  it('random is seeded per user', async () => {
    const r = randomRecommender(5);
    const one = await (await r.forUser('u1', [], 0))(candidates);
    expect([...(await (await r.forUser('u1', [], 0))(candidates))]).toEqual([...one]);
    expect([...(await (await r.forUser('u2', [], 0))(candidates))]).not.toEqual([...one]);
  });

  it('ALS separates the taste groups, and folding a user in with its item factors gives the trained user factor', async () => {
    const model = trainAls(train, { factors: 4, regularization: 0.1, alpha: 2, iterations: 15, seed: 1 });
    const score = await alsRecommender(model).forUser('u1', [], 0);
    const [a1, b1] = await score(candidates);
    expect(a1).toBeGreaterThan(b1! + 0.3);
    // The user step of ALS is the fold-in: same closed form, same λ and α. Folding u1 in against the final
    // item factors lands near the trained factor (which the last item step moved slightly).
    const k = 4;
    const gram = new Float64Array(k * k);
    for (const y of model.items.values()) for (let r = 0; r < k; r++) for (let c = 0; c < k; c++) gram[r * k + c]! += y[r]! * y[c]!;
    const x = foldIn(gram, k, ['A1', 'A2', 'A3', 'X'].map((i) => ({ factor: model.items.get(i)!, weight: 1 })), { regularization: 0.1, alpha: 2 })!;
    const dot = (u: ArrayLike<number>, i: string) => [0, 1, 2, 3].reduce((s, d) => s + u[d]! * model.items.get(i)![d]!, 0);
    expect(dot(x, 'A1')).toBeGreaterThan(dot(x, 'B1') + 0.3);
    expect(Math.abs(dot(x, 'A1') - dot(model.users.get('u1')!, 'A1'))).toBeLessThan(0.1);
  });

  it('ALS is deterministic under a seed', () => {
    const a = trainAls(train, { factors: 3, iterations: 3, seed: 2 });
    const b = trainAls(train, { factors: 3, iterations: 3, seed: 2 });
    expect([...a.items.get('A1')!]).toEqual([...b.items.get('A1')!]);
  });
});

describe('seeded choices', () => {
  it('the new items of a cold split do not cluster by id prefix', () => {
    const log: Interaction[] = [];
    for (let g = 0; g < 10; g++) for (let i = 0; i < 10; i++) log.push(at('u', `g${g}-${i}`, g * 10 + i));
    const { newItems } = coldStartSplit(log, { seed: 1 });
    const groups = new Set(newItems.map((id) => id.split('-')[0]));
    expect(newItems).toHaveLength(20);
    expect(groups.size).toBeGreaterThanOrEqual(6);
  });
});
