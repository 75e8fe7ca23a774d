import { readerOf } from './attributes.js';
import type { PageItem } from './page-item.js';
import { draftFromAttributes, mergeItem, parseCatalog, titleFromText } from './page-item.js';

export interface PageItems {
  /** Every valid item the page describes, by id. */
  items: Map<string, PageItem>;
  /** The item of this page (`data-lr-page-item`), when there is a valid one. */
  pageItemId?: string;
}

/**
 * Gathers the items the markup describes: the `data-lr-catalog` JSON blocks
 * first, then every `data-lr-item` / `data-lr-page-item` element, whose
 * attributes override the catalogue and whose text is the last-resort title.
 */
export function collectItems(root: ParentNode, problems: string[]): PageItems {
  const items = new Map<string, PageItem>();
  for (const script of root.querySelectorAll('script[data-lr-catalog]')) {
    for (const entry of parseCatalog(script.textContent ?? '', problems)) items.set(entry.item.id, entry);
  }
  for (const element of root.querySelectorAll('[data-lr-item]')) addElement(element, element.getAttribute('data-lr-item'), items, problems);
  const pageElement = root.querySelector('[data-lr-page-item]');
  const pageItemId = pageElement ? addElement(pageElement, pageElement.getAttribute('data-lr-page-item'), items, problems) : undefined;
  return pageItemId === undefined ? { items } : { items, pageItemId };
}

/** Adds or refines one marked element's item; returns its id when the item is valid. */
export function addElement(element: Element, rawId: string | null, items: Map<string, PageItem>, problems: string[]): string | undefined {
  const id = rawId?.trim();
  if (!id) {
    problems.push(`<${element.localName}> has an empty item id; ignored`);
    return undefined;
  }
  const draft = draftFromAttributes(readerOf(element), problems);
  if (draft.url === undefined) {
    const link = element.closest('a[href]') ?? element.querySelector('a[href]');
    if (link) draft.url = (link as HTMLAnchorElement).href;
  }
  if (draft.image === undefined) {
    const img = element.querySelector('img[src]');
    if (img) draft.image = (img as HTMLImageElement).src;
  }
  const existing = items.get(id);
  // Without attributes, an element already described by the catalogue adds nothing to read from its text.
  const fallbackTitle = existing ? undefined : titleFromText(element.textContent);
  const merged = mergeItem(id, existing, draft, fallbackTitle, problems);
  if (!merged) return undefined;
  items.set(id, merged);
  return id;
}
