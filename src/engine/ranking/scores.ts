/**
 * Score components over candidate vectors: every probe (interest centroids,
 * session intent, query) is compared with each candidate row while the row is
 * in cache.
 *
 * Vectors are expected L2-normalised (as every encoder and the summary store
 * them), so a dot product is the cosine; `toRows` normalises on the way in.
 * Rows are kept as separate arrays, so the catalogue's cached vectors serve
 * every ranking without being copied into one matrix first.
 */
import { LocalRankError } from '../../errors.js';
import { inverseWeightedNorm } from './idf.js';
import type { ProbeScores } from './vector-store.js';

/** Candidate vectors: `rows[i]` is candidate i's vector of `dim` numbers. */
export interface VectorRows {
  rows: readonly Float32Array[];
  dim: number;
}

/** A lexical vector with its few non-zero entries only (a title has tens of them among 512 slots). */
export interface SparseRow {
  index: Uint16Array;
  value: Float32Array;
}

/** A probe vector, with its non-zero entries when the caller keeps them. */
export interface ProbeVector {
  /** Unit vector, length `dim`. */
  vector: Float32Array;
  /**
   * `vector`'s non-zero entries (as `sparsify` gives them; not modified here).
   * Sparse candidate rows meet probes by their non-zeros: a wide lexical
   * probe holds a few hundred of 16,384, and finding them scans every
   * dimension on each call unless the caller keeps them.
   */
  nonZeros?: SparseRow;
}

/** A direction with a strength: an interest centroid as `readInterests` returns it (extra fields are fine). */
export interface WeightedVector extends ProbeVector {
  /** Current decayed strength; entries with strength <= 0 or not finite are ignored. */
  strength: number;
}

/**
 * Copies vectors into rows of `dim` numbers, each scaled to unit length
 * unless `normalise` is false; a zero row stays zero (cosine 0 with
 * everything). Throws when a vector's length is not `dim`.
 */
export function toRows(vectors: readonly ArrayLike<number>[], dim: number, normalise = true): VectorRows {
  const rows = vectors.map((v, i) => {
    if (v.length !== dim) throw new LocalRankError('INVALID_ARGUMENT', `vector ${i} has ${v.length} dimensions, expected ${dim}`, `vectors[${i}]`);
    const row = Float32Array.from(v);
    let sq = 0;
    for (let t = 0; t < dim; t++) sq += row[t]! * row[t]!;
    if (normalise && sq > 0) {
      const inv = 1 / Math.sqrt(sq);
      for (let t = 0; t < dim; t++) row[t]! *= inv;
    }
    return row;
  });
  return { rows, dim };
}

/** The non-zero entries of a vector of at most 65,536 numbers. */
/** The dense vector of `dim` numbers that a sparse row stands for. */
export function densifyRow({ index, value }: SparseRow, dim: number): Float32Array {
  const out = new Float32Array(dim);
  for (let k = 0; k < index.length; k++) out[index[k]!] = value[k]!;
  return out;
}

export function sparsify(v: Float32Array): SparseRow {
  let nnz = 0;
  for (let t = 0; t < v.length; t++) if (v[t] !== 0) nnz++;
  const index = new Uint16Array(nnz);
  const value = new Float32Array(nnz);
  for (let t = 0, j = 0; t < v.length; t++) {
    if (v[t] === 0) continue;
    index[j] = t;
    value[j++] = v[t]!;
  }
  return { index, value };
}

/** What the content component compares the candidates with. */
export interface ContentProbes {
  /** Interest centroids with their strengths (any order). */
  interests: readonly WeightedVector[];
  /** Session-intent vector, or null/absent. */
  session?: Float32Array | null;
  /** Query vector (search re-ranking), or null/absent. */
  query?: Float32Array | null;
  /**
   * Interests weaker than this fraction of the strongest are left out of both
   * aggregates (and cost nothing): such an interest adds at most this much to
   * `interestMax`. Default 0 (keep all); 0.05 is a sensible speed-up with 8
   * interests.
   */
  minRelativeStrength?: number;
}

