import { describe, expect, it } from 'vitest';
import { estimateShares, projectToSimplex } from '../src/aggregate.js';
import {
  createLdpReport,
  OTHER_CATEGORY,
  randomizedResponse,
  reportCategories,
  responseProbabilities,
  type LdpReport,
} from '../src/engine/privacy/randomized-response.js';
import { mulberry32, type Rng } from '../src/engine/ranking/random.js';
import { caught } from './caught.js';


/** An index drawn from the distribution `weights` (summing to 1). */
function draw(weights: readonly number[], rng: Rng): number {
  let u = rng();
  for (let i = 0; i < weights.length - 1; i++) {
    u -= weights[i]!;
    if (u < 0) return i;
  }
  return weights.length - 1;
}

describe('responseProbabilities', () => {
  it('p = e^ε / (e^ε + k - 1), q = 1 / (e^ε + k - 1): p / q = e^ε and p + (k - 1) q = 1', () => {
    for (const [k, eps] of [
      [2, 0.1],
      [6, 1],
      [6, 2],
      [50, 10],
    ] as const) {
      const { p, q } = responseProbabilities(k, eps);
      expect(p / q).toBeCloseTo(Math.exp(eps), 10);
      expect(p + (k - 1) * q).toBeCloseTo(1, 12);
    }
    // ε = ln 3, k = 3: p = 3/5, q = 1/5.
    const { p, q } = responseProbabilities(3, Math.log(3));
    expect(p).toBeCloseTo(0.6, 12);
    expect(q).toBeCloseTo(0.2, 12);
  });

  it.each<[string, () => unknown, string]>([
    ['epsilon 0', () => responseProbabilities(6, 0), 'options.epsilon'],
    ['epsilon -1', () => responseProbabilities(6, -1), 'options.epsilon'],
    ['epsilon NaN', () => responseProbabilities(6, NaN), 'options.epsilon'],
    ['epsilon Infinity', () => responseProbabilities(6, Infinity), 'options.epsilon'],
    ['epsilon above 10', () => responseProbabilities(6, 10.5), 'options.epsilon'],
    ['k = 1', () => responseProbabilities(1, 1), 'options.categories'],
    ['k = 0', () => responseProbabilities(0, 1), 'options.categories'],
    ['k = 2.5', () => responseProbabilities(2.5, 1), 'options.categories'],
    ['via randomizedResponse', () => randomizedResponse(0, 4, NaN, Math.random), 'options.epsilon'],
    ['true index out of range', () => randomizedResponse(4, 4, 1, Math.random), 'trueIndex'],
    ['true index not whole', () => randomizedResponse(0.5, 4, 1, Math.random), 'trueIndex'],
    ['a category list of only other', () => reportCategories([OTHER_CATEGORY]), 'options.categories'],
    ['duplicate categories', () => reportCategories(['a', 'b', 'a']), 'options.categories[2]'],
  ])('%s: INVALID_ARGUMENT naming %s', (_, fn, field) => {
    const error = caught(fn);
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.field).toBe(field);
  });
});

