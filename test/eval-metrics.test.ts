import { describe, expect, it } from 'vitest';
import { auc, coverage, hitRate, intraListDiversity, ndcg, novelty, orderByScore, precision, recall, reciprocalRank } from '../src/eval/metrics.ts';

const ranked = ['a', 'b', 'c', 'd', 'e'];

describe('ranking metrics against hand-computed values', () => {
  it('HR@K', () => {
    expect(hitRate(ranked, new Set(['c']), 3)).toBe(1);
    expect(hitRate(ranked, new Set(['c']), 2)).toBe(0);
    expect(hitRate(ranked, new Set(['z']), 5)).toBe(0);
  });

  it('NDCG@K: binary gains, ideal DCG over min(|relevant|, K)', () => {
    // One relevant item at rank 3: 1/log2(4) = 0.5.
    expect(ndcg(ranked, new Set(['c']), 10)).toBeCloseTo(0.5, 12);
    // Relevant at ranks 1 and 4: (1 + 1/log2(5)) / (1 + 1/log2(3)).
    expect(ndcg(ranked, new Set(['a', 'd']), 10)).toBeCloseTo((1 + 1 / Math.log2(5)) / (1 + 1 / Math.log2(3)), 12);
    // Cut at K = 3: only rank 1 counts; ideal is still two hits.
    expect(ndcg(ranked, new Set(['a', 'd']), 3)).toBeCloseTo(1 / (1 + 1 / Math.log2(3)), 12);
    expect(ndcg(ranked, new Set(['z']), 10)).toBe(0);
    expect(ndcg(ranked, new Set(), 10)).toBe(0);
  });

  it('MRR, precision and recall', () => {
    expect(reciprocalRank(ranked, new Set(['d', 'e']))).toBe(0.25);
    expect(reciprocalRank(ranked, new Set(['z']))).toBe(0);
    expect(precision(ranked, new Set(['a', 'c', 'z']), 4)).toBe(0.5);
    expect(recall(ranked, new Set(['a', 'c', 'z']), 4)).toBeCloseTo(2 / 3, 12);
    expect(recall(ranked, new Set(), 4)).toBe(0);
  });

  it('AUC: share of (relevant, other) pairs in the right order', () => {
    // b above c, d, e (3 pairs right), below a (1 wrong): 3/4.
    expect(auc(ranked, new Set(['b']))).toBe(0.75);
    // a and d relevant: a beats b, c, e (3); d beats e (1) of 2×3 pairs.
    expect(auc(ranked, new Set(['a', 'd']))).toBeCloseTo(4 / 6, 12);
    expect(auc(ranked, new Set(['a', 'b', 'c', 'd', 'e']))).toBeNaN();
  });

  it('coverage, intra-list diversity and novelty', () => {
    expect(coverage([['a', 'b'], ['b', 'c']], 10)).toBe(0.3);
    const sim = (x: string, y: string) => (x < y ? { ab: 1, ac: 0.5, bc: 0 }[`${x}${y}`]! : 0);
    // Pairs: ab 1 → 0, ac 0.5 → 0.5, bc 0 → 1: mean 0.5.
    expect(intraListDiversity(['a', 'b', 'c'], sim)).toBe(0.5);
    expect(intraListDiversity(['a'], sim)).toBe(0);
    // 3 users, counts a: 3 → −log2(4/4) = 0; b: 0 → −log2(1/4) = 2; mean 1.
    expect(novelty(['a', 'b'], (i) => (i === 'a' ? 3 : 0), 3)).toBe(1);
  });

  it('orders by score, ties and non-finite scores by the fixed key', () => {
    const order = orderByScore(['x', 'y', 'z', 'w'], [1, 2, 1, NaN], (i) => ({ x: 2, y: 0, z: 1, w: 0 })[i]!);
    expect(order).toEqual(['y', 'z', 'x', 'w']);
  });
});
