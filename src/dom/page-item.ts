import { validateItem } from '../engine/validate.js';
import { LocalRankError } from '../errors.js';
import type { Item } from '../types.js';
import type { AttributeReader } from './attributes.js';
import { number, text } from './attributes.js';

/** An item as the page knows it: what the engine gets, plus what only rendering needs. */
export interface PageItem {
  item: Item;
  /** Link to the item's page (`data-lr-url`, the marked link's `href`, or `url` in the catalog). */
  url?: string;
  /** Picture of the item (`data-lr-image`, the first `<img>`'s `src`, or `image` in the catalog). */
  image?: string;
}

/** Fields an item may take from `data-lr-*` attributes on its element. */
type Draft = Partial<Omit<Item, 'id'>> & { url?: string; image?: string };

const MAX_TITLE = 512;

/** Collapses whitespace and cuts to the engine's title limit: the fallback title from an element's text. */
export function titleFromText(content: string | null | undefined): string | undefined {
  const collapsed = (content ?? '').replace(/\s+/g, ' ').trim();
  return collapsed === '' ? undefined : collapsed.slice(0, MAX_TITLE);
}

/** The item fields written on one marked element. */
export function draftFromAttributes(read: AttributeReader, problems: string[]): Draft {
  const draft: Draft = {};
  for (const field of ['title', 'description', 'category', 'brand', 'url', 'image'] as const) {
    const value = text(read, `data-lr-${field}`);
    if (value !== undefined) draft[field] = value;
  }
  for (const field of ['price', 'popularity'] as const) {
    const value = number(read, `data-lr-${field}`, problems);
    if (value !== undefined) draft[field] = value;
  }
  const tags = read('data-lr-tags');
  if (tags !== null) {
    const list = tags.split(',').map((t) => t.trim()).filter((t) => t.length > 0);
    if (list.length > 0) draft.tags = list;
  }
  return draft;
}

/**
 * Parses a `<script type="application/json" data-lr-catalog>` body: an array
 * of items (the library's `Item` fields, plus `url` and `image`). An entry that
 * is not a valid item is reported and skipped, never the whole catalogue.
 */
export function parseCatalog(json: string, problems: string[]): PageItem[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    problems.push(`data-lr-catalog is not valid JSON (${error instanceof Error ? error.message : String(error)}); ignored`);
    return [];
  }
  if (!Array.isArray(parsed)) {
    problems.push('data-lr-catalog must hold a JSON array of items; ignored');
    return [];
  }
  const items: PageItem[] = [];
  parsed.forEach((entry: unknown, index) => {
    const record = typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>) : {};
    const pageItem = toPageItem(entry, `data-lr-catalog[${index}]`, problems);
    if (!pageItem) return;
    if (typeof record['url'] === 'string') pageItem.url = record['url'];
    if (typeof record['image'] === 'string') pageItem.image = record['image'];
    items.push(pageItem);
  });
  return items;
}

/**
 * The item `id` as the page describes it: the catalogue entry (if any) with
 * the element's attributes over it, the element's text as the last resort for
 * the title. Undefined, with a problem line, when the result is not a valid item.
 */
export function mergeItem(id: string, base: PageItem | undefined, draft: Draft, fallbackTitle: string | undefined, problems: string[]): PageItem | undefined {
  const { url, image, ...fields } = draft;
  const merged: Record<string, unknown> = { ...base?.item, ...fields, id };
  if (merged['title'] === undefined && fallbackTitle !== undefined) merged['title'] = fallbackTitle;
  const pageItem = toPageItem(merged, `data-lr-item="${id}"`, problems);
  if (!pageItem) return undefined;
  const finalUrl = url ?? base?.url;
  const finalImage = image ?? base?.image;
  if (finalUrl !== undefined) pageItem.url = finalUrl;
  if (finalImage !== undefined) pageItem.image = finalImage;
  return pageItem;
}

function toPageItem(raw: unknown, where: string, problems: string[]): PageItem | undefined {
  try {
    return { item: validateItem(raw, where) };
  } catch (error) {
    problems.push(error instanceof LocalRankError ? `${error.message}; item skipped` : `${where}: invalid item; skipped`);
    return undefined;
  }
}
