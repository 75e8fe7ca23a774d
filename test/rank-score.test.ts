import { describe, expect, it } from 'vitest';
import type { ScoringInput, SpaceInput } from '../src/engine/rank.js';
import { blendSpaces, DEFAULT_WEIGHTS, explainer, MIN_SPREAD, scoreCandidates, SESSION_SHARE } from '../src/engine/rank.js';
import { mulberry32 } from '../src/engine/ranking/random.js';
import { normalCdf, probeDots, sparsify, toRows } from '../src/engine/ranking/scores.js';
import type { Item } from '../src/types.js';

const f32 = (...v: number[]): Float32Array => Float32Array.from(v);
const items = (n: number, extra: (i: number) => Partial<Item> = () => ({})): Item[] => Array.from({ length: n }, (_, i) => ({ id: `i${i}`, title: `item ${i}`, ...extra(i) }));

/** Population mean and std, as the blend uses them. */
function stats(v: readonly number[]): { mean: number; std: number } {
  const mean = v.reduce((a, x) => a + x, 0) / v.length;
  return { mean, std: Math.sqrt(v.reduce((a, x) => a + (x - mean) ** 2, 0) / v.length) };
}

function space(rows: number[][], probes: Partial<SpaceInput> = {}): SpaceInput {
  return { rows: toRows(rows, rows[0]!.length), interests: [], session: null, query: null, context: null, ...probes };
}

function input(candidates: Item[], spaces: SpaceInput[], extra: Partial<ScoringInput> = {}): ScoringInput {
  return { candidates, spaces, affinity: null, negative: null, coPurchase: null, boosts: undefined, weights: DEFAULT_WEIGHTS, ...extra };
}

describe('normalCdf', () => {
  it('matches known values of the standard normal CDF', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1)).toBeCloseTo(0.8413447, 6);
    expect(normalCdf(-1.96)).toBeCloseTo(0.0249979, 6);
    expect(normalCdf(3)).toBeCloseTo(0.9986501, 6);
    expect(normalCdf(Infinity)).toBe(1);
    expect(normalCdf(-Infinity)).toBe(0);
  });
});

describe('blendSpaces', () => {
  it('one space: the CDF of the standard score (spread above the noise floor)', () => {
    const v = [0.1, 0.5, 0.9, 0.3];
    const { mean, std } = stats(v);
    const out = blendSpaces([Float64Array.from(v)]);
    v.forEach((x, i) => expect(out[i]).toBeCloseTo(normalCdf((x - mean) / std), 9));
  });

  it('two spaces: standard scores summed and scaled by 1/sqrt(2)', () => {
    const a = [0.2, 0.4, 0.9];
    const b = [0.3, 0.1, 0.2];
    const sa = stats(a);
    const sb = stats(b);
    const out = blendSpaces([Float64Array.from(a), Float64Array.from(b)]);
    a.forEach((_, i) => {
      const z = (a[i]! - sa.mean) / sa.std + (b[i]! - sb.mean) / Math.max(sb.std, MIN_SPREAD);
      expect(out[i]).toBeCloseTo(normalCdf(z / Math.SQRT2), 9);
    });
  });

  it('a space whose values barely differ does not outvote one that carries signal (regression: hash noise tied a clear winner)', () => {
    const signal = Float64Array.from([1, 0]);
    const noise = Float64Array.from([0, 0.001]); // the opposite order, by a hair
    const out = blendSpaces([signal, noise]);
    expect(out[0]).toBeGreaterThan(0.75);
    expect(out[1]).toBeLessThan(0.25);
  });

  it('a constant signal gives every candidate 0.5', () => {
    for (const v of blendSpaces([Float64Array.from([0.3, 0.3, 0.3])])) expect(v).toBeCloseTo(0.5, 8);
  });
});