describe('randomizedResponse: one report matches the stated epsilon', () => {
  const N = 100_000;

  function histogram(truth: number | null, k: number, eps: number, seed: number): number[] {
    const rng = mulberry32(seed);
    const counts = new Array<number>(k).fill(0);
    for (let i = 0; i < N; i++) counts[randomizedResponse(truth, k, eps, rng)]!++;
    return counts.map((c) => c / N);
  }

  for (const [k, eps] of [
    [6, 1],
    [2, 0.5],
    [10, 3],
  ] as const) {
    it(`k = ${k}, ε = ${eps}: frequencies match p and q, and P(j | a) / P(j | b) <= e^ε`, () => {
      const { p, q } = responseProbabilities(k, eps);
      const a = 0;
      const b = k - 1;
      const fa = histogram(a, k, eps, 11 * k);
      const fb = histogram(b, k, eps, 13 * k);
      for (const [truth, f] of [
        [a, fa],
        [b, fb],
      ] as const) {
        f.forEach((freq, j) => {
          const expected = j === truth ? p : q;
          const sd = Math.sqrt((expected * (1 - expected)) / N);
          expect(Math.abs(freq - expected), `truth ${truth}, report ${j}`).toBeLessThan(4.5 * sd);
        });
      }
      // The privacy ratio, both ways, for every report value; sampling tolerance from the delta method.
      for (let j = 0; j < k; j++) {
        const x = fa[j]!;
        const y = fb[j]!;
        const relativeSd = Math.sqrt((1 - x) / (N * x) + (1 - y) / (N * y));
        const bound = Math.exp(eps) * (1 + 4.5 * relativeSd);
        expect(x / y).toBeLessThanOrEqual(bound);
        expect(y / x).toBeLessThanOrEqual(bound);
      }
      // And the largest ratio is e^ε (the bound is attained at j = a and j = b), not smaller.
      expect(fa[a]! / fb[a]!).toBeGreaterThan(Math.exp(eps) * (1 - 4.5 * Math.sqrt((1 - p) / (N * p) + (1 - q) / (N * q))));
    });
  }

  it('null (no true value) is the last bucket, other', () => {
    const f = histogram(null, 6, 1, 5);
    const { p } = responseProbabilities(6, 1);
    expect(Math.abs(f[5]! - p)).toBeLessThan(4.5 * Math.sqrt((p * (1 - p)) / N));
  });
});

describe('createLdpReport', () => {
  it('appends other (or moves it last) and reports an unknown or missing interest as other', () => {
    expect(reportCategories(['shoes', 'kitchen'])).toEqual(['shoes', 'kitchen', 'other']);
    expect(reportCategories(['other', 'shoes'])).toEqual(['shoes', 'other']);
    const rng = mulberry32(9);
    const alwaysTrue: Rng = () => 0; // rng() < p: the true value
    const r = createLdpReport(['shoes', 'kitchen'], 'kitchen', 1, alwaysTrue);
    expect(r).toEqual({ format: 'localrank-ldp', version: 1, mechanism: 'k-rr', epsilon: 1, categories: ['shoes', 'kitchen', 'other'], value: 1 });
    expect(createLdpReport(['shoes', 'kitchen'], 'garden', 1, alwaysTrue).value).toBe(2);
    expect(createLdpReport(['shoes', 'kitchen'], null, 1, alwaysTrue).value).toBe(2);
    // With the default (crypto) noise source, a valid index.
    const v = createLdpReport(['shoes', 'kitchen'], 'shoes', 1).value;
    expect([0, 1, 2]).toContain(v);
    expect([0, 1, 2]).toContain(createLdpReport(['shoes', 'kitchen'], 'shoes', 1, rng).value);
  });

  it('holds the category list, epsilon and one index: nothing else', () => {
    const r = createLdpReport(['a', 'b'], 'a', 2, mulberry32(1));
    expect(Object.keys(r).sort()).toEqual(['categories', 'epsilon', 'format', 'mechanism', 'value', 'version']);
  });
});

