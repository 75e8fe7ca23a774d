/**
 * k-ary randomised response (k-RR), the local differential privacy mechanism
 * behind interest reports.
 *
 * Over k categories, a person whose true category is `a` reports `a` with
 * probability p = e^ε / (e^ε + k - 1) and each other category with
 * probability q = 1 / (e^ε + k - 1). For any two true values and any report,
 * the probabilities differ by a factor of at most p / q = e^ε: one report is
 * ε-locally differentially private.
 *
 * Categories: the host's fixed, public list plus a final `other` bucket
 * ({@link OTHER_CATEGORY}) for a person whose top interest is in none of them
 * or who has no history. k counts every bucket, `other` included, so every
 * person's true value is one of the k and the estimator stays unbiased.
 */
import { LocalRankError } from '../../errors.js';
import type { Rng } from '../ranking/random.js';

/** The largest ε accepted: beyond it the noise is negligible (p > 1 - (k - 1) e^-10) and "privacy" is nominal. */
export const MAX_EPSILON = 10;

/** The bucket for "none of the listed categories" (always the last category of a report). */
export const OTHER_CATEGORY = 'other';

/** The most categories a report may have (the other bucket included). */
export const MAX_CATEGORIES = 256;

/** One locally differentially private report: the only thing about interests that leaves the device. */
export interface LdpReport {
  format: 'localrank-ldp';
  version: 1;
  mechanism: 'k-rr';
  /** The privacy parameter of this one report. */
  epsilon: number;
  /** The fixed, public category list, `other` last. */
  categories: string[];
  /** Index into `categories` of the randomised answer. */
  value: number;
}

/** The k-RR probabilities: p of reporting the true category, q of reporting each other one. */
export interface ResponseProbabilities {
  p: number;
  q: number;
}

function invalid(field: string, message: string): never {
  throw new LocalRankError('INVALID_ARGUMENT', message, field);
}

/** Throws INVALID_ARGUMENT (`options.epsilon`) unless 0 < epsilon <= MAX_EPSILON and finite. */
export function validateEpsilon(epsilon: unknown): number {
  if (typeof epsilon !== 'number' || !Number.isFinite(epsilon) || epsilon <= 0 || epsilon > MAX_EPSILON) {
    invalid('options.epsilon', `epsilon must be a finite number in (0, ${MAX_EPSILON}] (got ${String(epsilon)})`);
  }
  return epsilon;
}

function validateK(k: unknown): number {
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 2 || k > MAX_CATEGORIES) {
    invalid('options.categories', `randomised response needs a whole number of categories from 2 to ${MAX_CATEGORIES} (got ${String(k)})`);
  }
  return k;
}

/**
 * p = e^ε / (e^ε + k - 1) and q = 1 / (e^ε + k - 1) for `k` categories (other
 * included, 2 <= k <= 256) and `epsilon` in (0, 10]. p + (k - 1) q = 1 and
 * p / q = e^ε.
 */
export function responseProbabilities(k: number, epsilon: number): ResponseProbabilities {
  validateK(k);
  const e = Math.exp(validateEpsilon(epsilon));
  const denominator = e + k - 1;
  return { p: e / denominator, q: 1 / denominator };
}

/** Uniform floats in [0, 1) from `crypto.getRandomValues`: the default noise source. */
export function cryptoRng(): number {
  const c = (globalThis as { crypto?: { getRandomValues?: (b: Uint32Array) => unknown } }).crypto;
  if (typeof c?.getRandomValues !== 'function') invalid('rng', 'crypto.getRandomValues is not available here; pass a random source');
  const word = new Uint32Array(1);
  c.getRandomValues(word);
  return word[0]! / 4294967296;
}

/**
 * The k-RR answer for true category index `trueIndex` (0 <= trueIndex < k);
 * `null` (no true value) is the last bucket, `k - 1`, the `other` category.
 * Reports `trueIndex` with probability p, else one of the other k - 1 indices
 * uniformly. `rng` must be unpredictable (the default, `crypto.getRandomValues`);
 * a seeded generator is for tests only, since whoever knows it can undo the noise.
 */
export function randomizedResponse(trueIndex: number | null, k: number, epsilon: number, rng: Rng = cryptoRng): number {
  const { p } = responseProbabilities(k, epsilon);
  const truth = trueIndex ?? k - 1;
  if (!Number.isInteger(truth) || truth < 0 || truth >= k) {
    invalid('trueIndex', `trueIndex must be a whole number in [0, ${k}) or null (got ${String(trueIndex)})`);
  }
  if (rng() < p) return truth;
  const r = Math.min(k - 2, Math.floor(rng() * (k - 1)));
  return r >= truth ? r + 1 : r;
}

/**
 * The report's category list: `categories` (non-empty, distinct, non-empty
 * strings) with {@link OTHER_CATEGORY} moved or appended to the end.
 */
export function reportCategories(categories: readonly string[]): string[] {
  if (!Array.isArray(categories)) invalid('options.categories', 'categories must be an array of strings');
  const seen = new Set<string>();
  categories.forEach((c, i) => {
    if (typeof c !== 'string' || c.length === 0) invalid(`options.categories[${i}]`, `categories[${i}] must be a non-empty string`);
    if (seen.has(c)) invalid(`options.categories[${i}]`, `categories[${i}] (${JSON.stringify(c)}) is listed twice`);
    seen.add(c);
  });
  const list = [...categories.filter((c) => c !== OTHER_CATEGORY), OTHER_CATEGORY];
  validateK(list.length);
  return list;
}

/**
 * An ε-LDP report of one person's top interest category. `trueCategory` is
 * chosen locally from the profile; `null` or a category not in the list is
 * reported as `other`. Only the returned report may leave the device.
 */
export function createLdpReport(categories: readonly string[], trueCategory: string | null, epsilon: number, rng: Rng = cryptoRng): LdpReport {
  const list = reportCategories(categories);
  const index = trueCategory === null ? -1 : list.indexOf(trueCategory);
  const value = randomizedResponse(index < 0 ? null : index, list.length, epsilon, rng);
  return { format: 'localrank-ldp', version: 1, mechanism: 'k-rr', epsilon, categories: list, value };
}
