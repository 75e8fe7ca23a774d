/**
 * Public types of LocalRank. Everything a host passes in or gets back is
 * described here; the shapes are designed for the whole system, so fields
 * that later releases fill in are already present (and optional).
 */

import type { OfferArm } from './engine/offers/arms.js';
import type { ExperimentReport } from './engine/offers/experiment.js';
import type { OfferOptions, OfferSuggestion } from './engine/offers/offer.js';
import type { LdpReport } from './engine/privacy/randomized-response.js';

export type { ArmReport, ExperimentReport, ExperimentSummary } from './engine/offers/experiment.js';
export type { OfferArm, OfferOptions, OfferSuggestion, LdpReport };

/** An offer for one item: the suggested price within the host's bounds, with the experiment and arm. */
export interface OfferResult extends OfferSuggestion {
  experiment: string;
  itemId: string;
}

// ---------------------------------------------------------------------------
// Items
// ---------------------------------------------------------------------------

/** An embedding computed ahead of time, tagged with the encoder that made it. */
export interface ItemVector {
  /**
   * Id of the encoder that produced the vector, as reported by
   * {@link EncoderInfo.id} (for a model: `model:<model id>`). Vectors made by
   * another encoder are ignored and recomputed.
   */
  encoder: string;
  /** The L2-normalised embedding. */
  values: ArrayLike<number>;
}

/** A thing that can be recommended. */
export interface Item {
  /** Stable identifier, 1 to 256 characters. */
  id: string;
  /** Human-readable title; the main text the encoders read. */
  title: string;
  /** Longer text; truncated to the model's maximum length when embedded. */
  description?: string;
  /** Category path, levels separated by `>`: `"Shoes > Running"`. */
  category?: string;
  brand?: string;
  tags?: string[];
  /** List price in the host's currency, finite and >= 0. */
  price?: number;
  /** Host prior (popularity or a server score), finite and >= 0. Larger is more popular. */
  popularity?: number;
  /** Precomputed content embedding (see {@link ItemVector}). */
  vector?: ItemVector;
  /** Item factor from a server-side collaborative-filtering model. */
  cfVector?: ArrayLike<number>;
  /**
   * Co-purchase prior from the host's data: other item ids with how strongly
   * they go with this one (e.g. bought-together counts; finite, >= 0). Read by
   * {@link LocalRank.complements}.
   */
  complements?: Record<string, number>;
  /** Free attributes for host filters; values must be JSON scalars. */
  attributes?: Record<string, string | number | boolean | null>;
}

// ---------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------

/** The kinds of behaviour LocalRank learns from. */
export type EventType =
  | 'view'
  | 'click'
  | 'add_to_cart'
  | 'purchase'
  | 'search'
  | 'rate'
  | 'dismiss'
  | 'impression';

/**
 * One thing the person did. Item events name an item by `itemId` (an item the
 * engine knows through {@link LocalRank.upsertItems}) or carry it inline as
 * `item`.
 */
export interface TrackEvent {
  type: EventType;
  /** The item the event is about (all types but `search`). */
  itemId?: string;
  /** Inline item snapshot, stored with the event so the profile can be rebuilt. */
  item?: Item;
  /** Query text, for `search` (1 to 512 characters). */
  query?: string;
  /** Rating for `rate`, a finite number (hosts choose the scale, e.g. 1 to 5). */
  value?: number;
  /**
   * List the item was shown in, for `impression` and `click` (required for
   * `impression`). Pass the {@link RankResult.rankingId} of the ranking that
   * produced the list, and the on-device learner learns from the event.
   */
  listId?: string;
  /**
   * Zero-based position in that list, for `impression` and `click` (required
   * for `impression`; a click without it takes the item's place in the
   * ranking named by `listId`).
   */
  position?: number;
  /** Milliseconds since the epoch; defaults to now. */
  timestamp?: number;
}

/** Result of {@link LocalRank.track}. */
export interface TrackResult {
  /** Events stored. */
  accepted: number;
  /** Events rejected, each with the error naming the offending field. */
  rejected: Array<{ index: number; error: LocalRankErrorInfo }>;
}

// ---------------------------------------------------------------------------
// Ranking
// ---------------------------------------------------------------------------

/** A candidate: a full item, or the id of an item already upserted. */
export type Candidate = Item | string;

