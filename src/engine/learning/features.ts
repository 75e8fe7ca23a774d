import type { ScoreComponents } from '../../types.js';

/**
 * The learner's inputs: a bias and the ranking's own component scores, each
 * centred so that an absent component reads 0 (neutral). Position is not a
 * feature on purpose: position bias is removed by inverse-propensity weights
 * (propensity.ts) instead, so the model scores an item the same wherever it
 * would be shown. The `negative` component is left out too: it is itself a
 * model of the same impressions and clicks (exposure without clicks), and
 * learning on it would count that feedback twice (items shown often would be
 * held back by both). The set is fixed: the model has exactly one weight per entry.
 */
export const FEATURES = ['bias', 'content', 'affinity', 'prior', 'query', 'context', 'cf', 'boost'] as const;
export type FeatureName = (typeof FEATURES)[number];
export const FEATURE_COUNT = FEATURES.length;

/** What a component reads as when it is at its neutral value (content and query: 0.5 is the candidates' average). */
const CENTRE: Partial<Record<FeatureName, number>> = { content: 0.5, query: 0.5 };

/** The components a feature reads, with their centres, in feature order (the bias, feature 0, reads none). */
export const COMPONENT_FEATURES: ReadonlyArray<{ feature: number; name: keyof ScoreComponents; centre: number }> = FEATURES.slice(1).map((name, j) => ({
  feature: j + 1,
  name: name as keyof ScoreComponents,
  centre: CENTRE[name] ?? 0,
}));

type ComponentArrays = Partial<Record<keyof ScoreComponents, Float64Array>>;

/** `w · x` for every candidate, over the component arrays: one multiply-add per present component and candidate. */
export function logits(components: ComponentArrays, n: number, weights: ArrayLike<number>): Float64Array {
  const out = new Float64Array(n).fill(weights[0]!);
  for (const { feature, name, centre } of COMPONENT_FEATURES) {
    const values = components[name];
    const w = weights[feature]!;
    if (!values || w === 0) continue;
    for (let i = 0; i < n; i++) out[i]! += w * (values[i]! - centre);
  }
  return out;
}

/** The feature rows of the candidates at `indices`, packed (`FEATURE_COUNT` numbers per row). */
export function featureRows(components: ComponentArrays, indices: ArrayLike<number>): Float32Array {
  const rows = new Float32Array(indices.length * FEATURE_COUNT);
  for (let r = 0; r < indices.length; r++) rows[r * FEATURE_COUNT] = 1;
  for (const { feature, name, centre } of COMPONENT_FEATURES) {
    const values = components[name];
    if (!values) continue;
    for (let r = 0; r < indices.length; r++) rows[r * FEATURE_COUNT + feature] = values[indices[r]!]! - centre;
  }
  return rows;
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}
