import { LocalRankError } from '../errors.js';
import type { Item, RankOptions, RankWeights, RecentlyViewedOptions } from '../types.js';
import { validateExplore } from './learning/explore.js';
import { DEFAULT_WEIGHTS } from './rank.js';
import type { AttributeFilter } from './ranking/constraints.js';
import { applyCapsAndQuota, applyPins, attributeMatcher } from './ranking/constraints.js';
import { mmr } from './ranking/mmr.js';
import { longTailMask } from './ranking/popularity.js';
import { rescale01 } from './ranking/scores.js';
import { topK } from './ranking/topk.js';

/**
 * From scores to the final order of one ranking: attribute filter, then
 * diversity (MMR over the best-scored pool), then the exposure cap and the
 * long-tail quota together, then pins. Deterministic: ties keep input order.
 */
export type RerankOptions = Pick<RankOptions, 'diversity' | 'cap' | 'minLongTail' | 'filter' | 'pins'>;

const bad = (field: string, problem: string): never => {
  throw new LocalRankError('INVALID_ARGUMENT', `options.${field} ${problem}`, `options.${field}`);
};

/** Checks every option of one `rank()` call (the named field on failure); returns them typed. */
export function validateRankOptions(raw: unknown): RankOptions {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new LocalRankError('INVALID_ARGUMENT', 'options must be an object', 'options');
  const o = raw as Record<string, unknown>;
  const out: RankOptions = {};
  if (o['k'] !== undefined) {
    const k = o['k'];
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 0) bad('k', 'must be a whole number >= 0');
    out.k = k as number;
  }
  if (o['query'] !== undefined) {
    const q = o['query'];
    if (typeof q !== 'string' || q.length > 512) bad('query', 'must be a string of at most 512 characters');
    out.query = q as string;
  }
  for (const flag of ['excludePurchased', 'excludeSeen'] as const) {
    if (o[flag] === undefined) continue;
    if (typeof o[flag] !== 'boolean') bad(flag, 'must be true or false');
    out[flag] = o[flag] as boolean;
  }
  if (o['longTailExponent'] !== undefined) {
    const e = o['longTailExponent'];
    if (typeof e !== 'number' || !Number.isFinite(e) || e < 0) bad('longTailExponent', 'must be a finite number >= 0');
    out.longTailExponent = e as number;
  }
  if (o['contentMatch'] !== undefined) {
    const m = o['contentMatch'];
    if (m !== 'nearest' && m !== 'profile') bad('contentMatch', "must be 'nearest' or 'profile'");
    out.contentMatch = m as 'nearest' | 'profile';
  }
  if (o['diversity'] !== undefined) {
    const d = o['diversity'];
    if (typeof d !== 'number' || !(d >= 0 && d <= 1)) bad('diversity', 'must be a number from 0 to 1');
    out.diversity = d as number;
  }
  if (o['cap'] !== undefined) {
    const c = o['cap'] as Record<string, unknown> | null;
    if (typeof c !== 'object' || c === null) bad('cap', "must be { by: 'brand' | 'category', maxShare }");
    if (c!['by'] !== 'brand' && c!['by'] !== 'category') bad('cap.by', "must be 'brand' or 'category'");
    const share = c!['maxShare'];
    if (typeof share !== 'number' || !(share > 0 && share <= 1)) bad('cap.maxShare', 'must be a number in (0, 1]');
    out.cap = { by: c!['by'] as 'brand' | 'category', maxShare: share as number };
  }
  if (o['minLongTail'] !== undefined) {
    const m = o['minLongTail'];
    if (typeof m !== 'number' || !Number.isInteger(m) || m < 0) bad('minLongTail', 'must be a whole number >= 0');
    out.minLongTail = m as number;
  }
  if (o['filter'] !== undefined) {
    const f = o['filter'];
    if (typeof f !== 'object' || f === null || Array.isArray(f)) bad('filter', 'must be an object of attribute values');
    const scalar = (v: unknown): boolean => v === null || ['string', 'number', 'boolean'].includes(typeof v);
    for (const [key, value] of Object.entries(f as object)) {
      if (!(scalar(value) || (Array.isArray(value) && value.every(scalar)))) bad(`filter.${key}`, 'must be a value or a list of values');
    }
    out.filter = f as RerankOptions['filter'] & object;
  }
  if (o['pins'] !== undefined) {
    const pins = o['pins'];
    if (!Array.isArray(pins)) bad('pins', 'must be an array of { id, position }');
    (pins as unknown[]).forEach((p, i) => {
      const pin = p as Record<string, unknown> | null;
      if (typeof pin !== 'object' || pin === null || typeof pin['id'] !== 'string') bad(`pins[${i}].id`, 'must be a string');
      const position = pin!['position'];
      if (typeof position !== 'number' || !Number.isInteger(position) || position < 0) bad(`pins[${i}].position`, 'must be a whole number >= 0');
    });
    out.pins = pins as Array<{ id: string; position: number }>;
  }
  if (o['weights'] !== undefined) {
    const w = o['weights'];
    if (typeof w !== 'object' || w === null || Array.isArray(w)) bad('weights', 'must be an object of component weights');
    const weights: RankWeights = {};
    for (const [name, value] of Object.entries(w as object)) {
      if (!(name in DEFAULT_WEIGHTS)) bad(`weights.${name}`, `is not a component (${Object.keys(DEFAULT_WEIGHTS).join(', ')})`);
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 100) bad(`weights.${name}`, 'must be a number from 0 to 100');
      weights[name as keyof RankWeights] = value as number;
    }
    out.weights = weights;
  }
  if (o['boosts'] !== undefined) {
    const b = o['boosts'];
    if (typeof b !== 'object' || b === null || Array.isArray(b)) bad('boosts', 'must be an object of item id to a number from -1 to 1');
    for (const [id, value] of Object.entries(b as object)) {
      if (typeof value !== 'number' || !(value >= -1 && value <= 1)) bad(`boosts.${id}`, 'must be a number from -1 to 1');
    }
    out.boosts = { ...(b as Record<string, number>) };
  }
  if (o['explore'] !== undefined) {
    if (out.pins?.length) bad('explore', 'cannot be combined with options.pins (exploration would move pinned items)');
    out.explore = validateExplore(o['explore'], bad);
  }
  return out;
}