/**
 * The named parts of a score. The final score is their weighted sum (see
 * {@link RankWeights}); absent parts did not apply to this ranking.
 */
export interface ScoreComponents {
  /**
   * Similarity to the person's interests and session intent, measured in the
   * model's and the lexical encoder's space and blended: in (0, 1), where 0.5 is
   * the average candidate of this ranking.
   */
  content?: number;
  /** Match of category path, brand, tags and price band with the person's affinities, in [-1, 1] (negative after dismissals). */
  affinity?: number;
  /** Host popularity, log-scaled, flattened by `longTailExponent`, in (0, 1]. */
  prior?: number;
  /** Relevance to `options.query`, both spaces blended, in (0, 1); 0.5 is the average candidate. */
  query?: number;
  /**
   * The page's item: similarity to it for `similarTo` (as `query`), the host's
   * co-purchase strength for `complements` (in [0, 1]).
   */
  context?: number;
  /** How strongly the item is held back after dismissals and impressions without clicks, in [0, 1]; subtracted. */
  negative?: number;
  /**
   * Collaborative filtering: this person's factor, solved on the device from
   * their history against the items' `cfVector`s, times the item's factor;
   * mapped linearly onto [0, 1] over the candidates (1 the best; candidates
   * without a factor get the candidates' mean). Absent without factors or history.
   */
  cf?: number;
  /**
   * The on-device learner's click probability for the item, in (0, 1): a
   * logistic regression on the other components, trained from this person's
   * impressions and clicks with inverse-propensity weights for position bias.
   * Absent until it has seen enough feedback (5 clicks, 30 impressions).
   */
  learned?: number;
  /** Host boost from `options.boosts`, as given. */
  boost?: number;
}

/**
 * Weight of each score component. Defaults: content 1, affinity 0.5, prior
 * 0.2, query 3, context 1.5, boost 1, negative 1, learned 1, cf 1. A weight of 0 turns a
 * component off (for example `{ content: 0, affinity: 0 }` for a
 * non-personalised list).
 */
export interface RankWeights {
  content?: number;
  affinity?: number;
  prior?: number;
  query?: number;
  context?: number;
  boost?: number;
  /** Weight of the `negative` penalty (subtracted). */
  negative?: number;
  /** Weight of the on-device learner's component (it is in (0, 1), so it moves an item by at most this much). */
  learned?: number;
  /** Weight of the collaborative-filtering fold-in (`cf`); default 1. */
  cf?: number;
}

/** Why an item was placed where it is, in words a person can read. */
export interface Reason {
  kind:
    | 'similar_to_history'
    | 'interest'
    | 'popular'
    | 'new_for_you'
    | 'query_match'
    | 'boosted'
    | 'similar_to_item'
    | 'bought_together'
    | 'recently_viewed';
  /** Display text, e.g. "Because you viewed Trail Runner 2". */
  text: string;
  /** The item the reason names (a history item, or the page's item), when it names one. */
  itemId?: string;
}

/** One ranked candidate. */
export interface RankedItem {
  id: string;
  /** Final score; larger ranks higher. Comparable within one ranking only. */
  score: number;
  components: ScoreComponents;
  reasons: Reason[];
  /**
   * With `options.explore`: the probability that the exploration policy put
   * this item at this position (see {@link ExploreOptions}).
   */
  propensity?: number;
}

/**
 * Exploration of one ranking: a randomised order whose every position logs
 * its propensity, so that feedback on it teaches the learner without bias.
 * - `epsilon`: each position, with probability `epsilon`, holds an item drawn
 *   at random from the rest of the pool (the top k and as many again);
 *   `propensity` is the chance of that choice given the items above.
 * - `pairs`: adjacent pairs of the top k are swapped at random (RandPair);
 *   `propensity` is the chance of the item at that position. Clicks on these
 *   lists estimate the position-bias curve (`learning.positionBias: 'estimated'`).
 * - `thompson`: the learner's weights are drawn from their posterior and the
 *   pool re-sorted; `propensity` is estimated over 100 draws (with
 *   `weights.learned` 0 nothing is drawn and the order is the greedy one).
 * Exploration reorders after diversity and caps, and so may break a cap; it
 * cannot be combined with `pins`.
 */
