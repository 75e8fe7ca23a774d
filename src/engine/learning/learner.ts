import { LocalRankError } from '../../errors.js';
import type { Rng } from '../ranking/random.js';
import { FEATURE_COUNT, FEATURES, sigmoid } from './features.js';
import type { SwapCounts } from './propensity.js';
import { createSwapCounts, PAIRS } from './propensity.js';

/**
 * The on-device learner: logistic regression of "clicked" on the features of
 * features.ts, trained online from impressions and clicks with
 * inverse-propensity weights (the IPS pointwise loss of Saito et al. 2020):
 *
 *   loss = −(c/θ)·log σ(w·x) − (1 − c/θ)·log(1 − σ(w·x)) + λ/2·|w|²
 *
 * for an impression at examination probability θ with click c. Its gradient
 * splits into an impression part σ(w·x)·x and a click part −(1/θ)·x, so the
 * two events update the model separately and in any order. The naive learner
 * is the same with θ = 1. Steps are AdaGrad (per-weight step sizes), weights
 * are clipped to ±{@link MAX_WEIGHT}; the state is a fixed handful of numbers
 * per feature, whatever the traffic.
 */

export const LEARNER_VERSION = 1;
/** Learning rate of the AdaGrad steps. */
const STEP = 0.3;
/** L2 regularisation per update. */
export const L2 = 1e-3;
/** Every weight stays within ±this. */
export const MAX_WEIGHT = 8;
/** The learned component appears once the learner has seen this many clicks and impressions. */
export const MIN_CLICKS = 5;
export const MIN_IMPRESSIONS = 30;

export interface LearnerState {
  /** One weight per feature (features.ts order). */
  weights: Float64Array;
  /** AdaGrad's sums of squared gradients. */
  gradSq: Float64Array;
  /** Diagonal of the log-loss Hessian plus the prior precision 1: the posterior precision Thompson sampling draws from. */
  precision: Float64Array;
  impressions: number;
  clicks: number;
  /** Clicks in randomised adjacent pairs, for the examination-curve estimate. */
  swaps: SwapCounts;
}

export function createLearner(): LearnerState {
  return {
    weights: new Float64Array(FEATURE_COUNT),
    gradSq: new Float64Array(FEATURE_COUNT),
    precision: new Float64Array(FEATURE_COUNT).fill(1),
    impressions: 0,
    clicks: 0,
    swaps: createSwapCounts(),
  };
}

export function cloneLearner(s: LearnerState): LearnerState {
  return {
    weights: Float64Array.from(s.weights),
    gradSq: Float64Array.from(s.gradSq),
    precision: Float64Array.from(s.precision),
    impressions: s.impressions,
    clicks: s.clicks,
    swaps: { upper: Float64Array.from(s.swaps.upper), lower: Float64Array.from(s.swaps.lower) },
  };
}

/** Whether the learner has seen enough feedback for its component to count. */
export function isActive(s: LearnerState | null): s is LearnerState {
  return s !== null && s.clicks >= MIN_CLICKS && s.impressions >= MIN_IMPRESSIONS;
}

function dot(w: ArrayLike<number>, x: ArrayLike<number>, offset: number): number {
  let z = 0;
  for (let j = 0; j < FEATURE_COUNT; j++) z += w[j]! * x[offset + j]!;
  return z;
}

/** One AdaGrad step on `scale · x + λ·w` (the bias is not regularised). */
function step(s: LearnerState, x: ArrayLike<number>, offset: number, scale: number): void {
  for (let j = 0; j < FEATURE_COUNT; j++) {
    const g = scale * x[offset + j]! + (j === 0 ? 0 : L2 * s.weights[j]!);
    if (g === 0) continue;
    s.gradSq[j]! += g * g;
    const w = s.weights[j]! - (STEP * g) / Math.sqrt(s.gradSq[j]! + 1e-8);
    s.weights[j] = Math.max(-MAX_WEIGHT, Math.min(MAX_WEIGHT, w));
  }
}

/** An impression of the item with features `x[offset ..]`: the "not clicked" part of the loss. */
export function learnImpression(s: LearnerState, x: ArrayLike<number>, offset = 0): void {
  const p = sigmoid(dot(s.weights, x, offset));
  for (let j = 0; j < FEATURE_COUNT; j++) s.precision[j]! += p * (1 - p) * x[offset + j]! ** 2;
  step(s, x, offset, p);
  s.impressions++;
}

