import { describe, expect, it } from 'vitest';
import { longTailMask, priorScores, topShareMask } from '../src/engine/ranking/popularity.js';
import { mulberry32 } from '../src/engine/ranking/random.js';
import { contentScores, toRows, rescale01, zScore } from '../src/engine/ranking/scores.js';

const f32 = (...v: number[]): Float32Array => Float32Array.from(v);
const list = (a: ArrayLike<number>): number[] => Array.from(a);

describe('toRows', () => {
  it('copies and normalises; a zero row stays zero', () => {
    const m = toRows([[3, 4], [0, 0], [0, -2]], 2);
    expect(m.rows.length).toBe(3);
    expect(m.dim).toBe(2);
    expect(m.rows.map(list)).toEqual([[Math.fround(0.6), Math.fround(0.8)], [0, 0], [0, -1]]);
    expect(list(toRows([[3, 4]], 2, false).rows[0]!)).toEqual([3, 4]);
  });

  it('rejects a vector of the wrong length', () => {
    expect(() => toRows([[1, 0], [1, 0, 0]], 2)).toThrow(/vector 1 has 3 dimensions/);
  });
});

describe('contentScores (hand-computed in 2-d)', () => {
  // Candidates: x0 = (1,0), x1 = (0,1), x2 = (0.6,0.8), x3 = (-1,0).
  const candidates = toRows([[1, 0], [0, 1], [0.6, 0.8], [-1, 0]], 2);
  // Interest A = (1,0) strength 2 (relative 1, share 2/3); B = (0,1) strength 1 (relative 0.5, share 1/3).
  // A zero-strength interest first: ignored, but indices refer to the caller's array.
  const interests = [
    { vector: f32(0, 1), strength: 0 },
    { vector: f32(1, 0), strength: 2 },
    { vector: f32(0, 1), strength: 1 },
  ];
  const s = contentScores(candidates, { interests, session: f32(0.6, 0.8), query: f32(0, 1) });

  it('max of strength-weighted rectified cosine', () => {
    // x0: max(1*1, 0.5*0) = 1; x1: max(0, 0.5*1) = 0.5; x2: max(0.6, 0.5*0.8 = 0.4) = 0.6; x3: max(0, 0) = 0.
    const expected = [1, 0.5, 0.6, 0];
    expected.forEach((v, i) => expect(s.interestMax[i]).toBeCloseTo(v, 6));
    expect(list(s.bestInterest)).toEqual([1, 2, 1, -1]);
  });

  it('strength-weighted mean cosine', () => {
    // x0: 2/3; x1: 1/3; x2: 2/3*0.6 + 1/3*0.8 = 2/3; x3: -2/3.
    const expected = [2 / 3, 1 / 3, 2 / 3, -2 / 3];
    expected.forEach((v, i) => expect(s.interestMean[i]).toBeCloseTo(v, 6));
  });

  it('session and query cosines', () => {
    [0.6, 0.8, 1, -0.6].forEach((v, i) => expect(s.session![i]).toBeCloseTo(v, 6));
    [0, 1, 0.8, 0].forEach((v, i) => expect(s.query![i]).toBeCloseTo(v, 6));
  });

  it('minRelativeStrength leaves weak interests out of both aggregates', () => {
    // B (relative strength 0.5) is dropped at 0.6: x1 = (0,1) then matches nothing; the mean is A's cosine alone.
    const pruned = contentScores(candidates, { interests, minRelativeStrength: 0.6 });
    [1, 0, 0.6, 0].forEach((v, i) => expect(pruned.interestMax[i]).toBeCloseTo(v, 6));
    [1, 0, 0.6, -1].forEach((v, i) => expect(pruned.interestMean[i]).toBeCloseTo(v, 6));
    expect(list(pruned.bestInterest)).toEqual([1, -1, 1, -1]);
    // At exactly 0.5 B stays.
    expect(contentScores(candidates, { interests, minRelativeStrength: 0.5 }).interestMax[1]).toBeCloseTo(0.5, 6);
  });

  it('without probes: zeros and nulls', () => {
    const e = contentScores(candidates, { interests: [] });
    expect(list(e.interestMax)).toEqual([0, 0, 0, 0]);
    expect(list(e.interestMean)).toEqual([0, 0, 0, 0]);
    expect(list(e.bestInterest)).toEqual([-1, -1, -1, -1]);
    expect(e.session).toBeNull();
    expect(e.query).toBeNull();
  });

  it('rejects probes of another dimension', () => {
    expect(() => contentScores(candidates, { interests: [{ vector: f32(1, 0, 0), strength: 1 }] })).toThrow(/interests has 3 dimensions/);
    expect(() => contentScores(candidates, { interests: [], query: f32(1) })).toThrow(/query/);
  });

  it('agrees with a naive float64 computation on random data (odd dimension)', () => {
    const rng = mulberry32(9);
    const dim = 37;
    const rows = Array.from({ length: 200 }, () => Array.from({ length: dim }, () => rng() * 2 - 1));
    const m = toRows(rows, dim);
    const its = Array.from({ length: 13 }, () => ({ vector: toRows([Array.from({ length: dim }, () => rng() * 2 - 1)], dim).rows[0]!, strength: rng() * 3 }));
    const q = toRows([Array.from({ length: dim }, () => rng() * 2 - 1)], dim).rows[0]!;
    const out = contentScores(m, { interests: its, query: q });
    const maxS = Math.max(...its.map((i) => i.strength));
    const sumS = its.reduce((a, i) => a + i.strength, 0);
    for (let r = 0; r < m.rows.length; r++) {
      const x = m.rows[r]!;
      const cos = its.map((it) => x.reduce((a, v, t) => a + v * it.vector[t]!, 0));
      const weighted = cos.map((c, j) => (its[j]!.strength / maxS) * Math.max(0, c));
      expect(out.interestMax[r]).toBeCloseTo(Math.max(...weighted), 9);
      expect(out.interestMean[r]).toBeCloseTo(cos.reduce((a, c, j) => a + (its[j]!.strength / sumS) * c, 0), 9);
      expect(out.query![r]).toBeCloseTo(x.reduce((a, v, t) => a + v * q[t]!, 0), 9);
    }
  });
});