/** Per-candidate similarities, one entry per row of the matrix. */
export interface ContentScores {
  /**
   * Max over interests of strength-weighted rectified cosine, in [0, 1]:
   * `max_j (s_j / s_max) * max(0, cos(x_i, c_j))`. The strongest interest
   * weighs 1, a weaker one its strength relative to it. Rectifying keeps a
   * weak interest from "winning" with a small-times-negative product; an item
   * unlike every interest scores 0. 0 with no interests.
   */
  interestMax: Float64Array;
  /**
   * Strength-weighted mean cosine over interests, in [-1, 1]:
   * `sum_j s_j * cos(x_i, c_j) / sum_j s_j`. Smoother than the max (an item
   * between two interests gets credit from both) but favours items near the
   * profile's overall mean. 0 with no interests.
   */
  interestMean: Float64Array;
  /** Index (into `probes.interests`) of the interest that gave `interestMax`; -1 when it is 0. */
  bestInterest: Int32Array;
  /** `cos(x_i, session)` in [-1, 1], or null without a session. Scale by the session's strength when blending. */
  session: Float64Array | null;
  /** `cos(x_i, query)` in [-1, 1], or null without a query. */
  query: Float64Array | null;
}

/** Dot product of `x` at `ai` and `y` at `bi`, `dim` long, 4 accumulators. */
function dotAt(x: Float32Array, ai: number, y: Float32Array, bi: number, dim: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let t = 0;
  const end4 = dim - (dim & 3);
  for (; t < end4; t += 4) {
    s0 += x[ai + t]! * y[bi + t]!;
    s1 += x[ai + t + 1]! * y[bi + t + 1]!;
    s2 += x[ai + t + 2]! * y[bi + t + 2]!;
    s3 += x[ai + t + 3]! * y[bi + t + 3]!;
  }
  for (; t < dim; t++) s0 += x[ai + t]! * y[bi + t]!;
  return s0 + s1 + s2 + s3;
}

/** Row `x` at `a` against 8 consecutive probe rows of `q` from `b0`; each x value is loaded once for 8 products. */
function dot8(x: Float32Array, a: number, q: Float32Array, b0: number, dim: number, out: Float64Array, o: number): void {
  const b1 = b0 + dim;
  const b2 = b1 + dim;
  const b3 = b2 + dim;
  const b4 = b3 + dim;
  const b5 = b4 + dim;
  const b6 = b5 + dim;
  const b7 = b6 + dim;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let s4 = 0;
  let s5 = 0;
  let s6 = 0;
  let s7 = 0;
  for (let t = 0; t < dim; t++) {
    const v = x[a + t]!;
    s0 += v * q[b0 + t]!;
    s1 += v * q[b1 + t]!;
    s2 += v * q[b2 + t]!;
    s3 += v * q[b3 + t]!;
    s4 += v * q[b4 + t]!;
    s5 += v * q[b5 + t]!;
    s6 += v * q[b6 + t]!;
    s7 += v * q[b7 + t]!;
  }
  out[o] = s0;
  out[o + 1] = s1;
  out[o + 2] = s2;
  out[o + 3] = s3;
  out[o + 4] = s4;
  out[o + 5] = s5;
  out[o + 6] = s6;
  out[o + 7] = s7;
}

/** As {@link dot8}, 4 probe rows. */
function dot4(x: Float32Array, a: number, q: Float32Array, b0: number, dim: number, out: Float64Array, o: number): void {
  const b1 = b0 + dim;
  const b2 = b1 + dim;
  const b3 = b2 + dim;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let t = 0; t < dim; t++) {
    const v = x[a + t]!;
    s0 += v * q[b0 + t]!;
    s1 += v * q[b1 + t]!;
    s2 += v * q[b2 + t]!;
    s3 += v * q[b3 + t]!;
  }
  out[o] = s0;
  out[o + 1] = s1;
  out[o + 2] = s2;
  out[o + 3] = s3;
}

