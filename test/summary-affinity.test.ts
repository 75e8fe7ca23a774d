import { describe, expect, it } from 'vitest';
import {
  addDecayed,
  affinityValue,
  applyAffinities,
  categoryPrefixes,
  createAffinities,
  decayedValue,
  itemAffinity,
  priceBand,
  priceBandLabel,
  topAffinities,
} from '../src/engine/summary/affinity.js';
import { applyEvent, createSummary } from '../src/engine/summary/summary.js';
import { DAY_MS, resolveSummaryConfig } from '../src/engine/summary/types.js';
import type { Item } from '../src/types.js';

const T0 = Date.UTC(2025, 0, 1);
const config = resolveSummaryConfig();
const H = 14 * DAY_MS;

describe('decayed values', () => {
  it('halves exactly at t + halfLife and quarters at two half-lives', () => {
    const d = { w: 8, t: T0 };
    expect(decayedValue(d, T0, H)).toBe(8);
    expect(decayedValue(d, T0 + H, H)).toBe(4);
    expect(decayedValue(d, T0 + 2 * H, H)).toBe(2);
    expect(decayedValue(d, T0 + H / 2, H)).toBeCloseTo(8 / Math.SQRT2, 12);
    // Before t (clock skew) reads as at t, never grows.
    expect(decayedValue(d, T0 - H, H)).toBe(8);
  });

  it('folds the decay in when adding, in either time order', () => {
    const d = { w: 4, t: T0 };
    addDecayed(d, 1, T0 + H, H);
    expect(d).toEqual({ w: 3, t: T0 + H }); // 4 * 0.5 + 1
    // An older amount is decayed to the entry's time: 2 at T0 is worth 1 at T0 + H.
    addDecayed(d, 2, T0, H);
    expect(d).toEqual({ w: 4, t: T0 + H });
    // Same total as adding in time order: (4 + 2) at T0, then 1 at T0 + H.
    const e = { w: 6, t: T0 };
    addDecayed(e, 1, T0 + H, H);
    expect(decayedValue(e, T0 + 3 * H, H)).toBeCloseTo(decayedValue(d, T0 + 3 * H, H), 12);
  });
});

describe('category affinities', () => {
  it('normalises the path and lists every prefix', () => {
    expect(categoryPrefixes(' Shoes>Running  >   Trail ')).toEqual(['Shoes', 'Shoes > Running', 'Shoes > Running > Trail']);
    expect(categoryPrefixes('Shoes > > Running')).toEqual(['Shoes', 'Shoes > Running']);
    expect(categoryPrefixes('  ')).toEqual([]);
  });

  it('counts every prefix level, deeper levels more (each level up halves)', () => {
    const aff = createAffinities();
    applyAffinities(aff, { id: 'a', title: 'A', category: 'Shoes > Running > Trail' }, 2, T0, config);
    expect(affinityValue(aff, 'category', 'Shoes > Running > Trail', T0, config)).toBe(2);
    expect(affinityValue(aff, 'category', 'Shoes > Running', T0, config)).toBe(1);
    expect(affinityValue(aff, 'category', 'Shoes', T0, config)).toBe(0.5);
    expect(aff.category.size).toBe(3);
  });

  it('accumulates shared prefixes with decay', () => {
    const aff = createAffinities();
    applyAffinities(aff, { id: 'a', title: 'A', category: 'Shoes > Running' }, 1, T0, config);
    applyAffinities(aff, { id: 'b', title: 'B', category: 'Shoes > Hiking' }, 2, T0 + H, config);
    // Shoes at T0 + H: the view's 0.5 halved once (0.25) + half of the click's 2 (1) = 1.25.
    expect(affinityValue(aff, 'category', 'Shoes', T0 + H, config)).toBeCloseTo(1.25, 12);
    expect(affinityValue(aff, 'category', 'Shoes > Running', T0 + H, config)).toBeCloseTo(0.5, 12);
    expect(affinityValue(aff, 'category', 'Shoes > Hiking', T0 + H, config)).toBe(2);
    expect(affinityValue(aff, 'category', 'Shoes', T0 + 2 * H, config)).toBeCloseTo(0.625, 12);
  });
});

