import type { Interaction } from './data.js';

/** Scores candidates for one person; larger is better. One value per candidate, in their order. */
export type UserScorer = (candidates: readonly string[]) => Float64Array | Promise<Float64Array>;

/**
 * Anything the evaluator can rank with: a baseline, or LocalRank's engine
 * replaying the person's interactions.
 */
export interface Recommender {
  name: string;
  /** Sets up one person: their profile interactions in time order, and when the ranking happens (ms). */
  forUser(user: string, history: readonly Interaction[], at: number): UserScorer | Promise<UserScorer>;
}
