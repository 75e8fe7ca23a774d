import type { Item } from '../../types.js';
import type { Affinities, AffinityKind, Decayed, SummaryConfig } from './types.js';
import { DAY_MS } from './types.js';

// ---------------------------------------------------------------------------
// Decayed values
// ---------------------------------------------------------------------------

/**
 * Value of `d` at `now`: `w * 0.5^((now - t) / halfLifeMs)`. Exactly `w / 2`
 * one half-life after `t`. A `now` before `t` (clock skew) reads as at `t`.
 */
export function decayedValue(d: Decayed, now: number, halfLifeMs: number): number {
  if (d.w === 0) return 0;
  const age = Math.max(0, now - d.t);
  return age === 0 ? d.w : d.w * Math.pow(0.5, age / halfLifeMs);
}

/**
 * Adds `amount` at time `at`, folding the decay in: afterwards `d` holds the
 * total as of `max(d.t, at)`. An amount older than `d.t` is decayed to `d.t`
 * before it is added, so the order events arrive in does not matter.
 */
export function addDecayed(d: Decayed, amount: number, at: number, halfLifeMs: number): Decayed {
  if (at >= d.t) {
    d.w = decayedValue(d, at, halfLifeMs) + amount;
    d.t = at;
  } else {
    d.w += amount * Math.pow(0.5, (d.t - at) / halfLifeMs);
  }
  return d;
}

/** A fresh decayed value of `amount` at `at`. */
export function decayed(amount: number, at: number): Decayed {
  return { w: amount, t: at };
}

/**
 * A time-free order of |current value|: `log2|w| + t / halfLife` ranks decayed
 * values exactly as `|w| * 0.5^((now - t) / halfLife)` does, at every `now`,
 * without a power per comparison. -Infinity for 0.
 */
export function decayOrder(d: Decayed, halfLifeMs: number): number {
  return d.w === 0 ? -Infinity : Math.log2(Math.abs(d.w)) + d.t / halfLifeMs;
}

export const halfLifeMs = (config: Pick<SummaryConfig, 'halfLifeDays'>): number => config.halfLifeDays * DAY_MS;

// ---------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------

/** "Shoes >Running> Trail" -> ["Shoes", "Shoes > Running", "Shoes > Running > Trail"]; empty levels dropped. */
export function categoryPrefixes(category: string): string[] {
  const levels = category
    .split('>')
    .map((s) => s.trim().replace(/\s+/g, ' '))
    .filter((s) => s.length > 0);
  return levels.map((_, i) => levels.slice(0, i + 1).join(' > '));
}

/**
 * Log-scale price band: `floor(log2(price))`, prices below 1 in band 0. Band
 * `b >= 1` holds prices in [2^b, 2^(b+1)), so band 6 is 64 to 127.99, shown as
 * "$64–127". (`floor(log2(price + 1))` would shift every edge by one, giving
 * labels like "$63–126".) Null for a missing or invalid price.
 */
export function priceBand(price: number | undefined): number | null {
  if (price === undefined || !Number.isFinite(price) || price < 0) return null;
  return price < 2 ? 0 : Math.floor(Math.log2(price));
}

/** Readable label of a price band: 0 -> "$0–1", 6 -> "$64–127". */
export function priceBandLabel(band: number, currency = '$'): string {
  if (band <= 0) return `${currency}0–1`;
  return `${currency}${2 ** band}–${2 ** (band + 1) - 1}`;
}

/** Readable label of an affinity key. */
export function affinityLabel(kind: AffinityKind, key: string, currency = '$'): string {
  return kind === 'price' ? priceBandLabel(Number(key), currency) : key;
}

/**
 * The affinity keys an item touches, each with its factor of the event weight:
 * every category prefix (deepest 1, each level up times `categoryParentFactor`),
 * the brand (1), each distinct tag (1, the first `maxTagsPerItem`), the price band (1).
 */
export function affinityKeys(item: Item, config: Pick<SummaryConfig, 'categoryParentFactor' | 'maxTagsPerItem'>): Array<[AffinityKind, string, number]> {
  const out: Array<[AffinityKind, string, number]> = [];
  if (item.category !== undefined) {
    const prefixes = categoryPrefixes(item.category);
    prefixes.forEach((p, i) => out.push(['category', p, Math.pow(config.categoryParentFactor, prefixes.length - 1 - i)]));
  }
  const brand = item.brand?.trim();
  if (brand) out.push(['brand', brand, 1]);
  if (item.tags) {
    const tags = new Set(item.tags.map((t) => t.trim()).filter((t) => t.length > 0));
    [...tags].slice(0, config.maxTagsPerItem).forEach((t) => out.push(['tag', t, 1]));
  }
  const band = priceBand(item.price);
  if (band !== null) out.push(['price', String(band), 1]);
  return out;
}

