import type { Item, RankedItem, Reason, ScoreComponents } from '../types.js';
import { historyReason, popularReason } from './ranking/explain.js';
import type { HistoryVector } from './ranking/explain.js';
import { priorScores, topShareMask } from './ranking/popularity.js';
import { dot } from './vector.js';

export interface ScoringInput {
  candidates: readonly Item[];
  vectors: readonly Float32Array[];
  interest: Float32Array | null;
  query: Float32Array | null;
  /** The person's history, one entry per item aggregated over its events, in the ranking encoder's space. */
  history: readonly HistoryVector[];
  /** Flattens popularity: 1 is plain log-popularity, toward 0 popularity stops counting (ranking/popularity.ts). */
  longTailExponent?: number;
}

export const SCORE_WEIGHTS = { content: 1, prior: 0.2, query: 1 } as const;
/** "Popular now" is said of the top tenth of the candidates by prior. */
const POPULAR_SHARE = 0.1;

/** Cosine of unit vectors mapped to [0, 1]. */
const unit = (cos: number): number => Math.min(1, Math.max(0, (cos + 1) / 2));

/** Scores and explains every candidate; the result is in input order (ordering is rerank.ts's job). */
export function scoreCandidates(input: ScoringInput): RankedItem[] {
  const { candidates, vectors, interest, query, history } = input;
  const priors = priorScores(Float64Array.from(candidates, (c) => c.popularity ?? 0), input.longTailExponent);
  // "Popular now" follows popularity itself, not the flattened prior.
  const popular = topShareMask(Float64Array.from(candidates, (c) => c.popularity ?? 0), POPULAR_SHARE);
  const ranked: RankedItem[] = candidates.map((item, i) => {
    const v = vectors[i]!;
    const components: ScoreComponents = { prior: priors[i]! };
    let score = SCORE_WEIGHTS.prior * priors[i]!;
    const reasons: Reason[] = [];
    if (interest) {
      components.content = unit(dot(v, interest));
      score += SCORE_WEIGHTS.content * components.content;
      // Named only when that history item is clearly what the score rests on (see ranking/explain.ts).
      const because = historyReason(v, history);
      if (because) reasons.push(because);
    }
    if (query) {
      const match = unit(dot(v, query));
      components.content = components.content === undefined ? match : (components.content + match) / 2;
      score += SCORE_WEIGHTS.query * match;
      reasons.push({ kind: 'query_match', text: 'Matches your search' });
    }
    const popularNow = popularReason(popular[i] === 1);
    if (popularNow) reasons.push(popularNow);
    return { id: item.id, score, components, reasons };
  });
  return ranked;
}