describe('price bands', () => {
  it('uses floor(log2(price)) bands with readable labels', () => {
    expect(priceBand(0)).toBe(0);
    expect(priceBand(1.99)).toBe(0);
    expect(priceBand(2)).toBe(1);
    expect(priceBand(63.99)).toBe(5);
    expect(priceBand(64)).toBe(6);
    expect(priceBand(100)).toBe(6);
    expect(priceBand(127.99)).toBe(6);
    expect(priceBand(128)).toBe(7);
    expect(priceBand(undefined)).toBeNull();
    expect(priceBand(-1)).toBeNull();
    expect(priceBand(Number.NaN)).toBeNull();
    expect(priceBandLabel(6)).toBe('$64–127');
    expect(priceBandLabel(0)).toBe('$0–1');
    expect(priceBandLabel(1)).toBe('$2–3');
    expect(priceBandLabel(10, '€')).toBe('€1024–2047');
  });

  it('keys price affinities by band', () => {
    const aff = createAffinities();
    applyAffinities(aff, { id: 'a', title: 'A', price: 80 }, 1, T0, config);
    applyAffinities(aff, { id: 'b', title: 'B', price: 120 }, 2, T0, config);
    applyAffinities(aff, { id: 'c', title: 'C', price: 130 }, 1, T0, config);
    expect([...aff.price.keys()].sort()).toEqual(['6', '7']);
    expect(affinityValue(aff, 'price', '6', T0, config)).toBe(3);
    expect(topAffinities(aff, 'price', T0, config)[0]).toMatchObject({ key: '6', label: '$64–127', weight: 3 });
  });
});

describe('caps and negative weights', () => {
  it('evicts the weakest by absolute current value', () => {
    const small = resolveSummaryConfig({ maxAffinities: { brand: 2 } });
    const aff = createAffinities();
    const brand = (b: string): Item => ({ id: b, title: b, brand: b });
    applyAffinities(aff, brand('A'), 1, T0, small);
    applyAffinities(aff, brand('B'), 3, T0, small);
    applyAffinities(aff, brand('C'), 2, T0, small);
    expect([...aff.brand.keys()].sort()).toEqual(['B', 'C']);
    // Two half-lives later B is worth 0.75 and C 0.5: a new D (1) pushes C out.
    applyAffinities(aff, brand('D'), 1, T0 + 2 * H, small);
    expect([...aff.brand.keys()].sort()).toEqual(['B', 'D']);
    // A strong negative counts by its absolute value: E (-5) stays, B (0.75) goes.
    applyAffinities(aff, brand('E'), -5, T0 + 2 * H, small);
    expect([...aff.brand.keys()].sort()).toEqual(['D', 'E']);
    expect(affinityValue(aff, 'brand', 'E', T0 + 2 * H, small)).toBe(-5);
  });

  it('dismiss subtracts its weight from every affinity of the item', () => {
    const s = createSummary();
    const item: Item = { id: 'x', title: 'X', brand: 'Nike', category: 'Shoes > Running', tags: ['trail', 'trail', ' road '], price: 100 };
    applyEvent(s, { id: 'e1', seq: 1, type: 'view', itemId: 'x', timestamp: T0 }, item, config);
    applyEvent(s, { id: 'e2', seq: 2, type: 'dismiss', itemId: 'x', timestamp: T0 }, item, config);
    expect(affinityValue(s.affinities, 'brand', 'Nike', T0, config)).toBe(-2); // 1 - 3
    expect(affinityValue(s.affinities, 'category', 'Shoes > Running', T0, config)).toBe(-2);
    expect(affinityValue(s.affinities, 'category', 'Shoes', T0, config)).toBe(-1);
    expect(affinityValue(s.affinities, 'tag', 'trail', T0, config)).toBe(-2); // a repeated tag counts once
    expect(affinityValue(s.affinities, 'tag', 'road', T0, config)).toBe(-2);
    expect(affinityValue(s.affinities, 'price', '6', T0, config)).toBe(-2);
    expect(topAffinities(s.affinities, 'brand', T0, config)).toEqual([]); // only positive ones are "top"
  });

  it('itemAffinity sums category levels by factor and averages tags', () => {
    const aff = createAffinities();
    applyAffinities(aff, { id: 'a', title: 'A', category: 'Shoes > Running', tags: ['t1'], brand: 'N', price: 70 }, 2, T0, config);
    const v = itemAffinity(aff, { id: 'b', title: 'B', category: 'Shoes > Running', tags: ['t1', 't2'], brand: 'N', price: 90 }, T0, config);
    // category: Running 2 * 1 + Shoes 1 * 0.5 = 2.5; tags: (2 + 0) / 2; brand 2; price band 6: 2
    expect(v).toEqual({ category: 2.5, tag: 1, brand: 2, price: 2 });
  });
});
