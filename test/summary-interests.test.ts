import { describe, expect, it } from 'vitest';
import { applyToSpace, createSpace, getSpace, readInterests, readSession } from '../src/engine/summary/interests.js';
import { DAY_MS, MINUTE_MS, resolveSummaryConfig } from '../src/engine/summary/types.js';
import type { InterestSpace } from '../src/engine/summary/types.js';
import { mulberry32 as rng } from '../src/engine/ranking/random.js';

const T0 = Date.UTC(2025, 0, 1);
const H = 14 * DAY_MS;
const config = resolveSummaryConfig();
const DIM = 16;


const unitVec = (v: number[]): number[] => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};
const basis = (i: number, dim = DIM): number[] => Array.from({ length: dim }, (_, j) => (j === i ? 1 : 0));
const cos = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};
/** `base` plus uniform noise of amplitude `noise`, normalised. */
const near = (base: number[], noise: number, r: () => number): number[] => unitVec(base.map((x) => x + (r() * 2 - 1) * noise));

let seq = 0;
const apply = (space: InterestSpace, vector: number[], weight: number, timestamp: number, itemId?: string, cfg = config): boolean =>
  applyToSpace(space, itemId === undefined ? { seq: ++seq, vector, weight, timestamp } : { seq: ++seq, itemId, vector, weight, timestamp }, cfg);