describe('zScore, rescale01', () => {
  it('zScore: (v - mean) / population std', () => {
    // mean 2.5, variance (2.25 + 0.25 + 0.25 + 2.25) / 4 = 1.25.
    const z = zScore(Float64Array.from([1, 2, 3, 4]));
    const sd = Math.sqrt(1.25);
    [-1.5 / sd, -0.5 / sd, 0.5 / sd, 1.5 / sd].forEach((v, i) => expect(z[i]).toBeCloseTo(v, 12));
    expect(z[0]).toBeCloseTo(-1.341641, 6);
  });

  it('zScore: std 0 (also up to rounding) gives zeros; non-finite entries are left out and get 0', () => {
    expect(list(zScore(Float64Array.from([3, 3, 3])))).toEqual([0, 0, 0]);
    expect(list(zScore(Float64Array.from([0.1 + 0.2, 0.3, 0.3])))).toEqual([0, 0, 0]);
    expect(list(zScore(new Float64Array(0)))).toEqual([]);
    expect(list(zScore(Float64Array.from([1, NaN, 3, Infinity])))).toEqual([-1, 0, 1, 0]);
    expect(list(zScore(Float64Array.from([NaN])))).toEqual([0]);
  });

  it('rescale01', () => {
    expect(list(rescale01(Float64Array.from([2, 4, 3, NaN])))).toEqual([0, 1, 0.5, 0]);
    expect(list(rescale01(Float64Array.from([5, 5])))).toEqual([0, 0]);
  });

});

