import { describe, expect, it } from 'vitest';
import {
  applyCaps,
  applyCapsAndQuota,
  applyLongTailQuota,
  applyPins,
  attributeMatcher,
  capFor,
  filterOrder,
} from '../src/engine/ranking/constraints.js';
import { mulberry32 } from '../src/engine/ranking/random.js';

const list = (a: ArrayLike<number>): number[] => Array.from(a);
const range = (n: number): Int32Array => Int32Array.from({ length: n }, (_, i) => i);

describe('capFor', () => {
  it('is max(1, floor(maxShare * k)), robust to 0.29 * 100 = 28.999…', () => {
    expect(capFor(0.4, 5)).toBe(2);
    expect(capFor(0.29, 100)).toBe(29);
    expect(capFor(0.01, 10)).toBe(1);
    expect(capFor(0, 10)).toBe(1);
    expect(capFor(1, 10)).toBe(10);
    expect(() => capFor(NaN, 10)).toThrow(/maxShare/);
  });
});

describe('applyCaps (hand-checked)', () => {
  it('pushes a dominating brand down, keeping relative order', () => {
    // 0-5 brand A, 6-8 brand B, 9 brand C; k = 5, maxShare 0.4 -> at most 2 per brand.
    const brand = (i: number): string => (i <= 5 ? 'A' : i <= 8 ? 'B' : 'C');
    expect(list(applyCaps(range(10), brand, 0.4, 5))).toEqual([0, 1, 6, 7, 9, 2, 3, 4, 5, 8]);
  });

  it('ungrouped items are never capped', () => {
    const g = (i: number): string | undefined => (i < 3 ? 'A' : undefined);
    expect(list(applyCaps(range(6), g, 0.2, 5))).toEqual([0, 3, 4, 5, 1, 2]);
  });

  it('infeasible caps: the rules fill what they can, the rest of the top comes from the pushed-down items in order', () => {
    // Only A (0-5) and B (6-9): 2 + 2 = 4 places can honour the cap of 2 in a top 5.
    const brand = (i: number): string => (i <= 5 ? 'A' : 'B');
    expect(list(applyCaps(range(10), brand, 0.4, 5))).toEqual([0, 1, 6, 7, 2, 3, 4, 5, 8, 9]);
  });

  it('an order that already satisfies the cap is unchanged', () => {
    const g = (i: number): string => 'ABCDE'[i % 5]!;
    const order = Int32Array.from([9, 3, 7, 1, 0, 5, 2, 8, 6, 4]);
    expect(list(applyCaps(order, g, 0.2, 5))).toEqual(list(order));
  });
});

describe('applyLongTailQuota (hand-checked)', () => {
  it('promotes the best long-tail items and demotes the lowest non-long-tail ones', () => {
    const lt = new Set([5, 7, 9]);
    // Top 4 = 0..3 has none; promote 5 and 7, demote 3 and 2.
    expect(list(applyLongTailQuota(range(10), (i) => lt.has(i), 2, 4))).toEqual([0, 1, 5, 7, 2, 3, 4, 6, 8, 9]);
  });

  it('with too few long-tail items, as many as exist', () => {
    expect(list(applyLongTailQuota(range(10), (i) => i === 8, 3, 4))).toEqual([0, 1, 2, 8, 3, 4, 5, 6, 7, 9]);
  });

  it('already met: unchanged; quota above k: the whole top is long tail', () => {
    const lt = new Set([1, 3, 5, 7]);
    expect(list(applyLongTailQuota(range(8), (i) => lt.has(i), 2, 4))).toEqual(list(range(8)));
    expect(list(applyLongTailQuota(range(8), (i) => lt.has(i), 9, 3))).toEqual([1, 3, 5, 0, 2, 4, 6, 7]);
  });
});

