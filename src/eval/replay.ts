import { Engine, itemText } from '../engine/engine.js';
import type { EngineDependencies } from '../engine/engine.js';
import type { Item, LocalRankOptions, RankOptions, TrackEvent } from '../types.js';
import type { Interaction } from './data.js';
import type { Recommender, UserScorer } from './recommender.js';

export interface ReplayEngineOptions {
  /** The catalogue, upserted once. */
  items: readonly Item[];
  /** Engine options, as for `createLocalRank` (storage is always in memory here). */
  options?: Omit<LocalRankOptions, 'storage'>;
  /**
   * Loads `options.model` in Node (LocalRank's model loader, or any encoder);
   * without it the lexical encoder serves.
   */
  loadModel?: EngineDependencies['loadModel'];
  /** How a logged interaction becomes a tracked event (default: a `view` of the item at its time). */
  toEvent?: (interaction: Interaction) => TrackEvent;
}

const CHUNK = 10_000;

/**
 * LocalRank's real engine (the code that runs in the worker) in this process,
 * with in-memory storage and a clock the replay sets: for each person it
 * forgets the previous one, tracks their interactions in time order, and
 * scores candidates at the moment of the ranking. Timestamps must be
 * milliseconds since the epoch from 2000 on (the engine's event validation);
 * shift older logs.
 */
export class ReplayEngine {
  private current: string | null = null;

  private constructor(
    readonly engine: Engine,
    /** The engine's clock: the replay sets it to each ranking's time. */
    private readonly clock: { now: number },
    private readonly toEvent: (interaction: Interaction) => TrackEvent,
    /** The encoder serving (`lexical:…` or `model:…`). */
    readonly encoder: string,
    /** The catalogue as upserted (with the model's vectors when a model serves: reusable for another replay). */
    readonly items: readonly Item[],
  ) {}

  static async create(o: ReplayEngineOptions): Promise<ReplayEngine> {
    const clock = { now: Date.now() };
    const engine = new Engine({
      openStore: () => {
        throw new Error('the replay keeps everything in memory');
      },
      storageWorks: () => Promise.resolve(false),
      loadModel: o.loadModel ?? (() => Promise.reject(new Error('no model loader given'))),
      deviceEnvironment: () => ({ isNode: true }),
      now: () => clock.now,
    });
    const errors: string[] = [];
    await engine.init({ ...o.options, storage: 'memory', namespace: o.options?.namespace ?? 'eval' }, (type, payload) => {
      if (type === 'error') errors.push((payload as { message: string }).message);
    });
    const encoder = await engine.whenModelSettled();
    if (o.options?.model && encoder.kind !== 'model') throw new Error(`the model did not load: ${errors.join('; ') || 'unknown reason'}`);
    const items = encoder.kind === 'model' ? await withModelVectors(engine, o.items, encoder.id) : o.items;
    for (let i = 0; i < items.length; i += CHUNK) await engine.upsertItems(items.slice(i, i + CHUNK));
    return new ReplayEngine(engine, clock, o.toEvent ?? ((it) => ({ type: 'view', itemId: it.item, timestamp: it.timestamp })), encoder.id, items);
  }

  /** Makes `user` with this history the engine's person at time `at` (nothing happens if they already are). */
  async setUser(user: string, history: readonly Interaction[], at: number): Promise<void> {
    const key = `${user}\u0000${history.length}\u0000${at}`;
    if (this.current === key) return;
    this.current = null;
    await this.engine.forget();
    this.clock.now = at;
    for (let i = 0; i < history.length; i += CHUNK) {
      const result = await this.engine.track(history.slice(i, i + CHUNK).map(this.toEvent), `replay-${i}`);
      if (result.rejected.length > 0) throw new Error(`the engine rejected an event of ${user}: ${result.rejected[0]!.error.message}`);
    }
    this.current = key;
  }

  /** Scores of the candidates for the current person (see `Engine.scoreAll`). */
  async score(candidates: readonly string[], options: RankOptions = {}, servingSpaceOnly = false): Promise<Float64Array> {
    const { ids, scores } = await this.engine.scoreAll(candidates, options, servingSpaceOnly);
    if (ids.length === candidates.length) return scores;
    const byId = new Map(ids.map((id, i) => [id, scores[i]!]));
    return Float64Array.from(candidates, (id) => byId.get(id) ?? -Infinity);
  }
}

/**
 * A recommender that replays each person's interactions through the engine
 * and ranks with these rank options (weights select the components). Several
 * can share one {@link ReplayEngine}: the profile is built once per person.
 */
export function engineRecommender(name: string, replay: ReplayEngine, rankOptions: RankOptions = {}, servingSpaceOnly = false): Recommender {
  return {
    name,
    async forUser(user, history, at): Promise<UserScorer> {
      await replay.setUser(user, history, at);
      return (candidates) => replay.score(candidates, rankOptions, servingSpaceOnly);
    },
  };
}

/**
 * The items with the model's vectors attached (embedded once here): forgetting
 * a person clears the engine's item index, and without them every replay would
 * embed the catalogue again.
 */
async function withModelVectors(engine: Engine, items: readonly Item[], encoderId: string): Promise<Item[]> {
  const todo = items.filter((item) => item.vector?.encoder !== encoderId);
  const vectors = new Map<Item, Float32Array>();
  for (let i = 0; i < todo.length; i += 1000) {
    const chunk = todo.slice(i, i + 1000);
    const { vectors: out } = await engine.embedTexts(chunk.map(itemText));
    chunk.forEach((item, j) => vectors.set(item, out[j]!));
  }
  return items.map((item) => (vectors.has(item) ? { ...item, vector: { encoder: encoderId, values: vectors.get(item)! } } : item));
}