describe('scoreCandidates', () => {
  it('content is the strength-weighted best interest match, blended; the score is the weighted sum of components', () => {
    // Interests: x axis strength 2, y axis strength 1 (relative 0.5).
    const rows = [[1, 0], [0, 1], [0.6, 0.8], [-1, 0]];
    const interests = [
      { vector: f32(1, 0), strength: 2 },
      { vector: f32(0, 1), strength: 1 },
    ];
    const cands = items(4, (i) => ({ popularity: [10, 0, 100, 1][i]! }));
    const scored = scoreCandidates(input(cands, [space(rows, { interests })]));
    const raw = [1, 0.5, 0.6, 0];
    const { mean, std } = stats(raw);
    // Rows are float32: 6 digits.
    raw.forEach((r, i) => expect(scored.components.content![i]).toBeCloseTo(normalCdf((r - mean) / std), 6));
    const maxLog = Math.log1p(100);
    cands.forEach((c, i) => {
      const prior = (1 + Math.log1p(c.popularity!)) / (1 + maxLog);
      expect(scored.components.prior![i]).toBeCloseTo(prior, 9);
      expect(scored.score[i]).toBeCloseTo(DEFAULT_WEIGHTS.content * scored.components.content![i]! + DEFAULT_WEIGHTS.prior * prior, 9);
    });
  });

  it('the session intent counts as one more probe at most SESSION_SHARE of the strongest interest', () => {
    const rows = [[1, 0], [0, 1]];
    const interests = [{ vector: f32(1, 0), strength: 4 }];
    // A strong session toward y: capped at 0.5 × 4, so it reaches relative strength 0.5.
    const scored = scoreCandidates(input(items(2), [space(rows, { interests, session: { vector: f32(0, 1), strength: 100 } })]));
    const raw = [1, SESSION_SHARE];
    const { mean, std } = stats(raw);
    raw.forEach((r, i) => expect(scored.components.content![i]).toBeCloseTo(normalCdf((r - mean) / std), 9));
    // Without interests (a dismissal removed them), the session alone decides.
    const alone = scoreCandidates(input(items(2), [space(rows, { session: { vector: f32(0, 1), strength: 0.1 } })]));
    expect(alone.components.content![1]).toBeGreaterThan(alone.components.content![0]!);
  });

  it('dense and sparse rows of the same vectors give the same content', () => {
    const rng = mulberry32(3);
    const dim = 64;
    const vecs = Array.from({ length: 30 }, () => Array.from({ length: dim }, () => (rng() < 0.15 ? rng() * 2 - 1 : 0)));
    const dense = toRows(vecs, dim);
    const interests = [{ vector: toRows([Array.from({ length: dim }, () => rng() - 0.5)], dim).rows[0]!, strength: 1 }];
    const a = scoreCandidates(input(items(30), [{ ...space(vecs), rows: dense, interests }]));
    // The same rows in CSR form, as the item index keeps lexical rows.
    const sparse = dense.rows.map(sparsify);
    const start = new Int32Array(sparse.length);
    for (let i = 1; i < sparse.length; i++) start[i] = start[i - 1]! + sparse[i - 1]!.index.length;
    const csr = {
      index: Uint16Array.from(sparse.flatMap((r) => Array.from(r.index))),
      value: Float32Array.from(sparse.flatMap((r) => Array.from(r.value))),
      start,
      length: Int32Array.from(sparse, (r) => r.index.length),
    };
    const b = scoreCandidates(input(items(30), [{ ...space(vecs), rows: { csr, dim }, interests }]));
    a.components.content!.forEach((v, i) => expect(b.components.content![i]).toBeCloseTo(v, 6));
  });

  it('cold start: no interests, no affinity: prior only, no content component', () => {
    const scored = scoreCandidates(input(items(3, (i) => ({ popularity: i })), [space([[1, 0], [0, 1], [1, 1]])]));
    expect(scored.components.content).toBeUndefined();
    expect(scored.components.affinity).toBeUndefined();
    expect(Array.from(scored.score)).toEqual(Array.from(scored.components.prior!, (p) => DEFAULT_WEIGHTS.prior * p));
  });

  it('weights: 0 turns a component off; negative is subtracted; boosts are added as given', () => {
    const cands = items(3, (i) => ({ popularity: [100, 1, 1][i]! }));
    const interests = [{ vector: f32(0, 1), strength: 1 }];
    const base = input(cands, [space([[1, 0], [0, 1], [0, 1]], { interests })], {
      negative: Float64Array.of(0, 0.6, 0),
      boosts: { i2: 0.5 },
    });
    const scored = scoreCandidates(base);
    expect(Array.from(scored.components.negative!)).toEqual([0, 0.6, 0]);
    expect(Array.from(scored.components.boost!)).toEqual([0, 0, 0.5]);
    const c = scored.components;
    for (let i = 0; i < 3; i++) {
      const expected = c.content![i]! + 0.2 * c.prior![i]! - 1 * c.negative![i]! + 1 * c.boost![i]!;
      expect(scored.score[i]).toBeCloseTo(expected, 9);
    }
    const popularityOnly = scoreCandidates({ ...base, weights: { ...DEFAULT_WEIGHTS, content: 0, boost: 0, negative: 0 } });
    expect(Array.from(popularityOnly.score)).toEqual(Array.from(c.prior!, (p) => 0.2 * p));
  });

  it('query and context are blended like content; complements use the co-purchase prior as context', () => {
    const rows = [[1, 0], [0, 1]];
    const withQuery = scoreCandidates(input(items(2), [space(rows, { query: f32(0, 1), context: f32(1, 0) })]));
    expect(withQuery.components.query![1]).toBeGreaterThan(0.5);
    expect(withQuery.components.context![0]).toBeGreaterThan(0.5);
    const complements = scoreCandidates(input(items(2), [space(rows)], { coPurchase: (item) => (item.id === 'i1' ? 1 : 0) }));
    expect(Array.from(complements.components.context!)).toEqual([0, 1]);
  });
});

