import type { LocalRankWithBatches } from '../client/create.js';
import type { Item, TrackEvent } from '../types.js';
import { readerOf } from './attributes.js';
import { addElement, collectItems } from './collect-items.js';
import { createDurableTracker } from './durable-track.js';
import type { PageItem } from './page-item.js';
import type { ScriptConfig } from './read-config.js';
import type { SlotConfig } from './read-slot.js';
import { readSlot } from './read-slot.js';
import type { Rendered } from './render-slot.js';
import { renderSlot } from './render-slot.js';
import type { ItemAction } from './track-clicks.js';
import { trackClicks } from './track-clicks.js';
import { trackImpressions } from './track-impressions.js';
import { watchAddedItems } from './watch-items.js';
import type { Warn } from './warn.js';
import { warnError, warnProblems } from './warn.js';

/** Detail of the `localrank:ready` event (on `document`): the instance, after the page's items were upserted. */
export interface MarkupReadyDetail {
  instance: unknown;
  items: number;
  pageItem: string | null;
}

/** Detail of the `localrank:render` event (on the slot, bubbling): what the slot now shows. */
export interface SlotRenderDetail extends Rendered {
  kind: SlotConfig['kind'];
}

export interface MarkupDriver {
  /** Drops the journal of unconfirmed events (called by the instance's forget()). */
  clearJournal(): void;
}

type View = Pick<Window & typeof globalThis, 'document' | 'sessionStorage' | 'CustomEvent'> & {
  IntersectionObserver?: typeof IntersectionObserver;
  MutationObserver?: typeof MutationObserver;
};

/**
 * Wires the page's markup to an instance: upserts the items it describes,
 * tracks the page item's view, clicks and impressions of marked items, and
 * fills the slots. Whatever fails, the page keeps working: problems go to one
 * console.warn each, slots keep their server-rendered content.
 */
