/**
 * Top-k selection without a full sort: a binary min-heap of the k best seen
 * so far, O(n log k) time and O(k) memory.
 *
 * Order used everywhere in ranking ("better" first):
 * - a larger score is better; NaN counts as -Infinity;
 * - on equal scores, the lower index is better.
 * So the result is exactly the first k of a stable descending sort.
 */

/** Scores as the ranking reads them: NaN becomes -Infinity. */
const clean = (s: number): number => (s === s ? s : -Infinity);

/** True when (scoreA, a) ranks strictly before (scoreB, b). */
export function ranksBefore(scoreA: number, a: number, scoreB: number, b: number): boolean {
  return scoreA > scoreB || (scoreA === scoreB && a < b);
}

/**
 * Indices of the `k` best scores, best first (see the order above). With
 * `subset`, only those indices compete (each should appear once); otherwise
 * every index of `scores`. `k <= 0` gives an empty array; `k` larger than the
 * number of competitors gives all of them, sorted.
 */
export function topK(scores: Float64Array | Float32Array, k: number, subset?: Int32Array): Int32Array {
  const n = subset ? subset.length : scores.length;
  const size = Math.max(0, Math.min(Math.floor(k), n));
  if (size === 0) return new Int32Array(0);
  // heapIdx[0] / heapScore[0] is the worst of the kept items.
  const heapIdx = new Int32Array(size);
  const heapScore = new Float64Array(size);
  let count = 0;
  for (let j = 0; j < n; j++) {
    const i = subset ? subset[j]! : j;
    const s = clean(scores[i]!);
    if (count < size) {
      siftUp(heapIdx, heapScore, count, i, s);
      count++;
    } else if (ranksBefore(s, i, heapScore[0]!, heapIdx[0]!)) {
      siftDown(heapIdx, heapScore, count, i, s);
    }
  }
  // Pop the worst repeatedly into the back of the result.
  const out = new Int32Array(size);
  for (let end = size - 1; end >= 0; end--) {
    out[end] = heapIdx[0]!;
    const lastIdx = heapIdx[end]!;
    const lastScore = heapScore[end]!;
    if (end > 0) siftDown(heapIdx, heapScore, end, lastIdx, lastScore);
  }
  return out;
}

/** Places (i, s) at slot `pos` of a heap of `pos` items and moves it up. */
function siftUp(heapIdx: Int32Array, heapScore: Float64Array, pos: number, i: number, s: number): void {
  while (pos > 0) {
    const parent = (pos - 1) >> 1;
    // The root holds the worst, so a child that ranks before its parent is in place.
    if (!ranksBefore(heapScore[parent]!, heapIdx[parent]!, s, i)) break;
    heapIdx[pos] = heapIdx[parent]!;
    heapScore[pos] = heapScore[parent]!;
    pos = parent;
  }
  heapIdx[pos] = i;
  heapScore[pos] = s;
}

/** Replaces the root of a heap of `count` items by (i, s) and moves it down. */
function siftDown(heapIdx: Int32Array, heapScore: Float64Array, count: number, i: number, s: number): void {
  let pos = 0;
  for (;;) {
    const left = 2 * pos + 1;
    if (left >= count) break;
    const right = left + 1;
    // The worse child (the one that does not rank before the other).
    let child = left;
    if (right < count && ranksBefore(heapScore[left]!, heapIdx[left]!, heapScore[right]!, heapIdx[right]!)) child = right;
    if (!ranksBefore(s, i, heapScore[child]!, heapIdx[child]!)) break;
    heapIdx[pos] = heapIdx[child]!;
    heapScore[pos] = heapScore[child]!;
    pos = child;
  }
  heapIdx[pos] = i;
  heapScore[pos] = s;
}
