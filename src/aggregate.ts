/**
 * Server-side helper: population interest shares from many LocalRank LDP
 * reports. Pure and tiny: it imports no engine, worker or browser code, so a
 * host's Node server can use it on its own.
 */
import { LocalRankError } from './errors.js';
import { responseProbabilities, type LdpReport } from './engine/privacy/randomized-response.js';

export type { LdpReport } from './engine/privacy/randomized-response.js';

/** Estimated share of the population in each category. */
export interface ShareEstimate {
  categories: string[];
  /** Number of reports. */
  n: number;
  epsilon: number;
  /** Unbiased estimates (n_j / n - q) / (p - q); they sum to 1 but may fall slightly outside [0, 1]. */
  estimates: number[];
  /** The estimates projected onto the probability simplex (each in [0, 1], summing to 1). */
  clipped: number[];
  /** Standard error of each unbiased estimate. */
  standardError: number[];
}

function invalid(field: string, message: string): never {
  throw new LocalRankError('INVALID_ARGUMENT', message, field);
}

/** Euclidean projection of `v` onto { x : x_i >= 0, sum x_i = 1 } (Duchi et al., 2008). */
export function projectToSimplex(v: readonly number[]): number[] {
  const sorted = [...v].sort((a, b) => b - a);
  let sum = 0;
  let theta = 0;
  for (let j = 0; j < sorted.length; j++) {
    sum += sorted[j]!;
    const t = (sum - 1) / (j + 1);
    if (sorted[j]! - t > 0) theta = t;
  }
  return v.map((x) => Math.max(0, x - theta));
}

/**
 * De-biases a set of k-RR reports (all with the same epsilon and category
 * list) into population shares. With p and q the report probabilities and
 * n_j the number of reports of category j out of n:
 *
 *   estimate_j = (n_j / n - q) / (p - q)
 *
 * is unbiased, with variance λ_j (1 - λ_j) / (n (p - q)^2), where
 * λ_j = q + c_j (p - q) is the probability of a report of j. The standard
 * error plugs in the clipped estimate for c_j, so it is positive even for a
 * category nobody reported. Throws `INVALID_ARGUMENT` naming the report for an
 * empty list, a malformed report, or reports that mix epsilon values or
 * category lists (estimate each group separately).
 */
export function estimateShares(reports: readonly LdpReport[]): ShareEstimate {
  if (!Array.isArray(reports) || reports.length === 0) invalid('reports', 'estimateShares needs a non-empty array of reports');
  const first = reports[0]!;
  const categories = checkReport(first, 0, undefined);
  const { epsilon } = first;
  const k = categories.length;
  const { p, q } = responseProbabilities(k, epsilon);
  const counts = new Array<number>(k).fill(0);
  reports.forEach((r, i) => {
    if (i > 0) checkReport(r, i, first);
    counts[r.value]!++;
  });
  const n = reports.length;
  const estimates = counts.map((c) => (c / n - q) / (p - q));
  const clipped = projectToSimplex(estimates);
  const standardError = clipped.map((c) => {
    const lambda = q + c * (p - q);
    return Math.sqrt((lambda * (1 - lambda)) / n) / (p - q);
  });
  return { categories: [...categories], n, epsilon, estimates, clipped, standardError };
}

function checkReport(r: unknown, i: number, first: LdpReport | undefined): string[] {
  const at = `reports[${i}]`;
  if (typeof r !== 'object' || r === null) invalid(at, `${at} must be an LDP report object`);
  const o = r as Partial<Record<keyof LdpReport, unknown>>;
  if (o.format !== 'localrank-ldp' || o.version !== 1 || o.mechanism !== 'k-rr') {
    invalid(at, `${at} is not a LocalRank k-RR report (format 'localrank-ldp', version 1, mechanism 'k-rr')`);
  }
  if (!Array.isArray(o.categories) || !o.categories.every((c) => typeof c === 'string')) invalid(`${at}.categories`, `${at}.categories must be an array of strings`);
  const categories = o.categories as string[];
  if (first === undefined) {
    if (new Set(categories).size !== categories.length) invalid(`${at}.categories`, `${at}.categories lists a category twice`);
    try {
      responseProbabilities(categories.length, o.epsilon as number); // validates k and epsilon
    } catch (error) {
      const field = error instanceof LocalRankError && error.field === 'options.epsilon' ? `${at}.epsilon` : `${at}.categories`;
      invalid(field, `${at}: ${error instanceof Error ? error.message : String(error)}`);
    }
  } else {
    if (o.epsilon !== first.epsilon) {
      invalid(`${at}.epsilon`, `reports mix epsilon values (${String(first.epsilon)} and ${String(o.epsilon)}); estimate each epsilon separately`);
    }
    if (categories.length !== first.categories.length || categories.some((c, j) => c !== first.categories[j])) {
      invalid(`${at}.categories`, `${at} has a different category list from reports[0]; estimate each list separately`);
    }
  }
  if (typeof o.value !== 'number' || !Number.isInteger(o.value) || o.value < 0 || o.value >= categories.length) {
    invalid(`${at}.value`, `${at}.value must be a category index in [0, ${categories.length})`);
  }
  return categories;
}
