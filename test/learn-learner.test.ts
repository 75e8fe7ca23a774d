import { describe, expect, it } from 'vitest';
import { FEATURE_COUNT, FEATURES, featureRows, logits, sigmoid } from '../src/engine/learning/features.ts';
import {
  createLearner,
  isActive,
  learnClick,
  learnerFromJSON,
  learnerToJSON,
  learnImpression,
  MAX_WEIGHT,
  MIN_CLICKS,
  MIN_IMPRESSIONS,
  predict,
} from '../src/engine/learning/learner.ts';
import { mulberry32 } from '../src/engine/ranking/random.ts';
import { LocalRankError } from '../src/errors.ts';

const feature = (name: (typeof FEATURES)[number]): number => FEATURES.indexOf(name);

/** A feature row: bias 1, the named entries set. */
function row(values: Partial<Record<(typeof FEATURES)[number], number>>): Float32Array {
  const x = new Float32Array(FEATURE_COUNT);
  x[0] = 1;
  for (const [name, v] of Object.entries(values)) x[feature(name as (typeof FEATURES)[number])] = v;
  return x;
}

describe('the learner', () => {
  it('converges on a separable toy problem: clicked exactly when affinity > 0', () => {
    const rng = mulberry32(1);
    const learner = createLearner();
    const data = Array.from({ length: 400 }, () => {
      const affinity = 2 * rng() - 1;
      return { x: row({ affinity, prior: rng(), content: rng() - 0.5 }), clicked: affinity > 0 };
    });
    for (let epoch = 0; epoch < 20; epoch++) {
      for (const { x, clicked } of data) {
        learnImpression(learner, x);
        if (clicked) learnClick(learner, x, 1);
      }
    }
    const accuracy = data.filter(({ x, clicked }) => predict(learner, x) > 0.5 === clicked).length / data.length;
    expect(accuracy).toBeGreaterThan(0.97);
    expect(learner.weights[feature('affinity')]!).toBeGreaterThan(3);
    expect(Math.abs(learner.weights[feature('prior')]!)).toBeLessThan(1);
  });

  it('with IPS weights learns relevance, not position: the naive learner credits the item shown on top', () => {
    // Two kinds of items, equally relevant (0.5), but kind A (affinity 1) is always shown at the top
    // (examined 1) and kind B (affinity -1) at position 5 (examined 1/log2(7) = 0.356).
    const examined = [1, 1 / Math.log2(7)];
    const rows = [row({ affinity: 1 }), row({ affinity: -1 })];
    const train = (ips: boolean) => {
      const rng = mulberry32(3);
      const learner = createLearner();
      for (let n = 0; n < 20_000; n++) {
        const kind = n % 2;
        learnImpression(learner, rows[kind]!);
        if (rng() < examined[kind]! * 0.5) learnClick(learner, rows[kind]!, ips ? 1 / examined[kind]! : 1);
      }
      return learner;
    };
    const naive = train(false);
    const ips = train(true);
    // Naive: A looks far better. IPS: both about 0.5.
    expect(predict(naive, rows[0]!) - predict(naive, rows[1]!)).toBeGreaterThan(0.25);
    expect(Math.abs(predict(ips, rows[0]!) - predict(ips, rows[1]!))).toBeLessThan(0.08);
    expect(predict(ips, rows[1]!)).toBeCloseTo(0.5, 1);
  });

  it('stays bounded: a fixed number of weights, each within ±MAX_WEIGHT, whatever the traffic', () => {
    const learner = createLearner();
    const huge = row({ affinity: 1e6, prior: -1e6 });
    const sizeAfter = (n: number): number => {
      for (let i = 0; i < n; i++) {
        learnImpression(learner, huge);
        learnClick(learner, huge, 10);
      }
      return JSON.stringify(learnerToJSON(learner)).length;
    };
    const small = sizeAfter(10);
    const large = sizeAfter(5_000);
    expect(learner.weights.length).toBe(FEATURE_COUNT);
    expect(Math.max(...learner.weights.map(Math.abs))).toBeLessThanOrEqual(MAX_WEIGHT);
    expect(large).toBeLessThan(1_200);
    expect(Math.abs(large - small)).toBeLessThan(100);
    expect(learner.weights.every(Number.isFinite)).toBe(true);
  });

  it('is active only after MIN_CLICKS clicks and MIN_IMPRESSIONS impressions', () => {
    const learner = createLearner();
    expect(isActive(null)).toBe(false);
    const x = row({ affinity: 1 });
    for (let i = 0; i < MIN_IMPRESSIONS - 1; i++) learnImpression(learner, x);
    for (let i = 0; i < MIN_CLICKS; i++) learnClick(learner, x, 1);
    expect(isActive(learner)).toBe(false);
    learnImpression(learner, x);
    expect(isActive(learner)).toBe(true);
  });

  it('round-trips through its stored form; a malformed one names the field; another feature list starts over', () => {
    const learner = createLearner();
    for (let i = 0; i < 50; i++) {
      learnImpression(learner, row({ content: 0.3, prior: 0.2 }));
      if (i % 3 === 0) learnClick(learner, row({ content: 0.3, prior: 0.2 }), 2);
    }
    learner.swaps.upper[2] = 4;
    const json = learnerToJSON(learner);
    const back = learnerFromJSON(JSON.parse(JSON.stringify(json)))!;
    expect(learnerToJSON(back)).toEqual(json);
    expect(back.swaps.upper[2]).toBe(4);

    const broken = (patch: Record<string, unknown>): LocalRankError => {
      try {
        learnerFromJSON({ ...json, ...patch });
      } catch (error) {
        expect(error).toBeInstanceOf(LocalRankError);
        return error as LocalRankError;
      }
      throw new Error('expected STORAGE_CORRUPTED');
    };
    expect(broken({ weights: [1, 2] })).toMatchObject({ code: 'STORAGE_CORRUPTED', field: 'learner.weights' });
    expect(broken({ weights: json.weights.map(() => 99) })).toMatchObject({ code: 'STORAGE_CORRUPTED', field: 'learner.weights' });
    expect(broken({ clicks: -1 })).toMatchObject({ code: 'STORAGE_CORRUPTED', field: 'learner.clicks' });
    expect(broken({ precision: json.precision.map(() => Number.NaN) })).toMatchObject({ code: 'STORAGE_CORRUPTED', field: 'learner.precision[0]' });
    expect(learnerFromJSON({ ...json, features: ['bias', 'content'] })).toBeNull();
  });
});