export function driveMarkup(lr: LocalRankWithBatches, config: ScriptConfig, view: View, warn: Warn, exposed: unknown): MarkupDriver {
  const doc = view.document;
  warnProblems(warn, 'script-attributes', config.problems);
  // Crashes while the worker starts end in `ready` rejecting (WORKER_UNAVAILABLE): one warning for that, not one per try.
  let started = false;
  lr.ready.then(
    () => (started = true),
    (error: unknown) => warnError(warn, 'ready', error, 'could not start; the page is left as it is'),
  );
  lr.on('error', (e) => {
    if (e.code === 'WORKER_CRASHED' && !started) return;
    warn(e.code, `${e.code}: ${e.message}${e.code === 'MODEL_LOAD_FAILED' ? ' (ranking continues with the lexical encoder)' : ''}`);
  });
  lr.on('degraded', (e) => warn(e.code, `${e.code}: ${e.reason}`));
  // The engine on the page (no worker could start) works, with the lexical encoder: the author should know why.
  lr.on('environment', (e) => {
    if (e.path.thread === 'main-thread') warn('main-thread', e.path.reasons[0] ?? 'no worker could start: the engine runs on the page');
  });

  let storage: Storage | undefined;
  try {
    storage = view.sessionStorage;
  } catch {
    storage = undefined; // blocked site data or an opaque origin
  }
  let tracker: ReturnType<typeof createDurableTracker> | undefined;
  const journalKey = `localrank:journal:${config.options.namespace ?? 'default'}`;

  const start = (): void => {
    const problems: string[] = [];
    const { items, pageItemId } = collectItems(doc, problems);
    const slots = [...doc.querySelectorAll('[data-lr-slot]')].flatMap((element) => {
      const slotConfig = readSlot(readerOf(element), pageItemId, problems);
      return slotConfig ? [{ element, config: slotConfig, seen: false, queue: Promise.resolve() }] : [];
    });
    warnProblems(warn, 'markup', problems);

    const itemsKnown = lr.ready.then(() => (items.size > 0 ? lr.upsertItems([...items.values()].map((p) => p.item)) : undefined));
    // Events about these go without their inline snapshot; items added later keep it (it also makes them known).
    const upsertedFirst = new Set(items.keys());
    tracker = createDurableTracker(lr, storage, journalKey, itemsKnown, (id) => upsertedFirst.has(id), warn);
    // The first rankings wait for what this page view starts with: events a navigation interrupted, the page item's view.
    const history: Array<Promise<void>> = [tracker.replay()];

    const eventOf = (type: 'click' | 'impression', action: ItemAction): TrackEvent => ({
      type,
      itemId: action.itemId,
      listId: action.listId,
      position: action.position,
      item: snapshot(items.get(action.itemId)!),
    });
    if (pageItemId !== undefined) history.push(tracker.track([{ type: 'view', itemId: pageItemId, item: snapshot(items.get(pageItemId)!) }]));
    trackClicks(doc, (action) => {
      if (items.has(action.itemId)) tracker?.track([eventOf('click', action)]);
    });
    const impressions = trackImpressions(view, (actions) => {
      for (const slot of slots) if (actions.some((a) => slot.element.contains(a.element))) slot.seen = true;
      const known = actions.filter((a) => items.has(a.itemId));
      if (known.length > 0) tracker?.track(known.map((a) => eventOf('impression', a)));
    });
    // Items in slots are watched once their slot settled: they are seen in the order LocalRank gives them.
    const inSlot = (e: Element): boolean => slots.some((slot) => slot.element.contains(e));
    impressions.observe([...doc.querySelectorAll('[data-lr-item]')].filter((e) => !inSlot(e)));
    // Items the page adds later are upserted (new ones only) and watched like the others.
    watchAddedItems(view, doc.documentElement, inSlot, (elements) => {
      const added: string[] = [];
      const problems: string[] = [];
      for (const element of elements) {
        const id = element.getAttribute('data-lr-item')?.trim();
        if (id && !items.has(id) && addElement(element, id, items, problems) !== undefined) added.push(id);
      }
      warnProblems(warn, 'markup-added', problems);
      const upserted = added.length > 0 ? itemsKnown.then(() => lr.upsertItems(added.map((id) => items.get(id)!.item))) : itemsKnown;
      // Their impressions wait for the upsert: an event about an item the engine does not know would be refused.
      upserted.then(
        () => impressions.observe(elements),
        (error: unknown) => warnError(warn, 'upsert', error, 'items added to the page could not be used'),
      );
    });

    const context = { lr, items, pageItemId, currency: config.currency, locale: doc.documentElement.lang || undefined, warn };
    /** Renders the slots nobody has seen yet (a slot never changes under the reader's eyes). */
    const renderUnseen = (): void => {
      for (const slot of slots) {
        if (slot.seen) continue;
        slot.queue = slot.queue.then(async () => {
          if (slot.seen) return;
          try {
            const rendered = await renderSlot(slot.element, slot.config, context);
            if (!rendered) return;
            slot.element.setAttribute('data-lr-rendered', rendered.encoder.kind);
            const detail: SlotRenderDetail = { kind: slot.config.kind, ...rendered };
            slot.element.dispatchEvent(new view.CustomEvent('localrank:render', { bubbles: true, detail }));
          } catch (error) {
            warnError(warn, `render:${slot.config.kind}`, error, `the ${slot.config.kind} slot keeps its content`);
          } finally {
            impressions.observe(slot.element.querySelectorAll('[data-lr-item]'));
          }
        });
      }
    };
    let firstRender = false;
    lr.on('encoder', (encoder) => {
      if (encoder.kind === 'model' && firstRender) renderUnseen();
    });
    itemsKnown.then(
      async () => {
        await Promise.all(history);
        firstRender = true;
        renderUnseen();
        const detail: MarkupReadyDetail = { instance: exposed, items: items.size, pageItem: pageItemId ?? null };
        doc.dispatchEvent(new view.CustomEvent('localrank:ready', { detail }));
      },
      (error: unknown) => warnError(warn, 'upsert', error, "the page's items could not be used; slots keep their content"),
    );
  };

  const guardedStart = (): void => {
    try {
      start();
    } catch (error) {
      warnError(warn, 'start', error, 'the markup could not be wired; the page is left as it is');
    }
  };
  if (doc.readyState === 'loading') doc.addEventListener('DOMContentLoaded', guardedStart, { once: true });
  else guardedStart();

  return {
    clearJournal: () => {
      tracker?.clear();
      try {
        storage?.removeItem(journalKey);
      } catch {
        // nothing stored
      }
    },
  };
}

/** The item as carried inside an event (for a replay on a page that does not list it): no vectors. */
function snapshot(pageItem: PageItem): Item {
  const { vector: _vector, cfVector: _cfVector, ...item } = pageItem.item;
  return item;
}
