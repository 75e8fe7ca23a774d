import { describe, expect, it } from 'vitest';
import { ItemIndex } from '../src/engine/item-index.js';
import { affinityKeysOf, newKeyIds } from '../src/engine/ranking/affinity.js';
import { densify } from '../src/engine/ranking/scores.js';
import type { Item } from '../src/types.js';

const newIndex = (): ItemIndex => {
  const ids = newKeyIds();
  return new ItemIndex((item) => item.title, (item) => affinityKeysOf(item, 8, ids));
};

describe('ItemIndex', () => {
  it('catalogSlots finds only the catalogue object for an id, not another snapshot of it', () => {
    const index = newIndex();
    const catalogSlot = (id: string): number | undefined => {
      const slot = index.catalogSlots([id])[0]!;
      return slot >= 0 ? slot : undefined;
    };
    const hosted: Item = { id: 'a', title: 'Hosted' };
    const slot = index.slotOf(hosted, true);
    expect(catalogSlot('a')).toBe(slot);
    expect(catalogSlot('missing')).toBeUndefined();
    // Visiting the same object again keeps the mark; another object for the id replaces the item and drops it.
    expect(index.slotOf(hosted)).toBe(slot);
    expect(catalogSlot('a')).toBe(slot);
    const snapshot: Item = { id: 'a', title: 'Snapshot from the event log' };
    expect(index.slotOf(snapshot)).toBe(slot);
    expect(catalogSlot('a')).toBeUndefined();
    expect(index.item(slot)).toBe(snapshot);
    index.slotOf(hosted, true);
    expect(catalogSlot('a')).toBe(slot);
  });

  it('catalogSlots resolves a candidate list in order, -1 for unknown ids and for values that are not ids', () => {
    const index = newIndex();
    const items: Item[] = Array.from({ length: 300 }, (_, i) => ({ id: `sku-${i}`, title: `item ${i}` }));
    items.forEach((item) => index.slotOf(item, true));
    index.slotOf({ id: 'logged', title: 'from the event log' });
    const slots = index.catalogSlots(['sku-299', 'nope', 'sku-0', 'logged', 42, { id: 'sku-1' }]);
    expect(Array.from(slots)).toEqual([index.slotOf(items[299]!), -1, index.slotOf(items[0]!), -1, -1, -1]);
  });

  it('keeps each encoder space’s vectors apart, forgets a space made again with another length, and drops the oldest past 31 spaces', () => {
    const index = newIndex();
    const items: Item[] = Array.from({ length: 3 }, (_, i) => ({ id: `i${i}`, title: `item ${i}` }));
    const slots = index.slotsOf(items);
    const put = (encoder: string, dim: number, value: number) => slots.forEach((slot) => index.setVector(encoder, dim, slot, new Float32Array(dim).fill(value)));
    put('model:a', 4, 1);
    put('model:b', 4, 2);
    expect(index.missingVectors('model:a', 4, slots)).toEqual([]);
    expect(index.vector('model:b', 4, slots[1]!)).toEqual(new Float32Array(4).fill(2));
    // Another length for the same id: a new space; the other space keeps its vectors.
    expect(index.missingVectors('model:a', 8, slots)).toEqual([0, 1, 2]);
    expect(index.missingVectors('model:b', 4, slots)).toEqual([]);
    // 31 spaces at most: making a 32nd drops the oldest (model:b, as model:a was made again after it).
    for (let k = 0; k < 29; k++) put(`model:c${k}`, 4, k);
    expect(index.missingVectors('model:b', 4, slots)).toEqual([]);
    expect(index.missingVectors('model:c29', 4, slots)).toEqual([0, 1, 2]); // in model:b's place, none of its vectors
    put('model:c29', 4, 29);
    expect(index.missingVectors('model:c0', 4, slots)).toEqual([]);
    expect(index.missingVectors('model:c28', 4, slots)).toEqual([]);
    expect(index.vector('model:c28', 4, slots[2]!)).toEqual(new Float32Array(4).fill(28));
    expect(index.missingVectors('model:b', 4, slots)).toEqual([0, 1, 2]);
  });

  it('foreignVectors lists the items whose precomputed vector another encoder (or another length) made', () => {
    const index = newIndex();
    const items: Item[] = [
      { id: 'mine', title: 'x', vector: { encoder: 'model:m', values: [1, 0] } },
      { id: 'other-model', title: 'x', vector: { encoder: 'model:other', values: [1, 0] } },
      { id: 'other-length', title: 'x', vector: { encoder: 'model:m', values: [1, 0, 0] } },
      { id: 'none', title: 'x' },
    ];
    const slots = index.slotsOf(items);
    expect(index.foreignVectors('model:m', 2, slots).map((i) => i.id)).toEqual(['other-model', 'other-length']);
    // Upserting the item again without a vector clears it.
    index.slotOf({ id: 'other-model', title: 'x' });
    expect(index.foreignVectors('model:m', 2, slots).map((i) => i.id)).toEqual(['other-length']);
  });

  it('keeps every lexical row intact through growth and compaction of replaced rows', () => {
    const index = newIndex();
    const dim = 512;
    const expected = new Map<number, Float32Array>();
    const rowFor = (slot: number, round: number): { index: Uint16Array; value: Float32Array } => {
      const n = 1 + ((slot * 7 + round * 3) % 40);
      const at = Uint16Array.from({ length: n }, (_, k) => (slot * 13 + round * 17 + k * 11) % dim);
      const unique = Uint16Array.from(new Set(at)).sort();
      return { index: unique, value: Float32Array.from(unique, (t) => (t + 1) / dim + round) };
    };
    const items = Array.from({ length: 300 }, (_, i): Item => ({ id: `i${i}`, title: `item ${i}` }));
    const slots = index.slotsOf(items);
    // Round 0 fills every slot; rounds 1-5 replace a varying half of them, which forces compactions.
    for (let round = 0; round < 6; round++) {
      slots.forEach((slot, i) => {
        if (round > 0 && (i + round) % 2 === 0) return;
        const row = rowFor(slot, round);
        index.setLexical(slot, row);
        const dense = new Float32Array(dim);
        row.index.forEach((t, k) => (dense[t] = row.value[k]!));
        expected.set(slot, dense);
      });
    }
    const rows = index.lexicalRows(slots);
    slots.forEach((slot, i) => expect(Array.from(densify(rows, i, dim))).toEqual(Array.from(expected.get(slot)!)));
  });
});

