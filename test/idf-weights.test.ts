import { describe, expect, it } from 'vitest';
import { createLexicalEncoder } from '../src/engine/encoder/lexical.ts';
import { ItemIndex } from '../src/engine/item-index.ts';
import { affinityKeysOf, newKeyIds } from '../src/engine/ranking/affinity.ts';
import { DocumentFrequencies } from '../src/engine/ranking/idf.ts';
import type { SparseGather } from '../src/engine/ranking/scores.ts';
import { contentScores, similarityTo, sparsify } from '../src/engine/ranking/scores.ts';
import type { Item } from '../src/types.ts';

const newIndex = (dim = 8): ItemIndex => {
  const ids = newKeyIds();
  return new ItemIndex((item) => item.title, (item) => affinityKeysOf(item, 8, ids), dim);
};
const row = (index: number[], value: number[]) => ({ index: Uint16Array.from(index), value: Float32Array.from(value) });
const idf = (n: number, df: number): number => Math.log((n + 1) / (df + 1)) + 0.1;

describe('DocumentFrequencies', () => {
  it('weighs every bucket alike (0.1) with no rows, then ln((N + 1) / (df + 1)) + 0.1', () => {
    const df = new DocumentFrequencies(4);
    expect(Array.from(df.weights(), (x) => x.toFixed(6))).toEqual(['0.100000', '0.100000', '0.100000', '0.100000']);
    df.add([0, 1]);
    df.add([0, 2]);
    df.add([0]);
    expect(df.count).toBe(3);
    expect([0, 1, 2, 3].map((t) => df.frequency(t))).toEqual([3, 1, 1, 0]);
    const w = df.weights();
    expect(w[0]).toBeCloseTo(0.1, 6); // in every row: the floor, not 0
    expect(w[1]).toBeCloseTo(0.1 + Math.log(2), 6); // ln(4 / 2) + 0.1
    expect(w[3]).toBeCloseTo(0.1 + Math.log(4), 6); // in no row yet (a query word): the largest, finite
  });

  it('forgets a removed row and recomputes the weights after each change', () => {
    const df = new DocumentFrequencies(3);
    df.add([0, 1]);
    const before = df.weights();
    df.add([1]);
    expect(df.weights()).not.toBe(before);
    df.remove([0, 1]);
    expect(df.count).toBe(1);
    expect([0, 1, 2].map((t) => df.frequency(t))).toEqual([0, 1, 0]);
    expect(df.weights()[1]).toBeCloseTo(0.1, 6);
  });

  it('rejects a bucket outside its dimension and a bad dimension', () => {
    expect(() => new DocumentFrequencies(2).add([2])).toThrow(RangeError);
    expect(() => new DocumentFrequencies(0)).toThrow(RangeError);
  });
});

describe('ItemIndex document frequencies', () => {
  it('follow lexical rows as they are set, replaced and dropped with a changed item', () => {
    const index = newIndex(4);
    const df = index.lexicalFrequencies;
    const [a, b] = index.slotsOf([
      { id: 'a', title: 'A' },
      { id: 'b', title: 'B' },
    ]);
    index.setLexical(a!, row([0, 1], [0.6, 0.8]));
    index.setLexical(b!, row([1, 2], [0.8, 0.6]));
    expect(df.count).toBe(2);
    expect([0, 1, 2, 3].map((t) => df.frequency(t))).toEqual([1, 2, 1, 0]);
    // Replacing a's row takes its old buckets out.
    index.setLexical(a!, row([3], [1]));
    expect(df.count).toBe(2);
    expect([0, 1, 2, 3].map((t) => df.frequency(t))).toEqual([0, 1, 1, 1]);
    // Upserting b as a changed item drops its row until it is computed again.
    index.slotOf({ id: 'b', title: 'B, changed' });
    expect(df.count).toBe(1);
    expect([0, 1, 2, 3].map((t) => df.frequency(t))).toEqual([0, 0, 0, 1]);
    // The rows handed to ranking carry the current weights.
    expect(Array.from(index.lexicalRows(Int32Array.from([a!])).termWeights!)).toEqual(Array.from(df.weights()));
  });

  it('stay exact through compactions of replaced rows, and a new index adopting the catalogue counts the same', () => {
    const index = newIndex(64);
    const items = Array.from({ length: 200 }, (_, i): Item => ({ id: `i${i}`, title: `item ${i}` }));
    items.forEach((item) => index.slotOf(item, true));
    const slots = index.slotsOf(items);
    const expected = new Int32Array(64);
    const current = new Map<number, number[]>();
    for (let round = 0; round < 5; round++) {
      slots.forEach((slot, i) => {
        if (round > 0 && (i + round) % 3 !== 0) return;
        const buckets = [...new Set(Array.from({ length: 1 + ((i + round) % 20) }, (_, k) => (i * 7 + round * 5 + k * 3) % 64))].sort((x, y) => x - y);
        for (const t of current.get(slot) ?? []) expected[t]!--;
        for (const t of buckets) expected[t]!++;
        current.set(slot, buckets);
        index.setLexical(slot, row(buckets, buckets.map(() => 1)));
      });
    }
    const counts = (ix: ItemIndex) => Array.from({ length: 64 }, (_, t) => ix.lexicalFrequencies.frequency(t));
    expect(counts(index)).toEqual(Array.from(expected));
    expect(index.lexicalFrequencies.count).toBe(200);
    const adopted = newIndex(64);
    items.forEach((item) => adopted.adopt(item, index));
    expect(counts(adopted)).toEqual(Array.from(expected));
  });
});

