import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../src/engine/ranking/random.js';
import { topK } from '../src/engine/ranking/topk.js';
import { mthLargest } from '../src/engine/ranking/popularity.js';

/** Full stable sort: score descending (NaN as -Infinity), then index ascending. */
function naive(scores: ArrayLike<number>, k: number, subset?: ArrayLike<number>): number[] {
  const ids = subset ? Array.from(subset) : Array.from({ length: scores.length }, (_, i) => i);
  const s = (i: number): number => (Number.isNaN(scores[i]!) ? -Infinity : scores[i]!);
  return ids.sort((a, b) => (s(b) > s(a) ? 1 : s(b) < s(a) ? -1 : a - b)).slice(0, Math.max(0, k));
}

describe('topK', () => {
  it('equals a full sort on random data (200 seeds, with ties, NaN and infinities)', () => {
    for (let seed = 0; seed < 200; seed++) {
      const rng = mulberry32(seed);
      const n = Math.floor(rng() * 300);
      const scores = new Float64Array(n);
      const coarse = seed % 3 === 0; // many ties
      for (let i = 0; i < n; i++) {
        const r = rng();
        scores[i] = r < 0.05 ? NaN : r < 0.07 ? -Infinity : r < 0.09 ? Infinity : coarse ? Math.floor(rng() * 5) : rng() * 2 - 1;
      }
      for (const k of [0, 1, 2, 7, Math.floor(n / 2), n, n + 5]) {
        expect([...topK(scores, k)]).toEqual(naive(scores, k));
      }
    }
  });

  it('works on Float32Array and on a subset', () => {
    for (let seed = 0; seed < 50; seed++) {
      const rng = mulberry32(1000 + seed);
      const scores = Float32Array.from({ length: 100 }, () => Math.round(rng() * 20) / 4);
      const subset = Int32Array.from(Array.from({ length: 100 }, (_, i) => i).filter(() => rng() < 0.5));
      expect([...topK(scores, 10)]).toEqual(naive(scores, 10));
      expect([...topK(scores, 10, subset)]).toEqual(naive(scores, 10, subset));
    }
  });

  it('hand-checked: ties by lower index, NaN last, k = 0 and k > n', () => {
    const s = Float64Array.from([0.5, NaN, 0.9, 0.5, -1, 0.9]);
    expect([...topK(s, 3)]).toEqual([2, 5, 0]);
    expect([...topK(s, 100)]).toEqual([2, 5, 0, 3, 4, 1]);
    expect([...topK(s, 0)]).toEqual([]);
    expect([...topK(s, -3)]).toEqual([]);
    expect([...topK(new Float64Array(0), 5)]).toEqual([]);
    // NaN ties with -Infinity and goes by index.
    expect([...topK(Float64Array.from([NaN, -Infinity, NaN]), 3)]).toEqual([0, 1, 2]);
  });
});

describe('mthLargest (quickselect)', () => {
  it('agrees with a sort on random data with ties and NaN', () => {
    for (let seed = 0; seed < 200; seed++) {
      const rng = mulberry32(seed);
      const n = 1 + Math.floor(rng() * 300);
      const values = Float64Array.from({ length: n }, () => (rng() < 0.05 ? NaN : Math.floor(rng() * (rng() < 0.5 ? 5 : 1000))));
      const sorted = Array.from(values, (v) => (Number.isNaN(v) ? -Infinity : v)).sort((a, b) => b - a);
      for (const m of [1, Math.ceil(n / 10), Math.ceil(n / 5), n]) expect(mthLargest(values, m)).toBe(sorted[m - 1]);
    }
  });
});
