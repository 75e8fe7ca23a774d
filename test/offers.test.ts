import { describe, expect, it } from 'vitest';
import { experimentReport, type OfferOutcome } from '../src/engine/offers/experiment.js';
import { suggestPrice, validateOfferBounds, type OfferBounds, type OfferOptions } from '../src/engine/offers/offer.js';
import { mulberry32 } from '../src/engine/ranking/random.js';
import { caught } from './caught.js';

/** The error `fn` throws (fails the test when it throws none). */

/** The bounds every suggestion must respect, computed from the options directly. */
function limits(b: OfferBounds): { lo: number; hi: number } {
  const lo = Math.max(b.floor, b.listPrice - b.maxStep);
  const hi = Math.min(b.allowAboveList ? b.ceiling : b.listPrice, b.listPrice + b.maxStep);
  return { lo, hi };
}

const weirdScores = [NaN, -Infinity, Infinity, -1, -1e-300, 0, 1e-12, 0.25, 0.5, 0.999999, 1, 1 + 1e-12, 2, 1e308, -0];

describe('validateOfferBounds', () => {
  it('fills the defaults: ceiling = list price, no maxStep limit, discount-only, cent rounding', () => {
    expect(validateOfferBounds({ listPrice: 20, floor: 15 })).toEqual({
      listPrice: 20,
      floor: 15,
      ceiling: 20,
      maxStep: Infinity,
      allowAboveList: false,
      currencyStep: 0.01,
    });
  });

  it.each<[string, unknown, string]>([
    ['non-object', 42, 'options'],
    ['null', null, 'options'],
    ['array', [20, 10], 'options'],
    ['missing list price', { floor: 1 }, 'options.listPrice'],
    ['NaN list price', { listPrice: NaN, floor: 0 }, 'options.listPrice'],
    ['zero list price', { listPrice: 0, floor: 0 }, 'options.listPrice'],
    ['negative list price', { listPrice: -5, floor: 0 }, 'options.listPrice'],
    ['infinite list price', { listPrice: Infinity, floor: 0 }, 'options.listPrice'],
    ['string list price', { listPrice: '20', floor: 0 }, 'options.listPrice'],
    ['missing floor', { listPrice: 20 }, 'options.floor'],
    ['negative floor', { listPrice: 20, floor: -1 }, 'options.floor'],
    ['NaN floor', { listPrice: 20, floor: NaN }, 'options.floor'],
    ['floor above list price', { listPrice: 20, floor: 25 }, 'options.floor'],
    ['floor above ceiling', { listPrice: 20, floor: 18, ceiling: 10 }, 'options.floor'],
    ['floor above ceiling with surcharges', { listPrice: 20, floor: 30, ceiling: 25, allowAboveList: true }, 'options.floor'],
    ['negative ceiling', { listPrice: 20, floor: 0, ceiling: -3 }, 'options.ceiling'],
    ['ceiling below list price', { listPrice: 20, floor: 5, ceiling: 15 }, 'options.ceiling'],
    ['ceiling above list price without allowAboveList', { listPrice: 20, floor: 10, ceiling: 25 }, 'options.ceiling'],
    ['maxStep 0', { listPrice: 20, floor: 10, maxStep: 0 }, 'options.maxStep'],
    ['negative maxStep', { listPrice: 20, floor: 10, maxStep: -2 }, 'options.maxStep'],
    ['NaN maxStep', { listPrice: 20, floor: 10, maxStep: NaN }, 'options.maxStep'],
    ['currencyStep 0', { listPrice: 20, floor: 10, currencyStep: 0 }, 'options.currencyStep'],
    ['allowAboveList not boolean', { listPrice: 20, floor: 10, allowAboveList: 'yes' }, 'options.allowAboveList'],
  ])('%s: INVALID_ARGUMENT naming %s', (_, raw, field) => {
    const error = caught(() => validateOfferBounds(raw));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.field).toBe(field);
  });

  it('explains the discount-only default when the ceiling is above the list price', () => {
    expect(caught(() => validateOfferBounds({ listPrice: 20, floor: 10, ceiling: 25 })).message).toMatch(/discount-only.*allowAboveList/);
    expect(validateOfferBounds({ listPrice: 20, floor: 10, ceiling: 25, allowAboveList: true }).ceiling).toBe(25);
  });
});

