import { describe, expect, it } from 'vitest';
import { createDurableTracker } from '../src/dom/durable-track.ts';
import type { BatchTracking } from '../src/dom/durable-track.ts';
import { createWarn } from '../src/dom/warn.ts';
import type { TrackEvent, TrackResult } from '../src/types.ts';

/** sessionStorage stand-in. */
class MemoryStorage {
  data = new Map<string, string>();
  getItem = (k: string): string | null => this.data.get(k) ?? null;
  setItem = (k: string, v: string): void => void this.data.set(k, v);
  removeItem = (k: string): void => void this.data.delete(k);
  get entries(): Array<{ id: string; events: TrackEvent[] }> {
    return JSON.parse(this.data.get(KEY) ?? '[]');
  }
}

const KEY = 'localrank:journal:test';
const item = { id: 'a', title: 'A' };

/** An engine stand-in that stores each batch id once, like the real log; `fail` makes calls reject. */
function engine(options: { fail?: boolean } = {}) {
  const stored = new Map<string, TrackEvent[]>();
  const calls: Array<{ batchId: string; events: TrackEvent[] }> = [];
  const lr: BatchTracking = {
    async trackBatch(events, batchId): Promise<TrackResult> {
      calls.push({ batchId, events });
      if (options.fail) throw Object.assign(new Error('The engine worker is not running'), { code: 'WORKER_UNAVAILABLE' });
      if (!stored.has(batchId)) stored.set(batchId, events);
      return { accepted: events.length, rejected: [] };
    },
  };
  return { lr, stored, calls };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('the script tag journal (durable tracking across a navigation)', () => {
  it('writes the event synchronously, sends it once the items are known, and drops the entry when stored', async () => {
    const storage = new MemoryStorage();
    const { lr, stored, calls } = engine();
    let itemsKnown!: () => void;
    const tracker = createDurableTracker(lr, storage as unknown as Storage, KEY, new Promise<void>((r) => (itemsKnown = r)), () => true, createWarn({ warn: () => undefined }));
    tracker.track([{ type: 'click', itemId: 'a', item }]);
    // Journaled before anything is sent, with the moment of the click.
    expect(storage.entries).toHaveLength(1);
    expect(typeof storage.entries[0]!.events[0]!.timestamp).toBe('number');
    await settle();
    expect(calls).toHaveLength(0);
    itemsKnown();
    await settle();
    expect(stored.size).toBe(1);
    // The page upserted the item: the event goes without its inline snapshot.
    expect(calls[0]!.events[0]!.item).toBeUndefined();
    expect(storage.data.has(KEY)).toBe(false);
  });

  it('a page that unloads before the engine answers leaves the entry; the next page replays it under the same id, stored once', async () => {
    const storage = new MemoryStorage();
    const first = engine();
    // Page 1: the engine stored the batch, but the page was gone before it could drop the entry.
    const never = new Promise<void>(() => undefined);
    createDurableTracker(first.lr, storage as unknown as Storage, KEY, never, () => true, createWarn({ warn: () => undefined })).track([{ type: 'click', itemId: 'a', item }]);
    const entry = storage.entries[0]!;
    await first.lr.trackBatch(entry.events, entry.id);

    // Page 2 (same tab, same engine data): the replay carries the inline item (the item is not on this page).
    const tracker = createDurableTracker(first.lr, storage as unknown as Storage, KEY, Promise.resolve(), () => false, createWarn({ warn: () => undefined }));
    tracker.replay();
    await settle();
    expect(first.calls.map((c) => c.batchId)).toEqual([entry.id, entry.id]);
    expect(first.calls[1]!.events[0]!.item).toEqual(item);
    expect(first.stored.size).toBe(1);
    expect(storage.data.has(KEY)).toBe(false);
  });

  it('keeps entries when the engine is unavailable, with one warning however many events fail', async () => {
    const storage = new MemoryStorage();
    const { lr } = engine({ fail: true });
    const warnings: string[] = [];
    const tracker = createDurableTracker(lr, storage as unknown as Storage, KEY, Promise.resolve(), () => true, createWarn({ warn: (m: string) => warnings.push(m) }));
    for (let i = 0; i < 5; i++) tracker.track([{ type: 'impression', itemId: 'a', listId: 'l', position: i }]);
    await settle();
    expect(storage.entries).toHaveLength(5);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('WORKER_UNAVAILABLE');
    tracker.clear();
    expect(storage.data.has(KEY)).toBe(false);
  });

  it('works without storage (blocked sessionStorage), and ignores a journal that is not its own', async () => {
    const { lr, stored } = engine();
    createDurableTracker(lr, undefined, KEY, Promise.resolve(), () => true, createWarn({ warn: () => undefined })).track([{ type: 'view', itemId: 'a' }]);
    await settle();
    expect(stored.size).toBe(1);

    const storage = new MemoryStorage();
    storage.setItem(KEY, '{not json');
    const other = engine();
    const tracker = createDurableTracker(other.lr, storage as unknown as Storage, KEY, Promise.resolve(), () => true, createWarn({ warn: () => undefined }));
    tracker.replay();
    tracker.track([{ type: 'view', itemId: 'a' }]);
    await settle();
    expect(other.stored.size).toBe(1);
  });
});
