import { describe, expect, it } from 'vitest';
import { mmr } from '../src/engine/ranking/mmr.js';
import { mulberry32 } from '../src/engine/ranking/random.js';
import type { VectorRows } from '../src/engine/ranking/scores.js';
import { toRows } from '../src/engine/ranking/scores.js';
import { topK } from '../src/engine/ranking/topk.js';

/** The textbook loop: recompute max similarity to the picked set for every candidate at every step. */
function naiveMmr(rel: Float64Array, m: VectorRows, lambda: number, k: number): number[] {
  const picked: number[] = [];
  const cos = (a: number, b: number): number => {
    let s = 0;
    for (let t = 0; t < m.dim; t++) s += m.rows[a]![t]! * m.rows[b]![t]!;
    return s;
  };
  while (picked.length < Math.min(k, rel.length)) {
    let best = -1;
    let bestValue = -Infinity;
    for (let i = 0; i < rel.length; i++) {
      if (picked.includes(i)) continue;
      const penalty = picked.length === 0 ? 0 : Math.max(...picked.map((j) => cos(i, j)));
      const value = lambda * rel[i]! - (1 - lambda) * penalty;
      if (best < 0 || value > bestValue || (value === bestValue && rel[i]! > rel[best]!)) {
        best = i;
        bestValue = value;
      }
    }
    picked.push(best);
  }
  return picked;
}

function randomCase(seed: number, n: number, dim: number): { rel: Float64Array; m: VectorRows } {
  const rng = mulberry32(seed);
  const rel = Float64Array.from({ length: n }, () => rng());
  const m = toRows(Array.from({ length: n }, () => Array.from({ length: dim }, () => rng() * 2 - 1)), dim);
  return { rel, m };
}

describe('MMR', () => {
  // Item 0: rel 1.0 at (1, 0); item 1: rel 0.95, a near-duplicate of 0 (cos 0.9999);
  // item 2: rel 0.7 at (0, 1), unlike both.
  const c = 0.9999;
  const m = toRows([[1, 0], [c, Math.sqrt(1 - c * c)], [0, 1]], 2);
  const rel = Float64Array.from([1, 0.95, 0.7]);

  it('lambda 0.5: the near-duplicate drops below a different item', () => {
    // Step 2: item 1 scores 0.5 * 0.95 - 0.5 * 0.9999 = -0.02495; item 2 scores 0.5 * 0.7 - 0.5 * 0 = 0.35.
    expect(list(mmr(rel, m, 0.5, 3))).toEqual([0, 2, 1]);
    expect(list(topK(rel, 3))).toEqual([0, 1, 2]);
  });

  it('lambda 0.9: relevance wins again', () => {
    // Step 2: item 1: 0.855 - 0.1 * 0.9999 = 0.75501; item 2: 0.63.
    expect(list(mmr(rel, m, 0.9, 3))).toEqual([0, 1, 2]);
    // The switch is where 0.95λ - 0.9999(1 - λ) = 0.7λ, i.e. λ = 0.9999 / 1.2499 = 0.79998.
    expect(list(mmr(rel, m, 0.79, 3))).toEqual([0, 2, 1]);
    expect(list(mmr(rel, m, 0.81, 3))).toEqual([0, 1, 2]);
  });

  it('lambda 0: the most relevant first, then the least similar', () => {
    expect(list(mmr(rel, m, 0, 3))).toEqual([0, 2, 1]);
  });

  it('lambda 1 equals plain top-k, on random data', () => {
    for (let seed = 0; seed < 30; seed++) {
      const r = randomCase(seed, 80, 8);
      expect(list(mmr(r.rel, r.m, 1, 20))).toEqual(list(topK(r.rel, 20)));
    }
  });

  it('equals the textbook loop on random data', () => {
    for (let seed = 0; seed < 30; seed++) {
      const r = randomCase(100 + seed, 60, 6);
      for (const lambda of [0, 0.3, 0.7, 0.95]) {
        expect(list(mmr(r.rel, r.m, lambda, 15))).toEqual(naiveMmr(r.rel, r.m, lambda, 15));
      }
    }
  });

  it('restricts to a pool, handles k = 0 and k > n, rejects bad lambda', () => {
    const pool = Int32Array.from([1, 2]);
    expect(list(mmr(rel, m, 0.5, 5, pool))).toEqual([1, 2]);
    expect(list(mmr(rel, m, 0.5, 0))).toEqual([]);
    expect(list(mmr(rel, m, 0.5, 10))).toEqual([0, 2, 1]);
    expect(() => mmr(rel, m, 1.5, 2)).toThrow(/lambda/);
    expect(() => mmr(rel, m, NaN, 2)).toThrow(/lambda/);
    expect(() => mmr(Float64Array.from([1]), m, 0.5, 1)).toThrow(/1 relevance scores but 3 vectors/);
  });

  it('NaN relevance goes last', () => {
    expect(list(mmr(Float64Array.from([NaN, 0.95, 0.7]), m, 0.5, 3))).toEqual([1, 2, 0]);
    expect(list(mmr(Float64Array.from([NaN, 0.95, 0.7]), m, 0, 3))).toEqual([1, 2, 0]);
  });
});

function list(a: ArrayLike<number>): number[] {
  return Array.from(a);
}
