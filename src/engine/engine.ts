import { LocalRankError, toLocalRankError } from '../errors.js';
import type {
  BackendChoice,
  Candidate,
  EncoderInfo,
  EnvironmentReport,
  EventType,
  ExportedData,
  ForgetOptions,
  Item,
  LocalRankEvents,
  OfferResult,
  ProfileSummary,
  RankOptions,
  RankResult,
  StoredEvent,
  TrackResult,
} from '../types.js';
import type { ChosenPath, LowMemoryThresholds, RequestedModel } from './capabilities.js';
import type { DeviceEnvironment } from './encoder/backend.js';
import { decideFromProbe, planDevice } from './encoder/backend.js';
import { withCache } from './encoder/cache.js';
import { deleteModelFileCaches } from './encoder/file-cache.js';
import { createLexicalEncoder } from './encoder/lexical.js';
import type { LexicalEncoder } from './encoder/lexical.js';
import type { ModelSource } from './encoder/model.js';
import type { Encoder } from './encoder/types.js';
import type { EngineConfig } from './options.js';
import { resolveOptions } from './options.js';
import type { ExplainContext, SpaceInput } from './rank.js';
import { absoluteRelevance, DEFAULT_WEIGHTS, explainer, scoreCandidates } from './rank.js';
import type { Explored } from './learning/explore.js';
import { DEFAULT_EPSILON, epsilonGreedy, poolSize, randomPairs, thompson } from './learning/explore.js';
import type { Feedback } from './learning/feedback.js';
import { applyFeedback, MAX_SHOWN, RecentRankings } from './learning/feedback.js';
import { featureRows } from './learning/features.js';
import { createLearner, isActive } from './learning/learner.js';
import { mulberry32 } from './ranking/random.js';
import { assignArm } from './offers/arms.js';
import type { ExperimentReport, OfferOutcome } from './offers/experiment.js';
import { experimentReport } from './offers/experiment.js';
import { suggestPrice, validateOfferBounds } from './offers/offer.js';
import { appendOutcome, offersLocalId, readOutcomes } from './offers/service.js';
import type { LdpReport } from './privacy/randomized-response.js';
import { createLdpReport, validateEpsilon } from './privacy/randomized-response.js';
import { topListedCategory } from './summary/describe.js';
import { affinityKeysOf, affinityScorer, newKeyIds } from './ranking/affinity.js';
import type { HistoryVector } from './ranking/explain.js';
import type { CandidateRows, DenseGather, SparseRow, WeightedVector } from './ranking/scores.js';
import { densify, pickRows, probeDots, sparsify } from './ranking/scores.js';
import { ItemIndex } from './item-index.js';
import { foldIn } from './learning/fold-in.js';
import { itemText } from './item-text.js';
import { filterCandidates, orderCandidates, validateRankOptions, validateRecentOptions } from './rerank.js';
import type { NamespaceStorage, StorageDependencies } from './storage.js';
import { openNamespaceStorage } from './storage.js';
import type { LoggedEvent } from './store/profile-store.js';
import { describeSummary } from './summary/describe.js';
import { decayedValue } from './summary/affinity.js';
import { applyToSpace, getSpace, readInterests, readProfile, readSession } from './summary/interests.js';
import { negativeScore } from './summary/negatives.js';
import { eventWeight, toJSON as summaryToJSON } from './summary/summary.js';
import type { SummaryConfig } from './summary/types.js';
import { DAY_MS, isSparseSpace, resolveSummaryConfig } from './summary/types.js';
import { validateArray, validateEvent, validateItem } from './validate.js';

/** What the engine needs from its surroundings; the worker passes real ones, tests pass fakes. */
export interface EngineDependencies extends StorageDependencies {
  loadModel(source: ModelSource): Promise<Encoder>;
  deviceEnvironment(): DeviceEnvironment;
  now(): number;
  /**
   * Detects what the environment offers and chooses the path (capabilities.ts).
   * Absent outside a browser (Node: tests, CLI, eval), where the options are followed as given.
   */
  environment?(model: RequestedModel, lowMemory: LowMemoryThresholds | null): Promise<{ capabilities: EnvironmentReport['capabilities']; path: ChosenPath }>;
  /** Lets the thread the engine shares with the page run between slices of long work; absent in a worker. */
  yieldToHost?(): Promise<void>;
}

export type Emit = <K extends keyof LocalRankEvents>(type: K, payload: LocalRankEvents[K]) => void;

export interface InitResult {
  encoder: EncoderInfo;
  storage: 'indexeddb' | 'memory';
}

const MAX_BATCH = 10_000;
/** Items whose lexical rows are computed between two yields to the page (the engine on the main thread: about 20 ms). */
const LEXICAL_SLICE = 500;
const MAX_CANDIDATES = 100_000;
/** In-memory vectors of non-item texts (queries) kept per encoder; beyond this the oldest go. */
const MAX_MEMO = 5_000;
const PROBE_TEXTS = ['trail running shoes', 'stainless steel chef knife', 'wireless noise cancelling headphones', 'organic green tea'];

const VERBS: Record<EventType, string> = {
  view: 'viewed',
  click: 'clicked',
  add_to_cart: 'added to cart',
  purchase: 'bought',
  search: 'searched for',
  rate: 'rated',
  dismiss: 'dismissed',
  impression: 'saw',
};

export { itemText };

/**
 * The engine: pure TypeScript, no DOM. It runs in the worker (and in Node for
 * tests and benchmarks) and owns the catalogue, the event log, the encoders
 * and ranking.
 */
export class Engine {
  private config!: EngineConfig;
  private emit: Emit = () => undefined;
  private storage!: NamespaceStorage;
  /** After forget(): storage stays deleted until the next event is tracked. */
  private reopenOnWrite = false;
  private summaryConfig!: SummaryConfig;
  private spaceSync: ReturnType<typeof setTimeout> | undefined;
  private readonly catalog = new Map<string, Item>();
  /** What ranking reads per item (text, popularity, lexical rows, vectors), by slot in typed arrays. */
  private index!: ItemIndex;
  /** {@link negativeValues}'s slots of the negatives and what they were found from (ids resolve on cold caches: about 0.5 µs each). */
  private negativeSlots: { key: { negatives: ReadonlyMap<string, unknown>; events: readonly unknown[]; index: ItemIndex; revision: number }; found: Array<{ id: string; slot: number }> } | null = null;
  /** {@link historyFor}'s last answer and what it was computed from. */
  private history: { key: { events: readonly unknown[]; encoder: Encoder; index: ItemIndex; revision: number }; vectors: HistoryVector[] } | null = null;
  /**
   * {@link nonZerosOf}'s answers, by vector. A summary's vectors never change
   * once it is the current one (the profile store updates a copy and swaps
   * it in), so a vector's entry stays true for as long as the vector lives.
   */
  private readonly summaryNonZeros = new WeakMap<Float32Array, SparseRow>();
  private readonly lexical: LexicalEncoder = createLexicalEncoder();
  private model: Encoder | null = null;
  private modelSettled: Promise<EncoderInfo> = Promise.resolve(this.lexical.info);
  /** Vectors by encoder id, then by text: history and candidates are embedded once per encoder. */
  private readonly memo = new Map<string, Map<string, Float32Array>>();
  private initialised = false;
  /** What the environment offers and the path chosen; null outside a browser. */
  private environment: EnvironmentReport | null = null;
  /** The last rankings served while learning is on, by ranking id, for linking feedback (memory only). */
  private readonly shown = new RecentRankings();
  /** Ranking ids are `<random prefix>-<counter>`: ids from an earlier worker never match this one's. */
  private readonly rankingPrefix = randomSeed().toString(36);
  private rankingCount = 0;

