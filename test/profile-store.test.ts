import { describe, expect, it } from 'vitest';
import type { Item, StoredEvent } from '../src/types.js';
import { CORRUPT, encryptingStore, loadOrCreateKey } from '../src/engine/store/codec.js';
import type { KeyValueStore } from '../src/engine/store/kv.js';
import { createMemoryStore } from '../src/engine/store/kv.js';
import { inProcessLock, leaseLock } from '../src/engine/store/lock.js';
import type { LoggedEvent, ProfileStoreOptions, StoreIssue, SummaryCodec } from '../src/engine/store/profile-store.js';
import { CHUNK_SIZE, openProfileStore } from '../src/engine/store/profile-store.js';

/** A summary that only counts events by type: enough to check it follows the log. */
interface Counts {
  version: 1;
  byType: Record<string, number>;
}
const counts: SummaryCodec<Counts> = {
  create: () => ({ version: 1, byType: {} }),
  clone: (s) => ({ version: 1, byType: { ...s.byType } }),
  apply: (s, e) => void (s.byType[e.type] = (s.byType[e.type] ?? 0) + 1),
  toJSON: (s) => s,
  fromJSON: (json) => {
    const j = json as Counts;
    if (!j || j.version !== 1 || typeof j.byType !== 'object') throw new Error('not a counts summary');
    return { version: 1, byType: { ...j.byType } };
  },
};

const T = 1_700_000_000_000;
const view = (itemId: string, i = 0): Omit<StoredEvent, 'id'> => ({ type: 'view', itemId, timestamp: T + i });
const item = (id: string): Item => ({ id, title: `Title of ${id}` });

function open(store: KeyValueStore, extra: Partial<ProfileStoreOptions<Counts>> = {}, lock = inProcessLock()) {
  const issues: StoreIssue[] = [];
  const opened = openProfileStore<Counts>({ store, lock, lockName: 'ns', maxEvents: 1000, codec: counts, onIssue: (i) => issues.push(i), ...extra });
  return { opened, issues };
}

