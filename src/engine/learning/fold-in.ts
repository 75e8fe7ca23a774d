/**
 * Collaborative-filtering fold-in: this person's factor, solved on the device
 * against item factors a server-side implicit-feedback model made (Hu, Koren
 * and Volinsky 2008, "Collaborative Filtering for Implicit Feedback Datasets"):
 *
 *   x_u = (YᵀY + Yᵀ(C_u − I)Y + λI)⁻¹ Yᵀ C_u p(u)
 *
 * with preference p = 1 for items the person engaged with (0 for dismissed
 * ones) and confidence c = 1 + α·|w| from the summed event weight w. YᵀY is
 * taken over every item the engine knows with a factor, as in the model the
 * server trained: there every unobserved item is a zero preference at
 * confidence 1, and only that term keeps the solution from simply pointing at
 * the mean of the history (with YᵀY over the interacted items only, popular
 * directions the person never touched would not count against an item, and the
 * scores would not be on the server model's scale). The server's item-side
 * Gram matrix over its whole catalogue would be the exact term; the engine's
 * catalogue is the host's stand-in for it.
 *
 * The solve is one k×k Cholesky factorisation (k ≤ {@link MAX_FACTORS}): a
 * few hundred microseconds for k = 64, written here because it is twenty lines
 * and needs no dependency.
 */

/** Largest factor dimension the engine folds in (longer `cfVector`s are ignored, with a warning). */
export const MAX_FACTORS = 256;

export interface FoldInSettings {
  /** λ, the ridge term; the server model's value is the right one. */
  regularization: number;
  /** α, how much confidence one unit of event weight adds. */
  alpha: number;
}

export const DEFAULT_FOLD_IN: Readonly<FoldInSettings> = Object.freeze({ regularization: 0.1, alpha: 2 });

/** One item of the person's history: its factor and summed (signed) event weight. */
export interface FoldInInteraction {
  factor: ArrayLike<number>;
  weight: number;
}

/**
 * The person's factor, or null when nothing in the history has a positive
 * weight (a dismissal alone says nothing to fold in).
 *
 * @param gram YᵀY over the known items' factors, row-major k×k.
 */
export function foldIn(gram: Float64Array, k: number, interactions: readonly FoldInInteraction[], settings: FoldInSettings): Float64Array | null {
  if (gram.length !== k * k) throw new RangeError(`gram must be ${k}×${k}`);
  const a = Float64Array.from(gram);
  const b = new Float64Array(k);
  for (let d = 0; d < k; d++) a[d * k + d]! += settings.regularization;
  let positives = 0;
  for (const { factor, weight } of interactions) {
    if (factor.length !== k || !Number.isFinite(weight) || weight === 0) continue;
    const c = 1 + settings.alpha * Math.abs(weight);
    addOuter(a, factor, c - 1, k);
    if (weight > 0) {
      positives++;
      for (let d = 0; d < k; d++) b[d]! += c * factor[d]!;
    }
  }
  if (positives === 0) return null;
  return choleskySolve(a, b, k);
}

/** a += scale · y yᵀ (a row-major k×k). */
export function addOuter(a: Float64Array, y: ArrayLike<number>, scale: number, k: number): void {
  if (scale === 0) return;
  for (let r = 0; r < k; r++) {
    const s = scale * y[r]!;
    if (s === 0) continue;
    const row = r * k;
    for (let c = 0; c < k; c++) a[row + c]! += s * y[c]!;
  }
}

/**
 * Solves A x = b for a symmetric positive-definite A (row-major n×n; A is
 * overwritten by its Cholesky factor). Null when A is not positive definite.
 */
export function choleskySolve(a: Float64Array, b: ArrayLike<number>, n: number): Float64Array | null {
  for (let j = 0; j < n; j++) {
    const rowJ = j * n;
    let diag = a[rowJ + j]!;
    for (let p = 0; p < j; p++) diag -= a[rowJ + p]! * a[rowJ + p]!;
    if (!(diag > 0)) return null;
    const ljj = Math.sqrt(diag);
    a[rowJ + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      const rowI = i * n;
      let s = a[rowI + j]!;
      for (let p = 0; p < j; p++) s -= a[rowI + p]! * a[rowJ + p]!;
      a[rowI + j] = s / ljj;
    }
  }
  const x = Float64Array.from(b);
  for (let i = 0; i < n; i++) {
    let s = x[i]!;
    for (let p = 0; p < i; p++) s -= a[i * n + p]! * x[p]!;
    x[i] = s / a[i * n + i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i]!;
    for (let p = i + 1; p < n; p++) s -= a[p * n + i]! * x[p]!;
    x[i] = s / a[i * n + i]!;
  }
  return x;
}
