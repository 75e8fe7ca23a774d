/**
 * Maximal Marginal Relevance re-ranking (Carbonell & Goldstein, 1998).
 *
 * Greedy: at each step pick the remaining candidate maximising
 *
 *   lambda * rel_i - (1 - lambda) * max_{j picked} cos(x_i, x_j)
 *
 * (the max over an empty set counts as 0, so the first pick is the most
 * relevant). Ties go to the higher relevance, then the lower index; NaN
 * relevance counts as -Infinity. A running max-similarity array is updated
 * with one dot-product pass per pick: O(k × n × dim) time, O(n) memory.
 *
 * Relevance should be on a scale comparable to a cosine (e.g. `rescale01` in
 * scores.ts), or lambda means little. Vectors are expected unit length.
 */
import { LocalRankError } from '../../errors.js';
import type { VectorRows } from './scores.js';
import { topK } from './topk.js';

/** Dot product of two rows of `dim` numbers. */
function rowDot(x: Float32Array, y: Float32Array, dim: number): number {
  let s0 = 0;
  let s1 = 0;
  let t = 0;
  const end2 = dim - (dim & 1);
  for (; t < end2; t += 2) {
    s0 += x[t]! * y[t]!;
    s1 += x[t + 1]! * y[t + 1]!;
  }
  if (t < dim) s0 += x[t]! * y[t]!;
  return s0 + s1;
}

/**
 * The first `k` candidates in MMR order, as indices into `relevance` (and the
 * rows of `vectors`). With `pool`, only those indices compete (typically the
 * top few hundred by relevance, from `topK`); otherwise all. `lambda = 1` is
 * exactly `topK(relevance, k, pool)`; `lambda = 0` picks by diversity alone
 * after the first.
 */
export function mmr(relevance: Float64Array, vectors: VectorRows, lambda: number, k: number, pool?: Int32Array): Int32Array {
  if (!(lambda >= 0 && lambda <= 1)) throw new LocalRankError('INVALID_ARGUMENT', `lambda must be in [0, 1] (got ${lambda})`, 'lambda');
  if (vectors.rows.length !== relevance.length) {
    throw new LocalRankError('INVALID_ARGUMENT', `${relevance.length} relevance scores but ${vectors.rows.length} vectors`, 'vectors');
  }
  if (lambda === 1) return topK(relevance, k, pool);
  const ids = pool ? Int32Array.from(pool) : Int32Array.from({ length: relevance.length }, (_, i) => i);
  const n = ids.length;
  const size = Math.max(0, Math.min(Math.floor(k), n));
  const rel = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const r = relevance[ids[j]!]!;
    rel[j] = r === r ? r : -Infinity;
  }
  const maxSim = new Float64Array(n); // 0 = the empty set's penalty
  const taken = new Uint8Array(n);
  const out = new Int32Array(size);
  const { rows, dim } = vectors;
  for (let step = 0; step < size; step++) {
    let best = -1;
    let bestValue = -Infinity;
    for (let j = 0; j < n; j++) {
      if (taken[j]) continue;
      const r = rel[j]!;
      let value = r === -Infinity ? -Infinity : lambda * r - (1 - lambda) * maxSim[j]!;
      if (value !== value) value = -Infinity;
      if (best < 0 || value > bestValue || (value === bestValue && (r > rel[best]! || (r === rel[best]! && ids[j]! < ids[best]!)))) {
        best = j;
        bestValue = value;
      }
    }
    taken[best] = 1;
    const picked = ids[best]!;
    out[step] = picked;
    if (step === size - 1) break;
    for (let j = 0; j < n; j++) {
      if (taken[j]) continue;
      const sim = rowDot(rows[ids[j]!]!, rows[picked]!, dim);
      if (step === 0 || sim > maxSim[j]!) maxSim[j] = sim;
    }
  }
  return out;
}
