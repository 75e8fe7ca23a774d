import type { LocalRank, RankResult, RankedItem } from '../types.js';
import type { FieldContext } from './fields.js';
import { ATTRIBUTE_MAPPINGS, fieldText, isFieldName, safeUrl } from './fields.js';
import { LIST_SELECTOR } from './list-position.js';
import type { PageItem } from './page-item.js';
import type { SlotConfig } from './read-slot.js';
import type { Warn } from './warn.js';

/** Template slots show this many items unless `data-lr-k` says otherwise. */
export const DEFAULT_TEMPLATE_K = 4;

export interface SlotContext {
  lr: Pick<LocalRank, 'rank' | 'similarTo' | 'recentlyViewed'>;
  items: ReadonlyMap<string, PageItem>;
  pageItemId: string | undefined;
  currency: string | undefined;
  locale: string | undefined;
  warn: Warn;
}

/** What a render did: the ids now shown, in order, and the encoder that ranked them. */
export interface Rendered {
  itemIds: string[];
  encoder: RankResult['encoder'];
  mode: 'template' | 'reorder';
}

/**
 * Fills one slot. With a `<template>` child: ranks the page's items and
 * renders the best k from the template into the slot (or into its
 * `data-lr-container` element), replacing the server-rendered content. Without
 * one: ranks the slot's own marked items and reorders them in place (those
 * beyond k are hidden). Nothing in the slot changes until the ranking is
 * ready, and an empty ranking leaves the server-rendered content.
 */
export async function renderSlot(slot: Element, config: SlotConfig, context: SlotContext): Promise<Rendered | undefined> {
  const template = findTemplate(slot);
  return template ? renderTemplate(slot, template, config, context) : reorder(slot, config, context);
}

function findTemplate(slot: Element): HTMLTemplateElement | undefined {
  const template = [...slot.querySelectorAll('template')].find((t) => t.parentElement?.closest('[data-lr-slot]') === slot);
  return template as HTMLTemplateElement | undefined;
}

/** Candidates for a template slot: the page's items, without the page's own item. */
function pageCandidates(context: SlotContext): string[] {
  return [...context.items.keys()].filter((id) => id !== context.pageItemId);
}

async function rankFor(config: SlotConfig, candidates: string[], k: number | undefined, context: SlotContext): Promise<RankResult> {
  const options = { ...(k === undefined ? {} : { k }), excludeSeen: config.excludeSeen, excludePurchased: config.excludePurchased };
  switch (config.kind) {
    case 'for-you':
      return context.lr.rank(candidates, options);
    case 'similar':
      return context.lr.similarTo(config.anchor!, candidates.filter((id) => id !== config.anchor), options);
    case 'recently-viewed': {
      // The history may name items this page cannot show; ask for more and keep those it can.
      const result = await context.lr.recentlyViewed({ k: Math.min(100, (k ?? candidates.length) + 20), excludePurchased: config.excludePurchased });
      const allowed = new Set(candidates);
      const items = result.items.filter((r) => allowed.has(r.id));
      return { ...result, items: k === undefined ? items : items.slice(0, k) };
    }
  }
}

async function renderTemplate(slot: Element, template: HTMLTemplateElement, config: SlotConfig, context: SlotContext): Promise<Rendered | undefined> {
  const k = config.k ?? DEFAULT_TEMPLATE_K;
  const result = await rankFor(config, pageCandidates(context), k, context);
  const shown = result.items.filter((r) => context.items.has(r.id)).slice(0, k);
  if (shown.length === 0) return undefined;
  const doc = slot.ownerDocument;
  const fragment = doc.createDocumentFragment();
  shown.forEach((ranked, position) => {
    const clone = doc.importNode(template.content, true);
    const root = clone.firstElementChild;
    if (!root) return;
    fill(root, { pageItem: context.items.get(ranked.id)!, ranked, position, ...optional(context) }, context.warn);
    root.setAttribute('data-lr-item', ranked.id);
    fragment.append(root);
  });
  const container = [...slot.querySelectorAll('[data-lr-container]')].find((c) => c.closest('[data-lr-slot]') === slot) ?? slot;
  for (const child of [...container.childNodes]) if (child !== template) child.remove();
  container.append(fragment);
  return { itemIds: shown.map((r) => r.id), encoder: result.encoder, mode: 'template' };
}

