/**
 * Popularity as a ranking component: the log-scaled prior with its long-tail
 * exponent, and the popularity masks the re-ranking and the reasons use
 * ("long tail", "popular now").
 */
import { LocalRankError } from '../../errors.js';

/** Popularity as read here: finite and >= 0, anything else is 0. */
const cleanPopularity = (p: number): number => (Number.isFinite(p) && p > 0 ? p : 0);

/**
 * The prior of each candidate in (0, 1]:
 *
 *   prior_i = ((1 + log1p(p_i)) / (1 + log1p(p_max)))^alpha
 *
 * with `p_max` the largest popularity among the candidates (negative, NaN and
 * infinite popularity read as 0).
 *
 * - `alpha = 1` is plain log-popularity: an increasing affine map of
 *   `log1p(p)` (differences between items are `(log1p(p_i) - log1p(p_j)) / (1 + log1p(p_max))`),
 *   1 for the most popular candidate, `1 / (1 + log1p(p_max))` for one with
 *   popularity 0.
 * - `0 < alpha < 1` flattens: every prior moves toward 1, the least popular
 *   the most (their ratio to the top is raised to the power alpha), so the
 *   long tail catches up with the head.
 * - `alpha -> 0` removes popularity's influence: every prior tends to 1, the
 *   zero-popularity items included (the "1 +" keeps the base above 0, so no
 *   item is stuck at 0^alpha = 0); `alpha = 0` gives exactly 1 everywhere.
 * - `alpha > 1` sharpens toward the head.
 *
 * With no popularity at all (every `p_i` 0, or no candidates) every prior is 1.
 * Blend the prior unstandardised: z-scoring it would rescale away what alpha
 * controls (its spread).
 */
export function priorScores(popularity: Float64Array, longTailExponent = 1): Float64Array {
  const alpha = longTailExponent;
  if (!Number.isFinite(alpha) || alpha < 0) {
    throw new LocalRankError('INVALID_ARGUMENT', `the long-tail exponent must be a finite number >= 0 (got ${alpha})`, 'longTailExponent');
  }
  const n = popularity.length;
  let maxLog = 0;
  for (let i = 0; i < n; i++) maxLog = Math.max(maxLog, Math.log1p(cleanPopularity(popularity[i]!)));
  const out = new Float64Array(n);
  const denominator = 1 + maxLog;
  for (let i = 0; i < n; i++) {
    const base = (1 + Math.log1p(cleanPopularity(popularity[i]!))) / denominator;
    out[i] = alpha === 1 ? base : Math.pow(base, alpha);
  }
  return out;
}

/**
 * The value a candidate must reach to be in the top `share` of `values`:
 * the `ceil(share * n)`-th largest value (NaN reads as -Infinity). Infinity
 * when no candidate qualifies (share <= 0 or no candidates).
 */
export function topShareThreshold(values: Float64Array, share: number): number {
  const m = Math.ceil(Math.min(1, Math.max(0, share)) * values.length - 1e-9);
  if (m <= 0) return Infinity;
  return mthLargest(values, m);
}

/**
 * The `m`-th largest of `values` (1 <= m <= n; NaN reads as -Infinity), by
 * quickselect on a copy: O(n) expected. The shares asked for here are a tenth
 * or a fifth of the candidates, where a top-k heap costs O(n log m).
 */
export function mthLargest(values: Float64Array, m: number): number {
  const n = values.length;
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    a[i] = v === v ? v : -Infinity;
  }
  const target = n - m; // its index in ascending order
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >>> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    // Now a[lo..j] <= pivot <= a[i..hi], and everything strictly between equals the pivot.
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return pivot;
  }
  return a[target]!;
}

/**
 * 1 for candidates in the top `share` of `values` (e.g. 0.1: the top decile,
 * for "Popular now"), else 0. A candidate qualifies when its value is at least
 * the `ceil(share * n)`-th largest and strictly above the smallest value, so
 * ties at the threshold all qualify (the mask may hold slightly more than the
 * share) and equal values everywhere (no information) mark nobody.
 */
export function topShareMask(values: Float64Array, share: number): Uint8Array {
  const n = values.length;
  const out = new Uint8Array(n);
  const threshold = topShareThreshold(values, share);
  let min = Infinity;
  for (let i = 0; i < n; i++) if (values[i]! < min) min = values[i]!;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (v >= threshold && v > min) out[i] = 1;
  }
  return out;
}

/**
 * 1 for candidates in the long tail, else 0: everything below the head, the
 * head being the top `headShare` of the candidates by popularity (default
 * 0.2: the 20% most popular). A candidate is in the tail when its popularity
 * is strictly below the `ceil(headShare * n)`-th largest, so items tied with
 * the head's last member count as head, and with equal popularity everywhere
 * nothing is long tail. `headShare <= 0` puts every candidate in the tail.
 */
export function longTailMask(popularity: Float64Array, headShare = 0.2): Uint8Array {
  const n = popularity.length;
  const clean = new Float64Array(n);
  for (let i = 0; i < n; i++) clean[i] = cleanPopularity(popularity[i]!);
  const threshold = topShareThreshold(clean, headShare);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) if (clean[i]! < threshold) out[i] = 1;
  return out;
}
