import type { TrackEvent, TrackResult } from '../types.js';
import type { Warn } from './warn.js';
import { warnError } from './warn.js';

/** What the tracker needs of the instance: tracking under its own batch id (stored once, even when replayed). */
export interface BatchTracking {
  trackBatch(events: TrackEvent[], batchId: string): Promise<TrackResult>;
}

interface Entry {
  id: string;
  events: TrackEvent[];
}

/** At most this many unconfirmed batches are kept; the oldest go first. */
const MAX_ENTRIES = 200;

export interface DurableTracker {
  /** Records events now (synchronously, in the tab's journal) and stores them once `itemsKnown` settles; resolves when settled (never rejects). */
  track(events: TrackEvent[]): Promise<void>;
  /** Sends what earlier page views of this tab journaled but could not confirm (a click that navigated away); resolves when settled. */
  replay(): Promise<void>;
  /** Drops the journal (for forget()). */
  clear(): void;
}

function randomId(): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return `dom-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/**
 * A click on a link unloads the page, and the worker with it, possibly before
 * the event reached IndexedDB. So every event goes first into a journal in
 * `sessionStorage` (synchronous, survives the navigation), then to the engine
 * under the journal entry's id; the entry is removed once the engine confirms.
 * The next page view of the tab replays what is left: the engine stores a
 * batch id once, so an event confirmed just before the unload is not doubled.
 * Without sessionStorage (blocked, opaque origin) events go straight to the engine.
 */
export function createDurableTracker(
  lr: BatchTracking,
  storage: Storage | undefined,
  key: string,
  itemsKnown: Promise<unknown>,
  /** Whether this page upserted the item: its journaled snapshot (which has no vector) then stays out of the event. */
  upserted: (id: string) => boolean,
  warn: Warn,
): DurableTracker {
  const read = (): Entry[] => {
    try {
      const parsed: unknown = JSON.parse(storage?.getItem(key) ?? '[]');
      return Array.isArray(parsed) ? (parsed.filter((e) => typeof e?.id === 'string' && Array.isArray(e?.events)) as Entry[]) : [];
    } catch {
      return [];
    }
  };
  const write = (entries: Entry[]): void => {
    try {
      if (entries.length === 0) storage?.removeItem(key);
      else storage?.setItem(key, JSON.stringify(entries.slice(-MAX_ENTRIES)));
    } catch {
      // Quota or blocked storage: the event still goes to the engine, only without the safety net.
    }
  };
  const send = (entry: Entry): Promise<void> =>
    itemsKnown
      .then(() => lr.trackBatch(entry.events.map((e) => (e.item && upserted(e.item.id) ? withoutItem(e) : e)), entry.id))
      .then(
        (result) => {
          write(read().filter((e) => e.id !== entry.id));
          for (const { error } of result.rejected) warn(`event:${error.field ?? error.code}`, `an event was not stored: ${error.message}`);
        },
        (error: unknown) => warnError(warn, 'track', error, 'events could not be stored yet; they are retried on the next page view'),
      );
  return {
    track(events) {
      // The timestamp is the moment of the action, also when the event is stored on a later page.
      const entry = { id: randomId(), events: events.map((e) => ({ ...e, timestamp: e.timestamp ?? Date.now() })) };
      write([...read(), entry]);
      return send(entry);
    },
    async replay() {
      await Promise.all(read().map(send));
    },
    clear() {
      write([]);
    },
  };
}

function withoutItem(event: TrackEvent): TrackEvent {
  const { item: _item, ...rest } = event;
  return rest;
}