export interface ExploreOptions {
  method: 'epsilon' | 'thompson' | 'pairs';
  /** For `epsilon`: the chance that a position is explored, 0 to 1. Default 0.1. */
  epsilon?: number;
  /** A whole number: the same seed, candidates and profile give the same list. Default: a fresh random seed. */
  seed?: number;
}

/** Options of one {@link LocalRank.rank} call. */
export interface RankOptions {
  /** How many items to return; default all candidates. */
  k?: number;
  /** Query text to blend in (personalised re-ranking of search results). */
  query?: string;
  /** Leave out items the person already purchased (default false). */
  excludePurchased?: boolean;
  /** Leave out items the person already interacted with (default false). */
  excludeSeen?: boolean;
  /**
   * Flattens popularity's part in the score: 1 (default) is plain log-popularity,
   * smaller values let the long tail catch up, 0 removes popularity's influence.
   */
  longTailExponent?: number;
  /**
   * What the `content` component compares each candidate with:
   * - `'nearest'` (default): the person's interests, each candidate scored by
   *   the one it is closest to (scaled by that interest's strength). Suits
   *   distinct intents: running shoes and a kitchen knife, each matched on its own.
   * - `'profile'`: the whole profile, the decayed mean of everything the
   *   person engaged with. Suits broad tastes built over a long history (films,
   *   music, articles), where each item says a little about the person. On
   *   MovieLens item cold start (lexical encoder, half-life 14 days) it
   *   scored NDCG@10 0.152 against 0.124 for `'nearest'`.
   * Both add the session intent the same way. A profile stored by an earlier
   * version has no whole-profile vector: `'profile'` then matches the
   * interests, as `'nearest'` does, and the vector builds up from the next event.
   */
  contentMatch?: 'nearest' | 'profile';
  /**
   * How much to trade score for variety, from 0 (default: by score alone) to 1.
   * Maximal Marginal Relevance with lambda = 1 − diversity over the best-scored candidates.
   */
  diversity?: number;
  /**
   * Exposure cap: at most `max(1, floor(maxShare × k))` of the top k per brand or
   * per category (the full category path). Holds exactly whenever it can.
   */
  cap?: { by: 'brand' | 'category'; maxShare: number };
  /** At least this many of the top k from the long tail (candidates outside the 20% most popular, rounded up), when there are that many. */
  minLongTail?: number;
  /** Keep only candidates whose `attributes` match every entry: a value, or one of a list of values. */
  filter?: Record<string, string | number | boolean | null | Array<string | number | boolean | null>>;
  /** Put these items at these zero-based positions, whatever their score (applied last; may break the cap). */
  pins?: Array<{ id: string; position: number }>;
  /** Weights of the score components, merged over the defaults (see {@link RankWeights}). */
  weights?: RankWeights;
  /** Business boosts by item id, each from -1 to 1, added times `weights.boost` (the `boost` component). */
  boosts?: Record<string, number>;
  /** Randomise the list to learn from it (off by default); see {@link ExploreOptions}. */
  explore?: ExploreOptions;
}

/** Options of {@link LocalRank.recentlyViewed}. */
export interface RecentlyViewedOptions {
  /** How many items; default 10. */
  k?: number;
  /** Leave out items the person purchased (default false). */
  excludePurchased?: boolean;
}

/** Result of {@link LocalRank.rank}. */
export interface RankResult {
  items: RankedItem[];
  /** The encoder whose vectors were used for the content component. */
  encoder: EncoderInfo;
  /** True when the profile was empty and the order comes from priors alone. */
  coldStart: boolean;
  /**
   * Milliseconds the engine spent on this call, from taking it up to the
   * result: the time in the worker, without the messages to and from the page.
   * For monitoring; browsers coarsen the clock (to 0.1 ms, or 5 µs on a
   * cross-origin isolated page).
   */
  elapsedMs: number;
  /** Things the host may want to fix, e.g. candidate vectors made by another model (ignored and recomputed). */
  warnings?: string[];
  /**
   * Id of this ranking while learning is on: send it as `listId` with the
   * `impression` and `click` events of the list shown from it. The engine
   * remembers the last 32 rankings (in memory only) to learn from them.
   */
  rankingId?: string;
}

// ---------------------------------------------------------------------------
// Encoder and backend
// ---------------------------------------------------------------------------

