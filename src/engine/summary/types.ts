import type { EventType } from '../../types.js';
import type { LearnerJSON, LearnerState } from '../learning/learner.js';

/**
 * The behaviour summary: everything the ranking needs to know about the
 * person, folded incrementally from the event log into one bounded record.
 *
 * In memory it uses Maps and Sets (keys are host strings: a brand called
 * "__proto__" must not break anything); on disk it is the compact
 * {@link SummaryJSON} written by `toJSON` in summary.ts.
 */

/** Default strength of each event type; negative weights push away. */
export const DEFAULT_EVENT_WEIGHTS: Readonly<Record<EventType, number>> = {
  view: 1,
  click: 2,
  add_to_cart: 4,
  purchase: 6,
  search: 1.5,
  rate: 0, // scaled by the rating, see eventWeight
  dismiss: -3,
  impression: 0,
};

export const SUMMARY_FORMAT = 'localrank-summary';
export const SUMMARY_VERSION = 1;

export const MINUTE_MS = 60_000;
export const DAY_MS = 24 * 3600 * 1000;

/**
 * A value that decays exponentially: `w` as of time `t` (ms since the epoch).
 * Read at `now` as `w * 0.5^((now - t) / halfLife)`; see affinity.ts.
 */
export interface Decayed {
  w: number;
  t: number;
}

export type AffinityKind = 'category' | 'brand' | 'tag' | 'price';
export const AFFINITY_KINDS: readonly AffinityKind[] = ['category', 'brand', 'tag', 'price'];

/**
 * Decayed affinities by kind. Keys: the normalised category path of every
 * prefix level ("Shoes", "Shoes > Running"), the trimmed brand, the trimmed
 * tag, and the price band as a decimal string ("6" = 64 to 127, see
 * `priceBand`).
 */
export type Affinities = Record<AffinityKind, Map<string, Decayed>>;

/** What the person did (not) do with one item they were shown. */
export interface NegativeEntry {
  /** Decayed sum of the examination propensity of its impressions. */
  exposure: Decayed;
  /** Decayed count of positive engagements (click, view, cart, purchase, positive rating). */
  clicks: Decayed;
  /** Decayed sum of |weight| of negative events (dismiss, low rating). */
  dismissed: Decayed;
}

export type Negatives = Map<string, NegativeEntry>;

/** One interest: a cluster of what the person engaged with, in one encoder's space. */
export interface Interest {
  /** Unit-length centroid. */
  vector: Float32Array;
  /** Decayed sum of the weights merged into it (half-life `halfLifeDays`). */
  strength: Decayed;
  /** Up to `maxRepresentatives` item ids, most recent first. */
  itemIds: string[];
}

/** A unit vector with a decayed strength. */
export interface Centroid {
  vector: Float32Array;
  strength: Decayed;
}

/** Short-term intent: a unit vector with a short half-life (`sessionHalfLifeMinutes`). */
export type SessionIntent = Centroid;

/**
 * Spaces with more dimensions than this (the lexical encoder's hashed
 * buckets) hold their vectors (interests, session, whole profile) sparse:
 * each keeps only its largest entries ({@link SPARSE_VECTOR_ENTRIES}, or
 * {@link SPARSE_PROFILE_ENTRIES} for the whole profile), in memory and
 * stored, so a profile stays small however wide the space is.
 */
export const SPARSE_SPACE_DIMENSION = 4096;
/** Whether a space of this many dimensions holds its vectors sparse (see {@link SPARSE_SPACE_DIMENSION}). */
export const isSparseSpace = (dimension: number): boolean => dimension > SPARSE_SPACE_DIMENSION;
/**
 * Entries an interest or the session keeps in a sparse space: each follows a
 * few related items, whose words a few hundred entries hold (the whole
 * profile keeps more, {@link SPARSE_PROFILE_ENTRIES}).
 */
export const SPARSE_VECTOR_ENTRIES = 256;
/**
 * Entries the whole profile keeps in a sparse space. It sums every item the
 * person liked, so its largest entries are the words common to many of them,
 * and the rare words that tell films apart fall below a 256-entry cut: on
 * MovieLens item cold start (engine, half-life 14 days) NDCG@10 was 0.143 at
 * 256 entries, 0.152 at 1,024 and 0.153 at 4,096. Stored, 1,024 entries take
 * about 5.5 KB.
 */
