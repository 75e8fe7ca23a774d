import type { RankedItem } from '../types.js';
import type { PageItem } from './page-item.js';

/**
 * What a slot's `<template>` can show: `data-lr-field="<name>"` sets an
 * element's text, the attribute mappings set an attribute from a field.
 * Values only ever become text or attribute values, never markup.
 */
export const FIELDS = ['id', 'title', 'description', 'category', 'brand', 'tags', 'price', 'reason', 'position', 'url', 'image'] as const;
export type FieldName = (typeof FIELDS)[number];

/** `data-lr-href="url"` sets `href` from the `url` field (the default when the value is empty), and so on. */
export const ATTRIBUTE_MAPPINGS = [
  { marker: 'data-lr-href', attribute: 'href', defaultField: 'url', isUrl: true },
  { marker: 'data-lr-src', attribute: 'src', defaultField: 'image', isUrl: true },
  { marker: 'data-lr-alt', attribute: 'alt', defaultField: 'title', isUrl: false },
] as const satisfies ReadonlyArray<{ marker: string; attribute: string; defaultField: FieldName; isUrl: boolean }>;

export const isFieldName = (name: string): name is FieldName => (FIELDS as readonly string[]).includes(name);

export interface FieldContext {
  pageItem: PageItem;
  ranked?: RankedItem;
  /** Zero-based position in the slot. */
  position: number;
  /** ISO 4217 currency code for prices; plain numbers without it. */
  currency?: string;
  /** BCP 47 locale for numbers (the page's `lang`). */
  locale?: string;
}

/** The text of one field, or undefined when the item has none (the element is then hidden). */
export function fieldText(field: FieldName, context: FieldContext): string | undefined {
  const { item, url, image } = context.pageItem;
  switch (field) {
    case 'id':
    case 'title':
    case 'description':
    case 'category':
    case 'brand':
      return item[field];
    case 'tags':
      return item.tags && item.tags.length > 0 ? item.tags.join(', ') : undefined;
    case 'price':
      return item.price === undefined ? undefined : formatPrice(item.price, context.currency, context.locale);
    case 'reason':
      return context.ranked?.reasons[0]?.text;
    case 'position':
      return String(context.position + 1);
    case 'url':
      return url;
    case 'image':
      return image;
  }
}

export function formatPrice(price: number, currency: string | undefined, locale: string | undefined): string {
  if (currency !== undefined) {
    try {
      return new Intl.NumberFormat(locale || undefined, { style: 'currency', currency }).format(price);
    } catch {
      // An unknown currency code or locale: fall through to the plain number.
    }
  }
  return String(price);
}

/**
 * A URL fit for `href` or `src`: resolved against the page, and only
 * `http:` or `https:`. Anything else (`javascript:`, `data:`, `vbscript:`, junk)
 * is refused with undefined.
 */
export function safeUrl(value: string | undefined, base: string): string | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value, base);
  } catch {
    return undefined;
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
}