/** Checks the options of `recentlyViewed()`. */
export function validateRecentOptions(raw: unknown): RecentlyViewedOptions {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new LocalRankError('INVALID_ARGUMENT', 'options must be an object', 'options');
  const { k, excludePurchased } = validateRankOptions({ k: (raw as RecentlyViewedOptions).k, excludePurchased: (raw as RecentlyViewedOptions).excludePurchased });
  return { ...(k !== undefined ? { k } : {}), ...(excludePurchased !== undefined ? { excludePurchased } : {}) };
}

/** Candidates kept by the attribute filter, as indices into `candidates`. */
export function filterCandidates(candidates: readonly Item[], filter: RerankOptions['filter']): number[] {
  const all = candidates.map((_, i) => i);
  if (!filter) return all;
  const matches = attributeMatcher(filter as AttributeFilter);
  return all.filter((i) => matches(candidates[i]!.attributes));
}

/**
 * The final order (indices into `candidates`), at most `k` long. `rowOf(i)`
 * gives candidate i's vector; diversity asks for those of the best-scored pool only.
 */
export function orderCandidates(scores: Float64Array, candidates: readonly Item[], rowOf: (i: number) => Float32Array, k: number, options: RerankOptions): Int32Array {
  const n = candidates.length;
  if (n === 0 || k === 0) return new Int32Array(0);
  const constrained = options.cap !== undefined || (options.minLongTail ?? 0) > 0 || (options.pins?.length ?? 0) > 0;
  // Caps, quota and pins need room below k to promote from.
  const depth = constrained ? n : Math.min(n, k);
  let order: Int32Array;
  if (options.diversity) {
    // MMR over the best-scored pool, relevance rescaled over that pool (where the choice is made).
    const pool = topK(scores, Math.min(n, Math.max(5 * k, 200)));
    const rows = Array.from(pool, rowOf);
    const relevance = rescale01(Float64Array.from(pool, (i) => scores[i]!));
    const local = mmr(relevance, { rows, dim: rows[0]?.length ?? 0 }, 1 - options.diversity, Math.min(pool.length, constrained ? 3 * k : k));
    const picked = Array.from(local, (j) => pool[j]!);
    const taken = new Set(picked);
    const rest = topK(scores, depth).filter((i) => !taken.has(i));
    order = Int32Array.from([...picked, ...rest]);
  } else {
    order = topK(scores, depth);
  }
  if (options.cap || options.minLongTail) {
    const by = options.cap?.by;
    const longTail = longTailMask(Float64Array.from(candidates, (c) => c.popularity ?? 0));
    order = applyCapsAndQuota(order, {
      k,
      ...(by ? { groupOf: (i: number) => candidates[i]![by], maxShare: options.cap!.maxShare } : {}),
      ...(options.minLongTail ? { isLongTail: (i: number) => longTail[i] === 1, minLongTail: options.minLongTail } : {}),
    });
  }
  if (options.pins?.length) {
    const index = new Map(candidates.map((c, i) => [c.id, i]));
    const pins = options.pins.flatMap((p) => (index.has(p.id) ? [{ index: index.get(p.id)!, position: p.position }] : []));
    order = applyPins(order, pins);
  }
  return order.slice(0, k);
}
