/**
 * The affinity component: how well an item's category path, brand, tags and
 * price band match what the person engaged with (the summary's decayed
 * affinities), each kind on its own scale, then weighted.
 */
import type { Item } from '../../types.js';
import { affinityLabel, categoryPrefixes, decayedValue, halfLifeMs, priceBand } from '../summary/affinity.js';
import type { Affinities, AffinityKind, SummaryConfig } from '../summary/types.js';
import { AFFINITY_KINDS } from '../summary/types.js';

/** Weight of each kind inside the component (they sum to 1). */
export const AFFINITY_KIND_WEIGHTS: Readonly<Record<AffinityKind, number>> = { category: 0.5, brand: 0.3, tag: 0.1, price: 0.1 };

/** Smallest relative strength (value ÷ the strongest of its kind) that a reason may name. */
export const MIN_REASON_STRENGTH = 0.2;

export interface AffinityScore {
  /**
   * `Σ_kind weight_kind × clamp(v_kind / max_kind, −1, 1)`, in [−1, 1]: `v_kind`
   * is the item's raw affinity of that kind (category: the sum over its
   * prefixes, each times the parent factor per level up; tags: the mean), and
   * `max_kind` the strongest positive affinity of that kind in the profile.
   */
  value: number;
  /** The item's own strongest category level or brand, relative to the strongest of its kind, for "Matches your interest in …". */
  best: { label: string; strength: number } | null;
}

/**
 * A scorer for one ranking, or null when the profile has no positive affinity
 * at all (nothing to match). Scores per distinct category and brand are
 * computed once per ranking, not once per candidate.
 */
export function affinityScorer(affinities: Affinities, now: number, config: SummaryConfig): ((keys: AffinityKeys) => AffinityScore) | null {
  const h = halfLifeMs(config);
  const max = {} as Record<AffinityKind, number>;
  let any = false;
  for (const kind of AFFINITY_KINDS) {
    let m = 0;
    for (const d of affinities[kind].values()) m = Math.max(m, decayedValue(d, now, h));
    max[kind] = m;
    any ||= m > 0;
  }
  if (!any) return null;
  const value = (kind: AffinityKind, key: string): number => {
    const d = affinities[kind].get(key);
    return d ? decayedValue(d, now, h) : 0;
  };
  const relative = (kind: AffinityKind, v: number): number => (max[kind] > 0 ? Math.min(1, Math.max(-1, v / max[kind])) : 0);

  type Part = { value: number; best: AffinityScore['best'] };
  const byCategory = new Map<string, Part>();
  const byBrand = new Map<string, Part>();
  // Relative values of tags and price bands, once per key and ranking (each read decays a value).
  const byTag = new Map<string, number>();
  const byBand = new Map<string, number>();
  const cachedRelative = (cache: Map<string, number>, kind: AffinityKind, key: string): number => {
    let v = cache.get(key);
    if (v === undefined) cache.set(key, (v = relative(kind, value(kind, key))));
    return v;
  };
  const categoryPart = (category: string): Part => {
    let part = byCategory.get(category);
    if (part) return part;
    const prefixes = categoryPrefixes(category);
    let raw = 0;
    let best: AffinityScore['best'] = null;
    prefixes.forEach((p, i) => {
      const v = value('category', p);
      raw += v * Math.pow(config.categoryParentFactor, prefixes.length - 1 - i);
      const strength = relative('category', v);
      if (!best || strength > best.strength) best = { label: p, strength };
    });
    part = { value: relative('category', raw), best };
    byCategory.set(category, part);
    return part;
  };
  const brandPart = (brand: string): Part => {
    let part = byBrand.get(brand);
    if (part) return part;
    const strength = relative('brand', value('brand', brand));
    part = { value: strength, best: { label: affinityLabel('brand', brand), strength } };
    byBrand.set(brand, part);
    return part;
  };

  return (keys) => {
    let total = 0;
    let best: AffinityScore['best'] = null;
    if (keys.category !== undefined) {
      const part = categoryPart(keys.category);
      total += AFFINITY_KIND_WEIGHTS.category * part.value;
      best = part.best;
    }
    if (keys.brand !== undefined) {
      const part = brandPart(keys.brand);
      total += AFFINITY_KIND_WEIGHTS.brand * part.value;
      if (part.best && (!best || part.best.strength > best.strength)) best = part.best;
    }
    if (keys.tags.length > 0 && max.tag > 0) {
      let sum = 0;
      for (const t of keys.tags) sum += cachedRelative(byTag, 'tag', t);
      total += (AFFINITY_KIND_WEIGHTS.tag * sum) / keys.tags.length;
    }
    if (keys.band !== null && max.price > 0) total += AFFINITY_KIND_WEIGHTS.price * cachedRelative(byBand, 'price', keys.band);
    return { value: Math.min(1, Math.max(-1, total)), best: best && best.strength >= MIN_REASON_STRENGTH ? best : null };
  };
}

/** An item's affinity keys, normalised as the summary stores them (the item index keeps them per item). */
export interface AffinityKeys {
  category?: string;
  brand?: string;
  tags: string[];
  band: string | null;
}

export function affinityKeysOf(item: Item, maxTags: number): AffinityKeys {
  const brand = item.brand?.trim();
  const band = priceBand(item.price);
  const keys: AffinityKeys = {
    tags: item.tags ? [...new Set(item.tags.map((t) => t.trim()).filter((t) => t.length > 0))].slice(0, maxTags) : [],
    band: band === null ? null : String(band),
  };
  if (item.category !== undefined) keys.category = item.category;
  if (brand) keys.brand = brand;
  return keys;
}