describe('ItemIndex lexical norms under IDF', () => {
  const norms = (index: ItemIndex, slots: Int32Array): number[] => {
    const rows = index.lexicalRows(slots);
    const w = rows.termWeights!;
    return Array.from(slots, (_, i) => {
      let sq = 0;
      for (let k = rows.start[i]!; k < rows.start[i]! + rows.length[i]!; k++) sq += (w[rows.index[k]!]! * rows.value[k]!) ** 2;
      return sq > 0 ? 1 / Math.sqrt(sq) : 0;
    });
  };
  const row = (...buckets: number[]) => ({ index: Uint16Array.from(buckets), value: Float32Array.from(buckets, () => 1 / Math.sqrt(buckets.length)) });

  it('are kept between rankings and follow every change of the frequencies (a new row, a replaced row)', () => {
    const index = newIndex();
    const slots = index.slotsOf([{ id: 'a', title: 'a' }, { id: 'b', title: 'b' }, { id: 'c', title: 'c' }]);
    index.setLexical(slots[0]!, row(1, 2));
    index.setLexical(slots[1]!, row(2, 3));
    const first = index.lexicalRows(slots.subarray(0, 2)).inverseNorms!;
    expect(Array.from(first)).toEqual(norms(index, slots.subarray(0, 2)).map((v) => expect.closeTo(v, 6)));
    // A third row makes bucket 2 commoner: every norm changes, cached ones included.
    index.setLexical(slots[2]!, row(2, 5));
    const second = index.lexicalRows(slots).inverseNorms!;
    expect(second[0]).not.toBeCloseTo(first[0]!, 6);
    expect(Array.from(second)).toEqual(norms(index, slots).map((v) => expect.closeTo(v, 6)));
    // Replacing a row changes them again.
    index.setLexical(slots[1]!, row(7));
    expect(Array.from(index.lexicalRows(slots).inverseNorms!)).toEqual(norms(index, slots).map((v) => expect.closeTo(v, 6)));
  });
});