const optional = (context: SlotContext): Pick<FieldContext, 'currency' | 'locale'> => ({
  ...(context.currency === undefined ? {} : { currency: context.currency }),
  ...(context.locale === undefined ? {} : { locale: context.locale }),
});

/** Writes the item's fields into one rendered copy of the template: text and attribute values only. */
function fill(root: Element, context: FieldContext, warn: Warn): void {
  const within = (selector: string): Element[] => [...(root.matches(selector) ? [root] : []), ...root.querySelectorAll(selector)];
  for (const element of within('[data-lr-field]')) {
    const name = element.getAttribute('data-lr-field')?.trim() ?? '';
    if (!isFieldName(name)) {
      warn(`field:${name}`, `data-lr-field="${name}" is not a known field; left as it is`);
      continue;
    }
    const value = fieldText(name, context);
    if (value === undefined) (element as HTMLElement).hidden = true;
    else element.textContent = value;
  }
  for (const mapping of ATTRIBUTE_MAPPINGS) {
    for (const element of within(`[${mapping.marker}]`)) {
      const name = element.getAttribute(mapping.marker)?.trim() || mapping.defaultField;
      if (!isFieldName(name)) {
        warn(`field:${name}`, `${mapping.marker}="${name}" is not a known field; left as it is`);
        continue;
      }
      const raw = fieldText(name, context);
      const value = mapping.isUrl ? safeUrl(raw, element.ownerDocument.baseURI) : raw;
      if (mapping.isUrl && raw !== undefined && value === undefined) warn(`url:${mapping.attribute}`, `refused ${mapping.attribute}="${raw.slice(0, 80)}" for item ${context.pageItem.item.id}: only http(s) URLs are set`);
      if (value !== undefined) element.setAttribute(mapping.attribute, value);
    }
  }
}

/** Ranks the slot's own marked items and puts them in that order, in the places they occupy. */
async function reorder(slot: Element, config: SlotConfig, context: SlotContext): Promise<Rendered | undefined> {
  const elements = [...slot.querySelectorAll('[data-lr-item]')].filter((e) => e.parentElement?.closest(LIST_SELECTOR) === slot);
  const idOf = (e: Element): string => e.getAttribute('data-lr-item')?.trim() ?? '';
  const candidates = [...new Set(elements.map(idOf).filter((id) => context.items.has(id) && id !== context.pageItemId))];
  if (candidates.length === 0) return undefined;
  const result = await rankFor(config, candidates, undefined, context);
  const rank = new Map<string, number>(result.items.map((r: RankedItem, i) => [r.id, i]));
  const ordered = elements
    .map((element, index) => ({ element, index, rank: rank.get(idOf(element)) ?? Number.POSITIVE_INFINITY }))
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
    .map((entry) => entry.element);
  // Each element takes the place of the one at its new position (a marker holds the places while they move).
  const markers = elements.map((element) => {
    const marker = element.ownerDocument.createComment('');
    element.before(marker);
    return marker;
  });
  ordered.forEach((element, i) => {
    markers[i]!.replaceWith(element);
    const overflow = config.k !== undefined && i >= config.k;
    if (overflow) {
      (element as HTMLElement).hidden = true;
      element.setAttribute('data-lr-overflow', '');
    } else if (element.hasAttribute('data-lr-overflow')) {
      // Hidden by an earlier render, not by the page.
      (element as HTMLElement).hidden = false;
      element.removeAttribute('data-lr-overflow');
    }
  });
  return { itemIds: ordered.slice(0, config.k ?? ordered.length).map(idOf), encoder: result.encoder, mode: 'reorder' };
}