/**
 * `out[j] = x_row · q_j` for the `count` probe rows of `q`: blocks of 8, then
 * 4, then single rows. Blocking loads each candidate value once per block
 * instead of once per probe (about 1.5x faster than probe-by-probe in V8).
 */
export function rowAgainstProbes(x: Float32Array, a: number, q: Float32Array, count: number, dim: number, out: Float64Array): void {
  let j = 0;
  for (; j + 8 <= count; j += 8) dot8(x, a, q, j * dim, dim, out, j);
  for (; j + 4 <= count; j += 4) dot4(x, a, q, j * dim, dim, out, j);
  for (; j < count; j++) out[j] = dotAt(x, a, q, j * dim, dim);
}

/**
 * Two candidate rows against 4 consecutive probe rows of `q` from `b0`: each
 * probe value is loaded once for two rows (8 running sums). Memory traffic,
 * not arithmetic, bounds this loop in V8; this is about 1.3x faster than one
 * row at a time.
 */
function dot2x4(x: Float32Array, xa: number, y: Float32Array, ya: number, q: Float32Array, b0: number, dim: number, out: Float64Array, o: number, stride: number): void {
  const b1 = b0 + dim;
  const b2 = b1 + dim;
  const b3 = b2 + dim;
  let a0 = 0;
  let a1 = 0;
  let a2 = 0;
  let a3 = 0;
  let c0 = 0;
  let c1 = 0;
  let c2 = 0;
  let c3 = 0;
  for (let t = 0; t < dim; t++) {
    const v = x[xa + t]!;
    const w = y[ya + t]!;
    const q0 = q[b0 + t]!;
    const q1 = q[b1 + t]!;
    const q2 = q[b2 + t]!;
    const q3 = q[b3 + t]!;
    a0 += v * q0;
    a1 += v * q1;
    a2 += v * q2;
    a3 += v * q3;
    c0 += w * q0;
    c1 += w * q1;
    c2 += w * q2;
    c3 += w * q3;
  }
  out[o] = a0;
  out[o + 1] = a1;
  out[o + 2] = a2;
  out[o + 3] = a3;
  out[o + stride] = c0;
  out[o + stride + 1] = c1;
  out[o + stride + 2] = c2;
  out[o + stride + 3] = c3;
}

/** `out[j]` and `out[count + j]`: the rows of `x` at `xa` and of `y` at `ya` against the `count` probe rows of `q` (blocks of 4 for both rows at once). */
function twoRowsAgainstProbes(x: Float32Array, xa: number, y: Float32Array, ya: number, q: Float32Array, count: number, dim: number, out: Float64Array): void {
  let j = 0;
  for (; j + 4 <= count; j += 4) dot2x4(x, xa, y, ya, q, j * dim, dim, out, j, count);
  for (; j < count; j++) {
    out[j] = dotAt(x, xa, q, j * dim, dim);
    out[count + j] = dotAt(y, ya, q, j * dim, dim);
  }
}

/**
 * `out[j] = x · q_j` for a sparse row against probes stored transposed
 * (`qT[t * count + j]`), so the probes' values for one non-zero are adjacent.
 * Probes go in blocks of 4 summed in locals: adding into `out` per non-zero
 * cost 3x more in V8.
 */
export function sparseAgainstProbes(index: Uint16Array, value: Float32Array, start: number, nnz: number, qT: Float32Array, count: number, out: Float64Array): void {
  const end = start + nnz;
  let j = 0;
  for (; j + 4 <= count; j += 4) {
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    for (let k = start; k < end; k++) {
      const v = value[k]!;
      const b = index[k]! * count + j;
      a0 += v * qT[b]!;
      a1 += v * qT[b + 1]!;
      a2 += v * qT[b + 2]!;
      a3 += v * qT[b + 3]!;
    }
    out[j] = a0;
    out[j + 1] = a1;
    out[j + 2] = a2;
    out[j + 3] = a3;
  }
  for (; j < count; j++) {
    let a = 0;
    for (let k = start; k < end; k++) a += value[k]! * qT[index[k]! * count + j]!;
    out[j] = a;
  }
}