/** The model LocalRank embeds text with. */
export interface ModelOptions {
  /**
   * Model id (a folder under `baseUrl`) or, without `baseUrl`, a Hugging Face
   * Hub id. Default `Xenova/all-MiniLM-L6-v2`.
   */
  id?: string;
  /**
   * Absolute or page-relative URL of the folder that holds model folders, laid
   * out as transformers.js expects (`<id>/config.json`, `<id>/tokenizer.json`,
   * `<id>/onnx/model_quantized.onnx`). Without it the model is fetched from the
   * Hugging Face Hub.
   */
  baseUrl?: string;
  /** Weight precision. Default `q8` on WASM, `fp32` on WebGPU. */
  dtype?: 'fp32' | 'fp16' | 'q8' | 'int8' | 'uint8' | 'q4';
  /** Where inference runs. Default `auto`: WebGPU only on a real adapter that a probe shows faster. */
  device?: 'auto' | 'wasm' | 'webgpu';
  /** Texts per inference call. Default 32. */
  batchSize?: number;
  /**
   * Version of the model files (any string: a release tag, a hash of the
   * files). Model files are cached between visits; cached files of another
   * version are not used, and are evicted once the new ones are stored. Change
   * it whenever files at the same URL change; without it, cached files serve
   * until `forget({ models: true })`. With a version the encoder id is
   * `model:<id>@<version>`: vectors of another version (cached embeddings,
   * interests, precomputed item vectors) are not mixed with this one's.
   */
  version?: string;
}

/** Which encoder produced a vector and is serving now. */
export interface EncoderInfo {
  /** Stable id stored with every vector: `lexical:v1:<dim>`, `model:<model id>`, or `model:<model id>@<version>` with `model.version`. */
  id: string;
  kind: 'lexical' | 'model';
  dimension: number;
  /** For a model: the device it runs on. */
  device?: 'wasm' | 'webgpu' | 'cpu';
  dtype?: string;
}

/** How the backend was chosen; reported once per model load. */
export interface BackendChoice {
  device: 'wasm' | 'webgpu' | 'cpu';
  /** Why, in words: "no WebGPU adapter", "software fallback adapter", "WebGPU 2.3x faster in probe"… */
  reason: string;
  /** Probe timings when a probe ran, ms per batch. */
  probe?: { wasmMs: number; webgpuMs: number };
}

// ---------------------------------------------------------------------------
// Environment: what the browser offers and the path LocalRank chose
// ---------------------------------------------------------------------------

/**
 * What the environment offers, detected once per engine start: the page
 * reports whether a worker started and what `navigator` says about the
 * device; the engine (in its worker, or on the page) probes the rest.
 */
export interface Capabilities {
  /** The worker the engine runs in: `module` (npm build), `classic` (script tag), or `none` when no worker could start. */
  worker: 'module' | 'classic' | 'none';
  /** Why no worker could start (the constructor threw, or its script never ran: a CSP `worker-src`, a failed download). */
  workerError?: string;
  webAssembly: {
    /** WebAssembly can be compiled here (false: no `WebAssembly` global, or a CSP without `'wasm-unsafe-eval'`). */
    available: boolean;
    /** 128-bit SIMD, which ONNX Runtime's builds need. */
    simd: boolean;
    /** Threads: needs cross-origin isolation (COOP/COEP) and `SharedArrayBuffer`. */
    threads: boolean;
    /** Why it is unavailable, when it is. */
    reason?: string;
  };
  webgpu: {
    /** `navigator.gpu` exists. */
    api: boolean;
    /**
     * The adapter: a real GPU (`hardware`), a software one (`fallback`), or
     * `none` (no adapter, a failed request or no answer within 2 s). `null`
     * when not requested because nothing would use it (asking can wake a GPU).
     */
    adapter: 'hardware' | 'fallback' | 'none' | null;
    /** The adapter offers `shader-f16`. */
    f16: boolean;
    /** Why there is no adapter, when there is none. */
    reason?: string;
  };
  /** IndexedDB opens here (false in some private modes, opaque origins, with site data blocked). */
  indexedDB: boolean;
  /** Web Locks answer here (else a lease record in IndexedDB serialises the tabs). */
  webLocks: boolean;
  /** The Cache API answers here (secure contexts only). */
  cacheApi: boolean;
  /** `crossOriginIsolated` (COOP and COEP headers). */
  crossOriginIsolated: boolean;
  /** `navigator.deviceMemory` as the page reads it, in GB (Chromium-based browsers only, rounded to a power of two and capped); null where the browser does not say. */
  deviceMemoryGb: number | null;
  /** `navigator.hardwareConcurrency`; null where the browser does not say. */
  hardwareConcurrency: number | null;
}

