/**
 * Truthful reasons. Each helper names a cause only when that cause is what
 * the numbers say: the history item with the largest contribution, the
 * strongest affinity the item actually has, a prior actually in the top
 * decile, an item actually unseen.
 */
import type { Reason } from '../../types.js';

/** One item of the person's history in the ranking encoder's space. */
export interface HistoryVector {
  itemId: string;
  title: string;
  /** Decayed event weight summed over the item's events; entries <= 0 never explain anything. */
  weight: number;
  /** Past-tense verb for the text: "viewed", "bought", "added to cart"… */
  verb: string;
  /** Unit vector, same space and length as the candidate's. */
  vector: Float32Array;
}

/** Thresholds of {@link strongestContributor}. */
export interface ContributionThresholds {
  /**
   * Smallest cosine between candidate and named history item. Default 0.3:
   * below it the two are not recognisably alike to a reader, whatever the weight.
   */
  minCosine?: number;
  /**
   * Smallest share of the candidate's total positive history contribution
   * `sum_h max(0, w_h * cos_h)` the named item must carry. Default 0.1: an
   * item that is one of a dozen equal minor causes is not "the" reason.
   */
  minShare?: number;
}

/** The history item that contributed most, with the numbers behind it. */
export interface Contribution {
  /** Index into the history array. */
  index: number;
  /** `weight * cos`, the largest over the history. */
  contribution: number;
  cosine: number;
  /** `contribution / sum_h max(0, w_h * cos_h)`, in (0, 1]. */
  share: number;
}

export const DEFAULT_MIN_COSINE = 0.3;
export const DEFAULT_MIN_SHARE = 0.1;

/**
 * The history entry whose contribution `weight * cos(candidate, vector)` is
 * the largest positive one (ties: the earlier entry), or null when no entry
 * contributes positively or the largest fails a threshold
 * (`cos >= minCosine` and `contribution >= minShare * total positive contribution`).
 * `cosines[j]` is the candidate's cosine with `history[j].vector` (the
 * caller computes them for all returned items at once; see `probeDots`).
 */
export function strongestContributor(cosines: ArrayLike<number>, history: readonly HistoryVector[], thresholds: ContributionThresholds = {}): Contribution | null {
  const minCosine = thresholds.minCosine ?? DEFAULT_MIN_COSINE;
  const minShare = thresholds.minShare ?? DEFAULT_MIN_SHARE;
  let best = -1;
  let bestValue = 0;
  let bestCos = 0;
  let total = 0;
  history.forEach((h, j) => {
    if (!(h.weight > 0) || !Number.isFinite(h.weight)) return;
    const cos = cosines[j]!;
    const value = h.weight * cos;
    if (!(value > 0)) return;
    total += value;
    if (value > bestValue) {
      bestValue = value;
      bestCos = cos;
      best = j;
    }
  });
  if (best < 0) return null;
  const share = bestValue / total;
  if (bestCos < minCosine || share < minShare) return null;
  return { index: best, contribution: bestValue, cosine: bestCos, share };
}

/** "Because you viewed Trail Runner 2", naming the strongest contributor; null when none qualifies. `cosines` as for {@link strongestContributor}. */
export function historyReason(cosines: ArrayLike<number>, history: readonly HistoryVector[], thresholds: ContributionThresholds = {}): Reason | null {
  const c = strongestContributor(cosines, history, thresholds);
  if (!c) return null;
  const h = history[c.index]!;
  return { kind: 'similar_to_history', text: `Because you ${h.verb} ${h.title}`, itemId: h.itemId };
}

/** An affinity the item has, with its raw current value (e.g. from `affinityValue`). */
export interface AffinityMatch {
  /** Readable label: "Shoes > Running", "Stridelab", "trail". */
  label: string;
  value: number;
}

/**
 * "Matches your interest in <label>" for the strongest affinity among those
 * the item has (ties: the earlier entry), when its raw value is above
 * `minValue` (default 0: any positive affinity). Pass only the item's own keys
 * (its category levels, brand, tags), so the reason is true of this item.
 */
export function interestReason(matches: readonly AffinityMatch[], minValue = 0): Reason | null {
  let best: AffinityMatch | null = null;
  for (const m of matches) {
    if (Number.isFinite(m.value) && m.value > minValue && (!best || m.value > best.value)) best = m;
  }
  return best ? { kind: 'interest', text: `Matches your interest in ${best.label}` } : null;
}

/**
 * "Popular now" for an item whose prior is in the top decile of the
 * candidates' priors: pass `topShareMask(prior, 0.1)[i] === 1` (popularity.ts).
 */
export function popularReason(inTopDecile: boolean): Reason | null {
  return inTopDecile ? { kind: 'popular', text: 'Popular now' } : null;
}

/** What "new for you" depends on. */
export interface Novelty {
  /** The item is in the summary's seen set (any non-impression event). */
  seen: boolean;
  /** The item is in the long tail of the candidates (`longTailMask`). */
  longTail: boolean;
  /** The item was ever shown to the person (it has impressions in the negatives table). */
  shown: boolean;
}

/** True for an unseen item that is in the long tail or was never shown: `!seen && (longTail || !shown)`. */
export function isNewForYou(n: Novelty): boolean {
  return !n.seen && (n.longTail || !n.shown);
}

/** "New for you" when {@link isNewForYou}; null otherwise. */
export function newForYouReason(n: Novelty): Reason | null {
  return isNewForYou(n) ? { kind: 'new_for_you', text: 'New for you' } : null;
}