function checkDim(v: Float32Array, dim: number, field: string): void {
  if (v.length !== dim) throw new LocalRankError('INVALID_ARGUMENT', `${field} has ${v.length} dimensions, candidates have ${dim}`, field);
}

/** The dense vector of `dim` numbers that row `i` of CSR rows stands for. */
export function densify(rows: SparseGather, i: number, dim: number): Float32Array {
  const from = rows.start[i]!;
  const to = from + rows.length[i]!;
  return densifyRow({ index: rows.index.subarray(from, to), value: rows.value.subarray(from, to) }, dim);
}

/** Dense rows gathered from one array: row i is `data[offsets[i] .. offsets[i] + dim)` (an item index's layout). */
export interface DenseGather {
  readonly data: Float32Array;
  offsets: Int32Array;
  /** Scores the rows against probes in one call (the item index's SIMD kernel); null from it means "use the JavaScript loops". */
  kernel?: { rowsAgainstProbes(offsets: Int32Array, probes: Float32Array, probeCount: number, dim: number): ProbeScores | null };
}

/** Sparse rows in CSR form: row i's non-zeros are at `[start[i], start[i] + length[i])` of `index` and `value`. */
export interface SparseGather {
  readonly index: Uint16Array;
  readonly value: Float32Array;
  start: Int32Array;
  length: Int32Array;
  /** Like {@link DenseGather.kernel}, with the probes given by their non-zeros. */
  kernel?: { rowsAgainstProbes(start: Int32Array, length: Int32Array, probes: readonly SparseRow[], dim: number): ProbeScores | null };
  /**
   * Per-dimension weights (the lexical buckets' IDF, ranking/idf.ts), length
   * `dim`: similarities are then cosines of the weighted vectors (see
   * {@link contentScores}). Absent: plain cosines.
   */
  termWeights?: Float32Array;
  /** `1 / ‖Dx‖` per row under `termWeights`, when the caller keeps them (the item index does); computed here otherwise. */
  inverseNorms?: Float64Array;
}

/** Candidates' vectors, all of length `dim`: separate dense rows, dense rows in one array, or sparse rows in CSR form. */
export type CandidateRows = VectorRows | { dense: DenseGather; dim: number } | { csr: SparseGather; dim: number };

/** Rows `which[0]`, `which[1]`, … of `rows`, in that order (views: nothing is copied). */
export function pickRows(rows: CandidateRows, which: ArrayLike<number>): CandidateRows {
  const pick = (from: Int32Array): Int32Array => Int32Array.from({ length: which.length }, (_, k) => from[which[k]!]!);
  if ('rows' in rows) return { rows: Array.from({ length: which.length }, (_, k) => rows.rows[which[k]!]!), dim: rows.dim };
  if ('dense' in rows) {
    const dense = rows.dense;
    return {
      dense: {
        get data() {
          return dense.data;
        },
        offsets: pick(dense.offsets),
        ...(dense.kernel ? { kernel: dense.kernel } : {}),
      },
      dim: rows.dim,
    };
  }
  const csr = rows.csr;
  return {
    csr: {
      get index() {
        return csr.index;
      },
      get value() {
        return csr.value;
      },
      start: pick(csr.start),
      length: pick(csr.length),
      ...(csr.kernel ? { kernel: csr.kernel } : {}),
    },
    dim: rows.dim,
  };
}

/** Number of candidates in `rows`. */
export function rowCount(rows: CandidateRows): number {
  if ('rows' in rows) return rows.rows.length;
  if ('dense' in rows) return rows.dense.offsets.length;
  return rows.csr.start.length;
}

