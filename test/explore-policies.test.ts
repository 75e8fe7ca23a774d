import { describe, expect, it } from 'vitest';
import { epsilonGreedy, pairsPropensity, poolSize, randomPairs, thompson, THOMPSON_SAMPLES } from '../src/engine/learning/explore.ts';
import { FEATURE_COUNT } from '../src/engine/learning/features.ts';
import { createLearner } from '../src/engine/learning/learner.ts';
import { mulberry32 } from '../src/engine/ranking/random.ts';

const greedy = Int32Array.from({ length: 16 }, (_, i) => 100 + i); // candidate indices, best first

describe('epsilon-greedy exploration', () => {
  it('logs at each position the probability of its choice given the items above; these sum to one over the pool', () => {
    const k = 5;
    const epsilon = 0.2;
    const counts = new Map<number, number>();
    const logged = new Map<number, number>();
    const runs = 20_000;
    for (let seed = 0; seed < runs; seed++) {
      const { order, propensity } = epsilonGreedy(greedy, k, epsilon, mulberry32(seed));
      expect(new Set(order).size).toBe(k);
      counts.set(order[0]!, (counts.get(order[0]!) ?? 0) + 1);
      logged.set(order[0]!, propensity[0]!);
      // At every position the logged value is the policy's: best remaining (1 - ε + ε/r) or another (ε/r).
      if (seed < 500) for (let i = 0; i < k; i++) expect([1 - epsilon + epsilon / (greedy.length - i), epsilon / (greedy.length - i)]).toContainEqual(expect.closeTo(propensity[i]!, 12));
    }
    // Position 0: every pool item appeared, the logged propensities sum to one and match the frequencies.
    expect(logged.size).toBe(greedy.length);
    expect([...logged.values()].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    for (const [candidate, p] of logged) expect(Math.abs(counts.get(candidate)! / runs - p)).toBeLessThan(0.01);
  });

  it('with epsilon 0 is the greedy order, each position with propensity 1', () => {
    const { order, propensity } = epsilonGreedy(greedy, 4, 0, mulberry32(1));
    expect(Array.from(order)).toEqual([100, 101, 102, 103]);
    expect(Array.from(propensity)).toEqual([1, 1, 1, 1]);
  });

  it('draws from the top k and as many again (at least 10 more)', () => {
    expect(poolSize(5, 1000)).toBe(15);
    expect(poolSize(30, 1000)).toBe(60);
    expect(poolSize(30, 40)).toBe(40);
  });
});

describe('random pairs (RandPair)', () => {
  it('has exact marginal propensities: every position and every item sums to one', () => {
    for (const k of [1, 2, 5, 10]) {
      for (let p = 0; p < k; p++) {
        let byPosition = 0;
        let byItem = 0;
        for (let q = 0; q < k; q++) {
          byPosition += pairsPropensity(q, p, k);
          byItem += pairsPropensity(p, q, k);
        }
        expect(byPosition).toBeCloseTo(1, 12);
        expect(byItem).toBeCloseTo(1, 12);
      }
    }
    expect(pairsPropensity(0, 0, 10)).toBe(0.75);
    expect(pairsPropensity(4, 4, 10)).toBe(0.5);
    expect(pairsPropensity(4, 5, 10)).toBe(0.25);
    expect(pairsPropensity(4, 6, 10)).toBe(0);
  });

  it('logs propensities that match the frequencies of each item at each position', () => {
    const k = 6;
    const runs = 20_000;
    const freq = Array.from({ length: k }, () => new Float64Array(k));
    const logged = Array.from({ length: k }, () => new Float64Array(k));
    for (let seed = 0; seed < runs; seed++) {
      const { order, propensity, pairOffset } = randomPairs(greedy, k, mulberry32(seed));
      expect([0, 1]).toContain(pairOffset);
      order.forEach((candidate, p) => {
        const from = candidate - 100;
        freq[from]![p]! += 1 / runs;
        logged[from]![p] = propensity[p]!;
      });
    }
    for (let from = 0; from < k; from++) for (let p = 0; p < k; p++) expect(Math.abs(freq[from]![p]! - logged[from]![p]!)).toBeLessThan(0.015);
  });
});

describe('Thompson sampling', () => {
  const input = () => {
    const learner = createLearner();
    const m = 12;
    const features = new Float32Array(m * FEATURE_COUNT);
    for (let r = 0; r < m; r++) {
      features[r * FEATURE_COUNT] = 1;
      features[r * FEATURE_COUNT + 2] = (r % 4) / 4;
    }
    return { learner, weight: 1, baseScore: Float64Array.from({ length: m }, (_, r) => 1 - r * 0.05), features };
  };
  const pool = Int32Array.from({ length: 12 }, (_, r) => 200 + r);

  it('logs for each shown position the share of draws that put the shown item there; each position sums to one', () => {
    const { order, propensity, table } = thompson(pool, 5, input(), mulberry32(9));
    expect(new Set(order).size).toBe(5);
    for (let i = 0; i < 5; i++) {
      expect(table[i]!.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
      expect(propensity[i]).toBe(table[i]![order[i]! - 200]);
      expect(propensity[i]).toBeGreaterThanOrEqual(1 / THOMPSON_SAMPLES - 1e-12);
    }
  });

  it('gives an item drawn at its position every time a propensity of exactly 1, never more', () => {
    const one = input();
    const only = { ...one, baseScore: one.baseScore.subarray(0, 1), features: one.features.subarray(0, FEATURE_COUNT) };
    expect(thompson(pool.subarray(0, 1), 1, only, mulberry32(5)).propensity[0]).toBe(1);
  });

  it('is deterministic under a seed, and explores across seeds', () => {
    const a = thompson(pool, 5, input(), mulberry32(42));
    const b = thompson(pool, 5, input(), mulberry32(42));
    expect(Array.from(a.order)).toEqual(Array.from(b.order));
    expect(Array.from(a.propensity)).toEqual(Array.from(b.propensity));
    const orders = new Set(Array.from({ length: 20 }, (_, s) => Array.from(thompson(pool, 5, input(), mulberry32(s)).order).join()));
    expect(orders.size).toBeGreaterThan(1);
  });

  it('explores less as the posterior tightens', () => {
    const confident = input();
    confident.learner.precision.fill(1e8);
    const orders = new Set(Array.from({ length: 20 }, (_, s) => Array.from(thompson(pool, 5, confident, mulberry32(s)).order).join()));
    expect(orders.size).toBe(1);
  });
});

describe('determinism under a seed', () => {
  it('epsilon and pairs give the same list and propensities for the same seed', () => {
    const e1 = epsilonGreedy(greedy, 8, 0.5, mulberry32(5));
    const e2 = epsilonGreedy(greedy, 8, 0.5, mulberry32(5));
    expect(Array.from(e1.order)).toEqual(Array.from(e2.order));
    expect(Array.from(e1.propensity)).toEqual(Array.from(e2.propensity));
    const p1 = randomPairs(greedy, 8, mulberry32(5));
    const p2 = randomPairs(greedy, 8, mulberry32(5));
    expect(Array.from(p1.order)).toEqual(Array.from(p2.order));
    const differs = Array.from({ length: 10 }, (_, s) => Array.from(epsilonGreedy(greedy, 8, 0.5, mulberry32(s)).order).join());
    expect(new Set(differs).size).toBeGreaterThan(1);
  });
});
