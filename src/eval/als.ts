import { addOuter, choleskySolve } from '../engine/learning/fold-in.js';
import type { Interaction } from './data.js';
import { seededRandom } from './data.js';

export interface AlsOptions {
  /** Factor dimension (default 64). */
  factors?: number;
  /** λ (default 0.1). */
  regularization?: number;
  /** Confidence of an observed interaction: 1 + α (default 2). */
  alpha?: number;
  /** Alternating sweeps (default 10). */
  iterations?: number;
  seed?: number;
}

/** A trained implicit-feedback factorisation: a factor per user and per item. */
export interface AlsModel {
  factors: number;
  regularization: number;
  alpha: number;
  users: Map<string, Float64Array>;
  items: Map<string, Float64Array>;
}

/**
 * Implicit-feedback ALS (Hu, Koren, Volinsky 2008) on binary interactions,
 * confidence 1 + α for an observed pair and 1 for the rest: each half-step
 * solves every user's (item's) factor in closed form, with the YᵀY trick so
 * that a solve costs O(n_u k² + k³). This is the "server-side" model of the
 * benchmarks; its item factors are what a host would ship as `cfVector`s.
 */
export function trainAls(interactions: readonly Interaction[], options: AlsOptions = {}): AlsModel {
  const { factors: k = 64, regularization = 0.1, alpha = 2, iterations = 10, seed = 1 } = options;
  const userIds = [...new Set(interactions.map((i) => i.user))];
  const itemIds = [...new Set(interactions.map((i) => i.item))];
  const userIndex = new Map(userIds.map((u, i) => [u, i]));
  const itemIndex = new Map(itemIds.map((u, i) => [u, i]));
  const byUser: number[][] = userIds.map(() => []);
  const byItem: number[][] = itemIds.map(() => []);
  const pairs = new Set<string>();
  for (const it of interactions) {
    const key = `${it.user}\u0000${it.item}`;
    if (pairs.has(key)) continue; // binary: repeats add nothing
    pairs.add(key);
    const u = userIndex.get(it.user)!;
    const i = itemIndex.get(it.item)!;
    byUser[u]!.push(i);
    byItem[i]!.push(u);
  }
  const random = seededRandom(seed);
  const init = (n: number) => Float64Array.from({ length: n * k }, () => (random() - 0.5) * 0.02);
  const x = init(userIds.length);
  const y = init(itemIds.length);
  for (let iter = 0; iter < iterations; iter++) {
    solveSide(x, y, byUser, k, regularization, alpha);
    solveSide(y, x, byItem, k, regularization, alpha);
  }
  const rows = (ids: string[], m: Float64Array) => new Map(ids.map((id, i) => [id, m.slice(i * k, (i + 1) * k)]));
  return { factors: k, regularization, alpha, users: rows(userIds, x), items: rows(itemIds, y) };
}

/** Solves every row of `target` against the fixed `other` side. */
function solveSide(target: Float64Array, other: Float64Array, observed: number[][], k: number, lambda: number, alpha: number): void {
  const gram = new Float64Array(k * k);
  const rows = other.length / k;
  for (let r = 0; r < rows; r++) addOuter(gram, other.subarray(r * k, (r + 1) * k), 1, k);
  for (let d = 0; d < k; d++) gram[d * k + d]! += lambda;
  observed.forEach((list, row) => {
    const a = Float64Array.from(gram);
    const b = new Float64Array(k);
    for (const j of list) {
      const f = other.subarray(j * k, (j + 1) * k);
      addOuter(a, f, alpha, k);
      for (let d = 0; d < k; d++) b[d]! += (1 + alpha) * f[d]!;
    }
    const solved = list.length > 0 ? choleskySolve(a, b, k) : new Float64Array(k);
    target.set(solved ?? new Float64Array(k), row * k);
  });
}