// ---------------------------------------------------------------------------
// Updates and reads
// ---------------------------------------------------------------------------

export function createAffinities(): Affinities {
  return { category: new Map(), brand: new Map(), tag: new Map(), price: new Map() };
}

/**
 * Folds one event into the affinities: every key of the item gets
 * `weight * factor` at `timestamp` (negative weights, e.g. dismiss, subtract).
 * Then each touched kind is cut to its cap, dropping the entries with the
 * smallest |current value| (the new one included, if it is the weakest).
 */
export function applyAffinities(affinities: Affinities, item: Item, weight: number, timestamp: number, config: SummaryConfig): void {
  if (weight === 0 || !Number.isFinite(weight)) return;
  const h = halfLifeMs(config);
  const touched = new Set<AffinityKind>();
  for (const [kind, key, factor] of affinityKeys(item, config)) {
    const map = affinities[kind];
    const entry = map.get(key);
    if (entry) addDecayed(entry, weight * factor, timestamp, h);
    else map.set(key, decayed(weight * factor, timestamp));
    touched.add(kind);
  }
  for (const kind of touched) capMap(affinities[kind], config.maxAffinities[kind], (d) => decayOrder(d, h));
}

/** Removes the entries with the smallest `value` (any monotone order) until `map` has at most `cap`. */
export function capMap<V>(map: Map<string, V>, cap: number, value: (v: V) => number): void {
  const excess = map.size - Math.max(0, cap);
  if (excess <= 0) return;
  if (excess === 1) {
    let weakestKey: string | undefined;
    let weakest = Infinity;
    for (const [k, v] of map) {
      const x = value(v);
      if (x < weakest) {
        weakest = x;
        weakestKey = k;
      }
    }
    if (weakestKey !== undefined) map.delete(weakestKey);
    return;
  }
  const ordered = [...map].map(([k, v]) => [k, value(v)] as const).sort((a, b) => a[1] - b[1]);
  for (let i = 0; i < excess; i++) map.delete(ordered[i]![0]);
}

/** Current value of one affinity (0 when absent). */
export function affinityValue(affinities: Affinities, kind: AffinityKind, key: string, now: number, config: SummaryConfig): number {
  const d = affinities[kind].get(key);
  return d ? decayedValue(d, now, halfLifeMs(config)) : 0;
}

export interface AffinityReading {
  kind: AffinityKind;
  key: string;
  /** Readable label ("Shoes > Running", "Nike", "$64–127"). */
  label: string;
  /** Current decayed value (the public `AffinityEntry.weight`). */
  weight: number;
}

/** The `n` strongest positive affinities of a kind at `now`, strongest first. */
export function topAffinities(affinities: Affinities, kind: AffinityKind, now: number, config: SummaryConfig, n = 5, currency = '$'): AffinityReading[] {
  const h = halfLifeMs(config);
  const out: AffinityReading[] = [];
  for (const [key, d] of affinities[kind]) {
    const value = decayedValue(d, now, h);
    if (value > 0) out.push({ kind, key, label: affinityLabel(kind, key, currency), weight: value });
  }
  return out.sort((a, b) => b.weight - a.weight || (a.key < b.key ? -1 : 1)).slice(0, n);
}

/**
 * Raw current affinity of an item per kind (signed sums, not normalised):
 * category = sum over its prefixes of value * factor, tags = mean over its
 * tags, brand and price = the single value. For ranking features.
 */
export function itemAffinity(affinities: Affinities, item: Item, now: number, config: SummaryConfig): Record<AffinityKind, number> {
  const h = halfLifeMs(config);
  const out: Record<AffinityKind, number> = { category: 0, brand: 0, tag: 0, price: 0 };
  let tags = 0;
  for (const [kind, key, factor] of affinityKeys(item, config)) {
    const d = affinities[kind].get(key);
    const v = d ? decayedValue(d, now, h) : 0;
    if (kind === 'tag') tags++;
    out[kind] += kind === 'category' ? v * factor : v;
  }
  if (tags > 0) out.tag /= tags;
  return out;
}
