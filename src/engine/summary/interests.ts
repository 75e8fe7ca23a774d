import { LocalRankError } from '../../errors.js';
import { dot, normalizeInPlace } from '../vector.js';
import { addDecayed, decayedValue } from './affinity.js';
import type { Decayed, Interest, InterestSpace, SummaryConfig } from './types.js';
import { DAY_MS, isSparseSpace, MINUTE_MS, SPARSE_PROFILE_ENTRIES, SPARSE_VECTOR_ENTRIES } from './types.js';

/**
 * Multi-interest online clustering, one space per encoder. Pure: the caller
 * embeds and passes vectors in.
 *
 * Rules for an event of weight `w` and unit vector `x` (copied, re-normalised):
 * - `w > 0`, session: the session vector becomes the normalised mean of the
 *   old one weighted by its current strength (half-life
 *   `sessionHalfLifeMinutes`) and `x` weighted by `w`; so the latest events
 *   dominate and an old session fades out within a few half-lives.
 * - `w > 0`, interests: `x` joins the nearest interest when their cosine is
 *   at least `interestMergeThreshold` (weighted running mean, re-normalised;
 *   the weights are the interest's current decayed strength and `w`). Else a
 *   new interest opens while fewer than `maxInterests` exist. When full: the
 *   weakest interest is replaced if its current strength is below
 *   `interestReplaceRatio * w` (it is worth less than half of this one event);
 *   otherwise `x` is merged into the nearest interest anyway. After a merge,
 *   an interest that has moved within the threshold of another absorbs it.
 * - `w < 0` (dismiss, low rating): never opens an interest. The item leaves
 *   every interest's representatives, and the nearest interest, if within the
 *   threshold, loses `|w| * cosine` of strength; at zero it is removed. The
 *   session is left alone.
 * - `w > 0`, profile: the whole profile's vector becomes the weighted
 *   running mean of every such `x` (weights decayed with `halfLifeDays`).
 * - `w == 0` (impressions): nothing but `appliedSeq` changes.
 * Interest strengths decay with `halfLifeDays`. In a space wider than
 * `SPARSE_SPACE_DIMENSION`, every vector keeps only its
 * `SPARSE_VECTOR_ENTRIES` largest entries (the whole profile its
 * `SPARSE_PROFILE_ENTRIES`), re-normalised, after each change.
 */

export interface SpaceUpdate {
  /** Sequence number of the event; an update at or below `space.appliedSeq` is ignored. */
  seq: number;
  /** The item, for representatives; leave out for a search query's vector. */
  itemId?: string;
  /** The item's (or query's) vector in this space's encoder; length `space.dimension`. */
  vector: ArrayLike<number>;
  /** Signed event weight before decay (e.g. `eventWeight(event, config)` in summary.ts). */
  weight: number;
  /** Event time, ms since the epoch. */
  timestamp: number;
}

export function createSpace(encoder: string, dimension: number): InterestSpace {
  if (!Number.isInteger(dimension) || dimension <= 0) throw new LocalRankError('INVALID_ARGUMENT', `dimension must be a whole number > 0 (got ${dimension})`, 'dimension');
  return { encoder, dimension, appliedSeq: -1, interests: [], session: null, profile: null };
}

/**
 * The space of `encoder` in `spaces`, created when missing (or when its
 * dimension changed). Beyond `maxSpaces`, the space with the lowest
 * `appliedSeq` (updated least recently) is dropped.
 */
export function getSpace(spaces: Map<string, InterestSpace>, encoder: string, dimension: number, config: Pick<SummaryConfig, 'maxSpaces'>): InterestSpace {
  const existing = spaces.get(encoder);
  if (existing && existing.dimension === dimension) return existing;
  const space = createSpace(encoder, dimension);
  spaces.set(encoder, space);
  while (spaces.size > Math.max(1, config.maxSpaces)) {
    let oldest: InterestSpace | undefined;
    for (const s of spaces.values()) if (s !== space && (!oldest || s.appliedSeq < oldest.appliedSeq)) oldest = s;
    if (!oldest) break;
    spaces.delete(oldest.encoder);
  }
  return space;
}

const interestHalfLife = (config: SummaryConfig): number => config.halfLifeDays * DAY_MS;
const sessionHalfLife = (config: SummaryConfig): number => config.sessionHalfLifeMinutes * MINUTE_MS;

/** Entries a vector of this space keeps (0: all). */
const keptEntries = (space: InterestSpace): number => (isSparseSpace(space.dimension) ? SPARSE_VECTOR_ENTRIES : 0);
const keptProfileEntries = (space: InterestSpace): number => (isSparseSpace(space.dimension) ? SPARSE_PROFILE_ENTRIES : 0);

