/**
 * Offer experiment outcomes, kept locally, and the per-arm report the host
 * collects. The report holds counts only: no item ids, no timestamps, no
 * sequence of events.
 */
import { LocalRankError } from '../../errors.js';
import { validateExperimentName, type OfferArm } from './arms.js';

/** One offer outcome as stored locally. */
export interface OfferOutcome {
  type: 'offer_shown' | 'offer_accepted';
  experiment: string;
  arm: OfferArm;
  itemId: string;
  timestamp: number;
  /** The call's id: a call replayed after a worker restart is stored once. */
  callId?: string;
}

/** Counts for one arm. `conversion` is accepted / shown, 0 when nothing was shown. */
export interface ArmReport {
  shown: number;
  accepted: number;
  conversion: number;
}

/** One experiment's counts by arm (both arms always present). */
export interface ExperimentSummary {
  experiment: string;
  arms: { control: ArmReport; treatment: ArmReport };
}

/** One entry per experiment present in the outcomes, sorted by experiment name. */
export type ExperimentReport = ExperimentSummary[];

function invalid(field: string, message: string): never {
  throw new LocalRankError('INVALID_ARGUMENT', message, field);
}

function checkOutcome(raw: unknown, i: number): OfferOutcome {
  const at = `outcomes[${i}]`;
  if (typeof raw !== 'object' || raw === null) invalid(at, `${at} must be an object`);
  const o = raw as Partial<Record<keyof OfferOutcome, unknown>>;
  if (o.type !== 'offer_shown' && o.type !== 'offer_accepted') invalid(`${at}.type`, `${at}.type must be 'offer_shown' or 'offer_accepted'`);
  validateExperimentName(o.experiment, `${at}.experiment`);
  if (o.arm !== 'control' && o.arm !== 'treatment') invalid(`${at}.arm`, `${at}.arm must be 'control' or 'treatment'`);
  if (typeof o.itemId !== 'string' || o.itemId.length === 0) invalid(`${at}.itemId`, `${at}.itemId must be a non-empty string`);
  return raw as OfferOutcome;
}

function armReport(perOffer: Map<string, { shown: number; accepted: number }> | undefined): ArmReport {
  let shown = 0;
  let accepted = 0;
  for (const c of perOffer?.values() ?? []) {
    // An acceptance implies the offer was shown: when the log holds fewer
    // impressions than acceptances of one offer (its older `offer_shown` was
    // dropped when the log was trimmed, say), the missing ones count as shown.
    shown += Math.max(c.shown, c.accepted);
    accepted += c.accepted;
  }
  return { shown, accepted, conversion: shown === 0 ? 0 : accepted / shown };
}

/**
 * Per-experiment, per-arm counts of offers shown and accepted, with the
 * conversion rate. Outcomes are grouped by offer (experiment, arm, item) to
 * apply one rule: an offer's shown count is at least its accepted count, so
 * conversion never exceeds 1. The item ids are used for that grouping only;
 * the report holds counts and nothing else. Throws `INVALID_ARGUMENT` naming
 * `outcomes[i].<field>` for a malformed outcome.
 */
export function experimentReport(outcomes: readonly OfferOutcome[]): ExperimentReport {
  if (!Array.isArray(outcomes)) invalid('outcomes', 'outcomes must be an array');
  // experiment -> arm -> item -> counts
  const byExperiment = new Map<string, Map<OfferArm, Map<string, { shown: number; accepted: number }>>>();
  outcomes.forEach((raw, i) => {
    const o = checkOutcome(raw, i);
    let arms = byExperiment.get(o.experiment);
    if (arms === undefined) byExperiment.set(o.experiment, (arms = new Map()));
    let items = arms.get(o.arm);
    if (items === undefined) arms.set(o.arm, (items = new Map()));
    let c = items.get(o.itemId);
    if (c === undefined) items.set(o.itemId, (c = { shown: 0, accepted: 0 }));
    if (o.type === 'offer_shown') c.shown++;
    else c.accepted++;
  });
  return [...byExperiment.keys()]
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((experiment) => {
      const arms = byExperiment.get(experiment);
      return { experiment, arms: { control: armReport(arms?.get('control')), treatment: armReport(arms?.get('treatment')) } };
    });
}