export const SPARSE_PROFILE_ENTRIES = 1024;

/** Interests in one encoder's vector space. */
export interface InterestSpace {
  encoder: string;
  dimension: number;
  /** Sequence number of the last event applied to this space (-1: none). */
  appliedSeq: number;
  interests: Interest[];
  session: SessionIntent | null;
  /**
   * The whole profile: the decayed mean (half-life `halfLifeDays`) of every
   * positive event's vector, never split or replaced as interests are. What
   * `contentMatch: 'profile'` ranks by. Null until a positive event (and in
   * summaries stored before it existed).
   */
  profile: Centroid | null;
}

export interface Summary {
  version: typeof SUMMARY_VERSION;
  /** Sequence number of the last event `applyEvent` folded in (-1: none). */
  appliedSeq: number;
  /** Latest event timestamp seen (0: none). */
  updatedAt: number;
  /** Events applied, by type (not decayed). */
  counts: Record<EventType, number>;
  affinities: Affinities;
  negatives: Negatives;
  /** Purchased item ids, oldest first (insertion order; a repeat moves to the end). */
  purchased: Set<string>;
  /** Items with any non-impression event, oldest first. */
  seen: Set<string>;
  /** Distinct recent queries, newest first. */
  recentSearches: string[];
  /** Interest spaces by encoder id. */
  spaces: Map<string, InterestSpace>;
  /** The on-device learner (learning/learner.ts), null until it has learned from feedback. */
  learner: LearnerState | null;
}

export interface SummaryConfig {
  /** Weight of each event type, as `DEFAULT_EVENT_WEIGHTS` in profile.ts (ratings: value - 3 + weights.rate). */
  eventWeights: Record<EventType, number>;
  /** Half-life of affinities and interests. */
  halfLifeDays: number;
  /** Half-life of the session-intent vector. */
  sessionHalfLifeMinutes: number;
  /** Half-life of negative signals (impressions, clicks, dismissals). */
  negativeHalfLifeDays: number;
  /** Interests kept per encoder space. */
  maxInterests: number;
  /** An event joins the nearest interest when their cosine is at least this. */
  interestMergeThreshold: number;
  /**
   * With every interest slot taken and no interest within the threshold, an
   * event replaces the weakest interest when that interest's current strength
   * is below `interestReplaceRatio` times the event's weight; otherwise it is
   * merged into the nearest interest.
   */
  interestReplaceRatio: number;
  /** Representative item ids per interest. */
  maxRepresentatives: number;
  /** Encoder spaces kept; the one updated least recently (lowest appliedSeq) goes first. */
  maxSpaces: number;
  /** Entries kept per affinity kind; the weakest by |current value| go first. */
  maxAffinities: Record<AffinityKind, number>;
  /** A category's parent level gets this factor of its child's weight ("A > B > C": C 1, B 0.5, A 0.25). */
  categoryParentFactor: number;
  /** Tags per item that count (the first ones). */
  maxTagsPerItem: number;
  /** Size of the purchased and of the seen set; the least recent go first. */
  maxSetSize: number;
  /** Items with negative signals kept; the ones with the least decayed activity go first. */
  maxNegatives: number;
  /** Distinct recent searches kept. */
  maxSearches: number;
  /** Examination propensity of a zero-based list position. */
  propensity: (position: number) => number;
  /** Propensity assumed for an impression without a position. */
  unknownPositionPropensity: number;
  /** Exposure one engagement cancels in `negativeScore`. */
  negativeClickCredit: number;
  /** Negative score per unit of uncancelled exposure (inside 1 - exp(-x)). */
  negativeExposureScale: number;
  /** Negative score per unit of dismissed weight (inside 1 - exp(-x)); 1/3 makes one default dismiss (-3) count 1. */
  negativeDismissScale: number;
  /** `toJSON` trims the least valuable entries until the UTF-8 JSON fits in this many bytes. */
  maxBytes: number;
}

