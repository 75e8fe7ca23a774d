import { describe, expect, it } from 'vitest';
import type { HistoryVector } from '../src/engine/ranking/explain.js';
import {
  historyReason,
  interestReason,
  isNewForYou,
  newForYouReason,
  popularReason,
  strongestContributor,
} from '../src/engine/ranking/explain.js';
import { mulberry32 } from '../src/engine/ranking/random.js';
import { probeDots, toRows } from '../src/engine/ranking/scores.js';

const f32 = (...v: number[]): Float32Array => Float32Array.from(v);
/** The candidate's cosine with each history entry, as ranking computes them for the returned items. */
const cosines = (candidate: Float32Array, history: readonly HistoryVector[]): Float64Array =>
  probeDots({ rows: [candidate], dim: candidate.length }, history.map((h) => h.vector));
const entry = (itemId: string, weight: number, vector: Float32Array, verb = 'viewed'): HistoryVector => ({ itemId, title: `Title ${itemId}`, weight, verb, vector });

describe('strongestContributor (hand-computed)', () => {
  const candidate = f32(1, 0);
  const history = [
    entry('a', 1, f32(1, 0)), // 1 * 1 = 1
    entry('b', 3, f32(0.6, 0.8), 'bought'), // 3 * 0.6 = 1.8
    entry('c', 10, f32(0, 1)), // 10 * 0 = 0
    entry('d', -5, f32(1, 0)), // negative weight: never a reason
  ];

  it('names the largest weight × cosine, with its share of the positive total', () => {
    const c = strongestContributor(cosines(candidate, history), history)!;
    expect(c.index).toBe(1);
    expect(c.contribution).toBeCloseTo(1.8, 6);
    expect(c.cosine).toBeCloseTo(0.6, 6);
    expect(c.share).toBeCloseTo(1.8 / 2.8, 6);
    expect(historyReason(cosines(candidate, history), history)).toEqual({ kind: 'similar_to_history', text: 'Because you bought Title b', itemId: 'b' });
  });

  it('gives no reason below the cosine floor (default 0.3)', () => {
    const h = [entry('x', 10, f32(0.2, Math.sqrt(1 - 0.04)))];
    expect(strongestContributor(cosines(candidate, h), h)).toBeNull();
    expect(strongestContributor(cosines(candidate, h), h, { minCosine: 0.1 })?.index).toBe(0);
  });

  it('gives no reason when the best is one of many equal minor causes (default share 0.1)', () => {
    const h = Array.from({ length: 20 }, (_, i) => entry(`e${i}`, 1, f32(1, 0)));
    expect(strongestContributor(cosines(candidate, h), h)).toBeNull(); // share 1/20
    expect(strongestContributor(cosines(candidate, h), h, { minShare: 0 })?.index).toBe(0); // ties: the earlier entry
  });

  it('nothing positive: null', () => {
    const negativeOrZero = [entry('n', 2, f32(-1, 0)), entry('z', 0, f32(1, 0))];
    expect(strongestContributor(cosines(candidate, negativeOrZero), negativeOrZero)).toBeNull();
    expect(strongestContributor(cosines(candidate, []), [])).toBeNull();
  });
});

describe('strongestContributor names exactly the max contributor (random cases)', () => {
  it('matches a float64 brute force over 300 random histories', () => {
    const dim = 16;
    let named = 0;
    let withheld = 0;
    for (let seed = 0; seed < 300; seed++) {
      const rng = mulberry32(seed);
      const rows = Array.from({ length: 1 + Math.floor(rng() * 30) }, () => Array.from({ length: dim }, () => rng() * 2 - 1));
      const m = toRows([...rows, Array.from({ length: dim }, () => rng() * 2 - 1)], dim);
      const row = (i: number): Float32Array => m.rows[i]!;
      const history = rows.map((_, i) => entry(`h${i}`, rng() < 0.15 ? -rng() * 3 : rng() * 6, row(i)));
      const candidate = row(rows.length);
      // Brute force in float64.
      const values = history.map((h) => {
        let cos = 0;
        for (let t = 0; t < dim; t++) cos += candidate[t]! * h.vector[t]!;
        return { cos, value: h.weight > 0 ? h.weight * cos : -Infinity };
      });
      let best = -1;
      values.forEach((v, i) => {
        if (v.value > 0 && (best < 0 || v.value > values[best]!.value)) best = i;
      });
      const loose = strongestContributor(cosines(candidate, history), history, { minCosine: -1, minShare: 0 });
      expect(loose?.index ?? -1).toBe(best);
      if (best >= 0) expect(loose!.contribution).toBeCloseTo(values[best]!.value, 9);
      // With the default thresholds: either that same item, or nothing.
      const strict = strongestContributor(cosines(candidate, history), history);
      if (strict) {
        expect(strict.index).toBe(best);
        expect(historyReason(cosines(candidate, history), history)!.itemId).toBe(`h${best}`);
        named++;
      } else {
        withheld++;
        if (best >= 0) {
          const total = values.reduce((a, v) => a + (v.value > 0 ? v.value : 0), 0);
          expect(values[best]!.cos < 0.3 || values[best]!.value / total < 0.1).toBe(true);
        }
      }
    }
    expect(named).toBeGreaterThan(20);
    expect(withheld).toBeGreaterThan(20);
  });
});

describe('other reasons', () => {
  it('interest: the strongest positive affinity of the item', () => {
    const r = interestReason([
      { label: 'Shoes', value: 2 },
      { label: 'Shoes > Running', value: 3 },
      { label: 'Stridelab', value: -1 },
    ]);
    expect(r).toEqual({ kind: 'interest', text: 'Matches your interest in Shoes > Running' });
    expect(interestReason([{ label: 'A', value: 1 }, { label: 'B', value: 1 }])?.text).toBe('Matches your interest in A');
    expect(interestReason([{ label: 'A', value: 0 }, { label: 'B', value: -2 }, { label: 'C', value: NaN }])).toBeNull();
    expect(interestReason([{ label: 'A', value: 0.5 }], 1)).toBeNull();
    expect(interestReason([])).toBeNull();
  });

  it('popular', () => {
    expect(popularReason(true)).toEqual({ kind: 'popular', text: 'Popular now' });
    expect(popularReason(false)).toBeNull();
  });

  it('new for you: unseen and (long tail or never shown)', () => {
    const table: Array<[boolean, boolean, boolean, boolean]> = [
      // seen, longTail, shown -> new
      [false, false, false, true],
      [false, true, true, true],
      [false, true, false, true],
      [false, false, true, false],
      [true, true, false, false],
      [true, false, false, false],
      [true, true, true, false],
    ];
    for (const [seen, longTail, shown, expected] of table) {
      expect(isNewForYou({ seen, longTail, shown })).toBe(expected);
      expect(newForYouReason({ seen, longTail, shown })).toEqual(expected ? { kind: 'new_for_you', text: 'New for you' } : null);
    }
  });
});
