import type { Item, RankWeights, Reason, ScoreComponents } from '../types.js';
import type { AffinityScore } from './ranking/affinity.js';
import type { HistoryVector } from './ranking/explain.js';
import { historyReason, interestReason, newForYouReason, popularReason } from './ranking/explain.js';
import { logits, sigmoid } from './learning/features.js';
import { longTailMask, priorScores, topShareMask } from './ranking/popularity.js';
import type { CandidateRows, WeightedVector } from './ranking/scores.js';
import { contentScores, normalCdf, similarityTo, zScore } from './ranking/scores.js';

/**
 * Scoring: every candidate gets its components as typed arrays in one pass
 * per component, then a weighted sum. Explanations are written afterwards
 * for the few candidates that are returned (see {@link explainCandidate}).
 */

export const DEFAULT_WEIGHTS: Readonly<Required<RankWeights>> = Object.freeze({
  content: 1,
  affinity: 0.5,
  prior: 0.2,
  query: 3,
  context: 1.5,
  boost: 1,
  negative: 1,
  /** The learned component is in (0, 1): at weight 1 it moves an item by at most the full range of `content`. */
  learned: 1,
  cf: 1,
});
/** Spread of fold-in scores (x_u · y_i, on the implicit model's 0-to-1 preference scale) below which differences count as noise. */
const MIN_CF_SPREAD = 0.01;

/** Interests weaker than this share of the strongest are not compared with the candidates (they could add at most this much). */
const MIN_RELATIVE_INTEREST = 0.05;
/** Spread of cosines (standard deviation over the candidates) below which differences count as noise. */
export const MIN_SPREAD = 0.05;
/** The session intent weighs at most this share of the strongest interest. */
export const SESSION_SHARE = 0.5;
/** "Popular now" is said of the top tenth of the candidates by popularity. */
const POPULAR_SHARE = 0.1;

/** The candidates and the profile's probes in one encoder's space. */
export interface SpaceInput {
  rows: CandidateRows;
  interests: readonly WeightedVector[];
  session: WeightedVector | null;
  query: Float32Array | null;
  /** The page's item (similarTo). */
  context: Float32Array | null;
}

export interface ScoringInput {
  candidates: readonly Item[];
  /** The candidates' popularity, when the caller has it at hand (the item index): saves reading every item. */
  popularity?: Float64Array;
  /** The serving encoder's space first; the lexical space second when a model serves. */
  spaces: readonly SpaceInput[];
  /** The candidates' affinity values, and the strongest own affinity of candidate i for its reason. */
  affinity: { values: Float64Array; best(i: number): AffinityScore['best'] } | null;
  /** How strongly to hold each candidate back (dismissals, exposure without clicks), in [0, 1]; null: none is. */
  negative: Float64Array | null;
  /** Host-given co-purchase strength with the page's item, in [0, 1] (complements). */
  coPurchase: ((item: Item) => number) | null;
  boosts: Readonly<Record<string, number>> | undefined;
  /** Collaborative-filtering fold-in scores x_u · y_i (NaN: no factor), standardised into the `cf` component. */
  cf?: Float64Array | null;
  weights: Readonly<Required<RankWeights>>;
  longTailExponent?: number;
  /** The on-device learner's weights (learning/features.ts order) once it is active; it adds the `learned` component. */
  learned?: ArrayLike<number> | null;
}

type ComponentName = keyof ScoreComponents;

export interface Scored {
  score: Float64Array;
  /** The candidates' popularity (0 when absent), which the reasons read too. */
  popularity: Float64Array;
  /** Each component's value per candidate, for the components that applied to this ranking. */
  components: Partial<Record<ComponentName, Float64Array>>;
  /** Candidate i's strongest own affinity, for the reason (null when none). */
  affinityBest: ((i: number) => AffinityScore['best']) | null;
}