  constructor(private readonly deps: EngineDependencies) {}

  async init(options: unknown, emit?: Emit): Promise<InitResult> {
    if (this.initialised) throw new LocalRankError('INVALID_ARGUMENT', 'init() was already called');
    this.config = resolveOptions(options as never);
    if (emit) this.emit = emit;
    this.summaryConfig = resolveSummaryConfig({ eventWeights: this.config.eventWeights, halfLifeDays: this.config.halfLifeDays });
    this.index = this.newIndex();
    const requested: RequestedModel = this.config.model && { device: this.config.model.device, ...(this.config.model.dtype !== undefined ? { dtype: this.config.model.dtype } : {}) };
    // Detection never stops the engine: should it fail (a hostile page's globals), the options are followed as given.
    const [detected] = await Promise.all([this.deps.environment?.(requested, this.config.lowMemory).catch(() => undefined), this.openStorage()]);
    this.initialised = true;
    let model = this.config.model;
    let deviceReason: string | undefined;
    if (detected) {
      const { deviceReason: why, ...path } = detected.path;
      deviceReason = why;
      this.environment = { capabilities: detected.capabilities, path: { ...path, storage: this.storage.kind } };
      this.emit('environment', this.environment);
      if (model) model = path.model ? { ...model, ...path.model } : false;
    }
    this.emit('encoder', this.lexical.info);
    if (model) this.modelSettled = this.loadModel(model, deviceReason);
    return { encoder: this.lexical.info, storage: this.storage.kind };
  }

  private newIndex(): ItemIndex {
    const maxTags = this.summaryConfig.maxTagsPerItem;
    const ids = newKeyIds();
    return new ItemIndex(itemText, (item) => affinityKeysOf(item, maxTags, ids), this.lexical.info.dimension);
  }

  private async openStorage(): Promise<void> {
    this.storage = await openNamespaceStorage(this.config, this.summaryConfig, this.deps, (code, reason) => this.emit('degraded', { code, reason }));
  }

  private get log() {
    return this.storage.profile;
  }

  private get cache() {
    return this.storage.cache;
  }

  /** Resolves with the encoder serving once the model has loaded or failed to (immediately without a model). */
  whenModelSettled(): Promise<EncoderInfo> {
    return this.modelSettled;
  }

  private get active(): Encoder {
    return this.model ?? this.lexical;
  }

  /** Loads the model (`deviceReason`: why the capability ladder changed the requested device, for the `backend` event). */
  private async loadModel(m: Exclude<EngineConfig['model'], false>, deviceReason?: string): Promise<EncoderInfo> {
    let cacheWarned = false; // once per model, though a probe loads it twice
    const onCacheWarning = (reason: string): void => {
      if (!cacheWarned) this.emit('degraded', { code: 'MODEL_CACHE_FAILED', reason });
      cacheWarned = true;
    };
    const source = (device: BackendChoice['device'], ortBuild: 'wasm' | 'webgpu'): ModelSource => {
      const s: ModelSource = { id: m.id, device, batchSize: m.batchSize, ortBuild, onProgress: (p) => this.emit('progress', p), onCacheWarning };
      if (m.baseUrl !== undefined) s.baseUrl = m.baseUrl;
      if (m.dtype !== undefined) s.dtype = m.dtype;
      if (m.version !== undefined) s.version = m.version;
      if (this.config.runtimeUrl !== undefined) s.runtimeUrl = this.config.runtimeUrl;
      return s;
    };
    try {
      const plan = await planDevice(m.device, this.deps.deviceEnvironment());
      let encoder: Encoder;
      let choice: BackendChoice;
      if (plan.kind === 'fixed') {
        choice = deviceReason !== undefined && plan.choice.device === m.device ? { ...plan.choice, reason: deviceReason } : plan.choice;
        encoder = await this.deps.loadModel(source(choice.device, choice.device === 'webgpu' ? 'webgpu' : 'wasm'));
      } else {
        const key = `backend:${m.id}:${m.dtype ?? 'default'}:${plan.adapterKey}`;
        const [remembered] = await this.storage.settings.getMany<BackendChoice>([key]).catch(() => [undefined]);
        const reuse = remembered && (remembered.device === 'wasm' || remembered.device === 'webgpu') ? remembered : null;
        // The probe ran on an earlier visit with this adapter: one session instead of two (probe again if it fails now).
        const again = reuse ? await this.deps.loadModel(source(reuse.device, 'webgpu')).catch(() => null) : null;
        if (reuse && again) {
          choice = { ...reuse, reason: `${reuse.reason} (probed on an earlier visit)` };
          encoder = again;
        } else {
          ({ choice, encoder } = await this.probeBackends(source));
          await this.storage.settings.setMany([[key, choice]]).catch(() => undefined);
        }
      }
      this.emit('backend', choice);
      this.model = withCache(encoder, () => this.cache);
      this.emit('encoder', this.model.info);
      return this.model.info;
    } catch (error) {
      // Whatever failed while loading (an inference in the probe included) is a load failure.
      const e = toLocalRankError(error, 'MODEL_LOAD_FAILED');
      this.emit('error', (e.code === 'MODEL_LOAD_FAILED' ? e : new LocalRankError('MODEL_LOAD_FAILED', e.message)).toJSON());
      return this.lexical.info;
    }
  }

