/**
 * What offers keep on the device, in the namespace's settings store: the
 * random id arms are drawn from, and the outcome log the experiment report
 * counts. `forget()` deletes the store, and with it both.
 */
import type { KeyValueStore } from '../store/kv.js';
import { newLocalId } from './arms.js';
import type { OfferOutcome } from './experiment.js';

const LOCAL_ID_KEY = 'offers:local-id';
const OUTCOMES_KEY = 'offers:outcomes';
/** Outcomes kept; older ones go first (the report counts what is kept). */
export const MAX_OUTCOMES = 2_000;

/** The device's random id for experiment arms, created on first use. */
export async function offersLocalId(store: KeyValueStore): Promise<string> {
  const [stored] = await store.getMany<string>([LOCAL_ID_KEY]);
  if (typeof stored === 'string' && /^[0-9a-f]{32}$/.test(stored)) return stored;
  const id = newLocalId();
  await store.setMany([[LOCAL_ID_KEY, id]]);
  return id;
}

export async function readOutcomes(store: KeyValueStore): Promise<OfferOutcome[]> {
  const [stored] = await store.getMany<OfferOutcome[]>([OUTCOMES_KEY]);
  return Array.isArray(stored) ? stored : [];
}

/** Adds an outcome, unless one with the same call id is stored already (a replayed call). */
export async function appendOutcome(store: KeyValueStore, outcome: OfferOutcome): Promise<void> {
  await store.update<OfferOutcome[]>(OUTCOMES_KEY, (old) => {
    const list = Array.isArray(old) ? old : [];
    if (outcome.callId !== undefined && list.some((o) => o.callId === outcome.callId)) return list;
    return [...list, outcome].slice(-MAX_OUTCOMES);
  });
}
