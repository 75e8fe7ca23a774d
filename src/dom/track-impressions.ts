import type { ItemAction } from './track-clicks.js';
import { placeOf } from './list-position.js';

export interface ImpressionTracker {
  /** Starts watching marked elements (those already reported are skipped). */
  observe(elements: Iterable<Element>): void;
  disconnect(): void;
}

/** Share of an element that must be in the viewport to count as seen. */
const VISIBLE_SHARE = 0.5;

/**
 * Reports each marked element once per page view when at least half of it is
 * in the viewport, with its list and position at that moment. Elements seen
 * together come as one batch. Without IntersectionObserver nothing is reported.
 */
export function trackImpressions(view: { IntersectionObserver?: typeof IntersectionObserver }, onSeen: (actions: ItemAction[]) => void): ImpressionTracker {
  const reported = new WeakSet<Element>();
  if (typeof view.IntersectionObserver !== 'function') return { observe: () => undefined, disconnect: () => undefined };
  const observer = new view.IntersectionObserver(
    (entries) => {
      const seen: ItemAction[] = [];
      for (const entry of entries) {
        const element = entry.target;
        const itemId = element.getAttribute('data-lr-item')?.trim();
        if (!entry.isIntersecting || entry.intersectionRatio < VISIBLE_SHARE - 0.01 || reported.has(element) || !itemId) continue;
        reported.add(element);
        observer.unobserve(element);
        seen.push({ element, itemId, ...placeOf(element) });
      }
      if (seen.length > 0) onSeen(seen);
    },
    { threshold: VISIBLE_SHARE },
  );
  return {
    observe(elements) {
      for (const element of elements) if (!reported.has(element)) observer.observe(element);
    },
    disconnect: () => observer.disconnect(),
  };
}