  /** Loads the model on WASM and WebGPU, times both, keeps the faster (both load the ORT build that runs WebGPU). */
  private async probeBackends(source: (device: BackendChoice['device'], ortBuild: 'wasm' | 'webgpu') => ModelSource): Promise<{ choice: BackendChoice; encoder: Encoder }> {
    const wasm = await this.deps.loadModel(source('wasm', 'webgpu'));
    const webgpu = await this.deps.loadModel(source('webgpu', 'webgpu')).catch(() => null);
    const webgpuMs = webgpu ? await timeEncoder(webgpu, this.deps.now).catch(() => null) : null;
    if (webgpuMs === null) {
      await webgpu?.dispose?.().catch(() => undefined);
      // A failed run can poison the runtime for both sessions: check WASM still works (else: load failure).
      await timeEncoder(wasm, this.deps.now);
      return { choice: { device: 'wasm', reason: webgpu ? 'WebGPU failed in the probe; using WASM' : 'WebGPU session could not be created; using WASM' }, encoder: wasm };
    }
    const choice = decideFromProbe(await timeEncoder(wasm, this.deps.now), webgpuMs);
    const encoder = choice.device === 'webgpu' ? webgpu! : wasm;
    await (encoder === wasm ? webgpu : wasm)?.dispose?.();
    return { choice, encoder };
  }

  /** Embeds texts, remembering them in memory (item texts are not: the item index keeps those vectors). */
  private async embed(encoder: Encoder, texts: readonly string[], remember = true): Promise<Float32Array[]> {
    let memo = this.memo.get(encoder.info.id);
    if (!memo) this.memo.set(encoder.info.id, (memo = new Map()));
    const missing = [...new Set(texts.filter((t) => !memo!.has(t)))];
    if (missing.length > 0 && !remember) {
      const fresh = new Map<string, Float32Array>();
      (await this.embedNow(encoder, missing)).forEach((v, i) => fresh.set(missing[i]!, v));
      return texts.map((t) => memo!.get(t) ?? fresh.get(t)!);
    }
    if (missing.length > 0) {
      const vectors = await this.embedNow(encoder, missing);
      missing.forEach((t, i) => memo!.set(t, vectors[i]!));
      for (const t of memo.keys()) {
        if (memo.size <= MAX_MEMO) break;
        memo.delete(t);
      }
    }
    return texts.map((t) => memo!.get(t)!);
  }

  /** One inference call; an inference failure of the model takes it out of service (the client restarts the worker). */
  private async embedNow(encoder: Encoder, texts: readonly string[]): Promise<Float32Array[]> {
    try {
      return await encoder.embed(texts);
    } catch (error) {
      const e = toLocalRankError(error, 'INFERENCE_FAILED');
      if (encoder === this.model) {
        // The model is unusable in this worker; keep serving lexically and let the client restart us.
        this.model = null;
        this.emit('error', e.toJSON());
        this.emit('encoder', this.lexical.info);
      }
      throw e;
    }
  }

  private requireInit(): void {
    if (!this.initialised) throw new LocalRankError('INVALID_ARGUMENT', 'init() must be called first');
  }

  async upsertItems(raw: unknown): Promise<{ count: number }> {
    this.requireInit();
    const list = validateArray(raw, 'items', MAX_CANDIDATES);
    const items = list.map((it, i) => validateItem(it, `items[${i}]`));
    // Lexical rows now (no download, microseconds each), not at the first ranking: the catalogue's
    // document frequencies, which weigh lexical similarity, count every item from the start.
    await this.ensureLexical(Int32Array.from(items, (item) => this.remember(item)));
    return { count: items.length };
  }

  async track(raw: unknown, batchId: string): Promise<TrackResult> {
    this.requireInit();
    if (typeof batchId !== 'string' || batchId.length === 0) throw new LocalRankError('INVALID_ARGUMENT', 'batchId must be a non-empty string', 'batchId');
    const list = validateArray(Array.isArray(raw) ? raw : [raw], 'events', MAX_BATCH);
    const now = this.deps.now();
    const known = (id: string): boolean => this.catalog.has(id) || this.log.item(id) !== undefined;
    const accepted: Array<Omit<StoredEvent, 'id'>> = [];
    const snapshots: Item[] = [];
    const feedback: Feedback[] = [];
    const result: TrackResult = { accepted: 0, rejected: [] };
    list.forEach((e, index) => {
      try {
        const { item, ...event } = validateEvent(e, `events[${index}]`, known, now);
        const linked = this.linkFeedback(event, `events[${index}]`);
        if (linked) feedback.push(linked);
        const snapshot = item ?? (event.itemId !== undefined ? this.catalog.get(event.itemId) : undefined);
        if (item) this.remember(item);
        if (snapshot) snapshots.push(snapshot);
        accepted.push(event);
      } catch (error) {
        result.rejected.push({ index, error: toLocalRankError(error, 'INVALID_EVENT').toJSON() });
      }
    });
    if (accepted.length > 0) await this.reopenIfForgotten();
    try {
      await this.log.append(batchId, accepted, snapshots);
    } catch (error) {
      const e = toLocalRankError(error, 'STORAGE_FAILED');
      if (e.code === 'STORAGE_FULL') this.emit('degraded', { code: e.code, reason: e.message });
      throw e;
    }
    result.accepted = accepted.length;
    this.scheduleSpaceSync();
    await this.learn(feedback);
    return result;
  }

  /**
   * The ranking an impression or click names by `listId`, if it is one this
   * worker served recently: the item must be in it. Null for other events,
   * other lists, or with learning off.
   */
  private linkFeedback(event: Omit<StoredEvent, 'id' | 'seq'>, field: string): Feedback | null {
    if (!this.config.learning || (event.type !== 'impression' && event.type !== 'click') || event.listId === undefined) return null;
    const ranking = this.shown.get(event.listId);
    if (!ranking) return null;
    const index = ranking.ids.indexOf(event.itemId!);
    if (index < 0) {
      if (!ranking.complete) return null; // further down than the engine remembers
      throw new LocalRankError('INVALID_EVENT', `${field}.itemId "${event.itemId}" was not in the ranking "${event.listId}" that listId names`, `${field}.itemId`);
    }
    return { type: event.type, ranking, index, position: event.position ?? index };
  }

  /** Trains the learner on feedback already stored; a failure to save it is reported, the events stay stored. */
  private async learn(feedback: readonly Feedback[]): Promise<void> {
    const config = this.config.learning;
    if (feedback.length === 0 || !config) return;
    try {
      await this.log.updateSummary((summary) => applyFeedback((summary.learner ??= createLearner()), feedback, config));
    } catch (error) {
      this.emit('error', toLocalRankError(error, 'STORAGE_FAILED').toJSON());
    }
  }

  /** After forget(), the first write brings persistent storage back (with a new encryption key). */
  private async reopenIfForgotten(): Promise<void> {
    if (!this.reopenOnWrite) return;
    this.reopenOnWrite = false;
    this.storage.close();
    await this.openStorage();
  }