/** The rung of the capability ladder LocalRank runs on. */
export interface EnginePath {
  /** `worker`, or `main-thread` when no worker could start: the engine then runs on the page, its calls started in idle periods. */
  thread: 'worker' | 'main-thread';
  /** What embeds text: the model, or only the lexical encoder (no download). */
  encoder: 'model' | 'lexical';
  /** How the model loads, when `encoder` is `model`: the device asked for and the dtype (absent: the device's default). */
  model?: { device: 'auto' | 'wasm' | 'webgpu'; dtype?: string };
  /** Where the profile lives. */
  storage: 'indexeddb' | 'memory';
  /** One sentence per choice that departs from the options (empty when they are followed as given). */
  reasons: string[];
}

/** Payload of the `environment` event and `profile().environment`. */
export interface EnvironmentReport {
  capabilities: Capabilities;
  path: EnginePath;
}

/**
 * Device-memory thresholds of the capability ladder, compared with
 * `navigator.deviceMemory` (where the browser reports it; elsewhere they do
 * not apply).
 */
export interface LowMemoryOptions {
  /**
   * Below this many GB the model loads as `q8` on WASM (an fp32 or fp16 dtype
   * is replaced, a smaller one kept), without the WebGPU probe, which holds
   * two sessions at once. Default 4.
   */
  smallerDtypeBelowGb?: number;
  /** Below this many GB no model is loaded: the lexical encoder serves. Default 1. */
  lexicalBelowGb?: number;
}

// ---------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------

/** Options of {@link createLocalRank}. Every field is optional. */
export interface LocalRankOptions {
  /**
   * Separates profiles of different sites or apps on one origin; part of the
   * IndexedDB database name. 1 to 64 characters of `[A-Za-z0-9_-]`. Default `default`.
   */
  namespace?: string;
  /** The embedding model, or `false` to use only the lexical encoder (no download). */
  model?: ModelOptions | false;
  /**
   * URL of the folder holding the ONNX Runtime files
   * (`ort-wasm-simd-threaded*.{mjs,wasm}`), shipped in the package's `dist/ort/`.
   * Default: `ort/` next to the worker script (ESM build) or next to the
   * `<script>` (IIFE build).
   */
  runtimeUrl?: string;
  /** Weight of each event type in the profile; merged over the defaults. */
  eventWeights?: Partial<Record<EventType, number>>;
  /** Half-life of interests in days. Default 14. */
  halfLifeDays?: number;
  /** `indexeddb` (default) or `memory` (nothing persists). */
  storage?: 'indexeddb' | 'memory';
  /** Maximum number of cached embeddings (LRU, in IndexedDB). Default 5000; 0 disables. */
  embeddingCacheSize?: number;
  /** Maximum events kept in the log (ring buffer). Default 2000. */
  maxEvents?: number;
  /**
   * Encrypt stored records with AES-GCM under a non-extractable WebCrypto key
   * kept in the same IndexedDB database. Protects against reading the files
   * or an export of the raw database; not against script running on the page.
   * Default false.
   */
  encryptAtRest?: boolean;
  /**
   * Personalised offers (off unless set): the experiment's name (1 to 64
   * characters) and the share of devices in the treatment arm (default 0.5).
   * See {@link LocalRank.offer} and docs/privacy.md.
   */
  offers?: { experiment: string; split?: number };
  /**
   * Locally differentially private interest reports (off unless set): the
   * fixed, public list of categories a report may name (`other` is added).
   * See {@link LocalRank.reportInterests}.
   */
  interestReports?: { categories: string[] };
  /**
   * The on-device learner (on by default; `false` turns it off): it learns
   * from `impression` and `click` events that carry a ranking's `rankingId`
   * as `listId`. See {@link LearningOptions}.
   */
  learning?: LearningOptions | false;
  /**
   * Collaborative-filtering fold-in (used when items carry `cfVector`s from a
   * server-side implicit-feedback model): `regularization` λ (default 0.1) and
   * `alpha`, the confidence one unit of event weight adds (default 2). Use the
   * values the server model was trained with.
   */
  cf?: { regularization?: number; alpha?: number };
  /**
   * Thresholds for low-memory devices (see {@link LowMemoryOptions}); `false`
   * ignores the device's memory. Default `{ smallerDtypeBelowGb: 4, lexicalBelowGb: 1 }`.
   */
  lowMemory?: LowMemoryOptions | false;
}