describe('suggestPrice (hand-checked)', () => {
  const b = validateOfferBounds({ listPrice: 100, floor: 70 });

  it('control always gets the list price', () => {
    for (const s of weirdScores) {
      const o = suggestPrice(s, b, 'control');
      expect(o.price).toBe(100);
      expect(o.discount).toBe(0);
      expect(o.arm).toBe('control');
    }
  });

  it('treatment: the discount grows linearly with the score up to listPrice - floor', () => {
    expect(suggestPrice(0, b, 'treatment')).toEqual({ arm: 'treatment', price: 100, listPrice: 100, discount: 0, discountShare: 0, score: 0 });
    expect(suggestPrice(0.5, b, 'treatment')).toMatchObject({ price: 85, discount: 15, discountShare: 0.15 });
    expect(suggestPrice(1, b, 'treatment')).toMatchObject({ price: 70, discount: 30 });
    expect(suggestPrice(0.123, b, 'treatment').price).toBe(96.31); // 100 - 0.123 * 30 = 96.31
  });

  it('NaN is no discount; out-of-range and infinite scores are clamped', () => {
    expect(suggestPrice(NaN, b, 'treatment')).toMatchObject({ price: 100, score: 0 });
    expect(suggestPrice(-1, b, 'treatment')).toMatchObject({ price: 100, score: 0 });
    expect(suggestPrice(-Infinity, b, 'treatment').price).toBe(100);
    expect(suggestPrice(2, b, 'treatment')).toMatchObject({ price: 70, score: 1 });
    expect(suggestPrice(Infinity, b, 'treatment').price).toBe(70);
  });

  it('maxStep caps the discount', () => {
    const capped = validateOfferBounds({ listPrice: 100, floor: 70, maxStep: 10 });
    expect(suggestPrice(1, capped, 'treatment').price).toBe(90);
    expect(suggestPrice(0.5, capped, 'treatment').price).toBe(95);
  });

  it('a maxStep below one currency step means no change at all', () => {
    const tiny = validateOfferBounds({ listPrice: 100, floor: 0, maxStep: 0.004 });
    for (const s of weirdScores) expect(suggestPrice(s, tiny, 'treatment').price).toBe(100);
  });

  it('floor equal to the list price: never a discount', () => {
    const flat = validateOfferBounds({ listPrice: 49.99, floor: 49.99 });
    for (const s of weirdScores) expect(suggestPrice(s, flat, 'treatment').price).toBe(49.99);
  });

  it('list price of one cent: 0.01 or 0, nothing else', () => {
    const cent = validateOfferBounds({ listPrice: 0.01, floor: 0 });
    expect(suggestPrice(0.4, cent, 'treatment').price).toBe(0.01);
    expect(suggestPrice(0.6, cent, 'treatment').price).toBe(0);
    expect(suggestPrice(1, cent, 'treatment').price).toBe(0);
  });

  it('huge prices keep cent precision', () => {
    const big = validateOfferBounds({ listPrice: 1e9, floor: 5e8 });
    expect(suggestPrice(0.5, big, 'treatment').price).toBe(7.5e8);
    expect(suggestPrice(1, big, 'treatment').price).toBe(5e8);
    expect(suggestPrice(1e-9, big, 'treatment').price).toBe(1e9 - 0.5); // 1e-9 * 5e8 = 0.5
  });

  it('rounds the change to whole currency steps, toward the list price at an off-grid floor', () => {
    const odd = validateOfferBounds({ listPrice: 19.99, floor: 15.005, currencyStep: 0.05 });
    // down = 4.985: at most 99 steps of 0.05 (4.95); score 1 wants 4.985 -> rounds to 100 steps, pulled back to 99.
    expect(suggestPrice(1, odd, 'treatment').price).toBe(15.04);
    // score 0.5: 2.4925 -> 50 steps = 2.50.
    expect(suggestPrice(0.5, odd, 'treatment').price).toBe(17.49);
  });

  it('surcharges only with allowAboveList and a ceiling above the list price; NaN is the list price', () => {
    const both = validateOfferBounds({ listPrice: 100, floor: 80, ceiling: 110, allowAboveList: true });
    // up = 10, down = 20: price = 110 - 30 s; list price at s = 1/3.
    expect(suggestPrice(0, both, 'treatment').price).toBe(110);
    expect(suggestPrice(1, both, 'treatment').price).toBe(80);
    expect(suggestPrice(0.5, both, 'treatment').price).toBe(95);
    expect(suggestPrice(NaN, both, 'treatment')).toMatchObject({ price: 100, discount: 0, score: 1 / 3 });
    expect(suggestPrice(0, both, 'treatment')).toMatchObject({ discount: -10, discountShare: -0.1 });
    // allowAboveList alone (ceiling = list price) is still discount-only.
    const flag = validateOfferBounds({ listPrice: 100, floor: 80, allowAboveList: true });
    expect(suggestPrice(0, flag, 'treatment').price).toBe(100);
    expect(suggestPrice(NaN, flag, 'treatment').price).toBe(100);
  });

  it('rejects an unknown arm', () => {
    const error = caught(() => suggestPrice(0.5, b, 'both' as 'control'));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.field).toBe('arm');
  });
});