describe('profile store', () => {
  it('persists events across chunks with increasing sequence numbers, and the summary follows', async () => {
    const kv = createMemoryStore();
    const { opened } = open(kv);
    const store = await opened;
    const n = CHUNK_SIZE * 2 + 17;
    await store.append('a', Array.from({ length: n }, (_, i) => view(`i${i % 50}`, i)), Array.from({ length: 50 }, (_, i) => item(`i${i}`)));
    const chunkKeys = (await kv.keys()).filter((k) => k.startsWith('chunk:'));
    expect(chunkKeys).toHaveLength(3);
    const reopened = await open(kv).opened;
    expect(reopened.events).toHaveLength(n);
    expect(reopened.events.map((e) => e.seq)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    expect(reopened.summary.byType).toEqual({ view: n });
    expect(reopened.item('i7')?.title).toBe('Title of i7');
  });

  it('concurrent appends lose nothing and a synchronous burst is one write (regression: the second append overwrote the first)', async () => {
    const kv = createMemoryStore();
    let writes = 0;
    const batch = kv.batch.bind(kv);
    kv.batch = async (sets, dels) => {
      writes++;
      await new Promise((r) => setTimeout(r, 5));
      return batch(sets, dels);
    };
    const store = await open(kv).opened;
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.append(`b${i}`, [view(`item-${i}`)], [item(`item-${i}`)])));
    expect(results).toEqual(Array(20).fill(1));
    expect(writes).toBe(1);
    expect((await open(kv).opened).events.map((e) => e.itemId).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `item-${i}`).sort());
  });

  it('a batch id seen before stores nothing, and later appends still flush (regression: a no-op flush left the queue stuck)', async () => {
    const store = await open(createMemoryStore()).opened;
    expect(await store.append('same', [view('a')], [])).toBe(1);
    expect(await store.append('same', [view('a')], [])).toBe(0);
    expect(await store.append('next', [view('b')], [])).toBe(1);
    expect(store.events.map((e) => e.id)).toEqual(['same:0', 'next:0']);
  });

  it('keeps exactly the newest maxEvents and forgets snapshots nothing refers to', async () => {
    const kv = createMemoryStore();
    const store = await open(kv, { maxEvents: 300 }).opened;
    for (let b = 0; b < 4; b++) await store.append(`b${b}`, Array.from({ length: 100 }, (_, i) => view(`b${b}-${i}`, b * 100 + i)), Array.from({ length: 100 }, (_, i) => item(`b${b}-${i}`)));
    expect(store.events).toHaveLength(300);
    expect(store.events[0]!.itemId).toBe('b1-0');
    expect(store.item('b0-5')).toBeUndefined();
    const reopened = await open(kv, { maxEvents: 300 }).opened;
    expect(reopened.events.map((e) => e.itemId)).toEqual(store.events.map((e) => e.itemId));
    expect(reopened.item('b0-5')).toBeUndefined();
    expect(reopened.item('b3-99')?.id).toBe('b3-99');
  });

  it('two tabs appending concurrently lose nothing and store no batch twice', async () => {
    const kv = createMemoryStore();
    const lock = inProcessLock();
    const [tabA, tabB] = await Promise.all([open(kv, { maxEvents: 5000 }, lock).opened, open(kv, { maxEvents: 5000 }, lock).opened]);
    const appends: Array<Promise<number>> = [];
    for (let i = 0; i < 1000; i++) {
      appends.push(tabA.append(`a${i}`, [view(`a${i}`, i)], []));
      appends.push(tabB.append(`b${i}`, [view(`b${i}`, i)], []));
      if (i % 97 === 0) await new Promise((r) => setTimeout(r, 0));
    }
    appends.push(tabB.append('a5', [view('dup')], [])); // a batch the other tab stored already
    const stored = await Promise.all(appends);
    expect(stored.reduce((a, b) => a + b, 0)).toBe(2000);
    const reopened = await open(kv, { maxEvents: 5000 }, lock).opened;
    expect(reopened.events).toHaveLength(2000);
    expect(new Set(reopened.events.map((e) => e.seq)).size).toBe(2000);
    expect(reopened.summary.byType['view']).toBe(2000);
  });

  it('quarantines a corrupted chunk, keeps the rest and rebuilds a corrupted summary from the log', async () => {
    const kv = createMemoryStore();
    const store = await open(kv).opened;
    await store.append('a', Array.from({ length: CHUNK_SIZE + 10 }, (_, i) => view('x', i)), [item('x')]);
    await kv.setMany([
      ['chunk:00000000', 'garbage'],
      ['summary', { version: 99 }],
    ]);
    const { opened, issues } = open(kv);
    const reopened = await opened;
    expect(reopened.events).toHaveLength(10);
    expect(reopened.summary.byType).toEqual({ view: 10 });
    expect(issues.map((i) => i.kind)).toEqual(['quarantined', 'quarantined', 'rebuilt-summary']);
    const keys = await kv.keys();
    expect(keys.filter((k) => k.startsWith('quarantine:chunk:00000000'))).toHaveLength(1);
    expect(keys).not.toContain('chunk:00000000');
    // Appending after recovery works and does not reuse sequence numbers.
    await reopened.append('b', [view('y')], [item('y')]);
    expect(reopened.events.at(-1)!.seq).toBe(CHUNK_SIZE + 11);
  });

  it('migrates the schema 1 layout (one events record, one items record)', async () => {
    const kv = createMemoryStore();
    const old: StoredEvent[] = [
      { id: 'b1:0', type: 'view', itemId: 'x', timestamp: T },
      { id: 'b2:0', type: 'search', query: 'trail', timestamp: T + 1 },
    ];
    await kv.setMany([
      ['meta', { schema: 1 }],
      ['events', old],
      ['items', { x: item('x') }],
    ]);
    const { opened, issues } = open(kv);
    const store = await opened;
    expect(issues).toContainEqual({ kind: 'migrated', from: 1, to: 2 });
    expect(store.events.map((e: LoggedEvent) => [e.id, e.seq])).toEqual([
      ['b1:0', 1],
      ['b2:0', 2],
    ]);
    expect(store.item('x')?.title).toBe('Title of x');
    expect(await kv.keys()).not.toContain('events');
    // The batch ids carried over still deduplicate.
    expect(await store.append('b1', [view('x')], [])).toBe(0);
  });

  it('refuses a profile written by a newer schema', async () => {
    const kv = createMemoryStore();
    await kv.setMany([['meta', { schema: 99 }]]);
    await expect(open(kv).opened).rejects.toMatchObject({ code: 'STORAGE_CORRUPTED' });
  });

  describe('quota', () => {
    const quota = () => Object.assign(new Error('The quota has been exceeded.'), { name: 'QuotaExceededError' });

    it('frees caches first, then the oldest events, never the summary, and says so', async () => {
      const kv = createMemoryStore();
      let freed = 0;
      let failures = 0;
      const store = await open(kv, { freeSpace: async () => (freed++, true) }).opened;
      await store.append('a', Array.from({ length: 400 }, (_, i) => view(`i${i}`, i)), []);
      const batch = kv.batch.bind(kv);
      // Full until a write deletes something.
      kv.batch = (sets, dels) => (dels.length === 0 && failures++ < 10 ? Promise.reject(quota()) : batch(sets, dels));
      const issues: StoreIssue[] = [];
      const again = await open(kv, { freeSpace: async () => (freed++, true), onIssue: (i) => issues.push(i) }).opened;
      await again.append('b', [view('new')], []);
      expect(freed).toBe(1);
      expect(issues.some((i) => i.kind === 'evicted-for-quota')).toBe(true);
      expect(again.events.at(-1)!.itemId).toBe('new');
      // Half the log at a time goes, oldest first, until the write fits.
      expect(again.events.length).toBeLessThanOrEqual(200);
      expect(again.events.map((e) => e.seq)).toEqual(Array.from({ length: again.events.length }, (_, i) => 402 - again.events.length + i));
      // The summary still counts every event it has seen.
      expect(again.summary.byType['view']).toBe(401);
      expect((await open(kv).opened).events).toEqual(again.events);
    });

    it('when nothing makes room the profile moves to memory, whole: the append succeeds, later writes go there, the disk is left as it was', async () => {
      const kv = createMemoryStore();
      await (await open(kv).opened).append('a', [view('x'), view('x2', 1)], [item('x')]);
      const onDisk = await kv.entries();
      let notified = 0;
      let freed = 0;
      const { opened, issues } = open(kv, { notify: () => void notified++, freeSpace: async () => (freed++, true) });
      const store = await opened;
      kv.batch = () => Promise.reject(quota());
      expect(await store.append('b', [view('y', 2)], [item('y')])).toBe(1);
      expect(freed).toBe(1);
      expect(store.spilled).toBe(true);
      // Nothing was evicted to make room (the eviction never reached the disk either): one issue, the spill.
      expect(issues).toEqual([{ kind: 'spilled-to-memory', events: 2 }]);
      expect(store.events.map((e) => e.itemId)).toEqual(['x', 'x2', 'y']);
      expect(store.item('y')?.title).toBe('Title of y');
      await store.updateSummary((summary) => void (summary.byType['marked'] = 1));
      expect(await store.append('c', [view('z', 3)], [])).toBe(1);
      expect(await store.append('b', [view('y', 2)], [])).toBe(0); // batch ids still deduplicate
      store.invalidate();
      await store.refresh(); // re-reads the memory copy, not the disk
      expect(store.events.map((e) => e.itemId)).toEqual(['x', 'x2', 'y', 'z']);
      expect(store.summary.byType).toEqual({ view: 4, marked: 1 });
      expect(notified).toBe(0); // other tabs read the disk: nothing there changed
      expect(await kv.entries()).toEqual(onDisk);
    });

    it('a summary write on a full store frees caches first, then moves the profile to memory', async () => {
      const kv = createMemoryStore();
      const store = await open(kv, { freeSpace: async () => true }).opened;
      await store.append('a', [view('x')], []);
      const batch = kv.batch.bind(kv);
      let failures = 0;
      kv.batch = (sets, dels) => (failures++ < 1 ? Promise.reject(quota()) : batch(sets, dels));
      await store.updateSummary((summary) => void (summary.byType['once'] = 1));
      expect(store.spilled).toBe(false); // freeing the caches made room
      expect((await open(kv).opened).summary.byType).toEqual({ view: 1, once: 1 });
      kv.batch = () => Promise.reject(quota());
      await store.updateSummary((summary) => void (summary.byType['twice'] = 1));
      expect(store.spilled).toBe(true);
      expect(store.summary.byType).toEqual({ view: 1, once: 1, twice: 1 });
      expect(store.events).toHaveLength(1);
    });
  });

  describe('encryption at rest', () => {
    it('stores no item title or query in clear, round-trips, and quarantines a tampered record', async () => {
      const raw = createMemoryStore();
      const key = await loadOrCreateKey(raw);
      expect(key.extractable).toBe(false);
      const sealed = encryptingStore(raw, key);
      const store = await open(sealed).opened;
      await store.append('a', [view('secret-item'), { type: 'search', query: 'very private query', timestamp: T }], [{ id: 'secret-item', title: 'Embarrassing purchase' }]);
      const dump = JSON.stringify(await raw.entries(), (_k, v: unknown) => (v instanceof ArrayBuffer || ArrayBuffer.isView(v) ? Buffer.from(v as ArrayBuffer).toString('latin1') : v));
      expect(dump).not.toContain('Embarrassing');
      expect(dump).not.toContain('very private query');
      const reopened = await open(encryptingStore(raw, await loadOrCreateKey(raw))).opened;
      expect(reopened.item('secret-item')?.title).toBe('Embarrassing purchase');
      expect(reopened.events.map((e) => e.query ?? e.itemId)).toEqual(['secret-item', 'very private query']);

      const [chunk] = await raw.getMany<{ iv: Uint8Array; data: ArrayBuffer }>(['chunk:00000000']);
      new Uint8Array(chunk!.data)[0]! ^= 0xff;
      await raw.setMany([['chunk:00000000', chunk]]);
      expect((await sealed.getMany(['chunk:00000000']))[0]).toBe(CORRUPT);
      const { opened, issues } = open(encryptingStore(raw, key));
      expect((await opened).events).toEqual([]);
      expect(issues[0]).toMatchObject({ kind: 'quarantined', key: 'chunk:00000000' });
    });
  });

  it('the lease lock (for browsers without Web Locks) never lets two holders in at once', async () => {
    const kv = createMemoryStore();
    const tabs = [leaseLock(kv), leaseLock(kv), leaseLock(kv)];
    let inside = 0;
    let maxInside = 0;
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        tabs[i % 3]!('ns', async () => {
          inside++;
          maxInside = Math.max(maxInside, inside);
          await new Promise((r) => setTimeout(r, 1));
          inside--;
        }),
      ),
    );
    expect(maxInside).toBe(1);
    expect(await kv.keys()).toEqual([]);
  });
});