describe('interest clustering', () => {
  it('separates two well-separated groups into two interests with the right members', () => {
    const r = rng(1);
    const space = createSpace('test', DIM);
    const a = ['a1', 'a2', 'a3', 'a4'];
    const b = ['b1', 'b2', 'b3', 'b4'];
    for (let i = 0; i < 4; i++) {
      apply(space, near(basis(0), 0.15, r), 1, T0 + i * 1000, a[i]);
      apply(space, near(basis(1), 0.15, r), 1, T0 + i * 1000 + 500, b[i]);
    }
    expect(space.interests).toHaveLength(2);
    const groups = space.interests.map((it) => [...it.itemIds].sort());
    expect(groups).toContainEqual(a);
    expect(groups).toContainEqual(b);
    const ia = space.interests.find((it) => it.itemIds.includes('a1'))!;
    expect(cos(ia.vector, basis(0))).toBeGreaterThan(0.97);
    expect(Math.hypot(...ia.vector)).toBeCloseTo(1, 5);
    // Most recent representative first.
    expect(ia.itemIds[0]).toBe('a4');
  });

  it('merges a near-duplicate into one interest with a weighted running mean', () => {
    const space = createSpace('test', 2);
    apply(space, [1, 0], 1, T0, 'x');
    apply(space, [0.8, 0.6], 3, T0, 'y'); // cosine 0.8 >= 0.55
    expect(space.interests).toHaveLength(1);
    const it0 = space.interests[0]!;
    // normalise(1 * (1, 0) + 3 * (0.8, 0.6)) = (3.4, 1.8) / sqrt(14.8)
    expect(it0.vector[0]).toBeCloseTo(3.4 / Math.sqrt(14.8), 6);
    expect(it0.vector[1]).toBeCloseTo(1.8 / Math.sqrt(14.8), 6);
    expect(it0.strength).toEqual({ w: 4, t: T0 });
    expect(it0.itemIds).toEqual(['y', 'x']);
  });

  it('weights the running mean by the decayed strength', () => {
    const space = createSpace('test', 2);
    apply(space, [1, 0], 1, T0, 'x');
    apply(space, [0.8, 0.6], 3, T0 + H, 'y'); // the first is worth 0.5 by then
    const it0 = space.interests[0]!;
    // normalise(0.5 * (1, 0) + 3 * (0.8, 0.6)) = (2.9, 1.8) / sqrt(11.65)
    expect(it0.vector[0]).toBeCloseTo(2.9 / Math.sqrt(11.65), 6);
    expect(it0.vector[1]).toBeCloseTo(1.8 / Math.sqrt(11.65), 6);
    expect(readInterests(space, T0 + H, config)[0]!.strength).toBeCloseTo(3.5, 10);
  });

  it('decays strength with the half-life', () => {
    const space = createSpace('test', DIM);
    apply(space, basis(0), 6, T0, 'p');
    expect(readInterests(space, T0, config)[0]!.strength).toBe(6);
    expect(readInterests(space, T0 + H, config)[0]!.strength).toBe(3);
    expect(readInterests(space, T0 + 3 * H, config)[0]!.strength).toBe(0.75);
  });

  it('never holds more than maxInterests', () => {
    const cfg = resolveSummaryConfig({ maxInterests: 3 });
    const space = createSpace('test', DIM);
    for (let i = 0; i < DIM; i++) {
      apply(space, basis(i), 1, T0 + i, `i${i}`, cfg);
      expect(space.interests.length).toBeLessThanOrEqual(3);
    }
    expect(space.interests).toHaveLength(3);
    // Default config, many random events: still bounded by 8.
    const r = rng(7);
    const big = createSpace('test', DIM);
    for (let i = 0; i < 500; i++) apply(big, unitVec(Array.from({ length: DIM }, () => r() * 2 - 1)), 1, T0 + i * MINUTE_MS, `r${i}`);
    expect(big.interests.length).toBeLessThanOrEqual(8);
    for (const it of big.interests) expect(it.itemIds.length).toBeLessThanOrEqual(5);
  });

  it('when full, replaces a much weaker interest, else merges into the nearest', () => {
    const cfg = resolveSummaryConfig({ maxInterests: 2 });
    const space = createSpace('test', DIM);
    apply(space, basis(0), 1, T0, 'e0', cfg);
    apply(space, basis(1), 1, T0, 'e1', cfg);
    // Two half-lives later both are worth 0.25 < 0.5 * 1: the first weakest (e0) is replaced.
    apply(space, basis(2), 1, T0 + 2 * H, 'e2', cfg);
    expect(space.interests.map((it) => it.itemIds[0]).sort()).toEqual(['e1', 'e2']);
    // e1 (0.25) is now the weakest: replaced.
    apply(space, basis(3), 1, T0 + 2 * H, 'e3', cfg);
    expect(space.interests.map((it) => it.itemIds[0]).sort()).toEqual(['e2', 'e3']);
    // Both worth 1 now, not below 0.5: e4 merges into the nearest (first of the tie) instead.
    apply(space, basis(4), 1, T0 + 2 * H, 'e4', cfg);
    expect(space.interests).toHaveLength(2);
    const merged = space.interests.find((it) => it.itemIds.includes('e4'))!;
    expect(merged.strength.w).toBe(2);
  });

  it('session intent follows the latest events more than the old ones', () => {
    const space = createSpace('test', 2);
    apply(space, [1, 0], 1, T0, 'old');
    apply(space, [0, 1], 1, T0 + 30 * MINUTE_MS, 'new'); // one session half-life later
    const s = readSession(space, T0 + 30 * MINUTE_MS, config)!;
    // normalise(0.5 * (1, 0) + 1 * (0, 1))
    expect(s.vector[0]).toBeCloseTo(0.5 / Math.sqrt(1.25), 6);
    expect(s.vector[1]).toBeCloseTo(1 / Math.sqrt(1.25), 6);
    expect(s.strength).toBeCloseTo(1.5, 10);
    expect(readSession(space, T0 + 60 * MINUTE_MS, config)!.strength).toBeCloseTo(0.75, 10);

    const r = rng(3);
    const big = createSpace('test', DIM);
    for (let i = 0; i < 10; i++) apply(big, near(basis(0), 0.2, r), 2, T0 + i * MINUTE_MS, `a${i}`);
    for (let i = 0; i < 3; i++) apply(big, near(basis(1), 0.2, r), 1, T0 + 3 * 3600_000 + i * MINUTE_MS, `b${i}`);
    const session = readSession(big, T0 + 3 * 3600_000 + 3 * MINUTE_MS, config)!;
    expect(cos(session.vector, basis(1))).toBeGreaterThan(0.9);
    expect(cos(session.vector, basis(0))).toBeLessThan(0.3);
    // The long-term interests still hold the older, heavier group first.
    expect(readInterests(big, T0 + 3 * 3600_000, config)[0]!.itemIds[0]).toMatch(/^a/);
  });

  it('negative weights never open interests and weaken the nearest one', () => {
    const space = createSpace('test', 2);
    apply(space, [1, 0], -3, T0, 'd');
    expect(space.interests).toHaveLength(0);
    expect(space.session).toBeNull();

    apply(space, [1, 0], 6, T0, 'p');
    apply(space, [0.8, 0.6], -3, T0, 'p'); // loses 3 * 0.8 and the representative
    expect(space.interests[0]!.strength.w).toBeCloseTo(3.6, 6);
    expect(space.interests[0]!.itemIds).toEqual([]);
    expect(space.session!.strength.w).toBe(6); // session untouched

    apply(space, [0, 1], 1, T0, 'q'); // a second interest of strength 1
    expect(space.interests).toHaveLength(2);
    apply(space, [0, 1], -3, T0, 'z'); // 1 - 3 < 0: removed
    expect(space.interests).toHaveLength(1);
    // Far from every interest (cosine < threshold): nothing changes.
    apply(space, [-1, 0], -3, T0, 'far');
    expect(space.interests[0]!.strength.w).toBeCloseTo(3.6, 6);
  });

  it('records appliedSeq and ignores replays; rejects a wrong dimension', () => {
    const space = createSpace('test', 2);
    expect(applyToSpace(space, { seq: 5, itemId: 'a', vector: [1, 0], weight: 1, timestamp: T0 }, config)).toBe(true);
    expect(space.appliedSeq).toBe(5);
    expect(applyToSpace(space, { seq: 5, itemId: 'a', vector: [1, 0], weight: 1, timestamp: T0 }, config)).toBe(false);
    expect(applyToSpace(space, { seq: 4, itemId: 'a', vector: [1, 0], weight: 1, timestamp: T0 }, config)).toBe(false);
    expect(space.interests[0]!.strength.w).toBe(1);
    // Impressions (weight 0) only advance appliedSeq.
    expect(applyToSpace(space, { seq: 6, itemId: 'a', vector: [0, 1], weight: 0, timestamp: T0 }, config)).toBe(true);
    expect(space.appliedSeq).toBe(6);
    expect(space.interests[0]!.strength.w).toBe(1);
    expect(() => applyToSpace(space, { seq: 7, vector: [1, 0, 0], weight: 1, timestamp: T0 }, config)).toThrow(/3 dimensions/);
    // The caller's vector is not modified (it is copied and normalised).
    const v = [3, 4];
    applyToSpace(space, { seq: 8, vector: v, weight: 1, timestamp: T0 }, config);
    expect(v).toEqual([3, 4]);
  });

  it('combines two interests that drift within the threshold of each other', () => {
    const space = createSpace('test', 2);
    const at = (deg: number): number[] => [Math.cos((deg * Math.PI) / 180), Math.sin((deg * Math.PI) / 180)];
    apply(space, at(0), 1, T0, 'a');
    apply(space, at(70), 1, T0, 'b'); // cos 70° = 0.34: a second interest
    expect(space.interests).toHaveLength(2);
    // 45° is within 56.6° (cos 0.55) of both; it joins the nearer (b at 25°), which then lies
    // within the threshold of a and absorbs it.
    apply(space, at(45), 4, T0, 'c');
    expect(space.interests).toHaveLength(1);
    expect(space.interests[0]!.strength.w).toBe(6);
    expect(space.interests[0]!.itemIds.sort()).toEqual(['a', 'b', 'c']);
  });

  it('getSpace keeps at most maxSpaces, dropping the least recently updated', () => {
    const spaces = new Map<string, InterestSpace>();
    const s1 = getSpace(spaces, 'lexical:v1:256', 256, config);
    s1.appliedSeq = 10;
    const s2 = getSpace(spaces, 'model:a', 384, config);
    s2.appliedSeq = 5;
    expect(getSpace(spaces, 'model:a', 384, config)).toBe(s2);
    getSpace(spaces, 'model:b', 512, config);
    expect([...spaces.keys()].sort()).toEqual(['lexical:v1:256', 'model:b']);
    // A changed dimension starts over.
    const fresh = getSpace(spaces, 'model:b', 768, config);
    expect(fresh.dimension).toBe(768);
    expect(fresh.appliedSeq).toBe(-1);
  });
});