describe('caps and quota together', () => {
  it('hold at once where applying them one after the other does not', () => {
    // 0-3: brand A, popular; 4: brand A, long tail; 5: brand B, long tail; 6, 7: brand B, popular.
    const brand = (i: number): string => (i <= 4 ? 'A' : 'B');
    const isLt = (i: number): boolean => i === 4 || i === 5;
    // k = 4, cap 2 per brand, 2 long-tail items.
    const joint = applyCapsAndQuota(range(8), { k: 4, groupOf: brand, maxShare: 0.5, isLongTail: isLt, minLongTail: 2 });
    expect(list(joint)).toEqual([0, 4, 5, 6, 1, 2, 3, 7]);
    // Caps, then quota: caps give [0, 1, 5, 6, 2, 3, 4, 7]; the quota promotes 4 and demotes 6 -> three of brand A.
    const sequential = applyLongTailQuota(applyCaps(range(8), brand, 0.5, 4), isLt, 2, 4);
    expect(list(sequential.slice(0, 4))).toEqual([0, 1, 5, 4]);
  });

  it('k = 0 and empty input', () => {
    expect(list(applyCapsAndQuota(range(3), { k: 0, groupOf: () => 'A', maxShare: 0.1 }))).toEqual([0, 1, 2]);
    expect(list(applyCapsAndQuota(new Int32Array(0), { k: 5, minLongTail: 2, isLongTail: () => true }))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------
// Property tests against brute force.
// ---------------------------------------------------------------------------

interface Case {
  order: Int32Array;
  k: number;
  group: Map<number, string | undefined>;
  lt: Set<number>;
  maxShare: number;
  minLongTail: number;
}

function randomCase(seed: number): Case {
  const rng = mulberry32(seed);
  const n = Math.floor(rng() * 13); // 0..12
  const universe = Array.from({ length: n + 5 }, (_, i) => i);
  // A random subset of a larger index space, in random order: the "input subset".
  const order = Int32Array.from(universe.filter(() => rng() < 0.8).slice(0, n).sort(() => rng() - 0.5));
  const groupCount = 1 + Math.floor(rng() * 4);
  const group = new Map<number, string | undefined>();
  const lt = new Set<number>();
  const ltRate = rng();
  for (const i of order) {
    group.set(i, rng() < 0.15 ? undefined : `g${Math.floor(rng() * groupCount)}`);
    if (rng() < ltRate) lt.add(i);
  }
  const k = Math.floor(rng() * (order.length + 3));
  const maxShare = [0, 0.1, 0.2, 0.25, 0.34, 0.5, 0.67, 1][Math.floor(rng() * 8)]!;
  const minLongTail = Math.floor(rng() * (k + 2));
  return { order, k, group, lt, maxShare, minLongTail };
}

/** Brute force over all subsets: the best achievable fill under caps, and the most long-tail items at that fill. */
function bruteForce(c: Case): { fill: number; bestLt: number } {
  const n = c.order.length;
  const K = Math.min(c.k, n);
  const cap = capFor(c.maxShare, c.k);
  let fill = 0;
  let bestLt = 0;
  for (let mask = 0; mask < 1 << n; mask++) {
    const size = popcount(mask);
    if (size > K) continue;
    const counts = new Map<string, number>();
    let ok = true;
    let lt = 0;
    for (let p = 0; p < n && ok; p++) {
      if (!(mask & (1 << p))) continue;
      const i = c.order[p]!;
      const g = c.group.get(i);
      if (g !== undefined) {
        const v = (counts.get(g) ?? 0) + 1;
        counts.set(g, v);
        if (v > cap) ok = false;
      }
      if (c.lt.has(i)) lt++;
    }
    if (!ok) continue;
    if (size > fill) {
      fill = size;
      bestLt = lt;
    } else if (size === fill) bestLt = Math.max(bestLt, lt);
  }
  return { fill, bestLt };
}

function popcount(x: number): number {
  let c = 0;
  for (; x; x &= x - 1) c++;
  return c;
}

/** True when `sub` appears in `seq` in the same relative order. */
function isSubsequence(sub: number[], seq: number[]): boolean {
  let j = 0;
  for (const v of seq) if (j < sub.length && v === sub[j]) j++;
  return j === sub.length;
}

describe('caps and quota: property tests (500 seeded random cases against brute force)', () => {
  it('hold exactly when feasible, as many as possible when not; permutation; relative order kept', () => {
    let capsFeasible = 0;
    let quotaBinding = 0;
    let changed = 0;
    for (let seed = 0; seed < 500; seed++) {
      const c = randomCase(seed);
      const out = applyCapsAndQuota(c.order, {
        k: c.k,
        groupOf: (i) => c.group.get(i),
        maxShare: c.maxShare,
        isLongTail: (i) => c.lt.has(i),
        minLongTail: c.minLongTail,
      });
      const input = list(c.order);
      const result = list(out);
      // A permutation of the input subset.
      expect([...result].sort((a, b) => a - b)).toEqual([...input].sort((a, b) => a - b));

      const K = Math.min(c.k, input.length);
      const cap = capFor(c.maxShare, c.k);
      const { fill, bestLt } = bruteForce(c);
      const head = result.slice(0, fill);
      // Caps hold exactly over the largest fillable top (the whole top k when feasible).
      const counts = new Map<string, number>();
      for (const i of head) {
        const g = c.group.get(i);
        if (g !== undefined) counts.set(g, (counts.get(g) ?? 0) + 1);
      }
      for (const v of counts.values()) expect(v).toBeLessThanOrEqual(cap);
      if (fill === K) capsFeasible++;
      // The quota holds exactly: min(minLongTail, best achievable under the caps).
      const want = Math.min(c.minLongTail, bestLt);
      const got = head.filter((i) => c.lt.has(i)).length;
      expect(got).toBeGreaterThanOrEqual(want);
      if (want > input.slice(0, K).filter((i) => c.lt.has(i)).length) quotaBinding++;
      // The ruled part of the top and everything after it each keep their input order
      // (when feasible, fill = K: the top k and the rest).
      expect(isSubsequence(head, input)).toBe(true);
      expect(isSubsequence(result.slice(fill), input)).toBe(true);
      if (result.join() !== input.join()) changed++;
    }
    // The generator exercises the interesting cases.
    expect(capsFeasible).toBeGreaterThan(100);
    expect(500 - capsFeasible).toBeGreaterThan(20);
    expect(quotaBinding).toBeGreaterThan(30);
    expect(changed).toBeGreaterThan(100);
  });

  it('an input whose top k already satisfies both rules comes back unchanged', () => {
    let checked = 0;
    for (let seed = 1000; seed < 1500; seed++) {
      const c = randomCase(seed);
      const input = list(c.order);
      const K = Math.min(c.k, input.length);
      const cap = capFor(c.maxShare, c.k);
      const top = input.slice(0, K);
      const counts = new Map<string, number>();
      for (const i of top) {
        const g = c.group.get(i);
        if (g !== undefined) counts.set(g, (counts.get(g) ?? 0) + 1);
      }
      const ltCount = top.filter((i) => c.lt.has(i)).length;
      const totalLt = input.filter((i) => c.lt.has(i)).length;
      if ([...counts.values()].some((v) => v > cap) || ltCount < Math.min(c.minLongTail, K, totalLt)) continue;
      checked++;
      const out = applyCapsAndQuota(c.order, { k: c.k, groupOf: (i) => c.group.get(i), maxShare: c.maxShare, isLongTail: (i) => c.lt.has(i), minLongTail: c.minLongTail });
      expect(list(out)).toEqual(input);
    }
    expect(checked).toBeGreaterThan(50);
  });

  it('quota alone equals "promote the best long-tail items beyond k, demote the lowest non-long-tail ones"', () => {
    for (let seed = 2000; seed < 2500; seed++) {
      const c = randomCase(seed);
      const input = list(c.order);
      const K = Math.min(c.k, input.length);
      const isLt = (i: number): boolean => c.lt.has(i);
      const top = input.slice(0, K);
      const rest = input.slice(K);
      const q = Math.min(c.minLongTail, K, input.filter(isLt).length);
      const missing = Math.max(0, q - top.filter(isLt).length);
      const promoted = new Set(rest.filter(isLt).slice(0, missing));
      const demoted = new Set(top.filter((i) => !isLt(i)).slice(top.filter((i) => !isLt(i)).length - missing));
      const newTop = input.filter((i) => (top.includes(i) && !demoted.has(i)) || promoted.has(i));
      const expected = [...newTop, ...input.filter((i) => !newTop.includes(i))];
      expect(list(applyLongTailQuota(c.order, isLt, c.minLongTail, c.k))).toEqual(expected);
    }
  });

  it('caps alone equal the plain greedy walk when feasible', () => {
    for (let seed = 3000; seed < 3500; seed++) {
      const c = randomCase(seed);
      const input = list(c.order);
      const K = Math.min(c.k, input.length);
      const cap = capFor(c.maxShare, c.k);
      const counts = new Map<string, number>();
      const top: number[] = [];
      for (const i of input) {
        if (top.length === K) break;
        const g = c.group.get(i);
        if (g !== undefined && (counts.get(g) ?? 0) >= cap) continue;
        if (g !== undefined) counts.set(g, (counts.get(g) ?? 0) + 1);
        top.push(i);
      }
      if (top.length < K) continue; // infeasible: covered above
      const expected = [...top, ...input.filter((i) => !top.includes(i))];
      expect(list(applyCaps(c.order, (i) => c.group.get(i), c.maxShare, c.k))).toEqual(expected);
    }
  });
});

describe('applyPins', () => {
  const order = Int32Array.from([10, 11, 12, 13, 14]);

  it('places pins and fills the rest in order', () => {
    expect(list(applyPins(order, [{ index: 14, position: 0 }, { index: 12, position: 3 }]))).toEqual([14, 10, 11, 12, 13]);
  });

  it('a taken position sends the later pin to the next free one; past the end means the end', () => {
    expect(list(applyPins(order, [{ index: 13, position: 1 }, { index: 14, position: 1 }]))).toEqual([10, 13, 14, 11, 12]);
    expect(list(applyPins(order, [{ index: 10, position: 99 }]))).toEqual([11, 12, 13, 14, 10]);
    expect(list(applyPins(order, [{ index: 10, position: 99 }, { index: 11, position: 50 }]))).toEqual([12, 13, 14, 10, 11]);
  });

  it('ignores absent and repeated pins; rejects bad positions', () => {
    expect(list(applyPins(order, [{ index: 99, position: 0 }, { index: 12, position: 0 }, { index: 12, position: 4 }]))).toEqual([12, 10, 11, 13, 14]);
    expect(() => applyPins(order, [{ index: 10, position: -1 }])).toThrow(/position/);
    expect(() => applyPins(order, [{ index: 10, position: 1.5 }])).toThrow(/position/);
    expect(list(applyPins(new Int32Array(0), [{ index: 1, position: 0 }]))).toEqual([]);
  });

  it('always returns a permutation (random pins)', () => {
    const rng = mulberry32(77);
    for (let t = 0; t < 200; t++) {
      const n = Math.floor(rng() * 10);
      const o = Int32Array.from({ length: n }, (_, i) => i * 3);
      const pins = Array.from({ length: Math.floor(rng() * 5) }, () => ({ index: Math.floor(rng() * n * 3 + 1), position: Math.floor(rng() * (n + 3)) }));
      const out = list(applyPins(o, pins));
      expect([...out].sort((a, b) => a - b)).toEqual(list(o));
      // Every present pin that was the first for its index and found its position free sits there.
      const first = new Map<number, number>();
      for (const p of pins) if (!first.has(p.index) && o.includes(p.index)) first.set(p.index, p.position);
      const positions = [...first.values()];
      for (const [index, position] of first) {
        if (positions.filter((p) => p <= position).length === 1 && position < n) expect(out[position]).toBe(index);
      }
    }
  });
});

describe('filters', () => {
  it('filterOrder keeps matching entries in order', () => {
    expect(list(filterOrder(Int32Array.from([5, 2, 8, 3]), (i) => i % 2 === 0))).toEqual([2, 8]);
  });

  it('attributeMatcher: equality, membership, all keys, own properties only', () => {
    const m = attributeMatcher({ color: ['red', 'blue'], inStock: true });
    expect(m({ color: 'red', inStock: true })).toBe(true);
    expect(m({ color: 'blue', inStock: true, size: 9 })).toBe(true);
    expect(m({ color: 'green', inStock: true })).toBe(false);
    expect(m({ color: 'red', inStock: false })).toBe(false);
    expect(m({ color: 'red' })).toBe(false);
    expect(m(undefined)).toBe(false);
    expect(attributeMatcher({})(undefined)).toBe(true);
    expect(attributeMatcher({ size: 9 })({ size: 9 })).toBe(true);
    expect(attributeMatcher({ size: 9 })({ size: '9' })).toBe(false);
    expect(attributeMatcher({ x: null })({ x: null })).toBe(true);
    expect(attributeMatcher({ x: null })({})).toBe(false);
    expect(attributeMatcher({ x: [] })({ x: 1 })).toBe(false);
    expect(attributeMatcher({ x: NaN })({ x: NaN })).toBe(false);
    expect(attributeMatcher({ constructor: 'x' })({})).toBe(false);
    const proto = JSON.parse('{"__proto__": "a"}') as Record<string, string>;
    expect(attributeMatcher(proto)({})).toBe(false);
    expect(attributeMatcher(proto)(JSON.parse('{"__proto__": "a"}') as Record<string, string>)).toBe(true);
  });
});
