import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs build script without types
import { compileKernel, kernelSource, OUT } from '../scripts/build-kernel.mjs';
import { mulberry32, shuffleInPlace } from '../src/engine/ranking/random.js';
import type { Rng } from '../src/engine/ranking/random.js';
import { contentScores, sparsify } from '../src/engine/ranking/scores.js';
import type { CandidateRows } from '../src/engine/ranking/scores.js';
import { SparseStore, VectorStore } from '../src/engine/ranking/vector-store.js';

const randomVector = (rng: Rng, dim: number): Float32Array => Float32Array.from({ length: dim }, () => rng() * 2 - 1);

function dot(a: ArrayLike<number>, ai: number, b: ArrayLike<number>, bi: number, dim: number): number {
  let s = 0;
  for (let t = 0; t < dim; t++) s += a[ai + t]! * b[bi + t]!;
  return s;
}

const unit = (v: Float32Array): Float32Array => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};

/** `rows` random unit rows of `dim`, stored with and without the kernel, and a shuffled order to visit them in. */
function filledStores(rng: Rng, rows: number, dim: number): { vectors: Float32Array[]; kernel: VectorStore; plain: VectorStore; order: Int32Array } {
  const vectors = Array.from({ length: rows }, () => unit(randomVector(rng, dim)));
  const kernel = new VectorStore(rows, dim);
  const plain = new VectorStore(rows, dim, { simd: false });
  vectors.forEach((v, r) => {
    kernel.setRow(r, v);
    plain.setRow(r, v);
  });
  return { vectors, kernel, plain, order: shuffleInPlace(Int32Array.from({ length: rows }, (_, i) => i), rng) };
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

describe('VectorStore (int8 rows)', () => {
  it('uses the SIMD kernel in Node, and none when asked not to or past 2,048 dimensions', () => {
    expect(new VectorStore(2, 8).simd).toBe(true);
    expect(new VectorStore(2, 8, { simd: false }).simd).toBe(false);
    expect(new VectorStore(2, 2_064).simd).toBe(false);
  });

  for (const dim of [16, 40, 384]) {
    it(`the kernel's cosines equal the JavaScript loop's exactly, and float32 cosines within the quantisation bound (dim ${dim}, 1 to 10 probes, shuffled rows, odd count)`, () => {
      const rng = mulberry32(dim);
      const { vectors, kernel, plain, order } = filledStores(rng, 37, dim);
      const errors: number[] = [];
      for (let probeCount = 1; probeCount <= 10; probeCount++) {
        const probes = new Float32Array(probeCount * dim);
        for (let j = 0; j < probeCount; j++) probes.set(unit(randomVector(rng, dim)), j * dim);
        const fast = kernel.rowsAgainstProbes(order, probes, probeCount);
        const fastCos = Array.from(fast.cos); // the array is reused by the next call
        const slow = plain.rowsAgainstProbes(order, probes, probeCount);
        // Padded to blocks of 4 probes; the padding columns are 0.
        const stride = Math.ceil(probeCount / 4) * 4;
        expect(fast.stride).toBe(stride);
        expect(fastCos.length).toBe(order.length * stride);
        expect(Array.from(slow.cos)).toEqual(fastCos);
        order.forEach((r, i) => {
          const v = vectors[r]!;
          for (let j = 0; j < probeCount; j++) {
            const p = probes.subarray(j * dim, (j + 1) * dim);
            // |Σ (v + e)(p + f) − Σ vp| ≤ Σ |e||p| + Σ |v||f| + Σ |e||f|, |e| ≤ half a row step, |f| ≤ half a probe step.
            const e = Math.max(...v.map(Math.abs)) / 127 / 2;
            const f = Math.max(...p.map(Math.abs)) / 32_767 / 2;
            const bound = e * p.reduce((a, x) => a + Math.abs(x), 0) + f * v.reduce((a, x) => a + Math.abs(x), 0) + dim * e * f + 1e-6;
            const error = Math.abs(fastCos[i * stride + j]! - dot(v, 0, probes, j * dim, dim));
            expect(error).toBeLessThanOrEqual(bound);
            errors.push(error);
          }
          for (let j = probeCount; j < stride; j++) expect(fastCos[i * stride + j]).toBe(0);
        });
      }
      // What the store's doc says: at 384 dimensions cosines move by about 1e-3 (the bound is the worst case).
      if (dim === 384) expect(errors.reduce((a, x) => a + x, 0) / errors.length).toBeLessThan(1e-3);
    });
  }

  it('stores a row to within half a quantisation step, a zero row as zeros, and copies rows as stored', () => {
    const rng = mulberry32(4);
    const store = new VectorStore(3, 20);
    const v = unit(randomVector(rng, 20));
    store.setRow(0, v);
    const step = Math.max(...v.map(Math.abs)) / 127;
    store.row(0).forEach((x, t) => expect(Math.abs(x - v[t]!)).toBeLessThanOrEqual(step / 2 + 1e-7));
    store.setRow(1, new Float32Array(20));
    expect(Array.from(store.row(1))).toEqual(new Array(20).fill(0));
    const other = new VectorStore(1, 20, { simd: false });
    other.copyRow(0, store, 0);
    expect(Array.from(other.row(0))).toEqual(Array.from(store.row(0)));
  });

  it('keeps its rows when it grows, and when a large call grows the memory for scratch space', () => {
    const rng = mulberry32(11);
    const dim = 16;
    const { kernel: store, vectors } = filledStores(rng, 4, dim);
    const before = [0, 1, 2, 3].map((r) => store.row(r));
    store.resize(10_000);
    expect(store.rows).toBe(10_000);
    before.forEach((row, r) => expect(Array.from(store.row(r))).toEqual(Array.from(row)));
    expect(Array.from(store.row(5))).toEqual(new Array(dim).fill(0));
    // 200,000 candidates (the first 4 rows repeated) need far more scratch than the memory has.
    const many = Int32Array.from({ length: 200_000 }, (_, i) => i % 4);
    const probes = unit(randomVector(rng, dim));
    const result = store.rowsAgainstProbes(many, probes, 1);
    expect(result.cos[199_999 * result.stride]).toBeCloseTo(dot(vectors[3]!, 0, probes, 0, dim), 2);
    before.forEach((row, r) => expect(Array.from(store.row(r))).toEqual(Array.from(row)));
  });
});

describe('SparseStore', () => {

  it('sparse kernel equals plain dot products (1 to 9 probes, padded to blocks of 4) after the store grew many times', () => {
    const rng = mulberry32(5);
    const dim = 64;
    const { dense, store, start, length } = sparseRows(rng, 50, dim);
    for (let probeCount = 1; probeCount <= 9; probeCount++) {
      const probes = randomVector(rng, probeCount * dim);
      const result = store.rowsAgainstProbes(start, length, probes, probeCount, dim)!;
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
      const result = store.rowsAgainstProbes(start, length, probes, 5, dim)!;
      expect(result.cos.length).toBe(rows * 8);
      dense.forEach((v, i) => {
        for (let j = 0; j < 5; j++) expect(result.cos[i * 8 + j]).toBeCloseTo(dot(v, 0, probes, j * dim, dim), 4);
      });
    }
  });

  it('without the kernel, keeps the same rows in plain arrays and returns null', () => {
    const { dense, store, start, length } = sparseRows(mulberry32(6), 20, 16, false);
    expect(store.rowsAgainstProbes(start, length, new Float32Array(16), 1, 16)).toBeNull();
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
    const { kernel, plain: plainStore, order } = filledStores(rng, 40, dim);
    const plain: CandidateRows = { dense: { rows: order, store: plainStore }, dim };
    const simd: CandidateRows = { dense: { rows: order, store: kernel }, dim };
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
