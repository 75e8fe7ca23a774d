// A naive baseline's Web Worker (bench/rank-naive.mjs), driven by bench/rank-page.html: the page
// starts one per baseline, each a plain worker of its own.
// Messages: { id, op: 'init', args: { kind: 'same' | 'simple', encoder, size, now } } | { id, op: 'rank', args: { ids, k } }
// | { id, op: 'echo', args: { ids } } (the bare cost of sending the ids); replies { id, result } or { id, error }.
//   kind 'same': the same-work naive ranker (the same ranking as LocalRank, computed naively);
//   kind 'simple': the simple baseline (one mean-vector cosine + prior).
import { createNaiveRanker, createSameWorkNaiveRanker } from './rank-naive.mjs';

let ranker = null;

self.onmessage = (e) => {
  const { id, op, args } = e.data;
  try {
    let result;
    if (op === 'init') {
      ranker = args.kind === 'simple' ? createNaiveRanker(args) : createSameWorkNaiveRanker(args);
      result = { size: ranker.size };
    } else if (op === 'rank') {
      result = ranker.rank(args.ids, args.k);
    } else if (op === 'echo') {
      result = args.ids.length;
    } else {
      throw new Error(`unknown op ${op}`);
    }
    self.postMessage({ id, result });
  } catch (error) {
    self.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
};
