import { describe, expect, it } from 'vitest';
import {
  createNegatives,
  negativeScore,
  positionPropensity,
  recordDismissal,
  recordEngagement,
  recordImpression,
} from '../src/engine/summary/negatives.js';
import { applyEvent, createSummary } from '../src/engine/summary/summary.js';
import { DAY_MS, resolveSummaryConfig } from '../src/engine/summary/types.js';

const T0 = Date.UTC(2025, 0, 1);
const config = resolveSummaryConfig();
const H = 14 * DAY_MS;
/** The documented score with default scales: 1 - exp(-(0.15 * max(0, E - 3C) + D / 3)). */
const expected = (exposure: number, clicks = 0, dismissed = 0): number => 1 - Math.exp(-(0.15 * Math.max(0, exposure - 3 * clicks) + dismissed / 3));

describe('position propensity', () => {
  it('is 1 / log2(position + 2), zero-based', () => {
    expect(positionPropensity(0, config)).toBe(1);
    expect(positionPropensity(2, config)).toBe(0.5);
    expect(positionPropensity(6, config)).toBeCloseTo(1 / 3, 12);
    expect(positionPropensity(9, config)).toBeCloseTo(1 / Math.log2(11), 12);
    expect(positionPropensity(undefined, config)).toBe(0.5);
  });
});

describe('negative score', () => {
  it('is 0 for unknown items and grows with exposure without clicks', () => {
    const n = createNegatives();
    expect(negativeScore(n, 'x', T0, config)).toBe(0);
    const scores: number[] = [];
    for (let i = 0; i < 10; i++) {
      recordImpression(n, 'x', 0, T0, config);
      scores.push(negativeScore(n, 'x', T0, config));
    }
    expect(scores[0]).toBeCloseTo(expected(1), 12); // 0.139292
    expect(scores[0]).toBeCloseTo(0.139292, 6);
    expect(scores[9]).toBeCloseTo(expected(10), 12); // 0.776870
    for (let i = 1; i < scores.length; i++) expect(scores[i]!).toBeGreaterThan(scores[i - 1]!);
    expect(scores[9]!).toBeLessThan(1);
  });

  it('a click reduces it', () => {
    const n = createNegatives();
    for (let i = 0; i < 5; i++) recordImpression(n, 'x', 0, T0, config);
    expect(negativeScore(n, 'x', T0, config)).toBeCloseTo(0.527633, 6); // 1 - e^-0.75
    recordEngagement(n, 'x', T0, config);
    expect(negativeScore(n, 'x', T0, config)).toBeCloseTo(0.259182, 6); // 1 - e^-0.3
    recordEngagement(n, 'x', T0, config);
    expect(negativeScore(n, 'x', T0, config)).toBe(0); // clicks cancel more than the exposure
  });

  it('weights impressions by position: the top counts more than position 9', () => {
    const n = createNegatives();
    recordImpression(n, 'top', 0, T0, config);
    recordImpression(n, 'low', 9, T0, config);
    const top = negativeScore(n, 'top', T0, config);
    const low = negativeScore(n, 'low', T0, config);
    expect(top).toBeGreaterThan(low);
    expect(low).toBeCloseTo(expected(1 / Math.log2(11)), 12);
    expect(n.get('low')!.exposure.w).toBeCloseTo(0.289065, 6);
  });

  it('decays with the negative half-life', () => {
    const n = createNegatives();
    for (let i = 0; i < 4; i++) recordImpression(n, 'x', 0, T0, config);
    expect(negativeScore(n, 'x', T0 + H, config)).toBeCloseTo(expected(2), 12);
  });

  it('dismissals count by |weight|; through applyEvent a default dismiss gives 1 - 1/e', () => {
    const s = createSummary();
    applyEvent(s, { id: 'e', seq: 1, type: 'dismiss', itemId: 'x', timestamp: T0 }, undefined, config);
    expect(negativeScore(s.negatives, 'x', T0, config)).toBeCloseTo(1 - Math.exp(-1), 12);
    // A rating of 1 (weight 1 - 3 = -2) adds 2 more.
    applyEvent(s, { id: 'f', seq: 2, type: 'rate', value: 1, itemId: 'x', timestamp: T0 }, undefined, config);
    expect(negativeScore(s.negatives, 'x', T0, config)).toBeCloseTo(expected(0, 0, 5), 12);
    recordDismissal(s.negatives, 'y', 0, T0, config); // nothing to record
    expect(s.negatives.has('y')).toBe(false);
  });

  it('applyEvent: impressions add exposure by position, clicks and views count as engagement', () => {
    const s = createSummary();
    let seq = 0;
    for (let i = 0; i < 6; i++) applyEvent(s, { id: `i${i}`, seq: ++seq, type: 'impression', itemId: 'x', position: 2, listId: 'home', timestamp: T0 }, undefined, config);
    expect(negativeScore(s.negatives, 'x', T0, config)).toBeCloseTo(expected(3), 12);
    applyEvent(s, { id: 'c', seq: ++seq, type: 'click', itemId: 'x', position: 2, timestamp: T0 }, undefined, config);
    expect(negativeScore(s.negatives, 'x', T0, config)).toBe(0);
    // Engagement with an item that has no entry creates none.
    applyEvent(s, { id: 'v', seq: ++seq, type: 'view', itemId: 'liked', timestamp: T0 }, undefined, config);
    expect(s.negatives.has('liked')).toBe(false);
  });

  it('keeps at most maxNegatives entries, dropping the least active (oldest here)', () => {
    const n = createNegatives();
    for (let i = 0; i < 1000; i++) recordImpression(n, `item-${i}`, 0, T0 + i * 60_000, config);
    expect(n.size).toBe(300);
    const kept = [...n.keys()].map((k) => Number(k.slice(5))).sort((a, b) => a - b);
    expect(kept[0]).toBe(700);
    expect(kept[299]).toBe(999);
    const small = resolveSummaryConfig({ maxNegatives: 2 });
    const m = createNegatives();
    recordImpression(m, 'a', 0, T0, small); // 1
    recordImpression(m, 'b', 0, T0, small);
    recordImpression(m, 'b', 0, T0, small); // 2
    recordImpression(m, 'c', 9, T0, small); // 0.29: the weakest, itself evicted
    expect([...m.keys()].sort()).toEqual(['a', 'b']);
  });
});