/**
 * The indices of a vector's non-zero entries in a sparse space, so that its
 * arithmetic touches those only; null in a dense space (every index).
 */
type Support = number[] | null;

function supportOf(vector: Float32Array, keep: number): Support {
  if (keep <= 0) return null;
  const out: number[] = [];
  for (let t = 0; t < vector.length; t++) if (vector[t] !== 0) out.push(t);
  return out;
}

/**
 * Normalises `vector` after keeping only its `keep` entries of largest
 * magnitude (ties: the lower index stays); `entries` lists every index where
 * it may be non-zero. Returns the indices of the entries kept.
 */
function normalizeKeepingLargest(vector: Float32Array, entries: readonly number[], keep: number): number[] {
  const live = entries.filter((t) => vector[t] !== 0);
  if (live.length > keep) {
    live.sort((a, b) => Math.abs(vector[b]!) - Math.abs(vector[a]!) || a - b);
    for (let k = keep; k < live.length; k++) vector[live[k]!] = 0;
    live.length = keep;
  }
  let sq = 0;
  for (const t of live) sq += vector[t]! * vector[t]!;
  const inv = sq > 0 ? 1 / Math.sqrt(sq) : 0;
  for (const t of live) vector[t]! *= inv;
  return live;
}

function dotOn(a: Float32Array, b: Float32Array, support: Support): number {
  if (!support) return dot(a, b);
  let sum = 0;
  for (const t of support) sum += a[t]! * b[t]!;
  return sum;
}

/** A copy of the unit vector `x` cut to its `keep` largest entries and re-normalised, with their indices; `x` itself when `keep` is 0. */
function cutCopy(x: Float32Array, keep: number): { vector: Float32Array; support: Support } {
  if (keep <= 0) return { vector: x, support: null };
  const vector = Float32Array.from(x);
  return { vector, support: normalizeKeepingLargest(vector, supportOf(vector, keep)!, keep) };
}

/**
 * `target.vector <- normalise(target.vector * S + x * w)` with both weights
 * taken at the later of the two times, then `w` added to the strength. In a
 * sparse space (`xSupport` given, `keep` > 0) only the entries of the two
 * supports change, and the result keeps its `keep` largest.
 */
function mergeVector(vector: Float32Array, strength: Decayed, x: Float32Array, xSupport: Support, w: number, at: number, halfLife: number, keep: number): void {
  const ref = Math.max(strength.t, at);
  const s = Math.max(0, decayedValue(strength, ref, halfLife));
  const wx = w * Math.pow(0.5, (ref - at) / halfLife);
  if (xSupport) {
    const touched = supportOf(vector, keep)!;
    for (const t of xSupport) if (vector[t] === 0) touched.push(t);
    for (const t of touched) vector[t] = vector[t]! * s + x[t]! * wx;
    normalizeKeepingLargest(vector, touched, keep);
  } else {
    for (let i = 0; i < vector.length; i++) vector[i] = vector[i]! * s + x[i]! * wx;
    normalizeInPlace(vector);
  }
  addDecayed(strength, w, at, halfLife);
}

function addRepresentative(interest: Interest, itemId: string | undefined, max: number): void {
  if (itemId === undefined) return;
  const rest = interest.itemIds.filter((id) => id !== itemId);
  interest.itemIds = [itemId, ...rest].slice(0, max);
}

function nearest(interests: readonly Interest[], x: Float32Array, xSupport: Support, skip = -1): { index: number; cosine: number } {
  let index = -1;
  let cosine = -Infinity;
  interests.forEach((it, i) => {
    if (i === skip) return;
    const c = dotOn(it.vector, x, xSupport);
    if (c > cosine) {
      cosine = c;
      index = i;
    }
  });
  return { index, cosine };
}

/** Interest `index` absorbs every other interest within the threshold of it; returns its final index. */
function absorbClose(space: InterestSpace, index: number, config: SummaryConfig): number {
  const h = interestHalfLife(config);
  const keep = keptEntries(space);
  for (;;) {
    const target = space.interests[index]!;
    const { index: j, cosine } = nearest(space.interests, target.vector, supportOf(target.vector, keep), index);
    if (j < 0 || cosine < config.interestMergeThreshold) return index;
    const other = space.interests[j]!;
    const ref = Math.max(target.strength.t, other.strength.t);
    mergeVector(target.vector, target.strength, other.vector, supportOf(other.vector, keep), decayedValue(other.strength, ref, h), ref, h, keep);
    target.itemIds = [...new Set([...target.itemIds, ...other.itemIds])].slice(0, config.maxRepresentatives);
    space.interests.splice(j, 1);
    if (j < index) index--;
  }
}

/**
 * Folds one event into a space (see the rules above). Returns false when the
 * update was already applied (`seq <= appliedSeq`), true otherwise. Throws
 * when the vector's length is not the space's dimension.
 */
