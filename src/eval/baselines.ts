import type { AlsModel, AlsOptions } from './als.js';
import { trainAls } from './als.js';
import type { Interaction } from './data.js';
import { hashSeed } from './data.js';
import type { Recommender } from './recommender.js';

/** Uniformly random scores, seeded per user. */
export function randomRecommender(seed: number): Recommender {
  return {
    name: 'random',
    forUser(user) {
      return (candidates) => Float64Array.from(candidates, (item) => hashSeed(`${user}\u0000${item}`, seed));
    },
  };
}

/** How many distinct users interacted with each item. */
export function userCounts(interactions: readonly Interaction[]): Map<string, number> {
  const pairs = new Set<string>();
  const counts = new Map<string, number>();
  for (const { user, item } of interactions) {
    const key = `${user}\u0000${item}`;
    if (pairs.has(key)) continue;
    pairs.add(key);
    counts.set(item, (counts.get(item) ?? 0) + 1);
  }
  return counts;
}

/** The same list for everyone: items by how many training users interacted with them. */
export function popularityRecommender(train: readonly Interaction[]): Recommender {
  const counts = userCounts(train);
  return { name: 'popularity', forUser: () => (candidates) => Float64Array.from(candidates, (item) => counts.get(item) ?? 0) };
}

/**
 * Item-kNN on co-occurrence cosine: sim(i, j) = |U(i) ∩ U(j)| / √(|U(i)|·|U(j)|)
 * over the training users, and a candidate's score is the sum of its
 * similarities to the person's profile items. Computed through the users
 * (no item-item matrix): cheap for any catalogue size.
 */
export function itemKnnRecommender(train: readonly Interaction[]): Recommender {
  const usersOf = new Map<string, Set<string>>();
  const itemsOf = new Map<string, Set<string>>();
  for (const { user, item } of train) {
    if (!usersOf.has(item)) usersOf.set(item, new Set());
    usersOf.get(item)!.add(user);
    if (!itemsOf.has(user)) itemsOf.set(user, new Set());
    itemsOf.get(user)!.add(item);
  }
  return {
    name: 'itemknn',
    forUser(_user, history) {
      // w_v = Σ over profile items i that user v has of 1/√|U(i)|; score_j = Σ_v w_v [j ∈ I(v)] / √|U(j)|.
      const perUser = new Map<string, number>();
      for (const item of new Set(history.map((h) => h.item))) {
        const users = usersOf.get(item);
        if (!users) continue;
        const w = 1 / Math.sqrt(users.size);
        for (const v of users) perUser.set(v, (perUser.get(v) ?? 0) + w);
      }
      const raw = new Map<string, number>();
      for (const [v, w] of perUser) for (const j of itemsOf.get(v)!) raw.set(j, (raw.get(j) ?? 0) + w);
      return (candidates) => Float64Array.from(candidates, (item) => (raw.get(item) ?? 0) / Math.sqrt(usersOf.get(item)?.size ?? 1));
    },
  };
}

/** Server-side implicit ALS: the user's trained factor times each item's (0 for items or users it never saw). */
export function alsRecommender(model: AlsModel): Recommender {
  return {
    name: 'als',
    forUser(user) {
      const x = model.users.get(user);
      return (candidates) =>
        Float64Array.from(candidates, (item) => {
          const y = model.items.get(item);
          if (!x || !y) return 0;
          let s = 0;
          for (let d = 0; d < model.factors; d++) s += x[d]! * y[d]!;
          return s;
        });
    },
  };
}

/** Trains ALS on the training interactions and wraps it as a recommender (see {@link trainAls}). */
export function trainAlsRecommender(train: readonly Interaction[], options?: AlsOptions): { model: AlsModel; recommender: Recommender } {
  const model = trainAls(train, options);
  return { model, recommender: alsRecommender(model) };
}
