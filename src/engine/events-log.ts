import type { Item, StoredEvent } from '../types.js';
import type { KeyValueStore } from './store/kv.js';

/**
 * The durable event log: a bounded ring of validated events plus snapshots of
 * the items they name, so the profile can be rebuilt under any encoder.
 * One store transaction per `append` call, however many events it holds.
 */
export interface EventLog {
  readonly events: readonly StoredEvent[];
  item(id: string): Item | undefined;
  /** Appends a batch; a batch id seen before is ignored, which makes retries after a worker restart idempotent. */
  append(batchId: string, events: Array<Omit<StoredEvent, 'id'>>, snapshots: Item[]): Promise<number>;
  clear(): Promise<void>;
}

export const LOG_KEYS = { events: 'events', items: 'items', meta: 'meta' } as const;
export const SCHEMA_VERSION = 1;

/** Item snapshots drop bulky fields that the profile never needs. */
function snapshot(item: Item): Item {
  const { vector: _vector, cfVector: _cf, ...rest } = item;
  return rest;
}

interface PendingBatch {
  batchId: string;
  events: Array<Omit<StoredEvent, 'id'>>;
  snapshots: Item[];
  resolve(stored: number): void;
  reject(error: unknown): void;
}

export async function openEventLog(store: KeyValueStore, maxEvents: number): Promise<EventLog> {
  const [savedEvents, savedItems] = await store.getMany<unknown>([LOG_KEYS.events, LOG_KEYS.items]);
  let events: StoredEvent[] = Array.isArray(savedEvents) ? (savedEvents as StoredEvent[]) : [];
  let items: Record<string, Item> =
    savedItems && typeof savedItems === 'object' && !Array.isArray(savedItems) ? (savedItems as Record<string, Item>) : {};
  const batchOf = (id: string): string => id.slice(0, id.lastIndexOf(':'));
  let batches = new Set(events.map((e) => batchOf(e.id)));

  // Appends queue here; while one write is in flight, later batches gather and go in the next single write.
  let pending: PendingBatch[] = [];
  let writing: Promise<void> | null = null;

  const flush = async (): Promise<void> => {
    while (pending.length > 0) {
      const group = pending;
      pending = [];
      let nextEvents = events;
      const nextItems = { ...items };
      const nextBatches = new Set(batches);
      const stored = group.map((b) => {
        if (nextBatches.has(b.batchId) || b.events.length === 0) return 0;
        nextBatches.add(b.batchId);
        nextEvents = nextEvents.concat(b.events.map((e, i) => ({ ...e, id: `${b.batchId}:${i}` })));
        for (const s of b.snapshots) nextItems[s.id] = snapshot(s);
        return b.events.length;
      });
      if (nextEvents.length > maxEvents) nextEvents = nextEvents.slice(nextEvents.length - maxEvents);
      // Drop snapshots no stored event refers to any more.
      const referenced = new Set(nextEvents.map((e) => e.itemId).filter((id): id is string => id !== undefined));
      for (const id of Object.keys(nextItems)) if (!referenced.has(id)) delete nextItems[id];
      try {
        if (stored.some((n) => n > 0)) {
          await store.setMany([
            [LOG_KEYS.events, nextEvents],
            [LOG_KEYS.items, nextItems],
            [LOG_KEYS.meta, { schema: SCHEMA_VERSION }],
          ]);
          events = nextEvents;
          items = nextItems;
          batches = new Set(events.map((e) => batchOf(e.id)));
        }
        group.forEach((b, i) => b.resolve(stored[i]!));
      } catch (error) {
        group.forEach((b) => b.reject(error));
      }
    }
    writing = null;
  };

  return {
    get events() {
      return events;
    },
    item: (id) => items[id],
    append(batchId, incoming, snapshots) {
      return new Promise<number>((resolve, reject) => {
        pending.push({ batchId, events: incoming, snapshots, resolve, reject });
        // Started in a microtask: a synchronous burst of appends becomes one write.
        writing ??= Promise.resolve().then(flush);
      });
    },
    async clear() {
      await writing;
      events = [];
      items = {};
      batches = new Set();
      await store.clear();
    },
  };
}
