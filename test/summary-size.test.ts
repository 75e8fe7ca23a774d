import { describe, expect, it } from 'vitest';
import { applyToSpace, getSpace } from '../src/engine/summary/interests.js';
import { applyEvent, createSummary, eventWeight, fromJSON, toJSON, utf8Length } from '../src/engine/summary/summary.js';
import type { SequencedEvent } from '../src/engine/summary/summary.js';
import { AFFINITY_KINDS, resolveSummaryConfig } from '../src/engine/summary/types.js';
import type { EventType, Item } from '../src/types.js';
import { mulberry32 as rng } from '../src/engine/ranking/random.js';


/** Gaussian-ish unit vector (sum of uniforms). */
function randomUnit(dim: number, r: () => number): Float32Array {
  const v = new Float32Array(dim);
  let sq = 0;
  for (let i = 0; i < dim; i++) {
    const x = r() + r() + r() - 1.5;
    v[i] = x;
    sq += x * x;
  }
  const inv = 1 / Math.sqrt(sq);
  for (let i = 0; i < dim; i++) v[i]! *= inv;
  return v;
}

describe('summary size', () => {
  it('stays within 64 KB after 10,000 random events over 2,000 items with 384-d and 512-d spaces', () => {
    const r = rng(2024);
    const config = resolveSummaryConfig();
    const top = ['Shoes', 'Clothing', 'Kitchen', 'Electronics', 'Garden', 'Books', 'Toys', 'Sports'];
    const mid = ['Running', 'Hiking', 'Casual', 'Accessories', 'Outdoor', 'Premium'];
    const low = ['Trail', 'Road', 'Kids', 'Sale', 'New'];
    const brands = Array.from({ length: 150 }, (_, i) => `Brand ${i}`);
    const tags = Array.from({ length: 300 }, (_, i) => `tag-${i}`);
    const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
    const items: Item[] = Array.from({ length: 2000 }, (_, i) => ({
      id: `item-${String(i).padStart(5, '0')}`,
      title: `Item ${i}`,
      category: [pick(top), pick(mid), pick(low)].slice(0, 1 + Math.floor(r() * 3)).join(' > '),
      brand: pick(brands),
      tags: Array.from({ length: 1 + Math.floor(r() * 4) }, () => pick(tags)),
      price: Math.exp(r() * 8),
    }));
    const v384 = items.map(() => randomUnit(384, r));
    const v512 = items.map(() => randomUnit(512, r));
    const mix: Array<[EventType, number]> = [
      ['impression', 0.4],
      ['view', 0.2],
      ['click', 0.15],
      ['add_to_cart', 0.05],
      ['purchase', 0.04],
      ['search', 0.07],
      ['dismiss', 0.05],
      ['rate', 0.04],
    ];
    const drawType = (): EventType => {
      let x = r();
      for (const [t, p] of mix) if ((x -= p) < 0) return t;
      return 'view';
    };

    const s = createSummary();
    let t = Date.UTC(2025, 0, 1);
    const started = performance.now();
    for (let seq = 0; seq < 10_000; seq++) {
      t += Math.floor(r() * 15 * 60_000); // ~52 days over the run
      const type = drawType();
      if (type === 'search') {
        applyEvent(s, { id: `e${seq}`, seq, type, query: `query ${Math.floor(r() * 200)}`, timestamp: t }, undefined, config);
        continue;
      }
      const k = Math.floor(r() * items.length);
      const item = items[k]!;
      const event: SequencedEvent = { id: `e${seq}`, seq, type, itemId: item.id, timestamp: t };
      if (type === 'impression') event.position = Math.floor(r() * 20);
      if (type === 'rate') event.value = 1 + Math.floor(r() * 5);
      applyEvent(s, event, item, config);
      const weight = eventWeight(event, config);
      applyToSpace(getSpace(s.spaces, 'model:Xenova/all-MiniLM-L6-v2', 384, config), { seq, itemId: item.id, vector: v384[k]!, weight, timestamp: t }, config);
      applyToSpace(getSpace(s.spaces, 'model:Xenova/clip-512', 512, config), { seq, itemId: item.id, vector: v512[k]!, weight, timestamp: t }, config);
    }
    const applyMs = performance.now() - started;

    const json = toJSON(s, config);
    const text = JSON.stringify(json);
    const bytes = utf8Length(text);
    const part = (v: unknown): number => JSON.stringify(v).length;
    console.log(
      `summary after 10,000 events: ${bytes} bytes (${(bytes / 1024).toFixed(1)} KB; apply ${applyMs.toFixed(0)} ms) — ` +
        `spaces ${part(json.spaces)}, seen ${part(json.seen)} (${json.seen.length}), purchased ${part(json.purchased)} (${json.purchased.length}), ` +
        `negatives ${part(json.negatives)} (${json.negatives.length}), affinities ${part(json.affinities)} ` +
        `(${AFFINITY_KINDS.map((k) => `${k} ${json.affinities[k].length}`).join(', ')}), searches ${part(json.searches)}`,
    );
    expect(bytes).toBeLessThanOrEqual(64 * 1024);
    // Nothing had to be trimmed to fit: the record holds everything the bounded summary holds.
    expect(json.seen.length).toBe(s.seen.size);
    expect(json.purchased.length).toBe(s.purchased.size);
    expect(json.negatives.length).toBe(s.negatives.size);
    for (const k of AFFINITY_KINDS) expect(json.affinities[k].length).toBe(s.affinities[k].size);
    expect(json.spaces.map((x) => x.interests.length)).toEqual([8, 8]);
    expect(json.spaces.every((x) => x.session !== null)).toBe(true);
    // The caps held.
    expect(s.seen.size).toBe(500);
    expect(s.negatives.size).toBe(300);
    for (const k of AFFINITY_KINDS) expect(s.affinities[k].size).toBeLessThanOrEqual(100);
    expect(s.recentSearches.length).toBe(20);
    // And the record reads back.
    expect(fromJSON(text).spaces.size).toBe(2);
  });
});