/**
 * Blends one signal measured in several spaces (cosine-like values): each
 * space's values are standardised over the candidates, with a noise floor of
 * {@link MIN_SPREAD} on the spread, summed, divided by √(spaces) and mapped
 * through the normal CDF to (0, 1). 0.5 is the candidates' average; a space
 * where the signal barely varies contributes little. (On MovieLens item cold
 * start, a z-scored sum of lexical and semantic profiles beat either alone.)
 */
export function blendSpaces(perSpace: readonly Float64Array[]): Float64Array {
  const n = perSpace[0]?.length ?? 0;
  const sum = new Float64Array(n);
  for (const values of perSpace) {
    const z = zScore(values, MIN_SPREAD);
    for (let i = 0; i < n; i++) sum[i]! += z[i]!;
  }
  const scale = 1 / Math.sqrt(Math.max(1, perSpace.length));
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = normalCdf(sum[i]! * scale);
  return out;
}

/**
 * The content signal in one space: per candidate, the best match among the
 * interests, each scaled by its strength relative to the strongest, and the
 * session intent, scaled the same way but at most {@link SESSION_SHARE}
 * (what the person does now steers, but does not override, a standing
 * interest or a dismissal that weakened one). Null when the space has neither.
 */
export function contentInSpace(space: SpaceInput): Float64Array | null {
  const { interests, session } = space;
  if (interests.length === 0 && !session) return null;
  const strongest = Math.max(0, ...interests.map((it) => it.strength));
  const probes =
    session && strongest > 0
      ? [...interests, { ...session, strength: SESSION_SHARE * Math.min(strongest, session.strength) }]
      : session
        ? [session]
        : interests;
  return contentScores(space.rows, { interests: probes, minRelativeStrength: MIN_RELATIVE_INTEREST }).interestMax;
}

export function scoreCandidates(input: ScoringInput): Scored {
  const { candidates, spaces, weights } = input;
  const n = candidates.length;
  const components: Scored['components'] = {};
  const popularity = input.popularity ?? Float64Array.from(candidates, (c) => c.popularity ?? 0);
  components.prior = priorScores(popularity, input.longTailExponent);

  const content = spaces.map(contentInSpace).filter((c): c is Float64Array => c !== null);
  if (content.length > 0) components.content = blendSpaces(content);
  const query = spaces.filter((s) => s.query).map((s) => similarityTo(s.rows, s.query!));
  if (query.length > 0) components.query = blendSpaces(query);
  const context = spaces.filter((s) => s.context).map((s) => similarityTo(s.rows, s.context!));
  if (context.length > 0) components.context = blendSpaces(context);
  if (input.coPurchase) components.context = Float64Array.from(candidates, input.coPurchase);

  let affinityBest: Scored['affinityBest'] = null;
  if (input.affinity) {
    components.affinity = input.affinity.values;
    affinityBest = input.affinity.best;
  }
  if (input.negative?.some((v) => v > 0)) components.negative = input.negative;
  const boosts = input.boosts;
  if (boosts && candidates.some((c) => boosts[c.id] !== undefined)) components.boost = Float64Array.from(candidates, (c) => boosts[c.id] ?? 0);
  // Last: the learner reads the other components.
  if (input.learned) {
    const z = logits(components, n, input.learned);
    for (let i = 0; i < n; i++) z[i] = sigmoid(z[i]!);
    components.learned = z;
  }

  if (input.cf) components.cf = cfComponent(input.cf);

  const score = new Float64Array(n);
  for (const [name, values] of Object.entries(components) as Array<[ComponentName, Float64Array]>) {
    // A penalty: the only component that counts against the item.
    const w = name === 'negative' ? -weights.negative : weights[name as keyof RankWeights];
    if (!w) continue;
    for (let i = 0; i < n; i++) score[i]! += w * values[i]!;
  }
  return { score, popularity, components, affinityBest };
}

/**
 * The fold-in scores on [0, 1] by min-max over the candidates (candidates
 * without a factor at the mean). Linear, unlike the normal CDF of the content
 * signal: a factor model's best items stand far out in its scores, and a CDF
 * would flatten exactly those differences at the top of the list.
 */