describe('contentScores with term weights', () => {
  // dim 3, weights D = diag(1, 2, 1); probe p = (0.6, 0.8, 0); rows x = (0.6, 0, 0.8) and y = (0, 1, 0).
  // Dp = (0.6, 1.6, 0), ‖Dp‖ = √2.92. cos(Dx, Dp) = 0.36 / (1 · √2.92) = 0.21067; cos(Dy, Dp) = 3.2 / (2 · √2.92) = 0.93633.
  // Without weights: 0.36 and 0.8.
  const gather = (termWeights?: Float32Array): SparseGather => ({
    index: Uint16Array.from([0, 2, 1]),
    value: Float32Array.from([0.6, 0.8, 1]),
    start: Int32Array.from([0, 2]),
    length: Int32Array.from([2, 1]),
    ...(termWeights ? { termWeights } : {}),
  });
  const p = Float32Array.from([0.6, 0.8, 0]);
  const w = Float32Array.from([1, 2, 1]);

  it('scores the cosine of the weighted vectors (hand-computed), for interests, session and query alike', () => {
    const weighted = contentScores({ csr: gather(w), dim: 3 }, { interests: [{ vector: p, strength: 1 }], session: p, query: p });
    const want = [0.36 / Math.sqrt(2.92), 3.2 / (2 * Math.sqrt(2.92))];
    for (const values of [weighted.interestMax, weighted.interestMean, weighted.session!, weighted.query!]) {
      expect(values[0]).toBeCloseTo(want[0]!, 5);
      expect(values[1]).toBeCloseTo(want[1]!, 5);
    }
    const plain = similarityTo({ csr: gather(), dim: 3 }, p);
    expect(plain[0]).toBeCloseTo(0.36, 6);
    expect(plain[1]).toBeCloseTo(0.8, 6);
  });

  it('gives the same scores through the item index (and its SIMD kernel where WebAssembly runs)', () => {
    const index = newIndex(3);
    const [x, y] = index.slotsOf([
      { id: 'x', title: 'x' },
      { id: 'y', title: 'y' },
    ]);
    index.setLexical(x!, row([0, 2], [0.6, 0.8]));
    index.setLexical(y!, row([1], [1]));
    const rows = index.lexicalRows(Int32Array.from([x!, y!]));
    expect(rows.kernel!.rowsAgainstProbes(rows.start, rows.length, [sparsify(new Float32Array(3))], 3)).not.toBeNull(); // the SIMD path runs here
    // Two rows: df = (1, 1, 1), so every weight is ln(3 / 2) + 0.1: equal weights leave cosines unchanged.
    const equal = similarityTo({ csr: rows, dim: 3 }, p);
    expect(equal[0]).toBeCloseTo(0.36, 5);
    expect(equal[1]).toBeCloseTo(0.8, 5);
    // A third row in bucket 0 makes it more common: x (which matches p there) loses, y gains.
    const [z] = index.slotsOf([{ id: 'z', title: 'z' }]);
    index.setLexical(z!, row([0], [1]));
    const after = similarityTo({ csr: index.lexicalRows(Int32Array.from([x!, y!])), dim: 3 }, p);
    const w0 = idf(3, 2);
    const w1 = idf(3, 1);
    const dp = Math.hypot(w0 * 0.6, w1 * 0.8);
    expect(after[0]).toBeCloseTo((w0 * w0 * 0.36) / (Math.hypot(w0 * 0.6, w1 * 0.8) * dp), 5);
    expect(after[1]).toBeCloseTo((w1 * w1 * 0.8) / (w1 * dp), 5);
    expect(after[0]!).toBeLessThan(0.36);
    expect(after[1]!).toBeGreaterThan(0.8);
  });

  it('scores 0 for a row or probe that is zero', () => {
    const empty: SparseGather = { index: new Uint16Array(0), value: new Float32Array(0), start: Int32Array.from([0]), length: Int32Array.from([0]), termWeights: w };
    expect(similarityTo({ csr: empty, dim: 3 }, p)[0]).toBe(0);
    expect(similarityTo({ csr: gather(w), dim: 3 }, new Float32Array(3))[1]).toBe(0);
  });

  it('rejects weights of another length', () => {
    expect(() => similarityTo({ csr: gather(Float32Array.from([1, 1])), dim: 3 }, p)).toThrow(/termWeights/);
  });
});

describe('IDF in lexical ranking', () => {
  it('a rare shared word outweighs a common one that plain cosines prefer', async () => {
    const encoder = createLexicalEncoder(512);
    const index = newIndex(512);
    const fill = ['sofa', 'lamp', 'mug', 'scarf', 'rug', 'vase', 'chair', 'towel', 'kettle', 'clock'];
    const items: Item[] = [
      ...Array.from({ length: 30 }, (_, i) => ({ id: `c${i}`, title: `Red ${fill[i % 10]} ${i}` })),
      { id: 'history', title: 'Red kayak' },
      { id: 'common', title: 'Red wool blanket' },
      { id: 'rare', title: 'Kayak paddle with carbon blade' },
    ];
    const slots = index.slotsOf(items);
    const vectors = await encoder.embed(items.map((i) => i.title));
    slots.forEach((s, i) => index.setLexical(s, sparsify(vectors[i]!)));
    const rows = index.lexicalRows(slots.slice(31));
    const probes = { interests: [{ vector: vectors[30]!, strength: 1 }] };
    const { termWeights, ...unweighted } = rows;
    expect(termWeights).toBeDefined();
    const plain = contentScores({ csr: { ...unweighted, index: rows.index, value: rows.value }, dim: 512 }, probes).interestMax;
    const weighted = contentScores({ csr: rows, dim: 512 }, probes).interestMax;
    expect(plain[0]!).toBeGreaterThan(plain[1]!); // "red" is a word in common
    expect(weighted[1]!).toBeGreaterThan(weighted[0]!); // but 31 of 33 items say "red", 2 say "kayak"
  });
});