/** Position-based examination propensity: 1 / log2(position + 2), positions zero-based (1 at the top). */
export function defaultPropensity(position: number): number {
  return 1 / Math.log2(Math.max(0, position) + 2);
}

export const DEFAULT_SUMMARY_CONFIG: Readonly<SummaryConfig> = Object.freeze({
  eventWeights: { ...DEFAULT_EVENT_WEIGHTS },
  halfLifeDays: 14,
  sessionHalfLifeMinutes: 30,
  negativeHalfLifeDays: 14,
  maxInterests: 8,
  interestMergeThreshold: 0.55,
  interestReplaceRatio: 0.5,
  maxRepresentatives: 5,
  maxSpaces: 2,
  maxAffinities: { category: 100, brand: 100, tag: 100, price: 100 },
  categoryParentFactor: 0.5,
  maxTagsPerItem: 20,
  maxSetSize: 500,
  maxNegatives: 300,
  maxSearches: 20,
  propensity: defaultPropensity,
  unknownPositionPropensity: 0.5,
  negativeClickCredit: 3,
  negativeExposureScale: 0.15,
  negativeDismissScale: 1 / 3,
  maxBytes: 64 * 1024,
});

/** The defaults with `overrides` merged over them (event weights and caps merge per key). */
export function resolveSummaryConfig(overrides: Partial<Omit<SummaryConfig, 'eventWeights' | 'maxAffinities'>> & {
  eventWeights?: Partial<Record<EventType, number>>;
  maxAffinities?: Partial<Record<AffinityKind, number>>;
} = {}): SummaryConfig {
  // Undefined values (from a caller spreading optional options) keep the default.
  const defined = <T extends object>(o: T | undefined): Partial<T> => Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
  const { eventWeights, maxAffinities, ...rest } = overrides;
  const base = DEFAULT_SUMMARY_CONFIG;
  return {
    ...base,
    ...defined(rest),
    eventWeights: { ...base.eventWeights, ...defined(eventWeights) },
    maxAffinities: { ...base.maxAffinities, ...defined(maxAffinities) },
  } as SummaryConfig;
}

// ---------------------------------------------------------------------------
// Stored (JSON) form, written by toJSON and read by fromJSON in summary.ts.
// ---------------------------------------------------------------------------

/**
 * Compact stored form. Every decayed value is rebased to the one reference
 * time `t` (its value at `t`, 6 significant digits), so no per-entry
 * timestamps are stored; the value read at any time is unchanged (within
 * rounding). Vectors are base64 of little-endian IEEE-754 half floats
 * (2 bytes per dimension; abs. error <= 2^-12 for unit-vector components).
 * Arrays are ordered so that trimming cuts their end (weakest) or, for the
 * sets, their start (least recent).
 */
export interface SummaryJSON {
  format: typeof SUMMARY_FORMAT;
  version: typeof SUMMARY_VERSION;
  /** Reference time of every decayed value below. */
  t: number;
  seq: number;
  updatedAt: number;
  counts: Partial<Record<EventType, number>>;
  /** Per kind `[key, value at t]`, strongest |value| first. */
  affinities: Record<AffinityKind, Array<[string, number]>>;
  /** `[itemId, exposure, clicks, dismissed]` at t, most activity first. */
  negatives: Array<[string, number, number, number]>;
  /** Oldest first. */
  purchased: string[];
  /** Oldest first. */
  seen: string[];
  /** Newest first. */
  searches: string[];
  /** Most recently updated first. */
  spaces: SpaceJSON[];
  /** The on-device learner; absent until it has learned (and in summaries written before it existed). */
  learner?: LearnerJSON;
}

export interface SpaceJSON {
  encoder: string;
  dimension: number;
  seq: number;
  /** Strongest first. */
  /** `v`: the vector as codec.ts encodes it; with `i`, only its non-zero entries (spaces wider than `SPARSE_SPACE_DIMENSION`). */
  interests: Array<{ v: string; i?: string; w: number; items: string[] }>;
  session: { v: string; i?: string; w: number } | null;
  /** Absent in summaries written before it existed. */
  profile?: { v: string; i?: string; w: number } | null;
}
