/**
 * Rules applied to an ordered list of candidate indices (best first): exposure
 * caps per group, a long-tail quota, pins, and filters. Every rule returns a
 * new Int32Array that is a permutation of its input (filters: a subsequence).
 *
 * Order of application in the pipeline: filters (before scoring), then MMR,
 * then caps and quota together ({@link applyCapsAndQuota}, one pass that
 * satisfies both at once), then pins last: a pin is the host's explicit
 * choice and may break a cap or the quota.
 */
import { LocalRankError } from '../../errors.js';

/** The group (a brand, a category value) of candidate `i`; undefined: in no group, never capped. */
export type GroupOf = (index: number) => string | undefined;

/** Options of {@link applyCapsAndQuota}. */
export interface CapsAndQuota {
  /** The top this applies to. */
  k: number;
  /** Groups for the cap; without it nothing is capped. */
  groupOf?: GroupOf;
  /**
   * Largest share of the top k one group may hold: at most
   * `max(1, floor(maxShare * k))` items per group. Default 1 (no cap).
   */
  maxShare?: number;
  /** True for long-tail candidates (e.g. from `longTailMask`); without it there is no quota. */
  isLongTail?: (index: number) => boolean;
  /** Long-tail items wanted in the top k. Default 0. */
  minLongTail?: number;
}

/** `max(1, floor(maxShare * k))`, with a little slack against 0.29 * 100 = 28.999…; no cap (k) for maxShare >= 1. */
export function capFor(maxShare: number, k: number): number {
  if (!(maxShare >= 0)) throw new LocalRankError('INVALID_ARGUMENT', `maxShare must be a number >= 0 (got ${maxShare})`, 'maxShare');
  if (maxShare >= 1) return Math.max(1, k);
  return Math.max(1, Math.floor(maxShare * k + 1e-9));
}

/**
 * Exposure caps and a long-tail quota on the top `k` of `order`, in one greedy
 * pass that keeps the result as close to `order` as the rules allow.
 *
 * Let K = min(k, n), cap = `capFor(maxShare, k)`. Candidates are scanned in
 * order; each is taken into the top when, after taking it, the rest of the top
 * can still be completed from the candidates not yet scanned so that no group
 * exceeds the cap and at least q long-tail items are in. Otherwise it is
 * passed over (for good: the rules only get tighter as the top fills). The
 * completion test is exact and O(1) per candidate: with `room_g` the free cap
 * of group g, `a_g` / `r_g` its unscanned long-tail / all items,
 * the top can be completed iff
 *   sum_g min(a_g, room_g) >= need,  sum_g min(r_g, room_g) >= slots,  need <= slots
 * (ungrouped items count with unlimited room). Hence:
 * - caps hold exactly in the top k whenever any arrangement satisfies them
 *   (`sum_g min(size_g, cap) + ungrouped >= K`); otherwise the largest
 *   feasible number K' of top places is filled by the rules and the rest of
 *   the top by the passed-over items, in order;
 * - the quota q = min(minLongTail, K', most long-tail items the caps let into
 *   the top) holds exactly: "as many as exist" when there are too few;
 * - the top is the best-ranked feasible choice in the greedy sense: with
 *   only a quota, the missing long-tail items are the best-ranked ones beyond k
 *   and the items they displace are the lowest-ranked non-long-tail ones of
 *   the top k;
 * - the result is the taken items, then every other item, each part in
 *   input order: when feasible, the top k and the rest each keep their
 *   relative order (with infeasible caps, the passed-over items that fill the
 *   top's last places come after the taken ones).
 * An `order` that already satisfies the rules comes back unchanged.
 */
export function applyCapsAndQuota(order: Int32Array, rules: CapsAndQuota): Int32Array {
  const n = order.length;
  const K = Math.max(0, Math.min(Math.floor(rules.k), n));
  const cap = rules.groupOf ? capFor(rules.maxShare ?? 1, rules.k) : K;
  const minLongTail = Math.max(0, Math.floor(rules.minLongTail ?? 0));
  if (K === 0) return Int32Array.from(order);

  // Group ids: 0 = no group (unlimited room), 1.. = the groups in order of appearance.
  const groupIds = new Int32Array(n);
  const keys = new Map<string, number>();
  const lt = new Uint8Array(n);
  for (let p = 0; p < n; p++) {
    const i = order[p]!;
    const key = rules.groupOf?.(i);
    if (key !== undefined) {
      let g = keys.get(key);
      if (g === undefined) keys.set(key, (g = keys.size + 1));
      groupIds[p] = g;
    }
    if (rules.isLongTail?.(i)) lt[p] = 1;
  }
  const groups = keys.size + 1;
  const room = new Float64Array(groups).fill(cap);
  room[0] = Infinity;
  const remaining = new Int32Array(groups); // r_g: unscanned items
  const remainingLt = new Int32Array(groups); // a_g: unscanned long-tail items
  for (let p = 0; p < n; p++) {
    remaining[groupIds[p]!]!++;
    if (lt[p]) remainingLt[groupIds[p]!]!++;
  }
  let ltAvail = 0; // sum_g min(a_g, room_g)
  let totalAvail = 0; // sum_g min(r_g, room_g)
  for (let g = 0; g < groups; g++) {
    ltAvail += Math.min(remainingLt[g]!, room[g]!);
    totalAvail += Math.min(remaining[g]!, room[g]!);
  }
  let slots = Math.min(K, totalAvail);
  let need = Math.min(minLongTail, slots, ltAvail);

  const taken = new Uint8Array(n);
  const out = new Int32Array(n);
  let filled = 0;
  for (let p = 0; p < n && slots > 0; p++) {
    const g = groupIds[p]!;
    const isLt = lt[p]!;
    const r = remaining[g]!;
    const a = remainingLt[g]!;
    const free = room[g]!;
    const oldLt = Math.min(a, free);
    const oldTotal = Math.min(r, free);
    // After taking p.
    const takeLt = ltAvail - oldLt + Math.min(a - isLt, free - 1);
    const takeTotal = totalAvail - oldTotal + Math.min(r - 1, free - 1);
    const takeNeed = Math.max(0, need - isLt);
    const ok = free >= 1 && takeLt >= takeNeed && takeTotal >= slots - 1 && takeNeed <= slots - 1;
    remaining[g] = r - 1;
    remainingLt[g] = a - isLt;
    if (ok) {
      room[g] = free - 1;
      ltAvail = takeLt;
      totalAvail = takeTotal;
      need = takeNeed;
      slots--;
      taken[p] = 1;
      out[filled++] = order[p]!;
    } else {
      ltAvail = ltAvail - oldLt + Math.min(a - isLt, free);
      totalAvail = totalAvail - oldTotal + Math.min(r - 1, free);
    }
  }
  for (let p = 0; p < n; p++) if (!taken[p]) out[filled++] = order[p]!;
  return out;
}

