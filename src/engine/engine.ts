import { LocalRankError, toLocalRankError } from '../errors.js';
import type {
  BackendChoice,
  Candidate,
  EncoderInfo,
  EventType,
  ExportedData,
  ForgetOptions,
  Item,
  LocalRankEvents,
  ProfileSummary,
  RankResult,
  StoredEvent,
  TrackResult,
} from '../types.js';
import type { DeviceEnvironment } from './encoder/backend.js';
import { decideFromProbe, planDevice } from './encoder/backend.js';
import { withCache } from './encoder/cache.js';
import { createLexicalEncoder } from './encoder/lexical.js';
import type { ModelSource } from './encoder/model.js';
import type { Encoder } from './encoder/types.js';
import type { EngineConfig } from './options.js';
import { resolveOptions } from './options.js';
import { contributions, interestVector } from './profile.js';
import type { HistoryVector } from './ranking/explain.js';
import { scoreCandidates } from './rank.js';
import { filterCandidates, orderCandidates, validateRankOptions } from './rerank.js';
import type { NamespaceStorage, StorageDependencies } from './storage.js';
import { openNamespaceStorage } from './storage.js';
import type { LoggedEvent } from './store/profile-store.js';
import { describeSummary } from './summary/describe.js';
import { applyToSpace, getSpace } from './summary/interests.js';
import { eventWeight, toJSON as summaryToJSON } from './summary/summary.js';
import type { SummaryConfig } from './summary/types.js';
import { resolveSummaryConfig } from './summary/types.js';
import { validateArray, validateEvent, validateItem } from './validate.js';
import { normalizeInPlace } from './vector.js';

/** What the engine needs from its surroundings; the worker passes real ones, tests pass fakes. */
export interface EngineDependencies extends StorageDependencies {
  loadModel(source: ModelSource): Promise<Encoder>;
  deviceEnvironment(): DeviceEnvironment;
  now(): number;
}

export type Emit = <K extends keyof LocalRankEvents>(type: K, payload: LocalRankEvents[K]) => void;

export interface InitResult {
  encoder: EncoderInfo;
  storage: 'indexeddb' | 'memory';
}

const MAX_BATCH = 10_000;
const MAX_CANDIDATES = 100_000;
const MAX_ITEM_TEXT = 2_000;
/** In-memory vectors kept per encoder (beyond this the oldest go; the IndexedDB cache still has them). */
const MAX_MEMO = 60_000;
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

