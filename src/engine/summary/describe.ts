import type { EventType } from '../../types.js';
import type { AffinityReading } from './affinity.js';
import { categoryPrefixes, topAffinities } from './affinity.js';
import { readInterests } from './interests.js';
import type { Affinities, InterestSpace, Summary, SummaryConfig } from './types.js';

/** Person-readable views of a summary, for transparency screens. */

export interface DescribeOptions {
  /** Title of an item id, for interest labels; ids without a title are left out of labels. */
  title?: (itemId: string) => string | undefined;
  /** Encoder space whose interests to show; default the most recently updated one. */
  encoder?: string;
  /** Currency symbol of price-band labels; default "$". */
  currency?: string;
  /** Interests listed; default 5. */
  maxInterests?: number;
  /** Affinities listed per kind; default 5. */
  maxAffinities?: number;
}

export interface DescribedInterest {
  /** Up to 3 representative titles, e.g. "Trail Runner 2, Peak GTX"; "Interest 2" when none has a title. */
  label: string;
  /** Share of the total current strength of all interests, in [0, 1]. */
  strength: number;
  itemIds: string[];
  /** Titles of the representatives that have one, in the same order. */
  titles: string[];
}

export interface SummaryDescription {
  interests: DescribedInterest[];
  /** Positive affinities per kind, strongest first, with readable labels (keys as in the public ProfileSummary). */
  affinities: { category: AffinityReading[]; brand: AffinityReading[]; tag: AffinityReading[]; priceBand: AffinityReading[] };
  recentSearches: string[];
  counts: Partial<Record<EventType, number>>;
  /** One sentence: "Interested in Shoes > Running (Nike, $64–127); recently searched 'trail'." */
  text: string;
}

/** The space shown by default: the one updated most recently (highest appliedSeq). */
export function primarySpace(summary: Summary, encoder?: string): InterestSpace | undefined {
  if (encoder !== undefined) return summary.spaces.get(encoder);
  let best: InterestSpace | undefined;
  for (const s of summary.spaces.values()) if (!best || s.appliedSeq > best.appliedSeq) best = s;
  return best;
}

/** "Title A, Title B, Title C" from the first 3 ids that have a title; `fallback` when none has. */
export function interestLabel(itemIds: readonly string[], title: ((id: string) => string | undefined) | undefined, fallback: string): string {
  const titles: string[] = [];
  for (const id of itemIds) {
    const t = title?.(id)?.trim();
    if (t && !titles.includes(t)) titles.push(t);
    if (titles.length >= 3) break;
  }
  return titles.length > 0 ? titles.join(', ') : fallback;
}

/**
 * Up to `n` categories for the sentence, from `entries` sorted strongest
 * first, preferring the more specific: a category replaces its picked
 * ancestor, and an ancestor of a picked category is skipped. Categories
 * weaker than `minShare` of the strongest are left out.
 */
export function headlineCategories(entries: readonly AffinityReading[], n = 2, minShare = 0.5): string[] {
  const picked: string[] = [];
  const isAncestor = (a: string, b: string): boolean => b.startsWith(`${a} > `);
  const floor = (entries[0]?.weight ?? 0) * minShare;
  for (const { key, weight } of entries) {
    if (weight < floor) break;
    if (picked.some((p) => isAncestor(key, p))) continue;
    const ancestor = picked.findIndex((p) => isAncestor(p, key));
    if (ancestor >= 0) picked[ancestor] = key;
    else if (picked.length < n) picked.push(key);
  }
  return picked;
}

const quote = (s: string): string => `'${s.length > 60 ? `${s.slice(0, 57)}...` : s}'`;

export function describeSummary(summary: Summary, now: number, config: SummaryConfig, options: DescribeOptions = {}): SummaryDescription {
  const maxAff = options.maxAffinities ?? 5;
  const currency = options.currency ?? '$';
  const top = (kind: AffinityReading['kind'], n = maxAff): AffinityReading[] => topAffinities(summary.affinities, kind, now, config, n, currency);
  const categoryPool = top('category', Math.max(maxAff, 20));
  const affinities = { category: categoryPool.slice(0, maxAff), brand: top('brand'), tag: top('tag'), priceBand: top('price') };

  const space = primarySpace(summary, options.encoder);
  const readings = space ? readInterests(space, now, config).filter((r) => r.strength > 0) : [];
  const total = readings.reduce((a, r) => a + r.strength, 0);
  const interests = readings.slice(0, options.maxInterests ?? 5).map((r, i) => ({
    label: interestLabel(r.itemIds, options.title, `Interest ${i + 1}`),
    strength: total > 0 ? r.strength / total : 0,
    itemIds: r.itemIds,
    titles: r.itemIds.map((id) => options.title?.(id)?.trim()).filter((t): t is string => !!t),
  }));

  const counts: Partial<Record<EventType, number>> = {};
  for (const [type, n] of Object.entries(summary.counts) as Array<[EventType, number]>) if (n > 0) counts[type] = n;

  const parts: string[] = [];
  const categories = headlineCategories(categoryPool);
  const details = [affinities.brand[0]?.label, affinities.priceBand[0]?.label].filter((s): s is string => s !== undefined);
  const detail = details.length > 0 ? ` (${details.join(', ')})` : '';
  if (categories.length > 0) {
    parts.push(`interested in ${categories.join(' and ')}${detail}`);
  } else {
    const titled = interests.find((it) => !/^Interest \d+$/.test(it.label));
    if (titled) parts.push(`interested in items like ${quote(titled.label.split(', ')[0]!)}${detail}`);
    else if (details.length > 0) parts.push(`interested in ${details.join(', ')}`);
  }
  if (summary.recentSearches[0] !== undefined) parts.push(`recently searched ${quote(summary.recentSearches[0])}`);
  const sentence = parts.join('; ');
  const text = sentence.length > 0 ? `${sentence[0]!.toUpperCase()}${sentence.slice(1)}.` : 'Nothing learned yet.';
  return { interests, affinities, recentSearches: [...summary.recentSearches], counts, text };
}

/**
 * The person's strongest positive category affinity that is on `list`,
 * trying each category's levels from the deepest up ("Shoes > Running", then
 * "Shoes"), or null (reported as "other") when none is.
 */
export function topListedCategory(affinities: Affinities, list: readonly string[], now: number, config: SummaryConfig): string | null {
  const listed = new Set(list);
  let best: string | null = null;
  let bestValue = 0;
  for (const reading of topAffinities(affinities, 'category', now, config, Infinity)) {
    const levels = categoryPrefixes(reading.key);
    const match = [...levels].reverse().find((level) => listed.has(level));
    if (match && reading.weight > bestValue) {
      best = match;
      bestValue = reading.weight;
    }
  }
  return best;
}
