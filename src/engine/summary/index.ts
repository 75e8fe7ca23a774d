/**
 * The behaviour summary: pure, storage-free and encoder-free functions that
 * fold events (and, per encoder space, the vectors the engine passes in) into
 * one bounded, versioned record. See types.ts for the shapes and defaults.
 */
export * from './types.js';
export { addDecayed, affinityKeys, affinityLabel, affinityValue, applyAffinities, categoryPrefixes, createAffinities, decayOrder, decayedValue, itemAffinity, priceBand, priceBandLabel, topAffinities } from './affinity.js';
export type { AffinityReading } from './affinity.js';
export { applyToSpace, createSpace, getSpace, readInterests, readSession } from './interests.js';
export type { InterestReading, SpaceUpdate } from './interests.js';
export { createNegatives, negativeActivity, negativeScore, positionPropensity, recordDismissal, recordEngagement, recordImpression } from './negatives.js';
export { applyEvent, cloneSummary, createSummary, eventWeight, fromJSON, summaryBytes, toJSON, utf8Length } from './summary.js';
export type { SequencedEvent } from './summary.js';
export { describeSummary, headlineCategories, interestLabel, primarySpace } from './describe.js';
export type { DescribedInterest, DescribeOptions, SummaryDescription } from './describe.js';
export { decodeVector, encodeVector } from './codec.js';