/**
 * All content similarities in one pass over the candidate rows (see
 * {@link ContentScores} for the formulas). Probes are packed into one small
 * matrix first; each candidate row is then compared with every probe while it
 * is in cache (see {@link rowAgainstProbes}). Cost: `count × (interests + session + query) × dim`
 * multiply-adds for dense rows, `× non-zeros` for sparse ones. Throws when a
 * probe's length differs from `candidates.dim`.
 *
 * Sparse rows with `termWeights` w (D = diag(w)) are compared in the weighted
 * space: `cos(Dx, Dp) = xᵀD²p / (‖Dx‖ ‖Dp‖)` for a row x and a probe p. Both
 * factors are applied here, so nothing stored changes when the weights do:
 * each probe becomes `D²p / ‖Dp‖` before it is packed (the kernels then
 * compute `xᵀD²p / ‖Dp‖` as plain dot products, unchanged), and each row's
 * dot products are divided by `‖Dx‖ = sqrt(Σ_k w[i_k]² v_k²)`, one pass over
 * its non-zeros (as much work as one more probe). A probe or row that is zero
 * under the weights gives 0.
 */
export function contentScores(candidates: CandidateRows, probes: ContentProbes): ContentScores {
  const dim = candidates.dim;
  const count = rowCount(candidates);
  let strongest = 0;
  for (const it of probes.interests) if (Number.isFinite(it.strength)) strongest = Math.max(strongest, it.strength);
  const floor = Math.max(0, probes.minRelativeStrength ?? 0) * strongest;
  const usable = (it: WeightedVector): boolean => Number.isFinite(it.strength) && it.strength > 0 && it.strength >= floor;
  const interests = probes.interests.filter(usable);
  interests.forEach((it) => checkDim(it.vector, dim, 'interests'));
  const session = probes.session ?? null;
  const query = probes.query ?? null;
  if (session) checkDim(session, dim, 'session');
  if (query) checkDim(query, dim, 'query');

  const m = interests.length;
  const vectors: ProbeVector[] = [...interests, ...(session ? [{ vector: session }] : []), ...(query ? [{ vector: query }] : [])];
  const probeCount = vectors.length;
  const sessionRow = session ? m : -1;
  const queryRow = query ? m + (session ? 1 : 0) : -1;
  const termWeights = 'csr' in candidates ? (candidates.csr.termWeights ?? null) : null;
  if (termWeights) checkDim(termWeights, dim, 'termWeights');
  const csr = 'csr' in candidates ? candidates.csr : null;
  const rowScale = csr && termWeights && probeCount > 0 ? (csr.inverseNorms ?? inverseWeightedNorms(csr, termWeights)) : null;

  let maxStrength = 0;
  let sumStrength = 0;
  for (const it of interests) {
    maxStrength = Math.max(maxStrength, it.strength);
    sumStrength += it.strength;
  }
  const relative = new Float64Array(m);
  const share = new Float64Array(m);
  interests.forEach((it, j) => {
    relative[j] = it.strength / maxStrength;
    share[j] = it.strength / sumStrength;
  });
  // Map back to the caller's indices (the filter above may have dropped some).
  const original = new Int32Array(m);
  let next = 0;
  probes.interests.forEach((it, j) => {
    if (usable(it)) original[next++] = j;
  });

  const interestMax = new Float64Array(count);
  const interestMean = new Float64Array(count);
  const bestInterest = new Int32Array(count).fill(-1);
  const sessionOut = session ? new Float64Array(count) : null;
  const queryOut = query ? new Float64Array(count) : null;
  const record = (i: number, cos: ArrayLike<number>, o: number): void => {
    const scale = rowScale ? rowScale[i]! : 1;
    let best = 0;
    let bestJ = -1;
    let mean = 0;
    for (let j = 0; j < m; j++) {
      const c = scale * cos[o + j]!;
      mean += share[j]! * c;
      const v = c > 0 ? relative[j]! * c : 0;
      if (v > best) {
        best = v;
        bestJ = j;
      }
    }
    interestMax[i] = best;
    interestMean[i] = mean;
    if (bestJ >= 0) bestInterest[i] = original[bestJ]!;
    if (sessionOut) sessionOut[i] = scale * cos[o + sessionRow]!;
    if (queryOut) queryOut[i] = scale * cos[o + queryRow]!;
  };
  if (probeCount > 0) againstProbes(candidates, vectors, record, termWeights);
  return { interestMax, interestMean, bestInterest, session: sessionOut, query: queryOut };
}

