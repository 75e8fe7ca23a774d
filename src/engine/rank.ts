import type { Item, RankedItem, Reason, ScoreComponents } from '../types.js';
import { dot } from './vector.js';

/** One item of the person's history, aggregated over its events, in the ranking encoder's space. */
export interface HistoryEntry {
  itemId: string;
  title: string;
  /** Sum of the decayed weights of its events; only positive entries explain a score. */
  weight: number;
  /** The verb for reasons: "viewed", "bought"… */
  verb: string;
  vector: Float32Array;
}

export interface ScoringInput {
  candidates: readonly Item[];
  vectors: readonly Float32Array[];
  interest: Float32Array | null;
  query: Float32Array | null;
  history: readonly HistoryEntry[];
  k: number;
}

export const SCORE_WEIGHTS = { content: 1, prior: 0.2, query: 1 } as const;
const POPULAR_REASON_THRESHOLD = 0.8;

/** Cosine of unit vectors mapped to [0, 1]. */
const unit = (cos: number): number => Math.min(1, Math.max(0, (cos + 1) / 2));

/** log-scaled popularity relative to the most popular candidate, in [0, 1]. */
export function priorScores(candidates: readonly Item[]): Float64Array {
  let max = 0;
  for (const c of candidates) max = Math.max(max, Math.log1p(c.popularity ?? 0));
  const out = new Float64Array(candidates.length);
  if (max > 0) candidates.forEach((c, i) => (out[i] = Math.log1p(c.popularity ?? 0) / max));
  return out;
}

/** The history entry that contributed most to a candidate's content score (weight times similarity). */
export function strongestContributor(vector: Float32Array, history: readonly HistoryEntry[]): HistoryEntry | undefined {
  let best: HistoryEntry | undefined;
  let bestValue = 0;
  for (const h of history) {
    if (h.weight <= 0) continue;
    const value = h.weight * dot(vector, h.vector);
    if (value > bestValue) {
      bestValue = value;
      best = h;
    }
  }
  return best;
}

export function scoreCandidates(input: ScoringInput): RankedItem[] {
  const { candidates, vectors, interest, query, history } = input;
  const priors = priorScores(candidates);
  const ranked: RankedItem[] = candidates.map((item, i) => {
    const v = vectors[i]!;
    const components: ScoreComponents = { prior: priors[i]! };
    let score = SCORE_WEIGHTS.prior * priors[i]!;
    const reasons: Reason[] = [];
    if (interest) {
      components.content = unit(dot(v, interest));
      score += SCORE_WEIGHTS.content * components.content;
      const source = strongestContributor(v, history);
      if (source) reasons.push({ kind: 'similar_to_history', text: `Because you ${source.verb} ${source.title}`, itemId: source.itemId });
    }
    if (query) {
      const match = unit(dot(v, query));
      components.content = components.content === undefined ? match : (components.content + match) / 2;
      score += SCORE_WEIGHTS.query * match;
      reasons.push({ kind: 'query_match', text: 'Matches your search' });
    }
    if (priors[i]! >= POPULAR_REASON_THRESHOLD) reasons.push({ kind: 'popular', text: 'Popular now' });
    return { id: item.id, score, components, reasons };
  });
  // Stable order for ties: input order.
  const order = ranked.map((_, i) => i).sort((a, b) => ranked[b]!.score - ranked[a]!.score || a - b);
  return order.slice(0, input.k).map((i) => ranked[i]!);
}