  /** Interest vectors follow the log in the background, shortly after a burst of tracking. */
  private scheduleSpaceSync(): void {
    if (this.spaceSync !== undefined) return;
    this.spaceSync = setTimeout(() => {
      this.spaceSync = undefined;
      this.syncSpace(this.active).catch(() => undefined);
    }, 50);
  }

  /** The serving encoder's space and, when a model serves, the lexical encoder's (both feed the content score). */
  private get rankingEncoders(): Encoder[] {
    return this.active === this.lexical ? [this.lexical] : [this.active, this.lexical];
  }

  /**
   * Brings an encoder's interest space up to date with the log: incrementally
   * after new events, entirely after an encoder change (lexical to model, or a
   * new model). Idempotent across tabs: events carry sequence numbers.
   */
  private async syncSpace(encoder: Encoder): Promise<void> {
    await this.log.refresh();
    const applied = this.log.summary.spaces.get(encoder.info.id)?.appliedSeq ?? 0;
    const todo = this.log.events.filter((e) => e.seq > applied);
    if (todo.length === 0) return;
    const counts = (e: LoggedEvent): boolean => eventWeight(e, this.summaryConfig) !== 0;
    const itemOf = (e: LoggedEvent): Item | undefined => (e.itemId !== undefined ? (this.catalog.get(e.itemId) ?? this.log.item(e.itemId)) : undefined);
    const items = todo.map((e) => (e.type !== 'search' && counts(e) ? itemOf(e) : undefined));
    const queries = todo.map((e) => (e.type === 'search' && counts(e) ? (e.query ?? '') : ''));
    const itemList = items.filter((i): i is Item => i !== undefined);
    const [itemVectors, queryVectors] = await Promise.all([
      this.vectorsFor(encoder, itemList),
      this.embed(encoder, queries.filter((q) => q)),
    ]);
    const byItem = new Map(itemList.map((item, i) => [item, itemVectors[i]!]));
    const byQuery = new Map(queries.filter((q) => q).map((q, i) => [q, queryVectors[i]!]));
    await this.log.updateSummary((summary) => {
      const space = getSpace(summary.spaces, encoder.info.id, encoder.info.dimension, this.summaryConfig);
      todo.forEach((e, i) => {
        const vector = items[i] ? byItem.get(items[i]!) : queries[i] ? byQuery.get(queries[i]!) : undefined;
        const update = { seq: e.seq, weight: vector ? eventWeight(e, this.summaryConfig) : 0, timestamp: e.timestamp, vector: vector ?? new Float32Array(encoder.info.dimension) };
        applyToSpace(space, e.type === 'search' || e.itemId === undefined ? update : { ...update, itemId: e.itemId }, this.summaryConfig);
      });
    });
  }

  /** Makes sure the slots have their lexical rows. */
  private async ensureLexical(slots: Int32Array): Promise<void> {
    const index = this.index;
    const missing = index.missingLexical(slots);
    const step = this.deps.yieldToHost ? LEXICAL_SLICE : Math.max(1, missing.length);
    for (let from = 0; from < missing.length; from += step) {
      if (from > 0) {
        await this.deps.yieldToHost!();
        if (this.index !== index) return; // forget() replaced the index meanwhile: rows are computed when next needed
      }
      // Another call may have computed some of these while this one yielded.
      const part = Int32Array.from(missing.slice(from, from + step), (i) => slots[i]!);
      const todo = index.missingLexical(part);
      const rows = this.lexical.embedSparse(todo.map((i) => index.text(part[i]!)));
      todo.forEach((i, j) => index.setLexical(part[i]!, rows[j]!));
    }
  }

  /** Makes sure the slots have vectors in a model's space: precomputed by that model, or embedded once. */
  private async ensureVectors(encoder: Encoder, slots: Int32Array): Promise<void> {
    const { id, dimension } = encoder.info;
    const missing = this.index.missingVectors(id, dimension, slots);
    if (missing.length === 0) return;
    const vectors = await this.embed(encoder, missing.map((i) => this.index.text(slots[i]!)), false);
    missing.forEach((i, j) => this.index.setVector(id, dimension, slots[i]!, vectors[j]!));
  }

  /**
   * Unit vectors of items in an encoder's space (views: do not modify). A
   * model's come from the index (precomputed or embedded once per item); the
   * lexical encoder's are expanded from the sparse rows.
   */
  private async vectorsFor(encoder: Encoder, items: readonly Item[]): Promise<Float32Array[]> {
    const slots = this.index.slotsOf(items);
    const { id, dimension } = encoder.info;
    if (encoder === this.lexical) {
      await this.ensureLexical(slots);
      const rows = this.index.lexicalRows(slots);
      return items.map((_, i) => densify(rows, i, dimension));
    }
    await this.ensureVectors(encoder, slots);
    return Array.from(slots, (slot) => this.index.vector(id, dimension, slot)!);
  }

  /**
   * What the content component compares with in one encoder's space, as it
   * stands at `now`: the interests (or, with `match` 'profile', the whole
   * profile in their place) and the session intent.
   */
  private probes(encoder: Encoder, now: number, match: RankOptions['contentMatch'] = 'nearest'): Pick<SpaceInput, 'interests' | 'session'> {
    const space = this.log.summary.spaces.get(encoder.info.id);
    if (!space || space.dimension !== encoder.info.dimension) return { interests: [], session: null };
    const profile = match === 'profile' ? readProfile(space, now, this.summaryConfig) : null;
    const interests = (profile ? [profile] : readInterests(space, now, this.summaryConfig)).filter((it) => it.strength > 0);
    const session = readSession(space, now, this.summaryConfig);
    const sparse = isSparseSpace(space.dimension);
    const withNonZeros = <T extends WeightedVector>(probe: T): T => (sparse ? { ...probe, nonZeros: this.nonZerosOf(probe.vector) } : probe);
    return { interests: interests.map(withNonZeros), session: session && session.strength > 0 ? withNonZeros(session) : null };
  }

  /** The non-zero entries of a summary vector of a sparse space, found once per vector. */
  private nonZerosOf(vector: Float32Array): SparseRow {
    let row = this.summaryNonZeros.get(vector);
    if (!row) this.summaryNonZeros.set(vector, (row = sparsify(vector)));
    return row;
  }

  /**
   * The history items, one entry per item with its summed decayed weight and
   * strongest verb, in the encoder's space (for reasons). Kept until the log,
   * the encoder or an item changes: decay scales every weight by the same
   * factor as time passes, and the reasons only compare weights with each
   * other, so weights taken at an earlier `now` name the same items.
   */
  private async historyFor(encoder: Encoder, now: number): Promise<HistoryVector[]> {
    const key = { events: this.log.events, encoder, index: this.index, revision: this.index.revision };
    const cached = this.history;
    if (cached && sameKey(cached.key, key)) return cached.vectors;
    const entries = [...this.historyWeights(now).values()];
    const vectors = await this.vectorsFor(encoder, entries.map((h) => h.item));
    const history = entries.map((h, i) => ({ itemId: h.item.id, title: h.item.title, weight: h.weight, verb: h.verb, vector: vectors[i]! }));
    // Embedding may have changed the index (new slots): key on what it is now.
    this.history = { key: { ...key, revision: this.index.revision }, vectors: history };
    return history;
  }

