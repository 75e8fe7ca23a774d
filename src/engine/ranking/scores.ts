/**
 * Score components over a candidate matrix: the candidates' vectors packed
 * row-major in one Float32Array (`count × dim`), read once, every probe
 * (interest centroids, session intent, query) compared with each row while it
 * is in cache.
 *
 * Vectors are expected L2-normalised (as every encoder and the summary store
 * them), so a dot product is the cosine; `packVectors` normalises on the way in.
 */
import { LocalRankError } from '../../errors.js';

export { priorScores } from './popularity.js';

/** `count` vectors of `dim` numbers, row `i` at `data[i * dim .. (i + 1) * dim)`. */
export interface PackedVectors {
  data: Float32Array;
  count: number;
  dim: number;
}

/** A direction with a strength: an interest centroid (`readInterests`) or the session (`readSession`). */
export interface WeightedVector {
  /** Unit vector, length `dim`. */
  vector: Float32Array;
  /** Current decayed strength; entries with strength <= 0 or not finite are ignored. */
  strength: number;
}

/**
 * Packs vectors into one row-major matrix. Each row is scaled to unit length
 * unless `normalise` is false; a zero row stays zero (cosine 0 with
 * everything). Throws when a vector's length is not `dim`.
 */
export function packVectors(vectors: readonly ArrayLike<number>[], dim: number, normalise = true): PackedVectors {
  const count = vectors.length;
  const data = new Float32Array(count * dim);
  for (let i = 0; i < count; i++) {
    const v = vectors[i]!;
    if (v.length !== dim) throw new LocalRankError('INVALID_ARGUMENT', `vector ${i} has ${v.length} dimensions, expected ${dim}`, `vectors[${i}]`);
    const base = i * dim;
    let sq = 0;
    for (let t = 0; t < dim; t++) {
      const x = v[t]!;
      data[base + t] = x;
      sq += x * x;
    }
    if (normalise && sq > 0) {
      const inv = 1 / Math.sqrt(sq);
      for (let t = 0; t < dim; t++) data[base + t]! *= inv;
    }
  }
  return { data, count, dim };
}

/** What the content component compares the candidates with. */
export interface ContentProbes {
  /** Interest centroids with their strengths (any order). */
  interests: readonly WeightedVector[];
  /** Session-intent vector, or null/absent. */
  session?: Float32Array | null;
  /** Query vector (search re-ranking), or null/absent. */
  query?: Float32Array | null;
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

/** Dot product of row `a` of `x` (at `ai`) and row of `y` (at `bi`), `dim` long, 4 accumulators. */
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

function checkDim(v: Float32Array, dim: number, field: string): void {
  if (v.length !== dim) throw new LocalRankError('INVALID_ARGUMENT', `${field} has ${v.length} dimensions, candidates have ${dim}`, field);
}

/**
 * All content similarities in one pass over the candidate rows (see
 * {@link ContentScores} for the formulas). Probes are packed into one small
 * matrix first; each candidate row is then compared with every probe while it
 * is in cache. Cost: `count × (interests + session + query) × dim`
 * multiply-adds. Throws when a probe's length differs from `candidates.dim`.
 */
export function contentScores(candidates: PackedVectors, probes: ContentProbes): ContentScores {
  const { data, count, dim } = candidates;
  const interests = probes.interests.filter((it) => Number.isFinite(it.strength) && it.strength > 0);
  interests.forEach((it) => checkDim(it.vector, dim, 'interests'));
  const session = probes.session ?? null;
  const query = probes.query ?? null;
  if (session) checkDim(session, dim, 'session');
  if (query) checkDim(query, dim, 'query');

  const m = interests.length;
  const probeCount = m + (session ? 1 : 0) + (query ? 1 : 0);
  const packed = new Float32Array(probeCount * dim);
  interests.forEach((it, j) => packed.set(it.vector, j * dim));
  const sessionRow = session ? m : -1;
  const queryRow = query ? m + (session ? 1 : 0) : -1;
  if (session) packed.set(session, sessionRow * dim);
  if (query) packed.set(query, queryRow * dim);

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
    if (Number.isFinite(it.strength) && it.strength > 0) original[next++] = j;
  });

  const interestMax = new Float64Array(count);
  const interestMean = new Float64Array(count);
  const bestInterest = new Int32Array(count).fill(-1);
  const sessionOut = session ? new Float64Array(count) : null;
  const queryOut = query ? new Float64Array(count) : null;
  for (let i = 0; i < count; i++) {
    const row = i * dim;
    let best = 0;
    let bestJ = -1;
    let mean = 0;
    for (let j = 0; j < m; j++) {
      const cos = dotAt(data, row, packed, j * dim, dim);
      mean += share[j]! * cos;
      const v = cos > 0 ? relative[j]! * cos : 0;
      if (v > best) {
        best = v;
        bestJ = j;
      }
    }
    interestMax[i] = best;
    interestMean[i] = mean;
    if (bestJ >= 0) bestInterest[i] = original[bestJ]!;
    if (sessionOut) sessionOut[i] = dotAt(data, row, packed, sessionRow * dim, dim);
    if (queryOut) queryOut[i] = dotAt(data, row, packed, queryRow * dim, dim);
  }
  return { interestMax, interestMean, bestInterest, session: sessionOut, query: queryOut };
}

/**
 * Standard scores `(v_i - mean) / std` over the candidates (population std).
 * Non-finite entries are left out of the mean and std and get 0. When the std
 * is 0 (up to rounding: `std <= 1e-12 * max(1, |mean|)`), or there are no
 * finite values, every entry is 0: a component that does not vary carries no
 * information about the order.
 */
export function zScore(values: Float64Array): Float64Array {
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
  const inv = 1 / std;
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

/**
 * `sum_c weights[c] * components[c][i]` for every candidate `i`. All
 * components must have the same length (the length of the result; empty
 * without components). Weights must be finite; a weight of 0 skips its
 * component entirely (so its non-finite entries cannot leak in as NaN).
 */
export function blend(components: readonly Float64Array[], weights: ArrayLike<number>): Float64Array {
  if (components.length !== weights.length) {
    throw new LocalRankError('INVALID_ARGUMENT', `${components.length} components but ${weights.length} weights`, 'weights');
  }
  const n = components[0]?.length ?? 0;
  const out = new Float64Array(n);
  components.forEach((c, j) => {
    const w = weights[j]!;
    if (!Number.isFinite(w)) throw new LocalRankError('INVALID_ARGUMENT', `weights[${j}] must be a finite number (got ${w})`, `weights[${j}]`);
    if (c.length !== n) throw new LocalRankError('INVALID_ARGUMENT', `component ${j} has ${c.length} entries, expected ${n}`, `components[${j}]`);
    if (w === 0) return;
    for (let i = 0; i < n; i++) out[i]! += w * c[i]!;
  });
  return out;
}
