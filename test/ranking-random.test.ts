import { describe, expect, it } from 'vitest';
import { fmix32, mulberry32, randomInt, seedFrom, shuffleInPlace } from '../src/engine/ranking/random.js';

/** bryc's published mulberry32, verbatim in structure: the oracle for the refactored one. */
function reference(a: number): () => number {
  return () => {
    let t = (a += 0x6d2b79f5);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('mulberry32', () => {
  it('matches the reference implementation for several seeds', () => {
    for (const seed of [0, 1, 42, 0xdeadbeef, 2 ** 31, 123456789]) {
      const a = mulberry32(seed);
      const b = reference(seed | 0);
      for (let i = 0; i < 1000; i++) expect(a()).toBe(b());
    }
  });

  it('is deterministic, in [0, 1), and roughly uniform', () => {
    const a = mulberry32(7);
    const b = mulberry32(7);
    const bins = new Array<number>(10).fill(0);
    const N = 100_000;
    let bad = 0;
    for (let i = 0; i < N; i++) {
      const x = a();
      if (x !== b() || !(x >= 0 && x < 1)) bad++;
      else bins[Math.floor(x * 10)]!++;
    }
    expect(bad).toBe(0);
    // Chi-square with 9 degrees of freedom: 27.9 is the 0.999 quantile.
    const chi = bins.reduce((s, c) => s + (c - N / 10) ** 2 / (N / 10), 0);
    expect(chi).toBeLessThan(27.9);
  });

  it('different seeds give different sequences', () => {
    const a = mulberry32(1);
    const b = mulberry32(2);
    const sa = Array.from({ length: 8 }, () => a());
    const sb = Array.from({ length: 8 }, () => b());
    expect(sa).not.toEqual(sb);
  });
});

describe('seedFrom', () => {
  it('is fmix32 of FNV-1a: known values', () => {
    // FNV-1a("a") = 0xe40c292c (the published test vector); fmix32(0) = 0.
    expect(fmix32(0)).toBe(0);
    expect(seedFrom('a')).toBe(fmix32(0xe40c292c));
    expect(seedFrom('')).toBe(fmix32(0x811c9dc5));
  });

  it('is stable and spreads near-identical strings', () => {
    expect(seedFrom('user-1')).toBe(seedFrom('user-1'));
    const seeds = new Set(Array.from({ length: 1000 }, (_, i) => seedFrom(`user-${i}`)));
    expect(seeds.size).toBe(1000);
    // One character apart: about half the bits differ.
    const x = (seedFrom('list-a') ^ seedFrom('list-b')) >>> 0;
    const bits = x.toString(2).split('').filter((c) => c === '1').length;
    expect(bits).toBeGreaterThan(6);
  });
});

describe('shuffle', () => {
  it('is a deterministic permutation', () => {
    const a = shuffleInPlace(Int32Array.from({ length: 50 }, (_, i) => i), mulberry32(3));
    const b = shuffleInPlace(Int32Array.from({ length: 50 }, (_, i) => i), mulberry32(3));
    expect([...a]).toEqual([...b]);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect([...a]).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('is uniform over the 6 permutations of 3', () => {
    const rng = mulberry32(11);
    const counts = new Map<string, number>();
    const N = 60_000;
    for (let i = 0; i < N; i++) {
      const key = shuffleInPlace([0, 1, 2], rng).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    for (const c of counts.values()) expect(Math.abs(c - N / 6)).toBeLessThan(400); // ~4.4 sigma
  });

  it('randomInt stays in range', () => {
    const rng = mulberry32(5);
    for (let i = 0; i < 1000; i++) {
      const v = randomInt(rng, 7);
      expect(Number.isInteger(v) && v >= 0 && v < 7).toBe(true);
    }
  });
});
