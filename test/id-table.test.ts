import { describe, expect, it } from 'vitest';
import { hashOf, IdTable } from '../src/engine/id-table.js';

describe('IdTable', () => {
  it('maps ids to slots, replaces a slot, and knows nothing else', () => {
    const table = new IdTable(4);
    table.set('sku-1', 0);
    table.set('sku-2', 1);
    table.set('sku-1', 7);
    expect(table.get('sku-1')).toBe(7);
    expect(table.get('sku-2')).toBe(1);
    expect(table.get('sku-3')).toBeUndefined();
    expect(table.get('')).toBeUndefined();
    expect(table.size).toBe(2);
  });

  it('keeps every id through many growths (50,000 ids from a table sized for 4), and ids that differ only in one character', () => {
    const table = new IdTable(4);
    const ids = Array.from({ length: 50_000 }, (_, i) => (i % 2 === 0 ? `sku-${i}` : `SKU-${i}-é`));
    ids.forEach((id, slot) => table.set(id, slot));
    expect(table.size).toBe(50_000);
    ids.forEach((id, slot) => expect(table.get(id)).toBe(slot));
    expect(table.get('sku-1')).toBeUndefined(); // sku-1 was never set: SKU-1-é was
    expect(table.get('sku-50000')).toBeUndefined();
  });

  it('tells apart ids that land in the same bucket, and fresh copies of an id find it', () => {
    // Two ids whose hashes share the low bits of a 16-bucket table probe past each other.
    const first = 'a0';
    const bucket = hashOf(first) & 15;
    let second = '';
    for (let i = 1; !second; i++) if ((hashOf(`a${i}`) & 15) === bucket) second = `a${i}`;
    const table = new IdTable(4);
    table.set(first, 1);
    table.set(second, 2);
    expect(table.get(first)).toBe(1);
    expect(table.get(second)).toBe(2);
    expect(table.get(structuredClone(second))).toBe(2);
    expect(table.get(['a', second.slice(1)].join(''))).toBe(2);
  });
});