describe('explainer: reasons are true', () => {
  const history = [
    { itemId: 'h-shoe', title: 'Trail shoe', weight: 1, verb: 'viewed', vector: f32(1, 0) },
    { itemId: 'h-knife', title: 'Chef knife', weight: 3, verb: 'bought', vector: f32(0, 1) },
  ];
  const rows = [[1, 0.1], [0.1, 1], [0.7, 0.7]];
  const cands = items(3, (i) => ({ popularity: [1, 1, 500][i]! }));
  const interests = history.map((h) => ({ vector: h.vector, strength: h.weight }));
  const scored = scoreCandidates(input(cands, [space(rows, { interests })]));
  const unit = toRows(rows, 2).rows;
  const historyCosines = (i: number) => probeDots({ rows: [unit[i]!], dim: 2 }, history.map((h) => h.vector));
  const explain = explainer({ candidates: cands, scored, history, historyCosines, seen: new Set(), shown: () => false });

  it('names the history item with the largest weight × cosine', () => {
    // i0: shoe 1 × 0.995 vs knife 3 × 0.0995; i2: shoe 0.71 vs knife 2.1.
    expect(explain(0).reasons.find((r) => r.kind === 'similar_to_history')?.itemId).toBe('h-shoe');
    expect(explain(2).reasons.find((r) => r.kind === 'similar_to_history')?.itemId).toBe('h-knife');
    for (let i = 0; i < 3; i++) {
      const named = explain(i).reasons.find((r) => r.kind === 'similar_to_history')?.itemId;
      const contributions = history.map((h) => h.weight * (unit[i]![0]! * h.vector[0]! + unit[i]![1]! * h.vector[1]!));
      expect(named).toBe(history[contributions.indexOf(Math.max(...contributions))]!.itemId);
    }
  });

  it('reports the components behind the score and "Popular now" only for the top decile', () => {
    const e = explain(2);
    expect(e.components.content).toBe(scored.components.content![2]);
    expect(e.components.prior).toBe(scored.components.prior![2]);
    expect(e.reasons).toContainEqual({ kind: 'popular', text: 'Popular now' });
    expect(explain(0).reasons.some((r) => r.kind === 'popular')).toBe(false);
  });
});