  /** The history items with their summed decayed event weight and strongest verb. */
  private historyWeights(now: number): Map<string, { weight: number; verb: string; strongest: number; item: Item }> {
    const halfLife = this.config.halfLifeDays * DAY_MS;
    const byItem = new Map<string, { weight: number; verb: string; strongest: number; item: Item }>();
    for (const event of this.log.events) {
      if (event.type === 'search' || event.itemId === undefined) continue;
      const w = eventWeight(event, this.summaryConfig);
      if (w === 0) continue;
      const item = this.catalog.get(event.itemId) ?? this.log.item(event.itemId);
      if (!item) continue;
      const weight = decayedValue({ w, t: event.timestamp }, now, halfLife);
      const entry = byItem.get(item.id) ?? { weight: 0, verb: VERBS[event.type], strongest: 0, item };
      entry.weight += weight;
      if (Math.abs(weight) > entry.strongest) {
        entry.strongest = Math.abs(weight);
        entry.verb = VERBS[event.type];
      }
      byItem.set(item.id, entry);
    }
    return byItem;
  }

  /**
   * The `cf` component's raw values (x_u · y_i, NaN for candidates without a
   * factor): this person's factor folded in from the history items that have
   * one (learning/fold-in.ts). Null without factors or without a positive
   * history item among them.
   */
  private cfScores(slots: Int32Array, now: number, warnings: string[]): Float64Array | null {
    const cf = this.index.cf;
    for (const [length, count] of cf.ignoredLengths(slots)) {
      warnings.push(`${count} candidate cfVector(s) with ${length} values ignored: the item factors have ${cf.dimension || 'at most 256'} values`);
    }
    if (cf.size === 0) return null;
    const interactions = [];
    for (const { item, weight } of this.historyWeights(now).values()) {
      const factor = cf.factor(this.index.slotOf(item));
      if (factor) interactions.push({ factor, weight });
    }
    const x = foldIn(cf.gram, cf.dimension, interactions, this.config.cf);
    return x ? cf.scores(slots, x) : null;
  }

  /** A host item: in the catalogue, and in the index under the catalogue's flag. Returns its slot. */
  private remember(item: Item): number {
    this.catalog.set(item.id, item);
    return this.index.slotOf(item, true);
  }

  /** Candidates as items and their index slots (one lookup per id for catalogue items). */
  private resolveCandidates(raw: unknown): CandidatePool {
    const list = validateArray(raw, 'candidates', MAX_CANDIDATES);
    const items = new Array<Item>(list.length);
    const slots = this.index.catalogSlots(list);
    list.forEach((c: Candidate | unknown, i) => {
      if (slots[i]! >= 0) {
        items[i] = this.index.item(slots[i]!);
      } else if (typeof c === 'string') {
        const item = this.knownItem(c);
        if (!item) throw new LocalRankError('UNKNOWN_ITEM', `candidates[${i}] "${c}" is not a known item`, `candidates[${i}]`);
        items[i] = item;
        slots[i] = this.index.slotOf(item);
      } else {
        const item = validateItem(c, `candidates[${i}]`);
        items[i] = item;
        slots[i] = this.remember(item);
      }
    });
    return { items, slots };
  }

  private poolOf(items: readonly Item[]): CandidatePool {
    return { items, slots: this.index.slotsOf(items) };
  }

  private knownItem(id: string): Item | undefined {
    return this.catalog.get(id) ?? this.log.item(id);
  }

  private anchorItem(raw: unknown): Item {
    if (typeof raw !== 'string' || raw.length === 0) throw new LocalRankError('INVALID_ARGUMENT', 'itemId must be a non-empty string', 'itemId');
    const item = this.knownItem(raw);
    if (!item) throw new LocalRankError('UNKNOWN_ITEM', `"${raw}" is not a known item: upsert it first`, 'itemId');
    return item;
  }

  /** "For you": the candidates in the best order for this person now. */
  rank(rawCandidates: unknown, rawOptions: unknown = {}): Promise<RankResult> {
    return timed(() => {
      this.requireInit();
      const options = validateRankOptions(rawOptions);
      return this.rankCandidates(this.resolveCandidates(rawCandidates), options);
    });
  }

  /** Candidates like the page's item (every known item without candidates), lightly personalised. */
  similarTo(itemId: unknown, rawCandidates?: unknown, rawOptions: unknown = {}): Promise<RankResult> {
    return timed(() => {
      this.requireInit();
      const anchor = this.anchorItem(itemId);
      const options = validateRankOptions(rawOptions);
      const candidates = rawCandidates === undefined ? this.poolOf([...this.catalog.values()]) : this.resolveCandidates(rawCandidates);
      return this.rankCandidates(candidates, options, { item: anchor, mode: 'similarTo' });
    });
  }

  /** Items that go with the page's item, from its host co-purchase prior (its known complements without candidates). */
  complements(itemId: unknown, rawCandidates?: unknown, rawOptions: unknown = {}): Promise<RankResult> {
    return timed(() => {
      this.requireInit();
      const anchor = this.anchorItem(itemId);
      const options = validateRankOptions(rawOptions);
      const prior = anchor.complements ?? {};
      const candidates =
        rawCandidates === undefined
          ? this.poolOf(Object.keys(prior).map((id) => this.knownItem(id)).filter((i): i is Item => i !== undefined))
          : this.resolveCandidates(rawCandidates);
      return this.rankCandidates(candidates, options, { item: anchor, mode: 'complements' });
    });
  }

  /** What the person interacted with, newest first, one entry per item. */
  recentlyViewed(rawOptions: unknown = {}): Promise<RankResult> {
    return timed(() => this.recentItems(rawOptions));
  }

  private async recentItems(rawOptions: unknown): Promise<Untimed<RankResult>> {
    this.requireInit();
    const options = validateRecentOptions(rawOptions);
    await this.log.refresh();
    const k = options.k ?? 10;
    const purchased = this.log.summary.purchased;
    const items: RankResult['items'] = [];
    const taken = new Set<string>();
    const events = this.log.events;
    for (let i = events.length - 1; i >= 0 && items.length < k; i--) {
      const e = events[i]!;
      if (e.itemId === undefined || e.type === 'impression' || e.type === 'dismiss' || taken.has(e.itemId)) continue;
      taken.add(e.itemId);
      if (options.excludePurchased && purchased.has(e.itemId)) continue;
      if (!this.knownItem(e.itemId)) continue;
      items.push({ id: e.itemId, score: e.timestamp, components: {}, reasons: [{ kind: 'recently_viewed', text: `You ${VERBS[e.type]} this` }] });
    }
    return { items, encoder: this.active.info, coldStart: items.length === 0 };
  }

