import { defaultPropensity } from '../summary/types.js';

/**
 * Position bias: how likely a person is to look at (examine) an item at a
 * zero-based position. A click needs both examination and relevance, so a
 * click at a low position says more than one at the top; inverse-propensity
 * scoring (IPS) weighs each click by 1 / examination(position) to learn
 * relevance instead of position.
 *
 * The default curve is 1 / log2(position + 2) (1 at the top, 0.5 at
 * position 2, 0.30 at position 9), the DCG discount the negatives of the
 * behaviour summary already use. It can be estimated from randomised swaps of
 * adjacent pairs instead (RandPair; see {@link estimateCurve}).
 */

/** Examination probabilities below this are clipped: an IPS weight is at most 1 / CLIP = 10. */
export const MIN_EXAMINATION = 0.1;
/** Adjacent pairs (k, k + 1) tracked for the swap estimate: positions 0 to PAIRS. */
export const PAIRS = 20;
/** Pseudo-clicks per pair that pull the estimate towards the default ratio when swap data is scarce. */
const PRIOR_CLICKS = 10;

export const defaultExamination = defaultPropensity;

/** The IPS weight of a click at an examination probability: 1 / max(θ, {@link MIN_EXAMINATION}), so in [1, 10]. */
export function ipsWeight(examination: number): number {
  if (!(examination > 0)) return 1 / MIN_EXAMINATION;
  return 1 / Math.min(1, Math.max(MIN_EXAMINATION, examination));
}

/**
 * Clicks seen at the two positions of each randomised adjacent pair: for the
 * pair (k, k + 1) swapped with probability 1/2, `upper[k]` counts clicks at k
 * and `lower[k]` clicks at k + 1. Randomisation makes both positions hold
 * the same items on average, so lower[k] / upper[k] estimates θ(k+1) / θ(k).
 */
export interface SwapCounts {
  upper: Float64Array;
  lower: Float64Array;
}

export function createSwapCounts(): SwapCounts {
  return { upper: new Float64Array(PAIRS), lower: new Float64Array(PAIRS) };
}

/** Records a click at `position` in a ranking whose pair starting at `pairStart` was randomised. */
export function recordSwapClick(counts: SwapCounts, pairStart: number, position: number): void {
  if (pairStart < 0 || pairStart >= PAIRS) return;
  if (position === pairStart) counts.upper[pairStart]! += 1;
  else if (position === pairStart + 1) counts.lower[pairStart]! += 1;
}

/**
 * The examination curve from swap clicks, θ(0) = 1 and
 * θ(k+1) = θ(k) × (lower[k] + m·r(k)) / (upper[k] + m), where r(k) is the
 * default curve's ratio and m = 10 pseudo-clicks (so few clicks barely move
 * it), kept non-increasing and at least {@link MIN_EXAMINATION}. Beyond the
 * tracked pairs the default curve's shape continues from the last estimate.
 */
export function estimateCurve(counts: SwapCounts): (position: number) => number {
  const theta = new Float64Array(PAIRS + 1);
  theta[0] = 1;
  for (let k = 0; k < PAIRS; k++) {
    const prior = defaultExamination(k + 1) / defaultExamination(k);
    const ratio = (counts.lower[k]! + PRIOR_CLICKS * prior) / (counts.upper[k]! + PRIOR_CLICKS);
    theta[k + 1] = Math.max(MIN_EXAMINATION, Math.min(theta[k]!, theta[k]! * ratio));
  }
  return (position) => {
    const p = Math.max(0, Math.floor(position));
    if (p <= PAIRS) return theta[p]!;
    return Math.max(MIN_EXAMINATION, (theta[PAIRS]! * defaultExamination(p)) / defaultExamination(PAIRS));
  };
}
