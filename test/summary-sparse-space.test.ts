import { describe, expect, it } from 'vitest';
import { caught } from './caught.ts';
import { applyToSpace, createSpace, readProfile } from '../src/engine/summary/interests.js';
import { encodeSparseVector } from '../src/engine/summary/codec.js';
import { createSummary, fromJSON, summaryBytes, toJSON } from '../src/engine/summary/summary.js';
import { DAY_MS, resolveSummaryConfig, SPARSE_PROFILE_ENTRIES, SPARSE_VECTOR_ENTRIES } from '../src/engine/summary/types.js';
import type { InterestSpace, SummaryJSON } from '../src/engine/summary/types.js';
import { mulberry32 as rng } from '../src/engine/ranking/random.js';

const T0 = Date.UTC(2025, 0, 1);
const config = resolveSummaryConfig();
const WIDE = 16_384;

let seq = 0;
const apply = (space: InterestSpace, vector: ArrayLike<number>, weight: number, timestamp: number, itemId = `i${seq}`): void =>
  void applyToSpace(space, { seq: ++seq, itemId, vector, weight, timestamp }, config);

/** A vector with `n` non-zeros at random buckets, magnitudes all distinct. */
function scattered(dim: number, n: number, r: () => number): Float32Array {
  const v = new Float32Array(dim);
  const buckets = new Set<number>();
  while (buckets.size < n) buckets.add(Math.floor(r() * dim));
  [...buckets].forEach((t, k) => (v[t] = (k % 2 ? -1 : 1) * (1 + k / n)));
  return v;
}

const nonZeros = (v: Float32Array): number => v.reduce((n, x) => n + (x !== 0 ? 1 : 0), 0);
const norm = (v: Float32Array): number => Math.hypot(...v);
const vectorsOf = (space: InterestSpace): Float32Array[] => [...space.interests.map((it) => it.vector), space.session!.vector, space.profile!.vector];
const cutVectorsOf = (space: InterestSpace): Float32Array[] => [...space.interests.map((it) => it.vector), space.session!.vector];

describe('sparse spaces (wider than 4,096 dimensions)', () => {
  it(`keep at most ${SPARSE_VECTOR_ENTRIES} entries per vector (the whole profile ${SPARSE_PROFILE_ENTRIES}), the largest ones, at unit length`, () => {
    const r = rng(3);
    const space = createSpace('lexical:v1:16384', WIDE);
    const x = scattered(WIDE, 300, r);
    apply(space, x, 1, T0);
    const kept = space.interests[0]!.vector;
    expect(nonZeros(kept)).toBe(SPARSE_VECTOR_ENTRIES);
    expect(norm(kept)).toBeCloseTo(1, 5);
    const largest = [...x.keys()].filter((t) => x[t] !== 0).sort((a, b) => Math.abs(x[b]!) - Math.abs(x[a]!)).slice(0, SPARSE_VECTOR_ENTRIES);
    expect(new Set([...kept.keys()].filter((t) => kept[t] !== 0))).toEqual(new Set(largest));
    // Kept entries keep their proportions.
    const [a, b] = largest;
    expect(kept[a!]! / kept[b!]!).toBeCloseTo(x[a!]! / x[b!]!, 5);

    // The whole profile took all 300.
    expect(nonZeros(space.profile!.vector)).toBe(300);

    for (let i = 0; i < 40; i++) apply(space, scattered(WIDE, 60, r), 1, T0 + (i + 1) * 60_000);
    for (const v of cutVectorsOf(space)) {
      expect(nonZeros(v)).toBeLessThanOrEqual(SPARSE_VECTOR_ENTRIES);
      expect(norm(v)).toBeCloseTo(1, 5);
    }
    // 40 more items of 60 entries each: more than the profile keeps.
    expect(nonZeros(space.profile!.vector)).toBe(SPARSE_PROFILE_ENTRIES);
    expect(norm(space.profile!.vector)).toBeCloseTo(1, 5);
  });

  it('a dense space keeps every entry', () => {
    const space = createSpace('model:m', 384);
    apply(space, scattered(384, 300, rng(4)), 1, T0);
    for (const v of vectorsOf(space)) expect(nonZeros(v)).toBe(300);
  });

  it('are stored by their non-zeros, and read back the same', () => {
    const r = rng(5);
    const summary = createSummary();
    const space = createSpace('lexical:v1:16384', WIDE);
    for (let i = 0; i < 60; i++) apply(space, scattered(WIDE, 80, r), 1, T0 + i * DAY_MS);
    summary.spaces.set(space.encoder, space);
    summary.appliedSeq = seq;
    const json = JSON.parse(JSON.stringify(toJSON(summary))) as SummaryJSON;
    const stored = json.spaces[0]!;
    expect(stored.interests.length).toBe(config.maxInterests);
    const base64Length = (halfFloats: number): number => Math.ceil((halfFloats * 2) / 3) * 4;
    for (const v of [...stored.interests, stored.session!, stored.profile!]) expect(typeof v.i).toBe('string');
    for (const v of [...stored.interests, stored.session!]) expect(v.v.length).toBeLessThanOrEqual(base64Length(SPARSE_VECTOR_ENTRIES));
    expect(stored.profile!.v.length).toBeLessThanOrEqual(base64Length(SPARSE_PROFILE_ENTRIES));
    // Dense half floats would be 43,692 characters per vector, ten vectors 437 KB.
    expect(summaryBytes(summary)).toBeLessThan(40_000);

    const back = fromJSON(json).spaces.get(space.encoder)!;
    // Stored strongest first: pair the interests by their latest item.
    const readBack = (itemId: string): Float32Array => back.interests.find((it) => it.itemIds[0] === itemId)!.vector;
    const pairs: Array<[Float32Array, Float32Array]> = [
      ...space.interests.map((it): [Float32Array, Float32Array] => [it.vector, readBack(it.itemIds[0]!)]),
      [space.session!.vector, back.session!.vector],
      [space.profile!.vector, back.profile!.vector],
    ];
    for (const [live, read] of pairs) {
      expect(read).toHaveLength(WIDE);
      live.forEach((x, t) => expect(Math.abs(read[t]! - x)).toBeLessThanOrEqual(2 ** -12));
    }
    expect(toJSON(fromJSON(json))).toEqual(json);
  });

  it('reject a stored sparse vector whose indices are broken, naming it', () => {
    const summary = createSummary();
    const space = createSpace('lexical:v1:16384', WIDE);
    apply(space, scattered(WIDE, 20, rng(6)), 1, T0);
    summary.spaces.set(space.encoder, space);
    const good = (): SummaryJSON => JSON.parse(JSON.stringify(toJSON(summary))) as SummaryJSON;
    const expectCorrupt = (json: SummaryJSON, message: RegExp): void => {
      const error = caught(() => fromJSON(json));
      expect(error.code).toBe('STORAGE_CORRUPTED');
      expect(error.message).toMatch(message);
    };
    const twoEntries = (indices: number[], dimension = WIDE): { v: string; i: string } => {
      const v = new Float32Array(dimension);
      indices.forEach((t) => (v[t] = 0.5));
      return encodeSparseVector(v);
    };
    const notBase64 = good();
    notBase64.spaces[0]!.interests[0]!.i = '***';
    expectCorrupt(notBase64, /spaces\[0\]\.interests\[0\]\.v has indices that are not valid base64/);
    const fewer = good();
    fewer.spaces[0]!.interests[0]!.i = twoEntries([1]).i;
    expectCorrupt(fewer, /has 1 indices for 20 values/);
    const descending = good();
    const { v, i } = twoEntries([3, 9]);
    const bytes = Buffer.from(i, 'base64');
    descending.spaces[0]!.session = { v, i: Buffer.from([bytes[2]!, bytes[3]!, bytes[0]!, bytes[1]!]).toString('base64'), w: 1 };
    expectCorrupt(descending, /session\.v has index 3 at 1: indices must increase/);
    const outside = good();
    outside.spaces[0]!.dimension = 64;
    outside.spaces[0]!.interests = [];
    outside.spaces[0]!.session = null;
    outside.spaces[0]!.profile = { ...twoEntries([3, 70], 128), w: 1 };
    expectCorrupt(outside, /profile\.v has index 70 at 1: indices must increase and be below 64/);
  });
});

