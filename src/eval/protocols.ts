import type { ColdCase, WarmCase } from './data.js';
import { hashSeed, sampleItems, seededRandom } from './data.js';
import { auc, coverage, hitRate, intraListDiversity, ndcg, novelty, orderByScore, precision, recall, reciprocalRank } from './metrics.js';
import type { Recommender } from './recommender.js';

/** Means over the users of the warm (next-item) protocol. */
export interface WarmResult {
  name: string;
  users: number;
  hr10: number;
  ndcg10: number;
  mrr: number;
  precision10: number;
  recall10: number;
  auc: number;
  /** Share of the catalogue in at least one top-10 list. */
  coverage: number;
  /** Mean self-information of the top-10 items (see `novelty`). */
  novelty: number;
  /** Mean intra-list diversity of the top 10 (when a similarity was given). */
  diversity?: number;
  /** Sampled protocol: the test item among `negatives` random items the user did not interact with. */
  sampled_hr10: number;
  sampled_ndcg10: number;
}

export interface WarmOptions {
  /** Every item that can be recommended. */
  catalogue: readonly string[];
  /** Training users per item (novelty), and how many users there are. */
  userCount: (item: string) => number;
  users: number;
  /** Item similarity in [0, 1] for intra-list diversity (optional). */
  similarity?: (a: string, b: string) => number;
  /** Random negatives of the sampled protocol (default 100). */
  negatives?: number;
  seed: number;
  onProgress?: (done: number, total: number) => void;
}

const K = 10;

/**
 * Warm protocol: each person's last interaction is ranked among every
 * catalogue item they have not interacted with (full ranking), and among
 * `negatives` sampled such items (sampled ranking, as much of the literature
 * reports). Ties are broken by a fixed per-item key.
 */
export async function evaluateWarm(recommenders: readonly Recommender[], cases: readonly WarmCase[], o: WarmOptions): Promise<WarmResult[]> {
  const tieKey = (item: string) => hashSeed(item, o.seed ^ 0x5bd1e995);
  const acc = recommenders.map(() => ({ hr10: 0, ndcg10: 0, mrr: 0, precision10: 0, recall10: 0, auc: 0, aucUsers: 0, novelty: 0, diversity: 0, sampled_hr10: 0, sampled_ndcg10: 0, lists: [] as string[][] }));
  for (const [n, c] of cases.entries()) {
    const seen = new Set(c.history.map((h) => h.item));
    seen.delete(c.test.item);
    const candidates = o.catalogue.filter((item) => !seen.has(item));
    if (!candidates.includes(c.test.item)) candidates.push(c.test.item);
    const relevant = new Set([c.test.item]);
    const random = seededRandom(hashSeed(c.user, o.seed));
    const sampled = [c.test.item, ...sampleItems(o.catalogue, new Set([...seen, c.test.item]), o.negatives ?? 100, random)];
    // People outer, recommenders inner: recommenders that share an engine build each profile once.
    for (const [r, recommender] of recommenders.entries()) {
      const s = acc[r]!;
      const scorer = await recommender.forUser(c.user, c.history, c.test.timestamp);
      const ranked = orderByScore(candidates, await scorer(candidates), tieKey);
      const top = ranked.slice(0, K);
      s.lists.push(top);
      s.hr10 += hitRate(ranked, relevant, K);
      s.ndcg10 += ndcg(ranked, relevant, K);
      s.mrr += reciprocalRank(ranked, relevant);
      s.precision10 += precision(ranked, relevant, K);
      s.recall10 += recall(ranked, relevant, K);
      const a = auc(ranked, relevant);
      if (Number.isFinite(a)) {
        s.auc += a;
        s.aucUsers++;
      }
      s.novelty += novelty(top, o.userCount, o.users);
      if (o.similarity) s.diversity += intraListDiversity(top, o.similarity);
      const sampledRanked = orderByScore(sampled, await scorer(sampled), tieKey);
      s.sampled_hr10 += hitRate(sampledRanked, relevant, K);
      s.sampled_ndcg10 += ndcg(sampledRanked, relevant, K);
    }
    o.onProgress?.(n + 1, cases.length);
  }
  const users = cases.length;
  const mean = (v: number) => (users > 0 ? v / users : 0);
  return recommenders.map((recommender, r) => {
    const s = acc[r]!;
    const result: WarmResult = {
      name: recommender.name,
      users,
      hr10: mean(s.hr10),
      ndcg10: mean(s.ndcg10),
      mrr: mean(s.mrr),
      precision10: mean(s.precision10),
      recall10: mean(s.recall10),
      auc: s.aucUsers > 0 ? s.auc / s.aucUsers : NaN,
      coverage: coverage(s.lists, o.catalogue.length),
      novelty: mean(s.novelty),
      sampled_hr10: mean(s.sampled_hr10),
      sampled_ndcg10: mean(s.sampled_ndcg10),
    };
    if (o.similarity) result.diversity = mean(s.diversity);
    return result;
  });
}

/** Means over the users of the cold-start (new items) protocol. */
export interface ColdResult {
  name: string;
  users: number;
  hr10: number;
  ndcg10: number;
  recall10: number;
  precision10: number;
  mrr: number;
  auc: number;
}

/** Cold-start protocol: every new item is ranked for each person; their new items are the relevant ones. */
export async function evaluateCold(
  recommenders: readonly Recommender[],
  cases: readonly ColdCase[],
  o: { newItems: readonly string[]; seed: number; onProgress?: (done: number, total: number) => void },
): Promise<ColdResult[]> {
  const tieKey = (item: string) => hashSeed(item, o.seed ^ 0x5bd1e995);
  const acc = recommenders.map(() => ({ hr10: 0, ndcg10: 0, recall10: 0, precision10: 0, mrr: 0, auc: 0, aucUsers: 0 }));
  for (const [n, c] of cases.entries()) {
    const relevant = new Set(c.positives);
    const at = c.history.reduce((t, h) => Math.max(t, h.timestamp), 0);
    for (const [r, recommender] of recommenders.entries()) {
      const s = acc[r]!;
      const scorer = await recommender.forUser(c.user, c.history, at);
      const ranked = orderByScore(o.newItems, await scorer(o.newItems), tieKey);
      s.hr10 += hitRate(ranked, relevant, K);
      s.ndcg10 += ndcg(ranked, relevant, K);
      s.recall10 += recall(ranked, relevant, K);
      s.precision10 += precision(ranked, relevant, K);
      s.mrr += reciprocalRank(ranked, relevant);
      const a = auc(ranked, relevant);
      if (Number.isFinite(a)) {
        s.auc += a;
        s.aucUsers++;
      }
    }
    o.onProgress?.(n + 1, cases.length);
  }
  const users = cases.length;
  const mean = (v: number) => (users > 0 ? v / users : 0);
  return recommenders.map((recommender, r) => {
    const s = acc[r]!;
    return {
      name: recommender.name,
      users,
      hr10: mean(s.hr10),
      ndcg10: mean(s.ndcg10),
      recall10: mean(s.recall10),
      precision10: mean(s.precision10),
      mrr: mean(s.mrr),
      auc: s.aucUsers > 0 ? s.auc / s.aucUsers : NaN,
    };
  });
}
