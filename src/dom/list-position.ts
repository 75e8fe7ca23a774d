/** Where a marked item sits: its list (a slot or a `data-lr-list` element) and its zero-based position there. */
export const LIST_SELECTOR = '[data-lr-slot],[data-lr-list]';
const ITEM_SELECTOR = '[data-lr-item]';

/** Items outside any list belong to this one. */
export const PAGE_LIST = 'page';

export function listIdOf(list: Element | null): string {
  if (!list) return PAGE_LIST;
  return list.getAttribute('data-lr-list')?.trim() || list.getAttribute('data-lr-slot')?.trim() || PAGE_LIST;
}

/** The list and position of a marked item; hidden items (beyond a slot's k) take no position. */
export function placeOf(element: Element): { listId: string; position: number } {
  const list = element.parentElement?.closest(LIST_SELECTOR) ?? null;
  const scope: ParentNode = list ?? element.ownerDocument;
  const members = [...scope.querySelectorAll(ITEM_SELECTOR)].filter(
    (m) => (m.parentElement?.closest(LIST_SELECTOR) ?? null) === list && !(m as HTMLElement).hidden,
  );
  return { listId: listIdOf(list), position: Math.max(0, members.indexOf(element)) };
}