describe('suggestPrice (property: bounds hold for every score)', () => {
  const steps = [0.01, 0.05, 0.25, 1, 0.001, 0.1];

  function randomOptions(rng: () => number): OfferOptions {
    const listPrice = Number(Math.exp(Math.log(0.01) + rng() * (Math.log(1e9) - Math.log(0.01))).toPrecision(1 + Math.floor(rng() * 6)));
    const r = rng();
    const floor = r < 0.1 ? 0 : r < 0.2 ? listPrice : listPrice * rng();
    const options: OfferOptions = { listPrice, floor };
    if (rng() < 0.5) options.maxStep = listPrice * (rng() < 0.2 ? 1e-6 : rng() + 1e-9);
    if (rng() < 0.3) {
      options.allowAboveList = true;
      if (rng() < 0.8) options.ceiling = listPrice * (1 + 2 * rng());
    }
    if (rng() < 0.7) options.currencyStep = steps[Math.floor(rng() * steps.length)]!;
    return options;
  }

  it('2,000 random bounds x extreme and random scores: price within [lo, hi], monotone, close to the linear map', () => {
    const rng = mulberry32(20240601);
    let checked = 0;
    const violations: string[] = [];
    for (let c = 0; c < 2000; c++) {
      const options = randomOptions(rng);
      const b = validateOfferBounds(options);
      const { lo, hi } = limits(b);
      const scores = [...weirdScores, ...Array.from({ length: 20 }, () => rng() * 3 - 1)];
      const down = Math.min(b.maxStep, b.listPrice - b.floor);
      const up = b.allowAboveList ? Math.min(b.maxStep, b.ceiling - b.listPrice) : 0;
      for (const s of scores) {
        const o = suggestPrice(s, b, 'treatment');
        const ideal = b.listPrice + up - o.score * (up + down);
        const broken = [
          o.price >= lo || 'below lo',
          o.price <= hi || 'above hi',
          o.price >= 0 || 'negative',
          b.allowAboveList || o.price <= b.listPrice || 'above list price',
          (o.score >= 0 && o.score <= 1) || 'score outside [0, 1]',
          // Within one currency step of the unrounded linear map (rounding toward the bounds moves at most one step).
          Math.abs(o.price - ideal) <= b.currencyStep * (1 + 1e-6) + 1e-9 * b.listPrice || 'far from the linear map',
          Math.abs(o.discount - (b.listPrice - o.price)) <= 1e-6 * b.listPrice || 'discount',
          suggestPrice(s, b, 'control').price === b.listPrice || 'control',
        ].filter((x): x is string => x !== true);
        if (broken.length > 0) violations.push(`${broken.join(', ')}: ${JSON.stringify({ options, s, o })}`);
        checked++;
      }
      // Non-increasing in the score.
      const grid = Array.from({ length: 21 }, (_, i) => suggestPrice(i / 20, b, 'treatment').price);
      if (grid.some((x, i) => i > 0 && x > grid[i - 1]!)) violations.push(`not monotone: ${JSON.stringify({ options, grid })}`);
      // NaN: no information, no change.
      if (suggestPrice(NaN, b, 'treatment').price !== b.listPrice) violations.push(`NaN changed the price: ${JSON.stringify(options)}`);
    }
    expect(violations).toEqual([]);
    expect(checked).toBe(2000 * (weirdScores.length + 20));
  });
});