export function applyToSpace(space: InterestSpace, update: SpaceUpdate, config: SummaryConfig): boolean {
  if (update.seq <= space.appliedSeq) return false;
  if (update.vector.length !== space.dimension) {
    throw new LocalRankError('INVALID_ARGUMENT', `vector has ${update.vector.length} dimensions, space "${space.encoder}" has ${space.dimension}`, 'vector');
  }
  space.appliedSeq = update.seq;
  const w = update.weight;
  if (w === 0 || !Number.isFinite(w) || !Number.isFinite(update.timestamp)) return true;
  const x = normalizeInPlace(Float32Array.from(update.vector));
  if (!x.some((v) => v !== 0) || x.some((v) => !Number.isFinite(v))) return true;
  const keep = keptEntries(space);
  // Cut before the interests' smaller cut changes x.
  const forProfile = w > 0 ? cutCopy(x, keptProfileEntries(space)) : null;
  const xSupport = keep > 0 ? normalizeKeepingLargest(x, supportOf(x, keep)!, keep) : null;
  const at = update.timestamp;
  const h = interestHalfLife(config);

  if (w < 0) {
    if (update.itemId !== undefined) {
      for (const it of space.interests) it.itemIds = it.itemIds.filter((id) => id !== update.itemId);
    }
    const { index, cosine } = nearest(space.interests, x, xSupport);
    if (index >= 0 && cosine >= config.interestMergeThreshold) {
      const it = space.interests[index]!;
      addDecayed(it.strength, w * cosine, at, h);
      if (decayedValue(it.strength, Math.max(at, it.strength.t), h) <= 0) space.interests.splice(index, 1);
    }
    return true;
  }

  // The whole profile.
  const { vector: px, support: pxSupport } = forProfile!;
  if (space.profile) mergeVector(space.profile.vector, space.profile.strength, px, pxSupport, w, at, h, keptProfileEntries(space));
  else space.profile = { vector: Float32Array.from(px), strength: { w, t: at } };

  // Session intent.
  if (space.session) mergeVector(space.session.vector, space.session.strength, x, xSupport, w, at, sessionHalfLife(config), keep);
  else space.session = { vector: Float32Array.from(x), strength: { w, t: at } };

  // Interests.
  const fresh = (): Interest => ({ vector: Float32Array.from(x), strength: { w, t: at }, itemIds: update.itemId === undefined ? [] : [update.itemId] });
  const { index, cosine } = nearest(space.interests, x, xSupport);
  const mergeInto = (i: number): void => {
    const it = space.interests[i]!;
    mergeVector(it.vector, it.strength, x, xSupport, w, at, h, keep);
    addRepresentative(it, update.itemId, config.maxRepresentatives);
    absorbClose(space, i, config);
  };
  if (index >= 0 && cosine >= config.interestMergeThreshold) {
    mergeInto(index);
  } else if (space.interests.length < config.maxInterests) {
    space.interests.push(fresh());
  } else {
    let weakest = -1;
    let weakestValue = Infinity;
    space.interests.forEach((it, i) => {
      const v = decayedValue(it.strength, at, h);
      if (v < weakestValue) {
        weakestValue = v;
        weakest = i;
      }
    });
    if (weakest >= 0 && weakestValue < config.interestReplaceRatio * w) space.interests[weakest] = fresh();
    else if (index >= 0) mergeInto(index);
  }
  return true;
}

export interface InterestReading {
  vector: Float32Array;
  /** Current decayed strength. */
  strength: number;
  itemIds: string[];
}

/** Interests with their strength at `now`, strongest first. Vectors are the stored ones: do not modify. */
export function readInterests(space: InterestSpace, now: number, config: SummaryConfig): InterestReading[] {
  const h = interestHalfLife(config);
  return space.interests
    .map((it) => ({ vector: it.vector, strength: decayedValue(it.strength, now, h), itemIds: [...it.itemIds] }))
    .sort((a, b) => b.strength - a.strength);
}

/** The session vector with its strength at `now` (half-life `sessionHalfLifeMinutes`), or null. */
export function readSession(space: InterestSpace, now: number, config: SummaryConfig): { vector: Float32Array; strength: number } | null {
  if (!space.session) return null;
  return { vector: space.session.vector, strength: decayedValue(space.session.strength, now, sessionHalfLife(config)) };
}

/** The whole profile (see `InterestSpace.profile`) with its strength at `now`, or null. */
export function readProfile(space: InterestSpace, now: number, config: SummaryConfig): { vector: Float32Array; strength: number } | null {
  if (!space.profile) return null;
  return { vector: space.profile.vector, strength: decayedValue(space.profile.strength, now, interestHalfLife(config)) };
}