/**
 * Exposure caps alone: in the top `k` no group holds more than
 * `max(1, floor(maxShare * k))` items whenever that is possible; items pushed
 * down keep their relative order. See {@link applyCapsAndQuota}.
 */
export function applyCaps(order: Int32Array, groupOf: GroupOf, maxShare: number, k: number): Int32Array {
  return applyCapsAndQuota(order, { k, groupOf, maxShare });
}

/**
 * Long-tail quota alone: at least `min(minCount, k, long-tail items in order)`
 * of the top `k` are long tail. The best-ranked long-tail items beyond the top
 * are promoted, the lowest-ranked non-long-tail items of the top demoted;
 * both parts keep their relative order. See {@link applyCapsAndQuota}.
 */
export function applyLongTailQuota(order: Int32Array, isLongTail: (index: number) => boolean, minCount: number, k: number): Int32Array {
  return applyCapsAndQuota(order, { k, isLongTail, minLongTail: minCount });
}

/** Put candidate `index` at zero-based `position` of the result. */
export interface Pin {
  index: number;
  position: number;
}

/**
 * Places pinned candidates at their positions; the others fill the free
 * positions in their relative order. Pins are served by position, then in
 * array order; a pin whose position is taken goes to the next free one, and a
 * position past the end means the end. A pinned index that is not in `order`
 * (filtered out) is ignored, as is a repeated pin of one index after the
 * first. Throws on a position that is not a whole number >= 0.
 */
export function applyPins(order: Int32Array, pins: readonly Pin[]): Int32Array {
  const n = order.length;
  const present = new Set<number>();
  for (let p = 0; p < n; p++) present.add(order[p]!);
  pins.forEach((pin, j) => {
    if (!Number.isInteger(pin.position) || pin.position < 0) {
      throw new LocalRankError('INVALID_ARGUMENT', `pins[${j}].position must be a whole number >= 0 (got ${pin.position})`, `pins[${j}].position`);
    }
  });
  const sorted = pins.map((pin, j) => ({ pin, j })).sort((a, b) => a.pin.position - b.pin.position || a.j - b.j);
  const slot = new Int32Array(n).fill(-1);
  const pinned = new Set<number>();
  for (const { pin } of sorted) {
    if (!present.has(pin.index) || pinned.has(pin.index)) continue;
    let pos = Math.min(pin.position, n - 1);
    while (pos < n && slot[pos] !== -1) pos++;
    if (pos === n) {
      // Past the end and every later place taken: the last free place.
      pos = n - 1;
      while (slot[pos] !== -1) pos--;
    }
    slot[pos] = pin.index;
    pinned.add(pin.index);
  }
  const out = new Int32Array(n);
  let next = 0;
  for (let pos = 0; pos < n; pos++) {
    if (slot[pos] !== -1) {
      out[pos] = slot[pos]!;
      continue;
    }
    while (pinned.has(order[next]!)) next++;
    out[pos] = order[next++]!;
  }
  return out;
}

/** Keeps the entries of `order` for which `keep(index)` is true, in order. */
export function filterOrder(order: Int32Array, keep: (index: number) => boolean): Int32Array {
  const out = new Int32Array(order.length);
  let m = 0;
  for (let p = 0; p < order.length; p++) if (keep(order[p]!)) out[m++] = order[p]!;
  return out.slice(0, m);
}

/** A JSON scalar, as item attributes hold. */
export type AttributeValue = string | number | boolean | null;

/** Attribute filter: each attribute must equal the value, or be one of the values of an array. */
export type AttributeFilter = Record<string, AttributeValue | readonly AttributeValue[]>;

/**
 * A predicate for an {@link AttributeFilter}: true when, for every key of the
 * filter, the item's own attribute of that name equals the value (`===`;
 * `NaN` never matches) or is a member of the array (an empty array matches
 * nothing). A missing attribute matches nothing, not even `null`. An empty
 * filter matches everything.
 */
export function attributeMatcher(filter: AttributeFilter): (attributes: Readonly<Record<string, AttributeValue>> | undefined) => boolean {
  const rules = Object.entries(filter).map(([key, value]) => [key, Array.isArray(value) ? value : [value]] as const);
  return (attributes) => {
    for (const [key, allowed] of rules) {
      if (!attributes || !Object.hasOwn(attributes, key)) return false;
      const v = attributes[key];
      if (!allowed.includes(v as AttributeValue) || (typeof v === 'number' && Number.isNaN(v))) return false;
    }
    return true;
  };
}
