import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs build script without types
import { compileKernel, kernelSource, OUT } from '../scripts/build-kernel.mjs';
import { mulberry32, shuffleInPlace } from '../src/engine/ranking/random.js';
import type { Rng } from '../src/engine/ranking/random.js';
import { contentScores, pickRows, probeDots, sparsify } from '../src/engine/ranking/scores.js';
import type { CandidateRows } from '../src/engine/ranking/scores.js';
import { SparseStore, VectorStore } from '../src/engine/ranking/vector-store.js';

const randomVector = (rng: Rng, dim: number): Float32Array => Float32Array.from({ length: dim }, () => rng() * 2 - 1);

function dot(a: ArrayLike<number>, ai: number, b: ArrayLike<number>, bi: number, dim: number): number {
  let s = 0;
  for (let t = 0; t < dim; t++) s += a[ai + t]! * b[bi + t]!;
  return s;
}

/** `rows` random rows of `dim` in a store, and offsets visiting them in a shuffled order. */
function filledStore(rng: Rng, rows: number, dim: number, simd = true): { store: VectorStore; offsets: Int32Array } {
  const store = new VectorStore(rows * dim, { simd });
  for (let r = 0; r < rows; r++) store.data.set(randomVector(rng, dim), r * dim);
  const order = shuffleInPlace(Int32Array.from({ length: rows }, (_, i) => i), rng);
  return { store, offsets: order.map((r) => r * dim) };
}

/** Sparse random rows (about a quarter of the entries non-zero) written into a store in CSR form. */
function sparseRows(rng: Rng, rows: number, dim: number, simd = true) {
  return csrStore(Array.from({ length: rows }, () => Float32Array.from({ length: dim }, () => (rng() < 0.25 ? rng() * 2 - 1 : 0))), simd);
}

/** The rows in a SparseStore that grows as they come (CSR, in order). */
function csrStore(dense: Float32Array[], simd = true) {
  const rows = dense.length;
  const store = new SparseStore(4, { simd });
  const start = new Int32Array(rows);
  const length = new Int32Array(rows);
  let used = 0;
  dense.forEach((v, i) => {
    const row = sparsify(v);
    if (used + row.index.length > store.size) store.resize(2 * (used + row.index.length), used);
    store.indices.set(row.index, used);
    store.values.set(row.value, used);
    start[i] = used;
    length[i] = row.index.length;
    used += row.index.length;
  });
  return { dense, store, start, length };
}

describe('kernel.wat', () => {
  it('kernel-wasm.ts is the compiled kernel.wat (run `npm run build:kernel` after editing the .wat)', async () => {
    const bytes: Uint8Array = await compileKernel();
    expect(readFileSync(OUT, 'utf8')).toBe(kernelSource(bytes));
  });
});