/** The text the encoders read for an item. */
export function itemText(item: Item): string {
  const parts = [item.title, item.category, item.brand, item.tags?.join(' '), item.description];
  return parts.filter((p): p is string => typeof p === 'string' && p.length > 0).join('. ').slice(0, MAX_ITEM_TEXT);
}

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
  private lexical: Encoder = createLexicalEncoder();
  private model: Encoder | null = null;
  private modelSettled: Promise<EncoderInfo> = Promise.resolve(this.lexical.info);
  /** Vectors by encoder id, then by text: history and candidates are embedded once per encoder. */
  private readonly memo = new Map<string, Map<string, Float32Array>>();
  private initialised = false;

  constructor(private readonly deps: EngineDependencies) {}

  async init(options: unknown, emit?: Emit): Promise<InitResult> {
    if (this.initialised) throw new LocalRankError('INVALID_ARGUMENT', 'init() was already called');
    this.config = resolveOptions(options as never);
    if (emit) this.emit = emit;
    this.summaryConfig = resolveSummaryConfig({ eventWeights: this.config.eventWeights, halfLifeDays: this.config.halfLifeDays });
    await this.openStorage();
    this.initialised = true;
    this.emit('encoder', this.lexical.info);
    if (this.config.model) this.modelSettled = this.loadModel(this.config.model);
    return { encoder: this.lexical.info, storage: this.storage.kind };
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

  private async loadModel(m: Exclude<EngineConfig['model'], false>): Promise<EncoderInfo> {
    const source = (device: BackendChoice['device'], ortBuild: 'wasm' | 'webgpu'): ModelSource => {
      const s: ModelSource = { id: m.id, device, batchSize: m.batchSize, ortBuild, onProgress: (p) => this.emit('progress', p) };
      if (m.baseUrl !== undefined) s.baseUrl = m.baseUrl;
      if (m.dtype !== undefined) s.dtype = m.dtype;
      if (this.config.runtimeUrl !== undefined) s.runtimeUrl = this.config.runtimeUrl;
      return s;
    };
    try {
      const plan = await planDevice(m.device, this.deps.deviceEnvironment());
      let encoder: Encoder;
      let choice: BackendChoice;
      if (plan.kind === 'fixed') {
        choice = plan.choice;
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

  private async embed(encoder: Encoder, texts: readonly string[]): Promise<Float32Array[]> {
    let memo = this.memo.get(encoder.info.id);
    if (!memo) this.memo.set(encoder.info.id, (memo = new Map()));
    const missing = [...new Set(texts.filter((t) => !memo!.has(t)))];
    if (missing.length > 0) {
      let vectors: Float32Array[];
      try {
        vectors = await encoder.embed(missing);
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
      missing.forEach((t, i) => memo!.set(t, vectors[i]!));
      for (const t of memo.keys()) {
        if (memo.size <= MAX_MEMO) break;
        memo.delete(t);
      }
    }
    return texts.map((t) => memo!.get(t)!);
  }

  private requireInit(): void {
    if (!this.initialised) throw new LocalRankError('INVALID_ARGUMENT', 'init() must be called first');
  }

  async upsertItems(raw: unknown): Promise<{ count: number }> {
    this.requireInit();
    const list = validateArray(raw, 'items', MAX_CANDIDATES);
    const items = list.map((it, i) => validateItem(it, `items[${i}]`));
    for (const item of items) this.catalog.set(item.id, item);
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
    const result: TrackResult = { accepted: 0, rejected: [] };
    list.forEach((e, index) => {
      try {
        const { item, ...event } = validateEvent(e, `events[${index}]`, known, now);
        const snapshot = item ?? (event.itemId !== undefined ? this.catalog.get(event.itemId) : undefined);
        if (item) this.catalog.set(item.id, item);
        if (snapshot) snapshots.push(snapshot);
        accepted.push(event);
      } catch (error) {
        result.rejected.push({ index, error: toLocalRankError(error, 'INVALID_EVENT').toJSON() });
      }
    });
    if (this.reopenOnWrite && accepted.length > 0) {
      this.reopenOnWrite = false;
      this.storage.close();
      await this.openStorage();
    }
    try {
      await this.log.append(batchId, accepted, snapshots);
    } catch (error) {
      const e = toLocalRankError(error, 'STORAGE_FAILED');
      if (e.code === 'STORAGE_FULL') this.emit('degraded', { code: e.code, reason: e.message });
      throw e;
    }
    result.accepted = accepted.length;
    this.scheduleSpaceSync();
    return result;
  }

  /** Interest vectors follow the log in the background, shortly after a burst of tracking. */
  private scheduleSpaceSync(): void {
    if (this.spaceSync !== undefined) return;
    this.spaceSync = setTimeout(() => {
      this.spaceSync = undefined;
      this.syncSpace(this.active).catch(() => undefined);
    }, 50);
  }

  /**
   * Brings the serving encoder's interest space up to date with the log:
   * incrementally after new events, entirely after an encoder change (lexical
   * to model, or a new model). Idempotent across tabs: events carry sequence numbers.
   */
  private async syncSpace(encoder: Encoder): Promise<void> {
    await this.log.refresh();
    const applied = this.log.summary.spaces.get(encoder.info.id)?.appliedSeq ?? 0;
    const todo = this.log.events.filter((e) => e.seq > applied);
    if (todo.length === 0) return;
    const itemOf = (e: LoggedEvent): Item | undefined => (e.itemId !== undefined ? (this.catalog.get(e.itemId) ?? this.log.item(e.itemId)) : undefined);
    const texts = todo.map((e) => (e.type === 'search' ? (e.query ?? '') : ((i) => (i ? itemText(i) : ''))(itemOf(e))));
    const wanted = texts.map((t, i) => (t && eventWeight(todo[i]!, this.summaryConfig) !== 0 ? t : ''));
    const vectors = await this.embed(encoder, wanted.filter((t) => t));
    const byText = new Map(wanted.filter((t) => t).map((t, i) => [t, vectors[i]!]));
    await this.log.updateSummary((summary) => {
      const space = getSpace(summary.spaces, encoder.info.id, encoder.info.dimension, this.summaryConfig);
      todo.forEach((e, i) => {
        const vector = byText.get(wanted[i]!);
        const update = { seq: e.seq, weight: vector ? eventWeight(e, this.summaryConfig) : 0, timestamp: e.timestamp, vector: vector ?? new Float32Array(encoder.info.dimension) };
        applyToSpace(space, e.type === 'search' || e.itemId === undefined ? update : { ...update, itemId: e.itemId }, this.summaryConfig);
      });
    });
  }

  private resolveCandidates(raw: unknown): Item[] {
    const list = validateArray(raw, 'candidates', MAX_CANDIDATES);
    return list.map((c: Candidate | unknown, i) => {
      if (typeof c === 'string') {
        const item = this.catalog.get(c) ?? this.log.item(c);
        if (!item) throw new LocalRankError('UNKNOWN_ITEM', `candidates[${i}] "${c}" is not a known item`, `candidates[${i}]`);
        return item;
      }
      const item = validateItem(c, `candidates[${i}]`);
      this.catalog.set(item.id, item);
      return item;
    });
  }

  /** Candidate vectors: precomputed ones from the same encoder are used as given, others are embedded. */
  private async candidateVectors(encoder: Encoder, items: readonly Item[], warnings: string[]): Promise<Float32Array[]> {
    const out = new Array<Float32Array>(items.length);
    const toEmbed: number[] = [];
    const foreign = new Map<string, number>();
    items.forEach((item, i) => {
      const v = item.vector;
      if (v && v.encoder === encoder.info.id && v.values.length === encoder.info.dimension) {
        out[i] = normalizeInPlace(Float32Array.from(v.values));
        return;
      }
      // Before the model has loaded, its vectors are expected not to match the lexical encoder: no warning then.
      if (v && (encoder.info.kind === 'model' || !v.encoder.startsWith('model:'))) {
        const label = v.encoder === encoder.info.id ? `${v.encoder} with ${v.values.length} values` : v.encoder;
        foreign.set(label, (foreign.get(label) ?? 0) + 1);
      }
      toEmbed.push(i);
    });
    for (const [label, count] of foreign) {
      warnings.push(`${count} candidate vector(s) from "${label}" ignored: the serving encoder is "${encoder.info.id}" (${encoder.info.dimension} values); they were embedded again`);
    }
    const vectors = await this.embed(encoder, toEmbed.map((i) => itemText(items[i]!)));
    toEmbed.forEach((i, j) => (out[i] = vectors[j]!));
    return out;
  }

  async rank(rawCandidates: unknown, rawOptions: unknown = {}): Promise<RankResult> {
    this.requireInit();
    const options = validateRankOptions(rawOptions);
    const candidates = this.resolveCandidates(rawCandidates);
    await this.log.refresh(); // another tab may have tracked since
    const k = options.k ?? candidates.length;

    const encoder = this.active;
    const warnings: string[] = [];
    const now = this.deps.now();
    const parts = contributions(this.log.events, this.config.eventWeights, this.config.halfLifeDays, now);

    // Aggregate per item (and per query), remembering the strongest event for the reason's verb.
    const byItem = new Map<string, { weight: number; verb: string; strongest: number; item: Item }>();
    const queries = new Map<string, number>();
    for (const { event, weight } of parts) {
      if (event.type === 'search') {
        queries.set(event.query!, (queries.get(event.query!) ?? 0) + weight);
        continue;
      }
      const item = this.catalog.get(event.itemId!) ?? this.log.item(event.itemId!);
      if (!item) continue;
      const entry = byItem.get(item.id) ?? { weight: 0, verb: VERBS[event.type], strongest: 0, item };
      entry.weight += weight;
      if (Math.abs(weight) > entry.strongest) {
        entry.strongest = Math.abs(weight);
        entry.verb = VERBS[event.type];
      }
      byItem.set(item.id, entry);
    }

    const historyEntries = [...byItem.values()];
    const queryTexts = [...queries.keys()];
    const [candidateVectors, historyVectors, queryVectors, queryOption] = await Promise.all([
      this.candidateVectors(encoder, candidates, warnings),
      this.embed(encoder, historyEntries.map((h) => itemText(h.item))),
      this.embed(encoder, queryTexts),
      options.query ? this.embed(encoder, [options.query]) : Promise.resolve([]),
    ]);
    const history: HistoryVector[] = historyEntries.map((h, i) => ({
      itemId: h.item.id,
      title: h.item.title,
      weight: h.weight,
      verb: h.verb,
      vector: historyVectors[i]!,
    }));
    const interest = interestVector(
      [...historyVectors, ...queryVectors],
      [...historyEntries.map((h) => h.weight), ...queryTexts.map((q) => queries.get(q)!)],
      encoder.info.dimension,
    );

    // The summary's purchased and seen sets outlive the log's oldest events.
    const excluded = new Set<string>([
      ...(options.excludePurchased ? this.log.summary.purchased : []),
      ...(options.excludeSeen ? this.log.summary.seen : []),
    ]);
    const keep = filterCandidates(candidates, options.filter).filter((i) => !excluded.has(candidates[i]!.id));
    const kept = keep.map((i) => candidates[i]!);
    const keptVectors = keep.map((i) => candidateVectors[i]!);
    const scored = scoreCandidates({ candidates: kept, vectors: keptVectors, interest, query: queryOption[0] ?? null, history, ...(options.longTailExponent !== undefined ? { longTailExponent: options.longTailExponent } : {}) });
    const order = orderCandidates(Float64Array.from(scored, (r) => r.score), kept, keptVectors, k, options);
    const result: RankResult = { items: Array.from(order, (i) => scored[i]!), encoder: encoder.info, coldStart: interest === null };
    if (warnings.length > 0) result.warnings = warnings;
    return result;
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
    await this.log.clear(); // under the cross-tab lock, and tells the other tabs
    await this.storage.destroy();
    this.storage.close();
    if (models && typeof caches !== 'undefined') await caches.delete('transformers-cache');
    // The catalogue is the host's data, not the person's: it stays.
    this.memo.clear();
    // Nothing is recreated until the next event (then with a new encryption key): until then an empty
    // in-memory profile serves, and no LocalRank database exists.
    this.storage = await openNamespaceStorage({ ...this.config, storage: 'memory' }, this.summaryConfig, this.deps, () => undefined);
    this.reopenOnWrite = this.config.storage === 'indexeddb';
  }

  async dispose(): Promise<void> {
    await this.model?.dispose?.();
    this.model = null;
  }
}

async function timeEncoder(encoder: Encoder, now: () => number): Promise<number> {
  await encoder.embed(PROBE_TEXTS); // warm-up: first runs compile kernels
  const start = now();
  await encoder.embed(PROBE_TEXTS);
  await encoder.embed(PROBE_TEXTS);
  return (now() - start) / 2;
}
