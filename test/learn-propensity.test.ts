import { describe, expect, it } from 'vitest';
import { randomPairs } from '../src/engine/learning/explore.ts';
import type { ShownRanking } from '../src/engine/learning/feedback.ts';
import { applyFeedback } from '../src/engine/learning/feedback.ts';
import { FEATURE_COUNT } from '../src/engine/learning/features.ts';
import { createLearner } from '../src/engine/learning/learner.ts';
import { defaultExamination, estimateCurve, ipsWeight, MIN_EXAMINATION, PAIRS } from '../src/engine/learning/propensity.ts';
import { mulberry32 } from '../src/engine/ranking/random.ts';

describe('inverse-propensity weights', () => {
  it('are 1 / examination, clipped at examination 0.1 (weight 10)', () => {
    expect(ipsWeight(1)).toBe(1);
    expect(ipsWeight(0.5)).toBe(2);
    expect(ipsWeight(0.25)).toBe(4);
    expect(ipsWeight(MIN_EXAMINATION)).toBe(10);
    expect(ipsWeight(0.02)).toBe(10);
    expect(ipsWeight(0)).toBe(10);
    expect(ipsWeight(Number.NaN)).toBe(10);
    expect(ipsWeight(1.5)).toBe(1);
  });

  it('use the default examination curve 1/log2(position + 2)', () => {
    expect(defaultExamination(0)).toBe(1);
    expect(defaultExamination(2)).toBe(0.5);
    expect(defaultExamination(6)).toBeCloseTo(1 / 3, 12);
    expect(ipsWeight(defaultExamination(2))).toBe(2);
  });
});

describe('the examination curve estimated from random pairs', () => {
  it('is the default curve while there are no swap clicks', () => {
    const curve = estimateCurve(createLearner().swaps);
    for (let p = 0; p <= 30; p++) expect(curve(p)).toBeCloseTo(defaultExamination(p), 10);
  });

  it('recovers a known curve from simulated clicks on lists explored with random pairs', () => {
    // Truth: a power law unlike the default curve; relevance differs per item.
    const truth = (p: number): number => 1 / (p + 1);
    const k = 10;
    const rng = mulberry32(7);
    const relevance = Array.from({ length: 40 }, () => 0.2 + 0.6 * rng());
    const learner = createLearner();
    for (let list = 0; list < 20_000; list++) {
      // A greedy list of 10 of the 40 items (random, as a changing ranking would be).
      const greedy = Int32Array.from({ length: k }, () => Math.floor(rng() * relevance.length));
      const explored = randomPairs(greedy, k, rng);
      const ranking: ShownRanking = {
        ids: Array.from(explored.order, (i, p) => `${i}@${p}`),
        complete: true,
        features: new Float32Array(k * FEATURE_COUNT),
        propensity: explored.propensity,
        pairOffset: explored.pairOffset!,
        impressed: new Uint8Array(k),
        clicked: new Uint8Array(k),
      };
      const feedback = [];
      for (let p = 0; p < k; p++) {
        if (rng() < truth(p) * relevance[explored.order[p]!]!) feedback.push({ type: 'click' as const, ranking, index: p, position: p });
      }
      applyFeedback(learner, feedback, { ips: true, positionBias: 'estimated' });
    }
    const curve = estimateCurve(learner.swaps);
    for (let p = 1; p < k; p++) expect(Math.abs(curve(p) - truth(p))).toBeLessThan(0.04);
    // The default curve is far from this truth: the estimate really moved.
    expect(Math.abs(defaultExamination(5) - truth(5))).toBeGreaterThan(0.15);
    // Only the pairs inside the list of 10 got clicks.
    expect(learner.swaps.upper.slice(k - 1).every((c) => c === 0)).toBe(true);
    expect(learner.swaps.upper.length).toBe(PAIRS);
  });

  it('stays non-increasing and at least the clip', () => {
    const swaps = createLearner().swaps;
    swaps.upper[0] = 10;
    swaps.lower[0] = 1000; // noise says position 1 is looked at more than the top
    swaps.upper[1] = 1000;
    swaps.lower[1] = 0;
    const curve = estimateCurve(swaps);
    expect(curve(1)).toBeLessThanOrEqual(curve(0));
    for (let p = 0; p < 50; p++) expect(curve(p)).toBeGreaterThanOrEqual(MIN_EXAMINATION);
  });
});
