/**
 * `localrank/eval`: offline evaluation of recommendations, in Node (no DOM).
 * Replays logged interactions through LocalRank's real engine, computes the
 * standard ranking metrics, and ships the baselines to compare with. See
 * docs/eval.md and `npm run bench:quality`.
 */
export type { Interaction, WarmCase, ColdCase, ColdSplitOptions } from './data.js';
export { leaveLastOut, coldStartSplit, byUser, sampleItems, seededRandom, hashSeed } from './data.js';
export { hitRate, ndcg, reciprocalRank, precision, recall, auc, coverage, intraListDiversity, novelty, orderByScore } from './metrics.js';
export type { Recommender, UserScorer } from './recommender.js';
export { randomRecommender, popularityRecommender, itemKnnRecommender, alsRecommender, trainAlsRecommender, userCounts } from './baselines.js';
export type { AlsModel, AlsOptions } from './als.js';
export { trainAls } from './als.js';
export type { ReplayEngineOptions } from './replay.js';
export { ReplayEngine, engineRecommender } from './replay.js';
export type { WarmResult, WarmOptions, ColdResult } from './protocols.js';
export { evaluateWarm, evaluateCold } from './protocols.js';