describe('experimentReport', () => {
  const at = (type: OfferOutcome['type'], arm: OfferOutcome['arm'], itemId: string, experiment = 'spring'): OfferOutcome => ({
    type,
    experiment,
    arm,
    itemId,
    timestamp: 1_700_000_000_000,
  });

  it('counts shown and accepted per arm, conversion = accepted / shown', () => {
    const report = experimentReport([
      at('offer_shown', 'treatment', 'a'),
      at('offer_shown', 'treatment', 'b'),
      at('offer_shown', 'treatment', 'c'),
      at('offer_shown', 'treatment', 'd'),
      at('offer_accepted', 'treatment', 'b'),
      at('offer_shown', 'control', 'a'),
      at('offer_shown', 'control', 'a'),
    ]);
    expect(report).toEqual([
      {
        experiment: 'spring',
        arms: { control: { shown: 2, accepted: 0, conversion: 0 }, treatment: { shown: 4, accepted: 1, conversion: 0.25 } },
      },
    ]);
  });

  it('an acceptance without an impression of the same offer counts as shown, so conversion <= 1', () => {
    const report = experimentReport([
      at('offer_accepted', 'treatment', 'a'), // shown event trimmed from the log
      at('offer_shown', 'treatment', 'b'),
      at('offer_accepted', 'treatment', 'b'),
      at('offer_accepted', 'treatment', 'b'), // two acceptances, one impression
    ]);
    expect(report[0]!.arms.treatment).toEqual({ shown: 3, accepted: 3, conversion: 1 });
  });

  it('one entry per experiment, sorted, with both arms; nothing but counts', () => {
    const report = experimentReport([at('offer_shown', 'control', 'sku-secret', 'zeta'), at('offer_shown', 'treatment', 'sku-secret', 'alpha')]);
    expect(report.map((r) => r.experiment)).toEqual(['alpha', 'zeta']);
    expect(report[0]!.arms.control).toEqual({ shown: 0, accepted: 0, conversion: 0 });
    const text = JSON.stringify(report);
    expect(text).not.toContain('sku-secret');
    expect(text).not.toContain('1700000000000');
    expect(experimentReport([])).toEqual([]);
  });

  it.each<[string, unknown, string]>([
    ['bad type', { type: 'offer_clicked', experiment: 'e', arm: 'control', itemId: 'a', timestamp: 1 }, 'outcomes[0].type'],
    ['bad arm', { type: 'offer_shown', experiment: 'e', arm: 'b', itemId: 'a', timestamp: 1 }, 'outcomes[0].arm'],
    ['empty experiment', { type: 'offer_shown', experiment: '', arm: 'control', itemId: 'a', timestamp: 1 }, 'outcomes[0].experiment'],
    ['missing item', { type: 'offer_shown', experiment: 'e', arm: 'control', timestamp: 1 }, 'outcomes[0].itemId'],
    ['not an object', 'offer_shown', 'outcomes[0]'],
  ])('%s: INVALID_ARGUMENT naming %s', (_, raw, field) => {
    const error = caught(() => experimentReport([raw as OfferOutcome]));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.field).toBe(field);
  });
});
