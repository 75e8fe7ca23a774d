import { fnv1a32 } from '../engine/hash.js';
import { fmix32, mulberry32 } from '../engine/ranking/random.js';
/** One logged interaction: a person did something with an item at a time (ms since the epoch). */
export interface Interaction {
  user: string;
  item: string;
  timestamp: number;
  /** A rating or other strength, when the log has one. */
  value?: number;
}

/** A seeded generator of uniform numbers in [0, 1) (the engine's mulberry32): every split and sample is reproducible. */
export const seededRandom: (seed: number) => () => number = mulberry32;

/**
 * A stable 32-bit hash of a string with a seed, for seeded per-user and
 * per-item choices: FNV-1a, then murmur3's finaliser so that strings that
 * differ only at the end ("t1-6", "t1-7") are not ordered together.
 */
export function hashSeed(text: string, seed: number): number {
  return fmix32(fnv1a32(text, (2166136261 ^ seed) >>> 0));
}

/** Each user's interactions in time order (ties keep the log's order), users in order of first appearance. */
export function byUser(interactions: readonly Interaction[]): Map<string, Interaction[]> {
  const out = new Map<string, Interaction[]>();
  for (const it of interactions) {
    let list = out.get(it.user);
    if (!list) out.set(it.user, (list = []));
    list.push(it);
  }
  for (const list of out.values()) list.sort((a, b) => a.timestamp - b.timestamp); // stable
  return out;
}

/** One user of the warm protocol: the profile (earlier interactions, in time order) and the held-out last one. */
export interface WarmCase {
  user: string;
  history: Interaction[];
  test: Interaction;
}

/**
 * Chronological leave-last-one-out: per user with at least two interactions,
 * the last is the test item and the earlier ones the profile. `train` is
 * every interaction except the test items (what server-side models learn from).
 */
export function leaveLastOut(interactions: readonly Interaction[]): { train: Interaction[]; cases: WarmCase[] } {
  const train: Interaction[] = [];
  const cases: WarmCase[] = [];
  for (const [user, list] of byUser(interactions)) {
    if (list.length < 2) {
      train.push(...list);
      continue;
    }
    const history = list.slice(0, -1);
    train.push(...history);
    cases.push({ user, history, test: list[list.length - 1]! });
  }
  return { train, cases };
}

/** One user of the cold-start protocol: the profile (interactions with old items) and the new items they interacted with. */
export interface ColdCase {
  user: string;
  history: Interaction[];
  positives: string[];
}

export interface ColdSplitOptions {
  /** Share of the interacted items that are new (default 0.2). */
  newShare?: number;
  /** Users need at least this many interactions with old items (default 5). */
  minHistory?: number;
  seed: number;
}

/**
 * Item cold start: a seeded `newShare` of the items that have interactions
 * become new, and all their interactions are hidden from `train`. Each user
 * with at least one new-item interaction and `minHistory` others is a case:
 * profile = the other interactions, positives = their new items; the
 * candidates are all new items.
 */
export function coldStartSplit(interactions: readonly Interaction[], options: ColdSplitOptions): { newItems: string[]; train: Interaction[]; cases: ColdCase[] } {
  const { newShare = 0.2, minHistory = 5, seed } = options;
  const items = [...new Set(interactions.map((i) => i.item))].sort();
  const keyed = items.map((item) => ({ item, key: hashSeed(item, seed) })).sort((a, b) => a.key - b.key || (a.item < b.item ? -1 : 1));
  const newItems = keyed.slice(0, Math.round(newShare * items.length)).map((k) => k.item);
  const isNew = new Set(newItems);
  const train = interactions.filter((i) => !isNew.has(i.item));
  const cases: ColdCase[] = [];
  for (const [user, list] of byUser(interactions)) {
    const history = list.filter((i) => !isNew.has(i.item));
    const positives = [...new Set(list.filter((i) => isNew.has(i.item)).map((i) => i.item))];
    if (positives.length > 0 && history.length >= minHistory) cases.push({ user, history, positives });
  }
  return { newItems, train, cases };
}

/** `n` distinct items drawn uniformly from `pool` without those in `exclude` (fewer when the pool runs out). */
export function sampleItems(pool: readonly string[], exclude: ReadonlySet<string>, n: number, random: () => number): string[] {
  const out = new Set<string>();
  const available = pool.length - pool.filter((p) => exclude.has(p)).length;
  const want = Math.min(n, available);
  while (out.size < want) {
    const item = pool[Math.floor(random() * pool.length)]!;
    if (!exclude.has(item)) out.add(item);
  }
  return [...out];
}