/** Options of the on-device learner. */
export interface LearningOptions {
  /** Weigh each click by 1 / examination(position), clipped at 10 (default true); false learns naively from raw clicks. */
  ips?: boolean;
  /**
   * The examination curve: `default` is 1 / log2(position + 2); `estimated`
   * estimates it from clicks on lists explored with `method: 'pairs'`
   * (falling back on the default while there are few).
   */
  positionBias?: 'default' | 'estimated';
}

// ---------------------------------------------------------------------------
// Events emitted by the library
// ---------------------------------------------------------------------------

/** Model download progress. */
export interface ProgressEvent {
  /** File being fetched, relative to the model folder. */
  file: string;
  loaded: number;
  total: number;
  /** 0..1 over all files seen so far. */
  progress: number;
}

/** Payloads of the events {@link LocalRank.on} subscribes to. */
export interface LocalRankEvents {
  /** Model files downloading. */
  progress: ProgressEvent;
  /** The backend (device) was chosen for the model. */
  backend: BackendChoice;
  /** The encoder serving rankings changed (lexical first, then the model once loaded). */
  encoder: EncoderInfo;
  /** Something failed but LocalRank keeps working (model load failed, worker restarted…). */
  error: LocalRankErrorInfo;
  /** A capability is missing and LocalRank runs in a reduced mode (e.g. no IndexedDB). */
  degraded: { reason: string; code: ErrorCode };
  /** Once per engine start, before the first `encoder` event: what the environment offers and the path chosen. */
  environment: EnvironmentReport;
}

// ---------------------------------------------------------------------------
// Profile, export
// ---------------------------------------------------------------------------

/** One decayed affinity, readable: "Shoes > Running", "Stridelab", "$64–127". */
export interface AffinityEntry {
  label: string;
  /** Current decayed weight; negative after dismissals. */
  weight: number;
}

/** A plain, person-readable summary of what LocalRank knows (for transparency screens). */
export interface ProfileSummary {
  /** Events stored in the log, by type. */
  counts: Partial<Record<EventType, number>>;
  /** Most recent item interactions, newest first. */
  recentItems: Array<{ id: string; title: string; type: EventType; timestamp: number }>;
  /** Most recent searches, newest first. */
  recentSearches: string[];
  /** Strongest interests (clusters of what the person engaged with), labelled by representative item titles. */
  interests: Array<{ label: string; strength: number; itemIds: string[]; titles: string[] }>;
  /** Strongest affinities by kind. */
  affinities: { category: AffinityEntry[]; brand: AffinityEntry[]; tag: AffinityEntry[]; priceBand: AffinityEntry[] };
  /** One sentence summarising the above ("Interested in Shoes > Running (Stridelab); recently searched 'trail'."). */
  text: string;
  /** The encoder the interests were computed with. */
  encoder: EncoderInfo;
  storage: {
    kind: 'indexeddb' | 'memory';
    encrypted: boolean;
    /** Events in the log. */
    events: number;
    /** Approximate bytes stored, by part. */
    bytes: { log: number; items: number; summary: number };
  };
  /** What the environment offers and the path chosen (as in the `environment` event); absent outside a browser (Node). */
  environment?: EnvironmentReport;
}

/**
 * Everything LocalRank stores for this namespace, as versioned JSON.
 * The JSON Schema is `docs/export.schema.json`.
 */
export interface ExportedData {
  format: 'localrank-export';
  version: 2;
  namespace: string;
  exportedAt: number;
  /** The event log, oldest first. */
  events: StoredEvent[];
  /** Snapshots of the items the events name. */
  items: Item[];
  /** The derived behaviour summary, as stored (vectors as base64 of little-endian half floats; see docs/export.schema.json). */
  summary: unknown;
}

/** Options of {@link LocalRank.forget}. */
export interface ForgetOptions {
  /** Also delete the cached model and runtime files (the `localrank-models` Cache API store). Default false. */
  models?: boolean;
}