describe('the whole profile', () => {
  it('is the running mean of every positive event as interests merge them, but never split or replaced', () => {
    const cfg = resolveSummaryConfig({ maxInterests: 2 });
    const dim = 8;
    const space = createSpace('model:m', dim);
    const h = cfg.halfLifeDays * DAY_MS;
    const events = Array.from({ length: 6 }, (_, k) => ({ axis: k % 5, weight: 1 + k, at: T0 + k * 3 * DAY_MS }));
    // v <- normalise(v * S + x * w), S the decayed sum of the weights so far (times increase here).
    let v = new Float64Array(dim);
    let sum = 0;
    let last = T0;
    for (const e of events) {
      const x = new Float32Array(dim);
      x[e.axis] = 1;
      applyToSpace(space, { seq: ++seq, itemId: `a${e.axis}`, vector: x, weight: e.weight, timestamp: e.at }, cfg);
      const s = sum * Math.pow(0.5, (e.at - last) / h);
      v = v.map((y, t) => y * s + x[t]! * e.weight);
      const length = Math.hypot(...v);
      v = v.map((y) => y / length);
      sum = s + e.weight;
      last = e.at;
    }
    const now = last + 10 * DAY_MS;
    const profile = readProfile(space, now, cfg)!;
    v.forEach((x, t) => expect(profile.vector[t]).toBeCloseTo(x, 5));
    expect(profile.strength).toBeCloseTo(sum * Math.pow(0.5, (now - last) / h), 6);
    // Five directions, two interests: the clusters lost some, the profile did not.
    expect(space.interests.length).toBeLessThanOrEqual(2);
    for (let axis = 0; axis < 5; axis++) expect(profile.vector[axis]).toBeGreaterThan(0);
  });

  it('is not moved by negative events, and is absent until a positive one', () => {
    const space = createSpace('model:m', 4);
    apply(space, [1, 0, 0, 0], -3, T0);
    expect(space.profile).toBeNull();
    apply(space, [0, 1, 0, 0], 1, T0 + 1);
    const before = Float32Array.from(space.profile!.vector);
    apply(space, [0, 0, 1, 0], -3, T0 + 2);
    expect(space.profile!.vector).toEqual(before);
  });

  it('is null when read from a summary stored before it existed', () => {
    const summary = createSummary();
    const space = createSpace('model:m', 4);
    apply(space, [1, 0, 0, 0], 1, T0);
    summary.spaces.set(space.encoder, space);
    const json = JSON.parse(JSON.stringify(toJSON(summary))) as SummaryJSON;
    expect(json.spaces[0]!.profile).not.toBeNull();
    delete json.spaces[0]!.profile;
    const back = fromJSON(json).spaces.get('model:m')!;
    expect(back.profile).toBeNull();
    expect(back.interests).toHaveLength(1);
  });
});
