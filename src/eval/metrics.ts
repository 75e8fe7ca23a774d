/**
 * Ranking metrics for one list (best first) against the relevant items.
 * Conventions: HR@K is 1 when any relevant item is in the top K; NDCG@K uses
 * binary gains, DCG = Σ 1/log2(rank + 1) over relevant items in the top K
 * (rank from 1), divided by the ideal DCG of min(|relevant|, K) hits; MRR is
 * 1/rank of the first relevant item (0 without one); recall@K divides the
 * hits by |relevant|; AUC is the share of (relevant, other) pairs ordered
 * correctly over the whole list.
 */

export function hitRate(ranked: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  const n = Math.min(k, ranked.length);
  for (let r = 0; r < n; r++) if (relevant.has(ranked[r]!)) return 1;
  return 0;
}

export function ndcg(ranked: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  const n = Math.min(k, ranked.length);
  let dcg = 0;
  for (let r = 0; r < n; r++) if (relevant.has(ranked[r]!)) dcg += 1 / Math.log2(r + 2);
  let ideal = 0;
  for (let r = 0; r < Math.min(k, relevant.size); r++) ideal += 1 / Math.log2(r + 2);
  return ideal > 0 ? dcg / ideal : 0;
}

export function reciprocalRank(ranked: readonly string[], relevant: ReadonlySet<string>): number {
  for (let r = 0; r < ranked.length; r++) if (relevant.has(ranked[r]!)) return 1 / (r + 1);
  return 0;
}

export function precision(ranked: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  if (k <= 0) return 0;
  let hits = 0;
  for (let r = 0; r < Math.min(k, ranked.length); r++) if (relevant.has(ranked[r]!)) hits++;
  return hits / k;
}

export function recall(ranked: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  if (relevant.size === 0) return 0;
  let hits = 0;
  for (let r = 0; r < Math.min(k, ranked.length); r++) if (relevant.has(ranked[r]!)) hits++;
  return hits / relevant.size;
}

/** Area under the ROC curve of the list's order (0.5: random; NaN when there are no relevant or no other items). */
export function auc(ranked: readonly string[], relevant: ReadonlySet<string>): number {
  let positivesAbove = 0;
  let correct = 0;
  let negatives = 0;
  for (const item of ranked) {
    if (relevant.has(item)) positivesAbove++;
    else {
      correct += positivesAbove;
      negatives++;
    }
  }
  const positives = positivesAbove;
  return positives > 0 && negatives > 0 ? correct / (positives * negatives) : NaN;
}

/** Share of the catalogue that appears in at least one of the lists. */
export function coverage(lists: Iterable<readonly string[]>, catalogueSize: number): number {
  const seen = new Set<string>();
  for (const list of lists) for (const item of list) seen.add(item);
  return catalogueSize > 0 ? seen.size / catalogueSize : 0;
}

/** Mean dissimilarity (1 − similarity) over the pairs of the list (0 for fewer than two items). */
export function intraListDiversity(list: readonly string[], similarity: (a: string, b: string) => number): number {
  let sum = 0;
  let pairs = 0;
  for (let i = 0; i < list.length; i++) {
    for (let j = i + 1; j < list.length; j++) {
      sum += 1 - similarity(list[i]!, list[j]!);
      pairs++;
    }
  }
  return pairs > 0 ? sum / pairs : 0;
}

/**
 * Mean self-information of the list's items, −log2 p(i), with p(i) the share
 * of users who interacted with the item in training, smoothed as
 * (count + 1) / (users + 1) so that unseen items are finite (and the most novel).
 */
export function novelty(list: readonly string[], userCount: (item: string) => number, users: number): number {
  if (list.length === 0) return 0;
  let sum = 0;
  for (const item of list) sum += -Math.log2((userCount(item) + 1) / (users + 1));
  return sum / list.length;
}

/**
 * The candidates ordered by score, best first; ties (and non-finite scores,
 * which go last) are broken by a fixed per-item key so that no candidate
 * order favours the relevant item.
 */
export function orderByScore(candidates: readonly string[], scores: ArrayLike<number>, tieKey: (item: string) => number): string[] {
  const index = candidates.map((_, i) => i);
  const score = (i: number): number => (Number.isFinite(scores[i]!) ? scores[i]! : -Infinity);
  index.sort((a, b) => score(b) - score(a) || tieKey(candidates[a]!) - tieKey(candidates[b]!));
  return index.map((i) => candidates[i]!);
}
