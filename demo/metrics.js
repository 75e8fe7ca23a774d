// Session metrics for the Compare panel. The functions mirror, name for name and
// argument for argument, those of the evaluation module (src/eval/metrics.ts on
// branch `eval`, `localrank/eval`), so the demo can import them from there once
// that module is merged: replace this file's body with a re-export.

/** 1 when any relevant item is in the top k. */
export function hitRate(ranked, relevant, k) {
  const n = Math.min(k, ranked.length);
  for (let r = 0; r < n; r++) if (relevant.has(ranked[r])) return 1;
  return 0;
}

/** Binary-gain NDCG@k: DCG = Σ 1/log2(rank + 1) over relevant items in the top k, over the ideal DCG. */
export function ndcg(ranked, relevant, k) {
  const n = Math.min(k, ranked.length);
  let dcg = 0;
  for (let r = 0; r < n; r++) if (relevant.has(ranked[r])) dcg += 1 / Math.log2(r + 2);
  let ideal = 0;
  for (let r = 0; r < Math.min(k, relevant.size); r++) ideal += 1 / Math.log2(r + 2);
  return ideal > 0 ? dcg / ideal : 0;
}

/** 1/rank of the first relevant item, 0 without one. */
export function reciprocalRank(ranked, relevant) {
  for (let r = 0; r < ranked.length; r++) if (relevant.has(ranked[r])) return 1 / (r + 1);
  return 0;
}

/** Share of the catalogue that appears in at least one of the lists. */
export function coverage(lists, catalogueSize) {
  const seen = new Set();
  for (const list of lists) for (const item of list) seen.add(item);
  return catalogueSize > 0 ? seen.size / catalogueSize : 0;
}

/** Mean dissimilarity (1 − similarity) over the pairs of the list (0 for fewer than two items). */
export function intraListDiversity(list, similarity) {
  let sum = 0;
  let pairs = 0;
  for (let i = 0; i < list.length; i++) {
    for (let j = i + 1; j < list.length; j++) {
      sum += 1 - similarity(list[i], list[j]);
      pairs++;
    }
  }
  return pairs > 0 ? sum / pairs : 0;
}

/** Mean self-information −log2 p(i) of the list's items, p(i) = (count + 1) / (users + 1). */
export function novelty(list, userCount, users) {
  if (list.length === 0) return 0;
  let sum = 0;
  for (const item of list) sum += -Math.log2((userCount(item) + 1) / (users + 1));
  return sum / list.length;
}

/** Area under the ROC curve of the list's order (0.5: random; NaN when there are no relevant or no other items). */
export function auc(ranked, relevant) {
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
  return positivesAbove > 0 && negatives > 0 ? correct / (positivesAbove * negatives) : NaN;
}
