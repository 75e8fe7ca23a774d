import { describe, expect, it } from 'vitest';
import { openEventLog } from '../src/engine/events-log.js';
import type { KeyValueStore } from '../src/engine/store/kv.js';
import { createMemoryStore } from '../src/engine/store/kv.js';

const view = (itemId: string, timestamp = 1_700_000_000_000) => ({ type: 'view' as const, itemId, timestamp });

/** Counts store writes, to check that concurrent appends coalesce. */
function countingStore(): KeyValueStore & { writes: number } {
  const inner = createMemoryStore();
  const store = Object.assign(Object.create(null), inner, { writes: 0 }) as KeyValueStore & { writes: number };
  store.setMany = async (entries) => {
    store.writes++;
    await new Promise((r) => setTimeout(r, 5));
    return inner.setMany(entries);
  };
  return store;
}

describe('event log', () => {
  it('concurrent appends lose nothing (regression: the second append overwrote the first)', async () => {
    const store = countingStore();
    const log = await openEventLog(store, 100);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => log.append(`b${i}`, [view(`item-${i}`)], [{ id: `item-${i}`, title: `Item ${i}` }])));
    expect(results).toEqual(Array(20).fill(1));
    expect(log.events.map((e) => e.itemId).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `item-${i}`).sort());
    // A synchronous burst is one write, not twenty.
    expect(store.writes).toBe(1);
    const reopened = await openEventLog(store, 100);
    expect(reopened.events).toHaveLength(20);
    expect(reopened.item('item-7')?.title).toBe('Item 7');
  });

  it('a batch id seen before stores nothing, and later appends still flush (regression: a no-op flush left the queue stuck)', async () => {
    const log = await openEventLog(createMemoryStore(), 100);
    expect(await log.append('same', [view('a')], [])).toBe(1);
    expect(await log.append('same', [view('a')], [])).toBe(0);
    expect(await log.append('next', [view('b')], [])).toBe(1);
    expect(log.events.map((e) => e.id)).toEqual(['same:0', 'next:0']);
  });

  it('keeps at most maxEvents, the newest, and drops snapshots nothing refers to', async () => {
    const log = await openEventLog(createMemoryStore(), 3);
    for (let i = 0; i < 5; i++) await log.append(`b${i}`, [view(`i${i}`, 1_700_000_000_000 + i)], [{ id: `i${i}`, title: `T${i}` }]);
    expect(log.events.map((e) => e.itemId)).toEqual(['i2', 'i3', 'i4']);
    expect(log.item('i0')).toBeUndefined();
    expect(log.item('i4')?.title).toBe('T4');
  });

  it('a failed write rejects the appends of that write and keeps the previous state', async () => {
    const store = createMemoryStore();
    const log = await openEventLog(store, 10);
    await log.append('ok', [view('a')], []);
    store.setMany = () => Promise.reject(new Error('QuotaExceededError'));
    await expect(log.append('fails', [view('b')], [])).rejects.toThrow('QuotaExceededError');
    expect(log.events.map((e) => e.itemId)).toEqual(['a']);
  });
});
