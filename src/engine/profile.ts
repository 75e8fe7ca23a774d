import type { EventType, StoredEvent } from '../types.js';
import { decayedValue } from './summary/affinity.js';
import { eventWeight } from './summary/summary.js';
import { DAY_MS } from './summary/types.js';
import { addScaled, normalizeInPlace } from './vector.js';

/** A weighted contribution to the profile: an item or a search query. */
export interface Contribution {
  event: StoredEvent;
  /** Signed, decayed weight. */
  weight: number;
}

export function contributions(
  events: readonly StoredEvent[],
  weights: Readonly<Record<EventType, number>>,
  halfLifeDays: number,
  now: number,
): Contribution[] {
  const out: Contribution[] = [];
  for (const event of events) {
    const w = eventWeight(event, { eventWeights: weights });
    if (w === 0) continue;
    out.push({ event, weight: decayedValue({ w, t: event.timestamp }, now, halfLifeDays * DAY_MS) });
  }
  return out;
}

/**
 * The interest vector: decayed, weighted mean of the vectors of what the
 * person interacted with, in one encoder's space. Null when nothing counts.
 */
export function interestVector(vectors: readonly Float32Array[], weightsOf: readonly number[], dimension: number): Float32Array | null {
  const acc = new Float32Array(dimension);
  let any = false;
  vectors.forEach((v, i) => {
    const w = weightsOf[i]!;
    if (w === 0) return;
    addScaled(acc, v, w);
    any = true;
  });
  if (!any) return null;
  normalizeInPlace(acc);
  return acc.some((x) => x !== 0) ? acc : null;
}