/** An event as stored: validated, with its timestamp filled in. */
export interface StoredEvent extends Omit<TrackEvent, 'item' | 'timestamp'> {
  /** Unique per namespace; makes replays after a worker restart idempotent. */
  id: string;
  timestamp: number;
  /** Position in the namespace's log, increasing. */
  seq?: number;
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/** Stable error codes; see the README for what each means and what to do. */
export type ErrorCode =
  | 'INVALID_ARGUMENT'
  | 'INVALID_ITEM'
  | 'INVALID_EVENT'
  | 'UNKNOWN_ITEM'
  | 'MODEL_LOAD_FAILED'
  | 'MODEL_CACHE_FAILED'
  | 'INFERENCE_FAILED'
  | 'WORKER_CRASHED'
  | 'WORKER_UNAVAILABLE'
  | 'STORAGE_UNAVAILABLE'
  | 'STORAGE_FAILED'
  | 'STORAGE_CORRUPTED'
  | 'STORAGE_FULL'
  | 'DESTROYED'
  | 'NOT_ENABLED';

/** The serialisable form of a {@link LocalRankError}. */
export interface LocalRankErrorInfo {
  code: ErrorCode;
  message: string;
  /** The offending field, for validation errors (`events[3].itemId`). */
  field?: string;
}

// ---------------------------------------------------------------------------
// The API
// ---------------------------------------------------------------------------

/** A LocalRank instance, from {@link createLocalRank}. */
export interface LocalRank {
  /** Resolves once rankings can be served (by the lexical encoder at first). Rejects only if the worker cannot start. */
  readonly ready: Promise<void>;
  /** Adds or replaces catalogue items. Invalid items reject the whole call with `INVALID_ITEM` naming the field. */
  upsertItems(items: Item[]): Promise<{ count: number }>;
  /** Records one event or a batch. Invalid events are reported and skipped; valid ones are kept. */
  track(events: TrackEvent | TrackEvent[]): Promise<TrackResult>;
  /** Orders candidates for this person ("for you"). */
  rank(candidates: Candidate[], options?: RankOptions): Promise<RankResult>;
  /**
   * Candidates most like the page's item, personalised lightly; works with an
   * empty profile. Without candidates, every item upserted so far competes.
   * The item itself is never returned.
   */
  similarTo(itemId: string, candidates?: Candidate[], options?: RankOptions): Promise<RankResult>;
  /**
   * Items that go with the page's item, from its host-provided
   * {@link Item.complements} prior, personalised. Without candidates, the items
   * named in that prior compete (those upserted).
   */
  complements(itemId: string, candidates?: Candidate[], options?: RankOptions): Promise<RankResult>;
  /** What the person interacted with recently, newest first, one entry per item (impressions and dismissals do not count). */
  recentlyViewed(options?: RecentlyViewedOptions): Promise<RankResult>;
  /** A person-readable summary of the profile. */
  profile(): Promise<ProfileSummary>;
  /** Everything stored, as JSON. */
  export(): Promise<ExportedData>;
  /** Erases everything stored for this namespace: the databases, the embedding cache, the worker's memory (and the model cache on request). */
  forget(options?: ForgetOptions): Promise<void>;
  /** Subscribes to an event; returns the function that unsubscribes. */
  on<K extends keyof LocalRankEvents>(type: K, listener: (event: LocalRankEvents[K]) => void): () => void;
  /**
   * A bounded price for one item from its relevance to this person, for the
   * device's experiment arm (control: the list price). Needs `options.offers`
   * (else `NOT_ENABLED`). Discounts only unless the host opts in; see docs/privacy.md.
   */
  offer(itemId: string, options: OfferOptions): Promise<OfferResult>;
  /** Records that an offer was shown or accepted (kept on the device for {@link experimentReport}). */
  trackOffer(type: 'offer_shown' | 'offer_accepted', itemId: string): Promise<void>;
  /** Per experiment and arm: offers shown, accepted and the conversion; no item ids, times or history. */
  experimentReport(): Promise<ExperimentReport>;
  /**
   * The person's top interest category as an ε-locally differentially private
   * report (k-ary randomised response over `options.interestReports.categories`).
   * Needs that option (else `NOT_ENABLED`). Pool reports with `estimateShares`
   * from `localrank/aggregate`.
   */
  reportInterests(options: { epsilon: number }): Promise<LdpReport>;
  /** Stops the worker and releases the model. Later calls reject with `DESTROYED`. */
  destroy(): Promise<void>;
}
