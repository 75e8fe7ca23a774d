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
 * at all (nothing to match). Scores per distinct key are computed once per
 * ranking, not once per candidate; the keys scored by one scorer must come
 * from the same {@link KeyIds}.
 */
export function affinityScorer(affinities: Affinities, now: number, config: SummaryConfig): AffinityScorer | null {
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

  // Parts by the keys' interned ids, computed once per key and ranking (each read decays a value).
  type Part = { value: number; best: AffinityScore['best'] };
  const byCategory: Array<Part | undefined> = [];
  const byBrand: Array<Part | undefined> = [];
  const byTag: Array<number | undefined> = [];
  const byBand: Array<number | undefined> = [];
  const categoryPart = (prefixes: readonly string[]): Part => {
    let raw = 0;
    let best: AffinityScore['best'] = null;
    prefixes.forEach((p, i) => {
      const v = value('category', p);
      raw += v * Math.pow(config.categoryParentFactor, prefixes.length - 1 - i);
      const strength = relative('category', v);
      if (!best || strength > best.strength) best = { label: p, strength };
    });
    return { value: relative('category', raw), best };
  };
  const brandPart = (brand: string): Part => {
    const strength = relative('brand', value('brand', brand));
    return { value: strength, best: { label: affinityLabel('brand', brand), strength } };
  };

  const tagsValue = (keys: AffinityKeys): number => {
    if (keys.tags.length === 0 || max.tag <= 0) return 0;
    let sum = 0;
    keys.tags.forEach((t, k) => (sum += byTag[keys.tagIds[k]!] ??= relative('tag', value('tag', t))));
    return (AFFINITY_KIND_WEIGHTS.tag * sum) / keys.tags.length;
  };
  const bandValue = (keys: AffinityKeys): number =>
    keys.band !== null && max.price > 0 ? AFFINITY_KIND_WEIGHTS.price * (byBand[keys.bandId] ??= relative('price', value('price', keys.band))) : 0;

  const score = (keys: AffinityKeys): AffinityScore => {
    let total = 0;
    let best: AffinityScore['best'] = null;
    if (keys.category !== undefined) {
      const part = (byCategory[keys.categoryId] ??= categoryPart(keys.categoryPrefixes));
      total += AFFINITY_KIND_WEIGHTS.category * part.value;
      best = part.best;
    }
    if (keys.brand !== undefined) {
      const part = (byBrand[keys.brandId] ??= brandPart(keys.brand));
      total += AFFINITY_KIND_WEIGHTS.brand * part.value;
      if (part.best && (!best || part.best.strength > best.strength)) best = part.best;
    }
    total += tagsValue(keys) + bandValue(keys);
    return { value: Math.min(1, Math.max(-1, total)), best: best && best.strength >= MIN_REASON_STRENGTH ? best : null };
  };

  const candidates: AffinityScorer['candidates'] = (columns) => {
    const { category, brand, band, tags } = columns;
    const values = new Float64Array(category.length);
    for (let i = 0; i < values.length; i++) {
      let total = 0;
      const c = category[i]!;
      if (c >= 0) total += AFFINITY_KIND_WEIGHTS.category * (byCategory[c] ??= categoryPart(columns.keys(i).categoryPrefixes)).value;
      const b = brand[i]!;
      if (b >= 0) total += AFFINITY_KIND_WEIGHTS.brand * (byBrand[b] ??= brandPart(columns.keys(i).brand!)).value;
      const p = band[i]!;
      if (p >= 0 && max.price > 0) total += AFFINITY_KIND_WEIGHTS.price * (byBand[p] ??= relative('price', value('price', columns.keys(i).band!)));
      if (tags[i] === 1) total += tagsValue(columns.keys(i));
      values[i] = Math.min(1, Math.max(-1, total));
    }
    return { values, best: (i) => score(columns.keys(i)).best };
  };
  return Object.assign(score, { candidates });
}

/**
 * Scores items' affinity keys for one ranking: called with one item's keys,
 * or over the candidates' key ids (the item index's columns) all at once.
 */
export interface AffinityScorer {
  (keys: AffinityKeys): AffinityScore;
  /** Each candidate's value (as the call gives it) from its key ids; `best(i)`, the reason's affinity, on demand. */
  candidates(columns: AffinityColumns): { values: Float64Array; best(i: number): AffinityScore['best'] };
}

/** The candidates' affinity key ids, candidate i at index i (-1 where absent), with the keys themselves for what the ids do not carry. */
export interface AffinityColumns {
  category: Int32Array;
  brand: Int32Array;
  band: Int32Array;
  /** 1 where the item has tags (their mean is read from its keys). */
  tags: Uint8Array;
  /** Candidate i's keys. */
  keys(i: number): AffinityKeys;
}

/** An item's affinity keys, normalised as the summary stores them (the item index keeps them per item). */
export interface AffinityKeys {
  category?: string;
  /** The category's levels as the summary keys them (`categoryPrefixes`), shared by every item of the category. */
  categoryPrefixes: readonly string[];
  brand?: string;
  tags: string[];
  band: string | null;
  // Each key's number in the KeyIds it was made with (-1 where absent): a scorer caches by these, not by string.
  categoryId: number;
  brandId: number;
  tagIds: Int32Array;
  bandId: number;
}

/** Numbers for key strings, shared by every item whose keys are made with them (one set per item index). */
export interface KeyIds {
  category: Map<string, number>;
  /** By category number: its prefixes. */
  prefixes: Array<readonly string[]>;
  brand: Map<string, number>;
  tag: Map<string, number>;
  band: Map<string, number>;
}

export function newKeyIds(): KeyIds {
  return { category: new Map(), prefixes: [], brand: new Map(), tag: new Map(), band: new Map() };
}

function idOf(ids: Map<string, number>, key: string | undefined | null): number {
  if (key === undefined || key === null) return -1;
  let id = ids.get(key);
  if (id === undefined) ids.set(key, (id = ids.size));
  return id;
}

export function affinityKeysOf(item: Item, maxTags: number, ids: KeyIds): AffinityKeys {
  const brand = item.brand?.trim() || undefined;
  const band = priceBand(item.price);
  const tags = item.tags ? [...new Set(item.tags.map((t) => t.trim()).filter((t) => t.length > 0))].slice(0, maxTags) : [];
  const category = idOf(ids.category, item.category);
  if (category >= 0) ids.prefixes[category] ??= categoryPrefixes(item.category!);
  const keys: AffinityKeys = {
    categoryPrefixes: category >= 0 ? ids.prefixes[category]! : [],
    tags,
    band: band === null ? null : String(band),
    categoryId: category,
    brandId: idOf(ids.brand, brand),
    tagIds: Int32Array.from(tags, (t) => idOf(ids.tag, t)),
    bandId: band === null ? -1 : idOf(ids.band, String(band)),
  };
  if (item.category !== undefined) keys.category = item.category;
  if (brand) keys.brand = brand;
  return keys;
}
