import { placeOf } from './list-position.js';

export interface ItemAction {
  element: Element;
  itemId: string;
  listId: string;
  position: number;
}

/**
 * Reports clicks on marked items (also middle clicks, which open a new tab).
 * Listens in the capture phase and passively: the page's own handlers and the
 * link's navigation run exactly as without LocalRank.
 */
export function trackClicks(doc: Document, onClick: (action: ItemAction) => void): () => void {
  const listener = (event: MouseEvent): void => {
    if (event.type === 'auxclick' && event.button !== 1) return;
    const target = event.target;
    const element = target instanceof Element ? target.closest('[data-lr-item]') : null;
    const itemId = element?.getAttribute('data-lr-item')?.trim();
    if (!element || !itemId) return;
    onClick({ element, itemId, ...placeOf(element) });
  };
  const options = { capture: true, passive: true };
  doc.addEventListener('click', listener, options);
  doc.addEventListener('auxclick', listener, options);
  return () => {
    doc.removeEventListener('click', listener, options);
    doc.removeEventListener('auxclick', listener, options);
  };
}