describe('estimateShares', () => {
  const hostCategories = ['shoes', 'kitchen', 'garden', 'books', 'toys']; // + other = 6 buckets
  const truth = [0.3, 0.25, 0.15, 0.12, 0.1, 0.08];

  function simulate(n: number, eps: number, seed: number): LdpReport[] {
    const rng = mulberry32(seed);
    const categories = reportCategories(hostCategories);
    return Array.from({ length: n }, () => {
      const t = draw(truth, rng);
      return createLdpReport(hostCategories, t === categories.length - 1 ? null : categories[t]!, eps, rng);
    });
  }

  it('exact on expected counts: (n_j / n - q) / (p - q) recovers the truth', () => {
    // ε = ln 3, k = 3: p = 0.6, q = 0.2, so P(report j) = 0.2 + 0.4 c_j; c = (0.5, 0.3, 0.2) -> 40, 32, 28 of 100.
    const categories = ['a', 'b', 'other'];
    const eps = Math.log(3);
    const reports: LdpReport[] = [];
    const push = (value: number, times: number): void => {
      for (let i = 0; i < times; i++) reports.push({ format: 'localrank-ldp', version: 1, mechanism: 'k-rr', epsilon: eps, categories, value });
    };
    push(0, 40);
    push(1, 32);
    push(2, 28);
    const e = estimateShares(reports);
    expect(e.n).toBe(100);
    expect(e.categories).toEqual(categories);
    [0.5, 0.3, 0.2].forEach((c, j) => expect(e.estimates[j]).toBeCloseTo(c, 12));
    // SE_0 = sqrt(0.4 * 0.6 / 100) / 0.4.
    expect(e.standardError[0]).toBeCloseTo(Math.sqrt(0.24 / 100) / 0.4, 12);
  });

  for (const [eps, absolute] of [
    // 4 theoretical standard errors at the largest share (0.30): 0.071 at ε = 1, 0.029 at ε = 2.
    [1, 0.075],
    [2, 0.03],
  ] as const) {
    it(`10,000 simulated users at ε = ${eps}: the estimates converge to the true distribution`, () => {
      const n = 10_000;
      const e = estimateShares(simulate(n, eps, 100 + eps));
      const { p, q } = responseProbabilities(6, eps);
      expect(e.epsilon).toBe(eps);
      expect(e.categories).toEqual([...hostCategories, 'other']);
      truth.forEach((c, j) => {
        const lambda = q + c * (p - q);
        const se = Math.sqrt((lambda * (1 - lambda)) / n) / (p - q);
        expect(Math.abs(e.estimates[j]! - c), `category ${j}`).toBeLessThan(4 * se);
        expect(Math.abs(e.estimates[j]! - c), `category ${j}`).toBeLessThan(absolute);
        // The reported standard error is the plug-in estimate of the true one.
        expect(Math.abs(e.standardError[j]! - se) / se).toBeLessThan(0.1);
      });
      expect(e.estimates.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 9);
      expect(e.clipped.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 9);
      for (const x of e.clipped) expect(x).toBeGreaterThanOrEqual(0);
    });
  }

  it('more users, smaller error: 100,000 users at ε = 1 within 0.025', () => {
    const e = estimateShares(simulate(100_000, 1, 7));
    truth.forEach((c, j) => expect(Math.abs(e.estimates[j]! - c)).toBeLessThan(0.025));
  });

  it.each<[string, (r: LdpReport[]) => unknown[], string]>([
    ['mixed epsilon', (r) => [r[0], { ...r[1]!, epsilon: 2 }], 'reports[1].epsilon'],
    ['mixed category lists', (r) => [r[0], { ...r[1]!, categories: ['x', 'y', 'other'] }], 'reports[1].categories'],
    ['reordered category list', (r) => [r[0], { ...r[1]!, categories: [...r[1]!.categories].reverse() }], 'reports[1].categories'],
    ['empty', () => [], 'reports'],
    ['value out of range', (r) => [{ ...r[0]!, value: 9 }], 'reports[0].value'],
    ['invalid epsilon', (r) => [{ ...r[0]!, epsilon: 0 }], 'reports[0].epsilon'],
    ['not a report', () => [{ format: 'something' }], 'reports[0]'],
  ])('%s: INVALID_ARGUMENT naming %s', (_, make, field) => {
    const base = simulate(2, 1, 3);
    const error = caught(() => estimateShares(make(base) as LdpReport[]));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.field).toBe(field);
  });
});

describe('projectToSimplex', () => {
  it('hand-checked: (0.5, 0.6, -0.1) -> (0.45, 0.55, 0); a point on the simplex stays', () => {
    const x = projectToSimplex([0.5, 0.6, -0.1]);
    [0.45, 0.55, 0].forEach((v, i) => expect(x[i]).toBeCloseTo(v, 12));
    const y = projectToSimplex([0.2, 0.3, 0.5]);
    [0.2, 0.3, 0.5].forEach((v, i) => expect(y[i]).toBeCloseTo(v, 12));
  });
});
