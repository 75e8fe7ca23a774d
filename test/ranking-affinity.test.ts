import { describe, expect, it } from 'vitest';
import { AFFINITY_KIND_WEIGHTS, affinityKeysOf, affinityScorer, newKeyIds } from '../src/engine/ranking/affinity.js';
import { ItemIndex } from '../src/engine/item-index.js';
import { applyAffinities, createAffinities, priceBand } from '../src/engine/summary/affinity.js';
import { resolveSummaryConfig } from '../src/engine/summary/types.js';
import type { Item } from '../src/types.js';

const config = resolveSummaryConfig();
const T = Date.UTC(2026, 0, 1);

function profile(events: Array<[Item, number]>) {
  const a = createAffinities();
  for (const [item, weight] of events) applyAffinities(a, item, weight, T, config);
  return a;
}

const ids = newKeyIds();
const keys = (item: Item) => affinityKeysOf(item, config.maxTagsPerItem, ids);

const runShoe: Item = { id: 'r', title: 'Trail runner', category: 'Shoes > Running', brand: 'Stridelab', price: 120 };

describe('affinityScorer', () => {
  it('is null without any positive affinity (cold start)', () => {
    expect(affinityScorer(createAffinities(), T, config)).toBeNull();
  });

  it('category: prefix values × parent factor, relative to the strongest category; brand relative to the strongest brand', () => {
    // Three views of running shoes: "Shoes > Running" 3, "Shoes" 1.5, Stridelab 3, price band 6: 3.
    const score = affinityScorer(profile([[runShoe, 1], [runShoe, 1], [runShoe, 1]]), T, config)!;
    // Same category path and brand: category (3 + 0.5 × 1.5) / 3 clamps to 1; brand 1; price band 1.
    const same = score(keys({ id: 'x', title: 'x', category: 'Shoes > Running', brand: 'Stridelab', price: 100 }));
    expect(same.value).toBeCloseTo(AFFINITY_KIND_WEIGHTS.category + AFFINITY_KIND_WEIGHTS.brand + AFFINITY_KIND_WEIGHTS.price, 9);
    expect(same.best).toEqual({ label: 'Shoes > Running', strength: 1 });
    // A sibling category shares only the parent: 0.5 × 1.5 / 3 = 0.25 of the category weight; another brand 0.
    const sibling = score(keys({ id: 'y', title: 'y', category: 'Shoes > Hiking', brand: 'Other', price: 1 }));
    expect(sibling.value).toBeCloseTo(AFFINITY_KIND_WEIGHTS.category * 0.25, 9);
    expect(sibling.best).toEqual({ label: 'Shoes', strength: 0.5 });
    expect(priceBand(1)).not.toBe(priceBand(120));
    // Nothing in common: 0, and no reason.
    expect(score(keys({ id: 'z', title: 'z', category: 'Kitchen' }))).toEqual({ value: 0, best: null });
  });

  it('is negative for what was dismissed, and never names a negative affinity as an interest', () => {
    const kitchen: Item = { id: 'k', title: 'k', category: 'Kitchen', brand: 'Edgeworks' };
    const score = affinityScorer(profile([[runShoe, 2], [kitchen, -3]]), T, config)!;
    const k = score(keys({ id: 'k2', title: 'k2', category: 'Kitchen', brand: 'Edgeworks' }));
    expect(k.value).toBeLessThan(0);
    expect(k.value).toBeGreaterThanOrEqual(-1);
    expect(k.best).toBeNull();
  });
});

describe('affinityScorer over the item index columns', () => {
  it('gives every slot the value and reason the per-item call gives (items with and without category, brand, tags, price)', () => {
    const index = new ItemIndex((item) => item.title, keys);
    const brands = ['Stridelab', 'Edgeworks', undefined];
    const categories = ['Shoes > Running', 'Shoes > Hiking', 'Kitchen', undefined];
    const items: Item[] = Array.from({ length: 60 }, (_, i) => {
      const item: Item = { id: `i${i}`, title: `item ${i}` };
      const category = categories[i % 4];
      const brand = brands[i % 3];
      if (category !== undefined) item.category = category;
      if (brand !== undefined) item.brand = brand;
      if (i % 5 !== 0) item.price = 10 + i * 7;
      if (i % 2 === 0) item.tags = i % 4 === 0 ? ['trail', 'waterproof'] : ['kitchen'];
      return item;
    });
    const slots = index.slotsOf(items);
    const tagged: Item = { id: 't', title: 't', category: 'Shoes > Running', tags: ['trail'], price: 120 };
    const score = affinityScorer(profile([[runShoe, 2], [tagged, 1], [{ id: 'k', title: 'k', category: 'Kitchen', brand: 'Edgeworks' }, -1]]), T, config)!;
    const { values, best } = score.candidates(index.affinityColumns(slots));
    slots.forEach((slot, i) => {
      const single = score(index.affinityKeys(slot));
      expect(values[i]).toBeCloseTo(single.value, 12);
      expect(best(i)).toEqual(single.best);
    });
    expect(new Set(Array.from(values, (v) => v.toFixed(6))).size).toBeGreaterThan(5);
  });
});