  /**
   * For offline evaluation (`localrank/eval`): every candidate's score as
   * `rank` computes it, in candidate order, without ordering, re-ranking or
   * reasons (those cost per returned item, and a replay needs all of them).
   * `servingSpaceOnly` measures content in the serving encoder's space alone
   * (no lexical blend), to compare the two.
   */
  async scoreAll(rawCandidates: unknown, rawOptions: unknown = {}, servingSpaceOnly = false): Promise<{ ids: string[]; scores: Float64Array }> {
    this.requireInit();
    const options = validateRankOptions(rawOptions);
    const { kept, scored } = await this.scorePool(this.resolveCandidates(rawCandidates), options, undefined, servingSpaceOnly);
    return { ids: kept.map((item) => item.id), scores: scored.score };
  }

  private async rankCandidates(pool: CandidatePool, options: RankOptions, anchor?: ExplainContext['anchor']): Promise<Untimed<RankResult>> {
    const { kept, scored, encoder, modelRows, lexicalRows, warnings, now, weights, learner } = await this.scorePool(pool, options, anchor);
    const summary = this.log.summary;
    const k = Math.min(options.k ?? kept.length, kept.length);
    const dim = encoder.info.dimension;
    const rowOf = (i: number): Float32Array =>
      modelRows ? modelRows.data.subarray(modelRows.offsets[i]!, modelRows.offsets[i]! + dim) : densify(lexicalRows, i, dim);
    const explore = options.explore;
    // Exploration draws from a deeper pool than the k it shows (random pairs only reorder the top k).
    const depth = explore && explore.method !== 'pairs' ? poolSize(k, kept.length) : k;
    const greedy = orderCandidates(scored.score, kept, rowOf, depth, options);
    let explored: Explored | null = null;
    if (explore && k > 0) {
      const rng = mulberry32(explore.seed ?? randomSeed());
      if (explore.method === 'epsilon') explored = epsilonGreedy(greedy, k, explore.epsilon ?? DEFAULT_EPSILON, rng);
      else if (explore.method === 'pairs') explored = randomPairs(greedy, k, rng);
      else {
        const learned = scored.components.learned;
        const baseScore = Float64Array.from(greedy, (i) => scored.score[i]! - (learned ? weights.learned * learned[i]! : 0));
        const input = { learner: learner ?? createLearner(), weight: weights.learned, baseScore, features: featureRows(scored.components, greedy) };
        explored = thompson(greedy, k, input, rng);
      }
    }
    const order = explored ? explored.order : greedy.subarray(0, k);
    const history = await this.historyFor(encoder, now);
    // The returned items against the history in one batch (the kernel's, where the rows have one); only the content reason reads them.
    const servingRows: CandidateRows = modelRows ? { dense: modelRows, dim } : { csr: lexicalRows, dim };
    const historyDots = scored.components.content && history.length > 0 ? probeDots(pickRows(servingRows, order), history.map((h) => h.vector)) : new Float64Array(0);
    const position = new Map(Array.from(order, (i, p) => [i, p]));
    const explain = explainer({
      candidates: kept,
      scored,
      history,
      historyCosines: (i) => historyDots.subarray(position.get(i)! * history.length, (position.get(i)! + 1) * history.length),
      seen: summary.seen,
      shown: (id) => (summary.negatives.get(id)?.exposure.w ?? 0) > 0,
      ...(anchor ? { anchor } : {}),
    });
    const items: RankResult['items'] = Array.from(order, (i) => ({ id: kept[i]!.id, score: scored.score[i]!, ...explain(i) }));
    if (explored) items.forEach((item, i) => (item.propensity = explored.propensity[i]!));
    const result: Untimed<RankResult> = { items, encoder: encoder.info, coldStart: scored.components.content === undefined && scored.components.affinity === undefined };
    if (warnings.length > 0) result.warnings = warnings;
    if (this.config.learning) {
      result.rankingId = `${this.rankingPrefix}-${++this.rankingCount}`;
      const remembered = order.subarray(0, Math.min(order.length, MAX_SHOWN));
      this.shown.add(result.rankingId, order.length, {
        ids: Array.from(remembered, (i) => kept[i]!.id),
        features: featureRows(scored.components, remembered),
        propensity: explored?.propensity ?? null,
        pairOffset: explored?.pairOffset ?? null,
      });
    }
    return result;
  }

  /**
   * How strongly to hold each candidate back, or null when the person has no
   * negatives. The negatives (at most `maxNegatives`) are scored and found by
   * slot first, so a candidate costs a lookup in that small map rather than
   * reading its item and looking its id up in the summary.
   */
  private negativeValues(slots: Int32Array, now: number): Float64Array | null {
    const negatives = this.log.summary.negatives;
    if (negatives.size === 0) return null;
    const key = { negatives, events: this.log.events, index: this.index, revision: this.index.revision };
    let found = this.negativeSlots && sameKey(this.negativeSlots.key, key) ? this.negativeSlots.found : null;
    if (!found) {
      found = [];
      for (const id of negatives.keys()) {
        const slot = this.index.slotFor(id);
        if (slot !== undefined) found.push({ id, slot });
      }
      this.negativeSlots = { key, found };
    }
    if (found.length === 0) return null;
    // Scored at every ranking: they decay with `now`.
    const bySlot = new Map<number, number>();
    for (const { id, slot } of found) bySlot.set(slot, negativeScore(negatives, id, now, this.summaryConfig));
    const values = new Float64Array(slots.length);
    for (let i = 0; i < slots.length; i++) values[i] = bySlot.get(slots[i]!) ?? 0;
    return values;
  }

