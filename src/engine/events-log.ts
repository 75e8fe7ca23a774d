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

export async function openEventLog(store: KeyValueStore, maxEvents: number): Promise<EventLog> {
  const [savedEvents, savedItems] = await store.getMany<unknown>([LOG_KEYS.events, LOG_KEYS.items]);
  let events: StoredEvent[] = Array.isArray(savedEvents) ? (savedEvents as StoredEvent[]) : [];
  let items: Record<string, Item> =
    savedItems && typeof savedItems === 'object' && !Array.isArray(savedItems) ? (savedItems as Record<string, Item>) : {};
  const batchOf = (id: string): string => id.slice(0, id.lastIndexOf(':'));
  let batches = new Set(events.map((e) => batchOf(e.id)));

  return {
    get events() {
      return events;
    },
    item: (id) => items[id],
    async append(batchId, incoming, snapshots) {
      if (batches.has(batchId) || incoming.length === 0) return 0;
      const nextEvents = events.concat(incoming.map((e, i) => ({ ...e, id: `${batchId}:${i}` })));
      if (nextEvents.length > maxEvents) nextEvents.splice(0, nextEvents.length - maxEvents);
      const nextItems = { ...items };
      for (const s of snapshots) nextItems[s.id] = snapshot(s);
      // Drop snapshots no stored event refers to any more.
      const referenced = new Set(nextEvents.map((e) => e.itemId).filter((id): id is string => id !== undefined));
      for (const id of Object.keys(nextItems)) if (!referenced.has(id)) delete nextItems[id];
      await store.setMany([
        [LOG_KEYS.events, nextEvents],
        [LOG_KEYS.items, nextItems],
        [LOG_KEYS.meta, { schema: SCHEMA_VERSION }],
      ]);
      events = nextEvents;
      items = nextItems;
      batches = new Set(events.map((e) => batchOf(e.id)));
      return incoming.length;
    },
    async clear() {
      events = [];
      items = {};
      batches = new Set();
      await store.clear();
    },
  };
}
