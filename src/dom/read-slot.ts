import type { AttributeReader } from './attributes.js';
import { number, text, tokens } from './attributes.js';

export const SLOT_KINDS = ['for-you', 'similar', 'recently-viewed'] as const;
export type SlotKind = (typeof SLOT_KINDS)[number];

export interface SlotConfig {
  kind: SlotKind;
  /** How many items to show: rendered from the template, or left visible when reordering. */
  k: number | undefined;
  /** The item a `similar` slot is about: `data-lr-item-ref`, else the page's item. */
  anchor?: string;
  /** Names the list in impression and click events: `data-lr-list`, else the slot kind. */
  listId: string;
  excludeSeen: boolean;
  excludePurchased: boolean;
}

const MAX_K = 100;

/** Reads a slot's attributes; undefined, with a problem line, when the slot cannot be served. */
export function readSlot(read: AttributeReader, pageItemId: string | undefined, problems: string[]): SlotConfig | undefined {
  const kind = text(read, 'data-lr-slot');
  if (kind === undefined || !(SLOT_KINDS as readonly string[]).includes(kind)) {
    problems.push(`data-lr-slot="${kind ?? ''}" is not one of ${SLOT_KINDS.join(', ')}; slot left as it is`);
    return undefined;
  }
  let k = number(read, 'data-lr-k', problems);
  if (k !== undefined && (!Number.isInteger(k) || k < 1 || k > MAX_K)) {
    problems.push(`data-lr-k="${read('data-lr-k') ?? ''}" must be an integer from 1 to ${MAX_K}; ignored`);
    k = undefined;
  }
  const exclude = tokens(read, 'data-lr-exclude');
  for (const t of exclude) if (t !== 'seen' && t !== 'purchased') problems.push(`data-lr-exclude: unknown value "${t}" (seen, purchased); ignored`);
  const config: SlotConfig = {
    kind: kind as SlotKind,
    k,
    listId: text(read, 'data-lr-list') ?? kind,
    excludeSeen: exclude.includes('seen'),
    excludePurchased: exclude.includes('purchased'),
  };
  if (kind === 'similar') {
    const anchor = text(read, 'data-lr-item-ref') ?? pageItemId;
    if (anchor === undefined) {
      problems.push('a data-lr-slot="similar" needs data-lr-item-ref or a data-lr-page-item on the page; slot left as it is');
      return undefined;
    }
    config.anchor = anchor;
  }
  return config;
}
