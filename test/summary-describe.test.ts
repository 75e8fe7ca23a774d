import { describe, expect, it } from 'vitest';
import { describeSummary, headlineCategories, interestLabel } from '../src/engine/summary/describe.js';
import { applyToSpace, getSpace } from '../src/engine/summary/interests.js';
import { applyEvent, createSummary, eventWeight } from '../src/engine/summary/summary.js';
import type { SequencedEvent } from '../src/engine/summary/summary.js';
import { resolveSummaryConfig } from '../src/engine/summary/types.js';
import type { AffinityReading } from '../src/engine/summary/affinity.js';
import type { Item } from '../src/types.js';

const T0 = Date.UTC(2025, 0, 1);
const config = resolveSummaryConfig();

const items: Record<string, Item & { v: number[] }> = {
  tr2: { id: 'tr2', title: 'Trail Runner 2', category: 'Shoes > Running', brand: 'Nike', price: 100, tags: ['trail'], v: [1, 0, 0] },
  peg: { id: 'peg', title: 'Pegasus 41', category: 'Shoes > Running', brand: 'Nike', price: 90, tags: ['road'], v: [0.95, 0.31225, 0] },
  knife: { id: 'knife', title: 'Chef Knife', category: 'Kitchen > Knives', brand: 'Wüsthof', price: 150, v: [0, 0, 1] },
};

function build(): ReturnType<typeof createSummary> {
  const s = createSummary();
  const events: Array<Omit<SequencedEvent, 'id'>> = [
    { seq: 1, type: 'view', itemId: 'knife', timestamp: T0 },
    { seq: 2, type: 'view', itemId: 'tr2', timestamp: T0 + 1000 },
    { seq: 3, type: 'add_to_cart', itemId: 'peg', timestamp: T0 + 2000 },
    { seq: 4, type: 'click', itemId: 'tr2', timestamp: T0 + 3000 },
    { seq: 5, type: 'search', query: 'running shoes', timestamp: T0 + 4000 },
    { seq: 6, type: 'search', query: 'trail', timestamp: T0 + 5000 },
  ];
  for (const e of events) {
    const event = { ...e, id: `e${e.seq}` } as SequencedEvent;
    const item = e.itemId ? items[e.itemId] : undefined;
    applyEvent(s, event, item, config);
    if (item) applyToSpace(getSpace(s.spaces, 'enc', 3, config), { seq: e.seq, itemId: item.id, vector: item.v, weight: eventWeight(event, config), timestamp: e.timestamp }, config);
  }
  return s;
}

describe('describeSummary', () => {
  it('writes one plain sentence from the top category, brand, price band and last search', () => {
    const d = describeSummary(build(), T0 + 5000, config, { title: (id) => items[id]?.title });
    expect(d.text).toBe("Interested in Shoes > Running (Nike, $64–127); recently searched 'trail'.");
  });

  it('labels interests by representative titles, strongest first, with shares of strength', () => {
    const d = describeSummary(build(), T0 + 5000, config, { title: (id) => items[id]?.title });
    expect(d.interests).toHaveLength(2);
    // Shoes: view 1 + cart 4 + click 2 = 7; kitchen: 1 (no decay within seconds to 4 digits).
    expect(d.interests[0]!.label).toBe('Trail Runner 2, Pegasus 41');
    expect(d.interests[0]!.titles).toEqual(['Trail Runner 2', 'Pegasus 41']);
    expect(d.interests[0]!.strength).toBeCloseTo(7 / 8, 6);
    expect(d.interests[1]).toMatchObject({ label: 'Chef Knife', itemIds: ['knife'] });
    expect(d.interests[1]!.strength).toBeCloseTo(1 / 8, 6);
    // Without titles: a numbered fallback.
    expect(describeSummary(build(), T0 + 5000, config).interests[1]!.label).toBe('Interest 2');
  });

  it('lists the top positive affinities per kind with readable labels', () => {
    const d = describeSummary(build(), T0 + 5000, config, { maxAffinities: 3 });
    expect(d.affinities.category.map((a) => a.label)).toEqual(['Shoes > Running', 'Shoes', 'Kitchen > Knives']);
    expect(d.affinities.category[0]!.weight).toBeCloseTo(7, 4);
    expect(d.affinities.brand.map((a) => a.label)).toEqual(['Nike', 'Wüsthof']);
    expect(d.affinities.priceBand.map((a) => a.label)).toEqual(['$64–127', '$128–255']);
    expect(d.affinities.tag.map((a) => a.label)).toEqual(['road', 'trail']); // 4 vs 1 + 2
    expect(d.recentSearches).toEqual(['trail', 'running shoes']);
    expect(d.counts).toEqual({ view: 2, add_to_cart: 1, click: 1, search: 2 });
  });

  it('says so when nothing is known, and falls back to item titles without categories', () => {
    expect(describeSummary(createSummary(), T0, config).text).toBe('Nothing learned yet.');
    const s = createSummary();
    applyEvent(s, { id: 'a', seq: 1, type: 'view', itemId: 'x', timestamp: T0 }, { id: 'x', title: 'Blue Mug' }, config);
    applyToSpace(getSpace(s.spaces, 'enc', 2, config), { seq: 1, itemId: 'x', vector: [1, 0], weight: 1, timestamp: T0 }, config);
    expect(describeSummary(s, T0, config, { title: () => 'Blue Mug' }).text).toBe("Interested in items like 'Blue Mug'.");
    const q = createSummary();
    applyEvent(q, { id: 'a', seq: 1, type: 'search', query: 'tent', timestamp: T0 }, undefined, config);
    expect(describeSummary(q, T0, config).text).toBe("Recently searched 'tent'.");
  });
});

describe('helpers', () => {
  const entry = (key: string, weight: number): AffinityReading => ({ kind: 'category', key, label: key, weight });
  it('headlineCategories prefers the more specific category', () => {
    expect(headlineCategories([entry('Shoes', 3), entry('Shoes > Running', 2), entry('Kitchen', 1.5)])).toEqual(['Shoes > Running', 'Kitchen']);
    // Below half of the strongest: left out.
    expect(headlineCategories([entry('Shoes', 3), entry('Shoes > Running', 2), entry('Kitchen', 1.4)])).toEqual(['Shoes > Running']);
    expect(headlineCategories([entry('Shoes > Running', 3), entry('Shoes', 2), entry('Shoes > Trail', 1.5)])).toEqual(['Shoes > Running', 'Shoes > Trail']);
  });
  it('interestLabel takes up to three distinct titles', () => {
    const t = (id: string): string | undefined => ({ a: 'A', b: 'B', c: 'A', d: 'D', e: 'E' })[id];
    expect(interestLabel(['a', 'b', 'c', 'x', 'd', 'e'], t, 'none')).toBe('A, B, D');
    expect(interestLabel(['x'], t, 'none')).toBe('none');
  });
});