/** A click on it, weighted by the inverse examination propensity (1 for the naive learner). */
export function learnClick(s: LearnerState, x: ArrayLike<number>, weight: number, offset = 0): void {
  step(s, x, offset, -weight);
  s.clicks++;
}

/** The learned probability of a click on an examined item (its relevance). */
export function predict(s: LearnerState, x: ArrayLike<number>, offset = 0): number {
  return sigmoid(dot(s.weights, x, offset));
}

/** Weights drawn from the Laplace posterior N(weights, 1 / precision) (Thompson sampling), Box–Muller on `rng`. */
export function sampleWeights(s: LearnerState, rng: Rng): Float64Array {
  const out = new Float64Array(FEATURE_COUNT);
  for (let j = 0; j < FEATURE_COUNT; j++) {
    const u = 1 - rng();
    const v = rng();
    const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    out[j] = s.weights[j]! + normal / Math.sqrt(s.precision[j]!);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Stored form (inside the behaviour summary)
// ---------------------------------------------------------------------------

export interface LearnerJSON {
  version: typeof LEARNER_VERSION;
  /** Feature names, in the order of the arrays below. */
  features: string[];
  weights: number[];
  gradSq: number[];
  precision: number[];
  impressions: number;
  clicks: number;
  swaps: { upper: number[]; lower: number[] };
}

const round = (x: number): number => {
  const r = Number(x.toPrecision(8));
  return r === 0 ? 0 : r;
};

export function learnerToJSON(s: LearnerState): LearnerJSON {
  return {
    version: LEARNER_VERSION,
    features: [...FEATURES],
    weights: Array.from(s.weights, round),
    gradSq: Array.from(s.gradSq, round),
    precision: Array.from(s.precision, round),
    impressions: s.impressions,
    clicks: s.clicks,
    swaps: { upper: Array.from(s.swaps.upper), lower: Array.from(s.swaps.lower) },
  };
}

const corrupt = (path: string, problem: string): never => {
  throw new LocalRankError('STORAGE_CORRUPTED', `Stored behaviour summary is invalid: ${path} ${problem}`, path);
};

function numbers(v: unknown, length: number, path: string, min: number): Float64Array {
  if (!Array.isArray(v) || v.length !== length) return corrupt(path, `must be an array of ${length} numbers`);
  return Float64Array.from(v, (x, i) => (typeof x === 'number' && Number.isFinite(x) && x >= min ? x : corrupt(`${path}[${i}]`, `must be a finite number >= ${min}`)));
}

/**
 * Reads the stored learner. A learner made for another feature list (an
 * older or newer LocalRank) is not an error: it returns null and learning
 * starts over. Anything malformed throws `STORAGE_CORRUPTED` naming the field.
 */
export function learnerFromJSON(raw: unknown, path = 'learner'): LearnerState | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return corrupt(path, 'must be an object');
  const o = raw as Record<string, unknown>;
  if (o['version'] !== LEARNER_VERSION || !Array.isArray(o['features']) || o['features'].join() !== FEATURES.join()) return null;
  const count = (v: unknown, p: string): number => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : corrupt(p, 'must be a whole number >= 0'));
  const swaps = o['swaps'];
  if (typeof swaps !== 'object' || swaps === null) return corrupt(`${path}.swaps`, 'must be { upper, lower }');
  const s = swaps as Record<string, unknown>;
  const weights = numbers(o['weights'], FEATURE_COUNT, `${path}.weights`, -MAX_WEIGHT);
  if (weights.some((w) => w > MAX_WEIGHT)) corrupt(`${path}.weights`, `must be within ±${MAX_WEIGHT}`);
  return {
    weights,
    gradSq: numbers(o['gradSq'], FEATURE_COUNT, `${path}.gradSq`, 0),
    precision: numbers(o['precision'], FEATURE_COUNT, `${path}.precision`, 1),
    impressions: count(o['impressions'], `${path}.impressions`),
    clicks: count(o['clicks'], `${path}.clicks`),
    swaps: { upper: numbers(s['upper'], PAIRS, `${path}.swaps.upper`, 0), lower: numbers(s['lower'], PAIRS, `${path}.swaps.lower`, 0) },
  };
}