  /** Filters the pool by the options and scores what is kept (every component, weighted). */
  private async scorePool(pool: CandidatePool, options: RankOptions, anchor?: ExplainContext['anchor'], servingSpaceOnly = false) {
    await this.log.refresh(); // another tab may have tracked since
    const encoder = this.active;
    const encoders = servingSpaceOnly ? [encoder] : this.rankingEncoders;
    await Promise.all(encoders.map((e) => this.syncSpace(e)));
    const now = this.deps.now();
    const warnings: string[] = [];
    const summary = this.log.summary;

    // The summary's purchased and seen sets outlive the log's oldest events.
    const excluded = new Set<string>([
      ...(options.excludePurchased ? summary.purchased : []),
      ...(options.excludeSeen ? summary.seen : []),
      ...(anchor ? [anchor.item.id] : []),
    ]);
    let kept = pool.items;
    let slots = pool.slots;
    if (options.filter || excluded.size > 0) {
      const keptAt = filterCandidates(kept, options.filter).filter((i) => !excluded.has(kept[i]!.id));
      kept = keptAt.map((i) => pool.items[i]!);
      slots = Int32Array.from(keptAt, (i) => pool.slots[i]!);
    }
    await this.ensureLexical(slots);
    const lexicalRows = this.index.lexicalRows(slots);
    let modelRows: DenseGather | null = null;
    if (encoder !== this.lexical) {
      await this.ensureVectors(encoder, slots);
      modelRows = this.index.vectorRows(encoder.info.id, encoder.info.dimension, slots);
    }
    warnings.push(...foreignVectorWarnings(encoder.info, this.index.foreignVectors(encoder.info.id, encoder.info.dimension, slots)));
    const [queryVectors, anchorVectors] = await Promise.all([
      options.query ? Promise.all(encoders.map((e) => this.embed(e, [options.query!]).then((v) => v[0]!))) : null,
      anchor?.mode === 'similarTo' ? Promise.all(encoders.map((e) => this.vectorsFor(e, [anchor.item]).then((v) => v[0]!))) : null,
    ]);
    const spaces: SpaceInput[] = encoders.map((e, s) => ({
      rows: e === this.lexical ? { csr: lexicalRows, dim: e.info.dimension } : { dense: modelRows!, dim: e.info.dimension },
      ...this.probes(e, now, options.contentMatch),
      query: queryVectors?.[s] ?? null,
      context: anchorVectors?.[s] ?? null,
    }));
    const prior = anchor?.mode === 'complements' ? (anchor.item.complements ?? {}) : null;
    // Log-scaled like popularity, relative to the strongest complement among the candidates.
    let priorMax = 0;
    if (prior) for (const item of kept) priorMax = Math.max(priorMax, prior[item.id] ?? 0);
    const affinity = affinityScorer(summary.affinities, now, this.summaryConfig);
    const weights = { ...DEFAULT_WEIGHTS, ...options.weights };
    const learner = this.config.learning ? summary.learner : null;
    const scored = scoreCandidates({
      candidates: kept,
      popularity: this.index.popularityOf(slots),
      spaces,
      affinity: affinity ? affinity.candidates(this.index.affinityColumns(slots)) : null,
      negative: this.negativeValues(slots, now),
      coPurchase: prior ? (item) => (priorMax > 0 ? Math.log1p(prior[item.id] ?? 0) / Math.log1p(priorMax) : 0) : null,
      boosts: options.boosts,
      cf: weights.cf !== 0 ? this.cfScores(slots, now, warnings) : null,
      weights,
      ...(options.longTailExponent !== undefined ? { longTailExponent: options.longTailExponent } : {}),
      learned: isActive(learner) && weights.learned > 0 ? learner.weights : null,
    });
    return { kept, slots, scored, encoder, modelRows, lexicalRows, warnings, now, weights, learner };
  }

  private requireEnabled<T>(feature: T | null, option: string): T {
    if (feature === null) throw new LocalRankError('NOT_ENABLED', `This needs options.${option} (off by default)`, `options.${option}`);
    return feature;
  }

  /** A bounded price for one item from its absolute relevance to this person, for this device's arm. */
  async offer(itemId: unknown, rawOptions: unknown): Promise<OfferResult> {
    this.requireInit();
    const { experiment, split } = this.requireEnabled(this.config.offers, 'offers');
    const item = this.anchorItem(itemId);
    const bounds = validateOfferBounds(rawOptions);
    await this.reopenIfForgotten(); // the arm's id must be the one outcomes are recorded with
    const arm = assignArm(experiment, await offersLocalId(this.storage.settings), split);
    await this.log.refresh();
    const encoder = this.active;
    await this.syncSpace(encoder);
    const now = this.deps.now();
    const [row] = await this.vectorsFor(encoder, [item]);
    const space: SpaceInput = { rows: { rows: [row!], dim: encoder.info.dimension }, ...this.probes(encoder, now), query: null, context: null };
    const keys = this.index.affinityKeys(this.index.slotOf(item));
    const score = absoluteRelevance(space, affinityScorer(this.log.summary.affinities, now, this.summaryConfig)?.(keys) ?? null);
    return { ...suggestPrice(score, bounds, arm), experiment, itemId: item.id };
  }

  async trackOffer(type: unknown, itemId: unknown, callId?: unknown): Promise<void> {
    this.requireInit();
    const { experiment, split } = this.requireEnabled(this.config.offers, 'offers');
    if (type !== 'offer_shown' && type !== 'offer_accepted') throw new LocalRankError('INVALID_ARGUMENT', "type must be 'offer_shown' or 'offer_accepted'", 'type');
    if (typeof itemId !== 'string' || itemId.length === 0) throw new LocalRankError('INVALID_ARGUMENT', 'itemId must be a non-empty string', 'itemId');
    await this.reopenIfForgotten();
    const arm = assignArm(experiment, await offersLocalId(this.storage.settings), split);
    const outcome: OfferOutcome = { type, experiment, arm, itemId, timestamp: this.deps.now() };
    if (typeof callId === 'string' && callId.length > 0) outcome.callId = callId;
    await appendOutcome(this.storage.settings, outcome);
  }

  async experimentReport(): Promise<ExperimentReport> {
    this.requireInit();
    return experimentReport(await readOutcomes(this.storage.settings));
  }

  /** The top interest category, as an ε-LDP report over the host's fixed list. */
  async reportInterests(raw: unknown): Promise<LdpReport> {
    this.requireInit();
    const { categories } = this.requireEnabled(this.config.interestReports, 'interestReports');
    if (typeof raw !== 'object' || raw === null) throw new LocalRankError('INVALID_ARGUMENT', 'options must be { epsilon }', 'options');
    const epsilon = validateEpsilon((raw as { epsilon?: unknown }).epsilon);
    await this.log.refresh();
    return createLdpReport(categories, topListedCategory(this.log.summary.affinities, categories, this.deps.now(), this.summaryConfig), epsilon);
  }

  /** Embeds texts with the active encoder (for tests, benchmarks and the catalog tool). */
  async embedTexts(texts: unknown): Promise<{ encoder: EncoderInfo; vectors: Float32Array[] }> {
    this.requireInit();
    const list = validateArray(texts, 'texts', MAX_BATCH);
    list.forEach((t, i) => {
      if (typeof t !== 'string') throw new LocalRankError('INVALID_ARGUMENT', `texts[${i}] must be a string`, `texts[${i}]`);
    });
    const encoder = this.active;
    return { encoder: encoder.info, vectors: await encoder.embed(list as string[]) };
  }

