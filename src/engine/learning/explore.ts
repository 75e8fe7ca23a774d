import type { ExploreOptions } from '../../types.js';
import type { Rng } from '../ranking/random.js';
import { randomInt } from '../ranking/random.js';
import { FEATURE_COUNT, sigmoid } from './features.js';
import type { LearnerState } from './learner.js';
import { sampleWeights } from './learner.js';

/**
 * Exploration: a randomised top k from the greedy order, with the propensity
 * of every shown position logged (the probability that the policy put the
 * shown item there), so feedback on explored lists can be weighted
 * correctly. Every method draws from a seeded generator, so a seed makes the
 * list reproducible.
 *
 * - `epsilon`: position by position, with probability ε an item drawn
 *   uniformly from the rest of the pool, else the best remaining one. The
 *   propensity is conditional on the items above (the policy's choice at that
 *   position): (1 − ε)·[best remaining] + ε / remaining.
 * - `pairs` (RandPair): a random offset o ∈ {0, 1}, then each adjacent pair
 *   (o + 2j, o + 2j + 1) inside the top k is swapped with probability 1/2.
 *   The propensity is the marginal probability of the shown item at its
 *   position (an item stays with 3/4 at the top, 1/2 elsewhere, moves one
 *   place with 1/4). The clicks on these pairs estimate the position-bias curve.
 * - `thompson`: the learner's weights are drawn from its posterior, the pool
 *   is re-sorted by the score with that draw, and the propensity is the share
 *   of {@link THOMPSON_SAMPLES} draws (the shown one included) that put the
 *   shown item at that position (a Monte Carlo estimate).
 */

export const DEFAULT_EPSILON = 0.1;
export const THOMPSON_SAMPLES = 100;

/** Candidates exploration draws from: the greedy top k and as many again below it (at least 10 more). */
export function poolSize(k: number, n: number): number {
  return Math.min(n, k + Math.max(k, 10));
}

export interface Explored {
  /** Candidate indices, k of them. */
  order: Int32Array;
  propensity: Float64Array;
  /** For `pairs`: the first position of the first randomised pair (0 or 1). */
  pairOffset?: number;
}

/** What Thompson sampling re-scores: per pool entry, the score without the learned part and its features. */
export interface ThompsonInput {
  learner: LearnerState;
  /** Weight of the learned component. */
  weight: number;
  baseScore: Float64Array;
  /** Pool entries' feature rows, `FEATURE_COUNT` numbers each. */
  features: Float32Array;
}

export function epsilonGreedy(pool: Int32Array, k: number, epsilon: number, rng: Rng): Explored {
  const remaining = Array.from(pool);
  const order = new Int32Array(k);
  const propensity = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    const r = remaining.length;
    const at = rng() < epsilon ? randomInt(rng, r) : 0;
    order[i] = remaining[at]!;
    propensity[i] = (at === 0 ? 1 - epsilon : 0) + epsilon / r;
    remaining.splice(at, 1);
  }
  return { order, propensity };
}

/** Marginal probability that the greedy item at `from` is shown at `to` under {@link randomPairs} with `k` shown. */
export function pairsPropensity(from: number, to: number, k: number): number {
  // Offset o pairs (o, o+1), (o+2, o+3)…; the pair must lie inside the top k.
  let p = 0;
  for (const offset of [0, 1]) {
    const lo = Math.min(from, to);
    const paired = lo >= offset && (lo - offset) % 2 === 0 && lo + 1 < k;
    if (from === to) {
      const start = from >= offset && (from - offset) % 2 === 0 ? from : from - 1;
      const inPair = start >= offset && start + 1 < k;
      p += 0.5 * (inPair ? 0.5 : 1);
    } else if (Math.abs(from - to) === 1 && paired) {
      p += 0.5 * 0.5;
    }
  }
  return p;
}

export function randomPairs(greedy: Int32Array, k: number, rng: Rng): Explored {
  const order = greedy.slice(0, k);
  const from = Int32Array.from({ length: k }, (_, i) => i);
  const offset = rng() < 0.5 ? 0 : 1;
  for (let a = offset; a + 1 < k; a += 2) {
    if (rng() < 0.5) continue;
    [order[a], order[a + 1]] = [order[a + 1]!, order[a]!];
    [from[a], from[a + 1]] = [from[a + 1]!, from[a]!];
  }
  const propensity = Float64Array.from(from, (f, to) => pairsPropensity(f, to, k));
  return { order, propensity, pairOffset: offset };
}

/** Pool positions sorted by one Thompson draw's score, best first (ties: pool order). */
function sampledOrder(input: ThompsonInput, weights: Float64Array): Int32Array {
  const m = input.baseScore.length;
  const score = new Float64Array(m);
  for (let r = 0; r < m; r++) {
    let z = 0;
    for (let j = 0; j < FEATURE_COUNT; j++) z += weights[j]! * input.features[r * FEATURE_COUNT + j]!;
    score[r] = input.baseScore[r]! + input.weight * sigmoid(z);
  }
  return Int32Array.from({ length: m }, (_, r) => r).sort((a, b) => score[b]! - score[a]! || a - b);
}

/**
 * Thompson sampling over a pool; `pool[r]` is the candidate of pool entry r.
 * Also returns, for tests, `table[i]`: how often (share of draws) each pool entry was at position i.
 */
export function thompson(pool: Int32Array, k: number, input: ThompsonInput, rng: Rng, samples = THOMPSON_SAMPLES): Explored & { table: Float64Array[] } {
  const m = pool.length;
  const table = Array.from({ length: k }, () => new Float64Array(m));
  let shown: Int32Array | null = null;
  for (let s = 0; s < samples; s++) {
    const sorted = sampledOrder(input, sampleWeights(input.learner, rng));
    shown ??= sorted;
    for (let i = 0; i < k; i++) table[i]![sorted[i]!]! += 1;
  }
  // Counts, divided once: summing 1 / samples per draw can end above 1 (100 × 0.01 = 1.0000000000000007).
  for (const row of table) for (let r = 0; r < m; r++) row[r]! /= samples;
  const order = Int32Array.from({ length: k }, (_, i) => pool[shown![i]!]!);
  const propensity = Float64Array.from({ length: k }, (_, i) => table[i]![shown![i]!]!);
  return { order, propensity, table };
}

/** Checks `options.explore`; returns it typed (the field named on failure). */
export function validateExplore(raw: unknown, bad: (field: string, problem: string) => never): ExploreOptions {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return bad('explore', "must be { method: 'epsilon' | 'thompson' | 'pairs', epsilon?, seed? }");
  const o = raw as Record<string, unknown>;
  const method = o['method'];
  if (method !== 'epsilon' && method !== 'thompson' && method !== 'pairs') return bad('explore.method', "must be 'epsilon', 'thompson' or 'pairs'");
  const out: ExploreOptions = { method };
  if (o['epsilon'] !== undefined) {
    const e = o['epsilon'];
    if (method !== 'epsilon') bad('explore.epsilon', "applies to method 'epsilon' only");
    if (typeof e !== 'number' || !(e >= 0 && e <= 1)) bad('explore.epsilon', 'must be a number from 0 to 1');
    out.epsilon = e as number;
  }
  if (o['seed'] !== undefined) {
    const s = o['seed'];
    if (typeof s !== 'number' || !Number.isSafeInteger(s)) bad('explore.seed', 'must be a whole number');
    out.seed = s as number;
  }
  return out;
}