/**
 * Every candidate row against each probe (`dim` numbers each): `visit(i, cos,
 * o)` gets row i's dot products at `cos[o + j]`, in row order. The rows'
 * kernel does the work where they have one (the item index's SIMD kernels),
 * JavaScript loops otherwise. `cos` is only valid during the call. Sparse
 * rows (CSR) meet the probes by their non-zeros, each first weighed to
 * `D²p / ‖Dp‖` when `termWeights` are given: a lexical probe has a few
 * hundred non-zeros in 16,384 dimensions, and dense work on it would cost more
 * than the rows.
 */
function againstProbes(candidates: CandidateRows, probes: readonly ProbeVector[], visit: (i: number, cos: ArrayLike<number>, o: number) => void, termWeights: Float32Array | null = null): void {
  const dim = candidates.dim;
  const count = rowCount(candidates);
  const probeCount = probes.length;
  const cos = new Float64Array(2 * probeCount);
  if ('csr' in candidates) {
    const sparse = probes.map((p) => {
      const row = p.nonZeros ?? sparsify(p.vector);
      return termWeights ? weighed(row, termWeights) : row;
    });
    const all = candidates.csr.kernel?.rowsAgainstProbes(candidates.csr.start, candidates.csr.length, sparse, dim) ?? null;
    if (all) {
      for (let i = 0; i < count; i++) visit(i, all.cos, i * all.stride);
      return;
    }
    const transposed = new Float32Array(probeCount * dim);
    writeTransposed(sparse, transposed, probeCount);
    const { index, value, start, length } = candidates.csr;
    for (let i = 0; i < count; i++) {
      sparseAgainstProbes(index, value, start[i]!, length[i]!, transposed, probeCount, cos);
      visit(i, cos, 0);
    }
    return;
  }
  const packed = new Float32Array(probeCount * dim);
  probes.forEach((p, j) => packed.set(p.vector, j * dim));
  const all = 'dense' in candidates ? (candidates.dense.kernel?.rowsAgainstProbes(candidates.dense.offsets, packed, probeCount, dim) ?? null) : null;
  if (all) {
    for (let i = 0; i < count; i++) visit(i, all.cos, i * all.stride);
    return;
  }
  // Row i is data(i) at offset(i): its own array at 0, or the shared array at its offset.
  const rows = 'rows' in candidates ? candidates.rows : null;
  const shared = 'dense' in candidates ? candidates.dense : null;
  if (rows) rows.forEach((row, i) => row.length !== dim && checkDim(row, dim, `candidates[${i}]`));
  const data = (i: number): Float32Array => rows?.[i] ?? shared!.data;
  const offset = (i: number): number => (rows ? 0 : shared!.offsets[i]!);
  let i = 0;
  for (; i + 1 < count; i += 2) {
    twoRowsAgainstProbes(data(i), offset(i), data(i + 1), offset(i + 1), packed, probeCount, dim, cos);
    visit(i, cos, 0);
    visit(i + 1, cos, probeCount);
  }
  if (i < count) {
    rowAgainstProbes(data(i), offset(i), packed, probeCount, dim, cos);
    visit(i, cos, 0);
  }
}

/**
 * Writes sparse probes as the columns of `out` (`stride` numbers per
 * dimension: probe j's entry t at `t * stride + j`), which must start zeroed.
 */
