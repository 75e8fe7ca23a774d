import type { Item } from '../types.js';

const MAX_ITEM_TEXT = 2_000;

/** The text the encoders read for an item (the browser's engine and the catalog CLI both embed exactly this). */
export function itemText(item: Item): string {
  const parts = [item.title, item.category, item.brand, item.tags?.join(' '), item.description];
  return parts.filter((p): p is string => typeof p === 'string' && p.length > 0).join('. ').slice(0, MAX_ITEM_TEXT);
}