describe('the learned score over component arrays', () => {
  it('is w·x with centred components (absent ones read 0) and matches the packed feature rows', () => {
    const components = { content: Float64Array.of(0.9, 0.5, 0.1), prior: Float64Array.of(0.2, 0.4, 1) };
    const w = new Float64Array(FEATURE_COUNT);
    w[0] = 0.5;
    w[feature('content')] = 2;
    w[feature('prior')] = -1;
    w[feature('affinity')] = 5; // affinity is absent: contributes nothing
    const z = logits(components, 3, w);
    expect(Array.from(z)).toEqual([0.5 + 2 * 0.4 - 0.2, 0.5 - 0.4, 0.5 + 2 * -0.4 - 1].map((v) => expect.closeTo(v, 12)));
    const rows = featureRows(components, [2, 0]);
    const dot = (r: number) => Array.from({ length: FEATURE_COUNT }, (_, j) => w[j]! * rows[r * FEATURE_COUNT + j]!).reduce((a, b) => a + b, 0);
    expect(dot(0)).toBeCloseTo(z[2]!, 6);
    expect(dot(1)).toBeCloseTo(z[0]!, 6);
    expect(sigmoid(0)).toBe(0.5);
    expect(sigmoid(-800)).toBe(0);
    expect(sigmoid(800)).toBe(1);
  });
});