describe('VectorStore', () => {
  it('uses the SIMD kernel in Node, and none when asked not to', () => {
    expect(new VectorStore(8).simd).toBe(true);
    const plain = new VectorStore(8, { simd: false });
    expect(plain.simd).toBe(false);
    expect(plain.rowsAgainstProbes(Int32Array.of(0), new Float32Array(8), 1, 8)).toBeNull();
  });

  for (const dim of [4, 12, 384]) {
    it(`dense kernel equals plain dot products (dim ${dim}, 0 to 10 probes, shuffled rows)`, () => {
      const rng = mulberry32(dim);
      const { store, offsets } = filledStore(rng, 37, dim);
      for (let probeCount = 1; probeCount <= 10; probeCount++) {
        const probes = randomVector(rng, probeCount * dim);
        const result = store.rowsAgainstProbes(offsets, probes, probeCount, dim)!;
        // Padded to blocks of 4 probes; the padding columns are 0.
        const stride = Math.ceil(probeCount / 4) * 4;
        expect(result.stride).toBe(stride);
        expect(result.cos.length).toBe(offsets.length * stride);
        const data = store.data;
        offsets.forEach((o, i) => {
          for (let j = 0; j < probeCount; j++) expect(result.cos[i * stride + j]).toBeCloseTo(dot(data, o, probes, j * dim, dim), 4);
          for (let j = probeCount; j < stride; j++) expect(result.cos[i * stride + j]).toBe(0);
        });
      }
      expect(store.rowsAgainstProbes(offsets, new Float32Array(0), 0, dim)).toBeNull();
    });
  }

  it('leaves a dimension that is not a multiple of 4 to the JavaScript loops', () => {
    const { store, offsets } = filledStore(mulberry32(3), 5, 6);
    expect(store.rowsAgainstProbes(offsets, new Float32Array(12), 2, 6)).toBeNull();
  });

  it('keeps its vectors when it grows, and when a large call grows the memory for scratch space', () => {
    const rng = mulberry32(11);
    const dim = 8;
    const { store, offsets } = filledStore(rng, 4, dim);
    const before = store.data.slice();
    store.resize(10_000 * dim);
    expect(store.data.length).toBe(10_000 * dim);
    expect(Array.from(store.data.subarray(0, before.length))).toEqual(Array.from(before));
    expect(store.data[before.length + 5]).toBe(0);
    // 200,000 rows (the first 4 repeated) need far more scratch than the memory has.
    const many = Int32Array.from({ length: 200_000 }, (_, i) => offsets[i % 4]!);
    const probes = randomVector(rng, dim);
    const result = store.rowsAgainstProbes(many, probes, 1, dim)!;
    expect(result.cos[199_999 * result.stride]).toBeCloseTo(dot(before, offsets[3]!, probes, 0, dim), 4);
    expect(Array.from(store.data.subarray(0, before.length))).toEqual(Array.from(before));
  });
});

describe('SparseStore', () => {
  /** `count` probes of `dim` numbers, row-major, by their non-zeros. */
  const sparseProbes = (probes: Float32Array, count: number, dim: number) => Array.from({ length: count }, (_, j) => sparsify(probes.subarray(j * dim, (j + 1) * dim)));

  it('sparse kernel equals plain dot products (1 to 9 probes, padded to blocks of 4) after the store grew many times', () => {
    const rng = mulberry32(5);
    const dim = 64;
    const { dense, store, start, length } = sparseRows(rng, 50, dim);
    for (let probeCount = 1; probeCount <= 9; probeCount++) {
      const probes = randomVector(rng, probeCount * dim);
      const result = store.rowsAgainstProbes(start, length, sparseProbes(probes, probeCount, dim), dim)!;
      expect(result.stride).toBe(4 * Math.ceil(probeCount / 4));
      dense.forEach((v, i) => {
        for (let j = 0; j < probeCount; j++) expect(result.cos[i * result.stride + j]).toBeCloseTo(dot(v, 0, probes, j * dim, dim), 4);
        for (let j = probeCount; j < result.stride; j++) expect(result.cos[i * result.stride + j]).toBe(0);
      });
    }
  });

  it('sparse kernel pairs rows of any lengths: odd counts, empty rows, a full row beside a short one', () => {
    const rng = mulberry32(8);
    const dim = 32;
    for (const rows of [1, 2, 3, 7]) {
      const dense = Array.from({ length: rows }, (_, i) =>
        Float32Array.from({ length: dim }, () => (i === 0 ? 0 : i === 2 ? rng() * 2 - 1 : rng() < 0.1 ? rng() * 2 - 1 : 0)),
      );
      const { store, start, length } = csrStore(dense);
      const probes = randomVector(rng, 5 * dim);
      const result = store.rowsAgainstProbes(start, length, sparseProbes(probes, 5, dim), dim)!;
      expect(result.cos.length).toBe(rows * 8);
      dense.forEach((v, i) => {
        for (let j = 0; j < 5; j++) expect(result.cos[i * 8 + j]).toBeCloseTo(dot(v, 0, probes, j * dim, dim), 4);
      });
    }
  });

  it('without the kernel, keeps the same rows in plain arrays and returns null', () => {
    const { dense, store, start, length } = sparseRows(mulberry32(6), 20, 16, false);
    expect(store.rowsAgainstProbes(start, length, [sparsify(new Float32Array(16))], 16)).toBeNull();
    dense.forEach((v, i) => {
      const back = new Float32Array(16);
      for (let k = start[i]!; k < start[i]! + length[i]!; k++) back[store.indices[k]!] = store.values[k]!;
      expect(Array.from(back)).toEqual(Array.from(v));
    });
  });
});

