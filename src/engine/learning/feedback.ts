import { FEATURE_COUNT } from './features.js';
import type { LearnerState } from './learner.js';
import { learnClick, learnImpression } from './learner.js';
import { defaultExamination, estimateCurve, ipsWeight, recordSwapClick } from './propensity.js';

/**
 * Links impressions and clicks to the ranking that showed the item. Every
 * ranking served while learning is on gets an id (`RankResult.rankingId`);
 * the engine keeps the last {@link MAX_RANKINGS} of them in the worker's
 * memory (never stored, never sent), each with the features and exploration
 * propensities of its first {@link MAX_SHOWN} items. The host sends the id
 * back as `listId` with `impression` and `click` events; events that name no
 * remembered ranking are stored as usual but not learned from.
 */

export const MAX_RANKINGS = 32;
export const MAX_SHOWN = 100;

export interface ShownRanking {
  /** The first {@link MAX_SHOWN} items shown, in order. */
  ids: string[];
  /** Whether `ids` holds the whole ranking (else items further down are not remembered). */
  complete: boolean;
  /** Feature rows of the shown items, in shown order. */
  features: Float32Array;
  /** Exploration propensity of each shown position (null: not explored). */
  propensity: Float64Array | null;
  /** Exploration by random pairs: the first position of the first randomised pair. */
  pairOffset: number | null;
  /** Feedback already learned from, per shown item: each item counts once per ranking. */
  impressed: Uint8Array;
  clicked: Uint8Array;
}

export class RecentRankings {
  private readonly rankings = new Map<string, ShownRanking>();

  /** Remembers a ranking of `length` items; `ids` and `features` may hold the first {@link MAX_SHOWN} only. */
  add(id: string, length: number, ranking: Omit<ShownRanking, 'impressed' | 'clicked' | 'complete'>): void {
    const n = Math.min(length, ranking.ids.length, MAX_SHOWN);
    this.rankings.set(id, {
      ids: ranking.ids.slice(0, n),
      complete: n === length,
      features: ranking.features.slice(0, n * FEATURE_COUNT),
      propensity: ranking.propensity?.slice(0, n) ?? null,
      pairOffset: ranking.pairOffset,
      impressed: new Uint8Array(n),
      clicked: new Uint8Array(n),
    });
    for (const key of this.rankings.keys()) {
      if (this.rankings.size <= MAX_RANKINGS) break;
      this.rankings.delete(key);
    }
  }

  get(id: string): ShownRanking | undefined {
    return this.rankings.get(id);
  }

  clear(): void {
    this.rankings.clear();
  }
}

/** One impression or click tied to a remembered ranking: the item's place in it and the position the host showed it at. */
export interface Feedback {
  type: 'impression' | 'click';
  ranking: ShownRanking;
  /** Index of the item in the ranking. */
  index: number;
  /** Position the person saw it at (the host's, else the ranking's). */
  position: number;
}

export interface LearningConfig {
  /** Weigh clicks by the inverse examination propensity (false: the naive learner). */
  ips: boolean;
  /** The examination curve: the default one, or estimated from randomised pairs. */
  positionBias: 'default' | 'estimated';
}

/** The examination probability the learner uses now, per position. */
export function examinationCurve(learner: LearnerState, config: LearningConfig): (position: number) => number {
  return config.positionBias === 'estimated' ? estimateCurve(learner.swaps) : defaultExamination;
}

/**
 * Updates the learner with feedback, in order. A click on an item whose
 * impression was not tracked counts as an impression too (one can't click
 * what was not shown); repeated impressions or clicks of one item in one
 * ranking count once.
 */
export function applyFeedback(learner: LearnerState, feedback: readonly Feedback[], config: LearningConfig): void {
  for (const f of feedback) {
    const r = f.ranking;
    const offset = f.index * FEATURE_COUNT;
    if (!r.impressed[f.index]) {
      r.impressed[f.index] = 1;
      learnImpression(learner, r.features, offset);
    }
    if (f.type !== 'click' || r.clicked[f.index]) continue;
    r.clicked[f.index] = 1;
    // Swap counts: only where the person saw the item where the ranking put it.
    if (r.pairOffset !== null && f.position === f.index && f.position >= r.pairOffset) {
      const start = f.position - ((f.position - r.pairOffset) % 2);
      if (start + 1 < r.ids.length) recordSwapClick(learner.swaps, start, f.position);
    }
    const weight = config.ips ? ipsWeight(examinationCurve(learner, config)(f.position)) : 1;
    learnClick(learner, r.features, weight, offset);
  }
}