  async profile(): Promise<ProfileSummary> {
    this.requireInit();
    const encoder = this.active;
    await this.syncSpace(encoder).catch(() => undefined);
    const events = this.log.events;
    const counts: ProfileSummary['counts'] = {};
    for (const e of events) counts[e.type] = (counts[e.type] ?? 0) + 1;
    const title = (id: string): string | undefined => (this.catalog.get(id) ?? this.log.item(id))?.title;
    const recentItems: ProfileSummary['recentItems'] = [];
    const seen = new Set<string>();
    for (let i = events.length - 1; i >= 0 && recentItems.length < 10; i--) {
      const e = events[i]!;
      if (!e.itemId || e.type === 'impression' || seen.has(e.itemId)) continue;
      seen.add(e.itemId);
      recentItems.push({ id: e.itemId, title: title(e.itemId) ?? e.itemId, type: e.type, timestamp: e.timestamp });
    }
    const described = describeSummary(this.log.summary, this.deps.now(), this.summaryConfig, { encoder: encoder.info.id, title });
    const readable = (entries: Array<{ label: string; weight: number }>) => entries.map(({ label, weight }) => ({ label, weight }));
    return {
      counts,
      recentItems,
      recentSearches: described.recentSearches,
      interests: described.interests.map(({ label, strength, itemIds, titles }) => ({ label, strength, itemIds, titles })),
      affinities: {
        category: readable(described.affinities.category),
        brand: readable(described.affinities.brand),
        tag: readable(described.affinities.tag),
        priceBand: readable(described.affinities.priceBand),
      },
      text: described.text,
      encoder: encoder.info,
      storage: {
        kind: this.reopenOnWrite ? 'indexeddb' : this.storage.kind,
        encrypted: this.reopenOnWrite ? this.config.encryptAtRest : this.storage.encrypted,
        events: events.length,
        bytes: this.log.usage(),
      },
      ...(this.environment ? { environment: structuredClone(this.environment) } : {}),
    };
  }

  async exportData(): Promise<ExportedData> {
    this.requireInit();
    await this.syncSpace(this.active).catch(() => undefined);
    const events = this.log.events;
    const ids = new Set(events.map((e) => e.itemId).filter((id): id is string => !!id));
    return {
      format: 'localrank-export',
      version: 2,
      namespace: this.config.namespace,
      exportedAt: this.deps.now(),
      events: structuredClone([...events]),
      items: [...ids].map((id) => this.log.item(id)).filter((i): i is Item => !!i),
      summary: summaryToJSON(this.log.summary, this.summaryConfig),
    };
  }

  async forget(options: unknown = {}): Promise<void> {
    this.requireInit();
    const models = typeof options === 'object' && options !== null && (options as ForgetOptions).models === true;
    clearTimeout(this.spaceSync);
    this.spaceSync = undefined;
    // Already forgotten, this instance serves an in-memory stand-in: another tab may have written the
    // databases since, so open them again to erase them.
    await this.reopenIfForgotten();
    await this.log.clear(); // under the cross-tab lock, and tells the other tabs
    await this.storage.destroy();
    this.storage.close();
    if (models) await deleteModelFileCaches();
    // The catalogue is the host's data, not the person's: it stays, with what was derived from it alone
    // (lexical rows, vectors). The index goes: it also holds the items of the person's history.
    this.memo.clear();
    this.shown.clear();
    const old = this.index;
    this.index = this.newIndex();
    for (const item of this.catalog.values()) this.index.adopt(item, old);
    // Nothing is recreated until the next event (then with a new encryption key): until then an empty
    // in-memory profile serves, and no LocalRank database exists.
    this.storage = await openNamespaceStorage({ ...this.config, storage: 'memory' }, this.summaryConfig, this.deps, () => undefined);
    this.reopenOnWrite = this.config.storage === 'indexeddb';
  }

  /** Releases the model's runtime session; one still loading is released once it has loaded (it never serves). */
  async dispose(): Promise<void> {
    await this.modelSettled;
    await this.model?.dispose?.();
    this.model = null;
    this.storage?.close(); // the cross-tab channel: an engine on the page outlives no worker that would close it
  }
}

/** One warning per kind of precomputed vector the serving encoder cannot use (those items are embedded again). */
/** Warnings for candidates whose precomputed vector another encoder made (`foreign`: those items). */
function foreignVectorWarnings(encoder: EncoderInfo, foreign: readonly Item[]): string[] {
  const counts = new Map<string, number>();
  for (const { vector: v } of foreign) {
    if (!v) continue;
    // Before the model has loaded, its vectors are expected not to match the lexical encoder: no warning then.
    if (encoder.kind === 'lexical' && v.encoder.startsWith('model:')) continue;
    const label = v.encoder === encoder.id ? `${v.encoder} with ${v.values.length} values` : v.encoder;
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  return [...counts].map(
    ([label, count]) => `${count} candidate vector(s) from "${label}" ignored: the serving encoder is "${encoder.id}" (${encoder.dimension} values); they were embedded again`,
  );
}

/** Candidates to rank and their slots in the item index. */
interface CandidatePool {
  items: readonly Item[];
  slots: Int32Array;
}

/** A fresh 32-bit seed (exploration without a seed, ranking ids). */
function randomSeed(): number {
  if (typeof crypto !== 'undefined' && crypto.getRandomValues) return crypto.getRandomValues(new Uint32Array(1))[0]!;
  return Math.floor(Math.random() * 2 ** 32);
}

async function timeEncoder(encoder: Encoder, now: () => number): Promise<number> {
  await encoder.embed(PROBE_TEXTS); // warm-up: first runs compile kernels
  const start = now();
  await encoder.embed(PROBE_TEXTS);
  await encoder.embed(PROBE_TEXTS);
  return (now() - start) / 2;
}

type Untimed<R extends { elapsedMs: number }> = Omit<R, 'elapsedMs'>;

/**
 * Runs one public ranking call and adds the time it took in the engine
 * (`elapsedMs`). A synchronous throw (bad input) becomes a rejection, as
 * from an async method.
 */
async function timed(run: () => Promise<Untimed<RankResult>>): Promise<RankResult> {
  const started = performance.now();
  const result = await run();
  return { ...result, elapsedMs: performance.now() - started };
}

/** Whether a derived value's key (the objects and revision it was computed from) is still the current one: same fields, each identical. */
function sameKey<K extends object>(a: K, b: K): boolean {
  return (Object.keys(b) as Array<keyof K>).every((field) => a[field] === b[field]);
}