export function cfComponent(raw: Float64Array): Float64Array {
  const n = raw.length;
  let sum = 0;
  let count = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = raw[i]!;
    if (!Number.isFinite(v)) continue;
    sum += v;
    count++;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const out = new Float64Array(n);
  if (count === 0) return out;
  const mean = sum / count;
  const span = Math.max(max - min, MIN_CF_SPREAD);
  for (let i = 0; i < n; i++) out[i] = ((Number.isFinite(raw[i]!) ? raw[i]! : mean) - min) / span;
  return out;
}

/** What the reasons of one ranking share. */
export interface ExplainContext {
  candidates: readonly Item[];
  scored: Scored;
  /** The person's history in the serving encoder's space (items only). */
  history: readonly HistoryVector[];
  /** Candidate i's cosine with each history entry, in the history's order (asked only of the returned candidates). */
  historyCosines(i: number): ArrayLike<number>;
  seen: ReadonlySet<string>;
  /** Items ever shown to the person (impressions). */
  shown: (itemId: string) => boolean;
  /** The page's item in similarTo / complements. */
  anchor?: { item: Item; mode: 'similarTo' | 'complements' };
}

/** Builds the per-ranking facts that several candidates' reasons read (the popular and long-tail masks). */
export function explainer(ctx: ExplainContext): (i: number) => { components: ScoreComponents; reasons: Reason[] } {
  const { candidates, scored } = ctx;
  const popular = topShareMask(scored.popularity, POPULAR_SHARE);
  const longTail = longTailMask(scored.popularity);
  const personal = scored.components.content !== undefined || scored.components.affinity !== undefined;
  return (i) => {
    const item = candidates[i]!;
    const components: ScoreComponents = {};
    for (const [name, values] of Object.entries(scored.components) as Array<[ComponentName, Float64Array]>) components[name] = values[i]!;
    const reasons: Reason[] = [];
    const { anchor } = ctx;
    if (anchor?.mode === 'similarTo' && (components.context ?? 0) > 0.5) {
      reasons.push({ kind: 'similar_to_item', text: `Similar to ${anchor.item.title}`, itemId: anchor.item.id });
    }
    if (anchor?.mode === 'complements' && (components.context ?? 0) > 0) {
      reasons.push({ kind: 'bought_together', text: `Often bought with ${anchor.item.title}`, itemId: anchor.item.id });
    }
    if ((components.query ?? 0) > 0.5) reasons.push({ kind: 'query_match', text: 'Matches your search' });
    // Named only when that history item is clearly what the score rests on (see ranking/explain.ts).
    const because = components.content !== undefined ? historyReason(ctx.historyCosines(i), ctx.history) : null;
    if (because) reasons.push(because);
    const best = scored.affinityBest?.(i);
    const interest = best && (components.affinity ?? 0) > 0 ? interestReason([{ label: best.label, value: best.strength }]) : null;
    if (interest) reasons.push(interest);
    const popularNow = popularReason(popular[i] === 1);
    if (popularNow) reasons.push(popularNow);
    if ((components.boost ?? 0) > 0) reasons.push({ kind: 'boosted', text: 'Featured' });
    // "New for you" only where the profile says something and nothing in the history explains the item.
    if (personal && !because) {
      const fresh = newForYouReason({ seen: ctx.seen.has(item.id), longTail: longTail[i] === 1, shown: ctx.shown(item.id) });
      if (fresh) reasons.push(fresh);
    }
    return { components, reasons };
  };
}

/**
 * How relevant one item is to this person on an absolute scale, in [0, 1]
 * (offers need a score that does not depend on which other items are ranked):
 * the mean of its raw content match in the serving space (strength-weighted
 * rectified cosine with the best interest) and its positive affinity. 0 on a
 * cold start.
 */
export function absoluteRelevance(space: SpaceInput, affinity: AffinityScore | null): number {
  const content = contentInSpace(space)?.[0] ?? 0;
  const value = 0.5 * content + 0.5 * Math.max(0, affinity?.value ?? 0);
  return Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0;
}
