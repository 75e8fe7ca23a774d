import { describe, expect, it } from 'vitest';
import { Engine } from '../src/engine/engine.js';
import { assignArm } from '../src/engine/offers/arms.js';
import type { KeyValueStore } from '../src/engine/store/kv.js';
import type { Item, LocalRankOptions } from '../src/types.js';
import { memoryDependencies } from './memory-engine.ts';

const CATALOG: Item[] = [
  { id: 'shoe1', title: 'trail running shoes', category: 'Shoes > Running', brand: 'Stridelab', price: 120 },
  { id: 'shoe2', title: 'trail running shoes waterproof', category: 'Shoes > Running', brand: 'Stridelab', price: 140 },
  { id: 'knife', title: 'chef knife', category: 'Kitchen > Knives', brand: 'Edgeworks', price: 80 },
];

async function engineOver(stores: Map<string, KeyValueStore>, options: LocalRankOptions): Promise<Engine> {
  const engine = new Engine(memoryDependencies(stores, { now: () => Date.UTC(2026, 0, 15) }));
  await engine.init({ model: false, ...options });
  await engine.upsertItems(CATALOG);
  return engine;
}

const BOUNDS = { listPrice: 100, floor: 80 };

describe('offers', () => {
  it('are off unless configured: NOT_ENABLED naming the option', async () => {
    const engine = await engineOver(new Map(), {});
    await expect(engine.offer('shoe1', BOUNDS)).rejects.toMatchObject({ code: 'NOT_ENABLED', field: 'options.offers' });
    await expect(engine.trackOffer('offer_shown', 'shoe1')).rejects.toMatchObject({ code: 'NOT_ENABLED' });
    await expect(engine.reportInterests({ epsilon: 1 })).rejects.toMatchObject({ code: 'NOT_ENABLED', field: 'options.interestReports' });
    expect(await engine.experimentReport()).toEqual([]);
  });

  it('validates the options and the bounds', async () => {
    await expect(engineOver(new Map(), { offers: { experiment: '' } })).rejects.toMatchObject({ field: 'options.offers.experiment' });
    await expect(engineOver(new Map(), { offers: { experiment: 'x', split: 1 } })).rejects.toMatchObject({ field: 'options.offers.split' });
    const engine = await engineOver(new Map(), { offers: { experiment: 'spring' } });
    await expect(engine.offer('shoe1', { listPrice: 100, floor: 120 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(engine.offer('shoe1', { listPrice: NaN, floor: 0 })).rejects.toMatchObject({ field: 'options.listPrice' });
    await expect(engine.offer('ghost', BOUNDS)).rejects.toMatchObject({ code: 'UNKNOWN_ITEM' });
    await expect(engine.trackOffer('offer_clicked', 'shoe1')).rejects.toMatchObject({ field: 'type' });
  });

  it('the arm is stable across engines over the same storage and follows the stored id; a relevant item gets a discount only in treatment', async () => {
    // Find a split under which this device lands in each arm, by reading the arm the first offer reports.
    const stores = new Map<string, KeyValueStore>();
    const first = await engineOver(stores, { offers: { experiment: 'spring' } });
    const a = await first.offer('shoe2', BOUNDS);
    const again = await engineOver(stores, { offers: { experiment: 'spring' } });
    expect((await again.offer('shoe2', BOUNDS)).arm).toBe(a.arm);
    // Cold start: relevance 0, the list price in either arm.
    expect(a.price).toBe(100);
    // After views of running shoes, shoe2 is relevant: treatment gets a discount within the bounds, control the list price.
    await again.track([{ type: 'view', itemId: 'shoe1' }, { type: 'add_to_cart', itemId: 'shoe1' }], 'b');
    const [idValue] = await stores.get('localrank:default:settings')!.getMany<string>(['offers:local-id']);
    for (const split of [0.001, 0.999]) {
      const engine = await engineOver(stores, { offers: { experiment: 'spring', split } });
      const offer = await engine.offer('shoe2', BOUNDS);
      expect(offer.arm).toBe(assignArm('spring', idValue!, split));
      if (offer.arm === 'control') expect(offer.price).toBe(100);
      else {
        expect(offer.score).toBeGreaterThan(0);
        expect(offer.price).toBeLessThan(100);
        expect(offer.price).toBeGreaterThanOrEqual(80);
      }
      // Less relevant: a smaller discount (or none).
      expect((await engine.offer('knife', BOUNDS)).price).toBeGreaterThanOrEqual(offer.price);
    }
  });

  it('outcomes are counted per arm with no item ids, and forget() erases them and the id', async () => {
    const stores = new Map<string, KeyValueStore>();
    const engine = await engineOver(stores, { offers: { experiment: 'spring' } });
    const { arm } = await engine.offer('shoe1', BOUNDS);
    await engine.trackOffer('offer_shown', 'shoe1');
    await engine.trackOffer('offer_shown', 'knife');
    await engine.trackOffer('offer_accepted', 'shoe1', 'call-7');
    // A call replayed after a worker restart carries the same id and is stored once.
    await engine.trackOffer('offer_accepted', 'shoe1', 'call-7');
    const report = await engine.experimentReport();
    expect(report).toHaveLength(1);
    expect(report[0]!.arms[arm]).toEqual({ shown: 2, accepted: 1, conversion: 0.5 });
    expect(JSON.stringify(report)).not.toMatch(/shoe1|knife/);
    const [idBefore] = await stores.get('localrank:default:settings')!.getMany<string>(['offers:local-id']);
    await engine.forget();
    expect(await engine.experimentReport()).toEqual([]);
    await engine.offer('shoe1', BOUNDS);
    const [idAfter] = await stores.get('localrank:default:settings')!.getMany<string>(['offers:local-id']);
    expect(idAfter).toMatch(/^[0-9a-f]{32}$/);
    expect(idAfter).not.toBe(idBefore);
  });
});

describe('reportInterests', () => {
  it('reports the top listed category (deepest listed level) under k-RR with the stated epsilon', async () => {
    const engine = await engineOver(new Map(), { interestReports: { categories: ['Shoes', 'Kitchen', 'Garden'] } });
    await engine.track([{ type: 'view', itemId: 'shoe1' }, { type: 'view', itemId: 'shoe2' }, { type: 'view', itemId: 'knife' }], 'b');
    const report = await engine.reportInterests({ epsilon: 8 });
    expect(report).toMatchObject({ format: 'localrank-ldp', version: 1, mechanism: 'k-rr', epsilon: 8, categories: ['Shoes', 'Kitchen', 'Garden', 'other'] });
    // With epsilon 8 the truth is reported with p = e^8 / (e^8 + 3) = 0.9990: 40 reports are all "Shoes" with probability 0.96.
    const values = await Promise.all(Array.from({ length: 40 }, () => engine.reportInterests({ epsilon: 8 }).then((r) => r.value)));
    expect(values.filter((v) => v === 0).length).toBeGreaterThanOrEqual(38);
    await expect(engine.reportInterests({ epsilon: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(engine.reportInterests({})).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('an empty profile reports "other" (then randomised)', async () => {
    const engine = await engineOver(new Map(), { interestReports: { categories: ['Shoes', 'Kitchen'] } });
    const values = await Promise.all(Array.from({ length: 40 }, () => engine.reportInterests({ epsilon: 8 }).then((r) => r.value)));
    expect(values.filter((v) => v === 2).length).toBeGreaterThanOrEqual(38);
  });
});