export function writeTransposed(probes: readonly SparseRow[], out: Float32Array, stride: number): void {
  probes.forEach(({ index, value }, j) => {
    for (let k = 0; k < index.length; k++) out[index[k]! * stride + j] = value[k]!;
  });
}

/**
 * Plain dot products (cosines for unit vectors) of every candidate row with
 * each probe: row i against probe j at `[i * probes.length + j]`. Throws when
 * a probe's length differs from `candidates.dim`.
 */
export function probeDots(candidates: CandidateRows, probes: readonly Float32Array[]): Float64Array {
  const dim = candidates.dim;
  const count = rowCount(candidates);
  const m = probes.length;
  const out = new Float64Array(count * m);
  if (m === 0) return out;
  probes.forEach((p) => checkDim(p, dim, 'probes'));
  againstProbes(candidates, probes.map((vector) => ({ vector })), (i, cos, o) => {
    for (let j = 0; j < m; j++) out[i * m + j] = cos[o + j]!;
  });
  return out;
}

/** The probe p as `D²p / ‖Dp‖` (zero when Dp is zero), a new row. */
function weighed(p: SparseRow, w: Float32Array): SparseRow {
  const { index, value } = p;
  let sq = 0;
  for (let k = 0; k < index.length; k++) {
    const v = w[index[k]!]! * value[k]!;
    sq += v * v;
  }
  const inv = sq > 0 ? 1 / Math.sqrt(sq) : 0;
  return { index, value: value.map((v, k) => v * w[index[k]!]! * w[index[k]!]! * inv) };
}

/** `1 / ‖Dx‖` per sparse row (0 for a row that is zero under the weights). */
function inverseWeightedNorms(rows: SparseGather, w: Float32Array): Float64Array {
  const { index, value, start, length } = rows;
  return Float64Array.from(start, (at, i) => inverseWeightedNorm(index, value, at, length[i]!, w));
}

/**
 * Cosine of every row with one unit vector (`out[i] = rows[i] · v`), dense or
 * sparse: the similarity to a context item or a query.
 */
export function similarityTo(candidates: CandidateRows, v: Float32Array): Float64Array {
  return contentScores(candidates, { interests: [], query: v }).query!;
}

/** The standard normal CDF, Φ(z), to about 1e-7 (Abramowitz and Stegun 7.1.26 on erf). */
export function normalCdf(z: number): number {
  if (!Number.isFinite(z)) return z > 0 ? 1 : 0;
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/**
 * Standard scores `(v_i - mean) / max(std, minStd)` over the candidates
 * (population std). Non-finite entries are left out of the mean and std and
 * get 0. When the std is 0 (up to rounding: `std <= 1e-12 * max(1, |mean|)`),
 * or there are no finite values, every entry is 0: a component that does not
 * vary carries no information about the order. `minStd` is a noise floor:
 * differences much smaller than it stay small instead of being blown up to
 * unit variance.
 */
export function zScore(values: Float64Array, minStd = 0): Float64Array {
  const n = values.length;
  const out = new Float64Array(n);
  let count = 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) {
      sum += v;
      count++;
    }
  }
  if (count === 0) return out;
  const mean = sum / count;
  let sq = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) sq += (v - mean) * (v - mean);
  }
  const std = Math.sqrt(sq / count);
  if (!(std > 1e-12 * Math.max(1, Math.abs(mean)))) return out;
  const inv = 1 / Math.max(std, minStd);
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    out[i] = Number.isFinite(v) ? (v - mean) * inv : 0;
  }
  return out;
}

/**
 * Min-max rescaling to [0, 1]: `(v_i - min) / (max - min)`. Non-finite entries
 * and a constant input give 0. Useful to put relevance on the cosine's scale
 * before MMR.
 */
export function rescale01(values: Float64Array): Float64Array {
  const n = values.length;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  const out = new Float64Array(n);
  if (!(max > min)) return out;
  const inv = 1 / (max - min);
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    out[i] = Number.isFinite(v) ? (v - min) * inv : 0;
  }
  return out;
}