describe('contentScores with the kernels', () => {
  it('gives the JavaScript loops’ scores for dense and sparse rows', () => {
    const rng = mulberry32(21);
    const dim = 32;
    const interests = [0.9, 0.5, 0.3, 0.2, 0.1].map((strength) => {
      const v = randomVector(rng, dim);
      const n = Math.hypot(...v);
      return { vector: v.map((x) => x / n), strength };
    });
    const session = randomVector(rng, dim);
    const probes = { interests, session, query: randomVector(rng, dim) };
    const { store, offsets } = filledStore(rng, 40, dim);
    const plain: CandidateRows = { dense: { data: store.data, offsets }, dim };
    const simd: CandidateRows = { dense: { data: store.data, offsets, kernel: store }, dim };
    const expected = contentScores(plain, probes);
    const actual = contentScores(simd, probes);
    for (const key of ['interestMax', 'interestMean', 'session', 'query'] as const) {
      Array.from(expected[key]!).forEach((v, i) => expect(actual[key]![i]).toBeCloseTo(v, 4));
    }
    expect(Array.from(actual.bestInterest)).toEqual(Array.from(expected.bestInterest));

    const sparse = sparseRows(rng, 40, dim);
    const csr = { index: sparse.store.indices, value: sparse.store.values, start: sparse.start, length: sparse.length };
    const sparseExpected = contentScores({ csr, dim }, probes);
    const sparseActual = contentScores({ csr: { ...csr, kernel: sparse.store }, dim }, probes);
    for (const key of ['interestMax', 'interestMean', 'session', 'query'] as const) {
      Array.from(sparseExpected[key]!).forEach((v, i) => expect(sparseActual[key]![i]).toBeCloseTo(v, 4));
    }
    expect(Array.from(sparseActual.bestInterest)).toEqual(Array.from(sparseExpected.bestInterest));
  });
});

describe('probeDots over pickRows', () => {
  it('gives the picked rows’ dot products with each probe, in the picked order, for dense, sparse and separate rows, with and without the kernels', () => {
    const rng = mulberry32(31);
    const dim = 16;
    const picked = [6, 0, 3, 3];
    const probes = [randomVector(rng, dim), randomVector(rng, dim), randomVector(rng, dim)];
    for (const simd of [true, false]) {
      const { store, offsets } = filledStore(rng, 7, dim, simd);
      const denseRows = Array.from(offsets, (o) => store.data.slice(o, o + dim));
      const sparse = sparseRows(rng, 7, dim, simd);
      const kinds: Array<[CandidateRows, Float32Array[]]> = [
        [{ dense: { data: store.data, offsets, ...(simd ? { kernel: store } : {}) }, dim }, denseRows],
        [{ csr: { index: sparse.store.indices, value: sparse.store.values, start: sparse.start, length: sparse.length, ...(simd ? { kernel: sparse.store } : {}) }, dim }, sparse.dense],
        [{ rows: denseRows, dim }, denseRows],
      ];
      for (const [rows, vectors] of kinds) {
        const dots = probeDots(pickRows(rows, picked), probes);
        expect(dots.length).toBe(picked.length * probes.length);
        picked.forEach((r, k) => probes.forEach((p, j) => expect(dots[k * probes.length + j]).toBeCloseTo(dot(vectors[r]!, 0, p, 0, dim), 4)));
      }
    }
  });
});
