import { addDecayed, capMap, decayOrder, decayedValue } from './affinity.js';
import type { NegativeEntry, Negatives, SummaryConfig } from './types.js';
import { DAY_MS } from './types.js';

/**
 * Negative signals per item, all decayed with `negativeHalfLifeDays`:
 * - exposure: each impression adds the examination propensity of its
 *   position (`config.propensity`, default 1/log2(position + 2): 1 at the top,
 *   0.5 at position 2, 0.30 at position 9), `unknownPositionPropensity`
 *   without a position;
 * - clicks: each positive engagement with an item that already has an entry
 *   adds 1 (engagements do not create entries, so liked items do not crowd
 *   the table);
 * - dismissed: each negative event adds its |weight|.
 * At most `maxNegatives` entries; beyond that, the one with the least current
 * activity (exposure + clicks + dismissed) goes.
 */

export function createNegatives(): Negatives {
  return new Map();
}

const halfLife = (config: Pick<SummaryConfig, 'negativeHalfLifeDays'>): number => config.negativeHalfLifeDays * DAY_MS;

function entryFor(negatives: Negatives, itemId: string, at: number, h: number): NegativeEntry {
  let e = negatives.get(itemId);
  if (!e) {
    e = { exposure: { w: 0, t: at }, clicks: { w: 0, t: at }, dismissed: { w: 0, t: at } };
    negatives.set(itemId, e);
  }
  return sync(e, at, h);
}

/** Brings the three parts of an entry to one time (the later of theirs and `at`), so its activity orders without `now`. */
function sync(e: NegativeEntry, at: number, h: number): NegativeEntry {
  const t = Math.max(at, e.exposure.t, e.clicks.t, e.dismissed.t);
  for (const d of [e.exposure, e.clicks, e.dismissed]) {
    if (d.t !== t) {
      d.w = decayedValue(d, t, h);
      d.t = t;
    }
  }
  return e;
}

/** Decayed total activity of an entry at `now`, the eviction order. */
export function negativeActivity(e: NegativeEntry, now: number, config: Pick<SummaryConfig, 'negativeHalfLifeDays'>): number {
  const h = halfLife(config);
  return decayedValue(e.exposure, now, h) + decayedValue(e.clicks, now, h) + decayedValue(e.dismissed, now, h);
}

function cap(negatives: Negatives, config: SummaryConfig): void {
  const h = halfLife(config);
  // The parts of an entry share one time (see sync), so their sum decays as one value.
  capMap(negatives, config.maxNegatives, (e) => decayOrder({ w: e.exposure.w + e.clicks.w + e.dismissed.w, t: e.exposure.t }, h));
}

/** Examination propensity of a position under `config` (clamped to [0, 1]). */
export function positionPropensity(position: number | undefined, config: SummaryConfig): number {
  const p = position === undefined || !Number.isFinite(position) ? config.unknownPositionPropensity : config.propensity(position);
  return Number.isFinite(p) ? Math.min(1, Math.max(0, p)) : 0;
}

export function recordImpression(negatives: Negatives, itemId: string, position: number | undefined, at: number, config: SummaryConfig): void {
  const p = positionPropensity(position, config);
  if (p <= 0) return;
  const h = halfLife(config);
  addDecayed(entryFor(negatives, itemId, at, h).exposure, p, at, h);
  cap(negatives, config);
}

export function recordEngagement(negatives: Negatives, itemId: string, at: number, config: SummaryConfig): void {
  const e = negatives.get(itemId);
  if (!e) return;
  const h = halfLife(config);
  addDecayed(sync(e, at, h).clicks, 1, at, h);
}

/** `amount`: the |weight| of the negative event (3 for a default dismiss). */
export function recordDismissal(negatives: Negatives, itemId: string, amount: number, at: number, config: SummaryConfig): void {
  if (!(amount > 0) || !Number.isFinite(amount)) return;
  const h = halfLife(config);
  addDecayed(entryFor(negatives, itemId, at, h).dismissed, amount, at, h);
  cap(negatives, config);
}

/**
 * How strongly to hold an item back, in [0, 1]:
 * `1 - exp(-(negativeExposureScale * max(0, exposure - negativeClickCredit * clicks) + negativeDismissScale * dismissed))`,
 * all at `now`. 0 for an unknown item; grows with exposure that brought no
 * click; each click cancels `negativeClickCredit` of exposure; one default
 * dismissal alone gives 1 - e^-1 = 0.63.
 */
export function negativeScore(negatives: Negatives, itemId: string, now: number, config: SummaryConfig): number {
  const e = negatives.get(itemId);
  if (!e) return 0;
  const h = halfLife(config);
  const exposure = decayedValue(e.exposure, now, h);
  const clicks = decayedValue(e.clicks, now, h);
  const dismissed = decayedValue(e.dismissed, now, h);
  const x = config.negativeExposureScale * Math.max(0, exposure - config.negativeClickCredit * clicks) + config.negativeDismissScale * Math.max(0, dismissed);
  const score = 1 - Math.exp(-x);
  return Number.isFinite(score) ? Math.min(1, Math.max(0, score)) : 0;
}