describe('priorScores', () => {
  // log1p: 0, 1, 3 -> base (1 + L) / (1 + 3) = 0.25, 0.5, 1.
  const pop = Float64Array.from([0, Math.E - 1, Math.exp(3) - 1]);

  it('alpha = 1 is log-popularity, affine: (1 + log1p(p)) / (1 + log1p(max))', () => {
    const p = priorScores(pop, 1);
    [0.25, 0.5, 1].forEach((v, i) => expect(p[i]).toBeCloseTo(v, 12));
    expect(list(priorScores(pop))).toEqual(list(p)); // default 1
  });

  it('alpha < 1 flattens toward 1, alpha > 1 sharpens', () => {
    const half = priorScores(pop, 0.5);
    [0.5, Math.SQRT1_2, 1].forEach((v, i) => expect(half[i]).toBeCloseTo(v, 12));
    const two = priorScores(pop, 2);
    [0.0625, 0.25, 1].forEach((v, i) => expect(two[i]).toBeCloseTo(v, 12));
    let lastSpread = Infinity;
    for (const alpha of [2, 1, 0.5, 0.25, 0.1, 0.01]) {
      const p = priorScores(pop, alpha);
      const spread = Math.max(...p) - Math.min(...p);
      expect(spread).toBeLessThan(lastSpread);
      lastSpread = spread;
    }
  });

  it('alpha -> 0 removes popularity (zero-popularity items included); alpha = 0 is exactly 1', () => {
    for (const v of priorScores(pop, 1e-6)) expect(Math.abs(1 - v)).toBeLessThan(2e-6);
    expect(list(priorScores(pop, 0))).toEqual([1, 1, 1]);
  });

  it('bad popularity reads as 0; no popularity at all gives 1 everywhere', () => {
    const p = priorScores(Float64Array.from([-5, NaN, Infinity, Math.E - 1]));
    [0.5, 0.5, 0.5, 1].forEach((v, i) => expect(p[i]).toBeCloseTo(v, 12));
    expect(list(priorScores(Float64Array.from([0, 0])))).toEqual([1, 1]);
    expect(list(priorScores(new Float64Array(0)))).toEqual([]);
  });

  it('rejects a bad exponent', () => {
    expect(() => priorScores(pop, -1)).toThrow(/long-tail exponent/);
    expect(() => priorScores(pop, NaN)).toThrow(/long-tail exponent/);
  });
});

describe('popularity masks', () => {
  it('topShareMask: the top decile of 20 is the 2 largest; ties at the threshold qualify; constant marks nobody', () => {
    const v = Float64Array.from({ length: 20 }, (_, i) => (i * 7) % 20); // a permutation of 0..19
    const m = topShareMask(v, 0.1);
    expect(list(v).filter((_, i) => m[i] === 1).sort((a, b) => a - b)).toEqual([18, 19]);
    expect(m.reduce((a, x) => a + x, 0)).toBe(2);
    expect(list(topShareMask(Float64Array.from([5, 1, 5, 5, 2, 0, 0, 0, 0, 0]), 0.1))).toEqual([1, 0, 1, 1, 0, 0, 0, 0, 0, 0]);
    expect(list(topShareMask(Float64Array.from([3, 3, 3]), 0.1))).toEqual([0, 0, 0]);
    expect(list(topShareMask(Float64Array.from([3, 1]), 0))).toEqual([0, 0]);
  });

  it('longTailMask: below the top 20% by popularity', () => {
    const pop = Float64Array.from([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect(list(longTailMask(pop))).toEqual([0, 0, 1, 1, 1, 1, 1, 1, 1, 1]);
    // Ties with the head's last member are head.
    expect(list(longTailMask(Float64Array.from([10, 9, 9, 9, 1, 1, 1, 1, 1, 1])))).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
    expect(list(longTailMask(Float64Array.from([4, 4, 4])))).toEqual([0, 0, 0]);
    expect(list(longTailMask(pop, 0))).toEqual(new Array(10).fill(1));
    expect(list(longTailMask(Float64Array.from([NaN, 5, 0, 0, 0])))).toEqual([1, 0, 1, 1, 1]);
  });
});
