/**
 * Experiment arms for offers: a random local id, and a deterministic arm from
 * that id. The arm depends only on the experiment name and the id, never on
 * the profile, so who lands in which arm says nothing about what they did.
 */
import { LocalRankError } from '../../errors.js';
import { seedFrom } from '../ranking/random.js';

/** The two arms of an offer experiment: `control` is offered the list price. */
export type OfferArm = 'control' | 'treatment';

/** Experiment names are 1 to 64 UTF-16 code units. */
export const MAX_EXPERIMENT_NAME_LENGTH = 64;

const ID_BYTES = 16;

function cryptoRandom(bytes: Uint8Array): void {
  const c = (globalThis as { crypto?: { getRandomValues?: (b: Uint8Array) => unknown } }).crypto;
  if (typeof c?.getRandomValues !== 'function') {
    throw new LocalRankError('INVALID_ARGUMENT', 'crypto.getRandomValues is not available here; pass a random source', 'random');
  }
  c.getRandomValues(bytes);
}

/**
 * A new 128-bit random id as 32 lowercase hex characters. `random` fills the
 * bytes; it defaults to `crypto.getRandomValues` (pass a seeded source only in
 * tests). The caller stores the id locally and erases it on `forget()`.
 */
export function newLocalId(random: (bytes: Uint8Array) => void = cryptoRandom): string {
  const bytes = new Uint8Array(ID_BYTES);
  random(bytes);
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return hex;
}

/** Throws INVALID_ARGUMENT unless `experiment` is a string of 1 to 64 characters. */
export function validateExperimentName(experiment: unknown, field = 'experiment'): string {
  if (typeof experiment !== 'string' || experiment.length < 1 || experiment.length > MAX_EXPERIMENT_NAME_LENGTH) {
    throw new LocalRankError(
      'INVALID_ARGUMENT',
      `the experiment name must be a string of 1 to ${MAX_EXPERIMENT_NAME_LENGTH} characters (got ${typeof experiment === 'string' ? `${experiment.length} characters` : typeof experiment})`,
      field,
    );
  }
  return experiment;
}

/**
 * The arm of `localId` in `experiment`: `treatment` with probability `split`
 * (over random ids), else `control`. Deterministic: the same experiment and id
 * always give the same arm, on every platform.
 *
 * The hash is FNV-1a over `experiment + '\u0000' + localId`, finished with
 * murmur3's `fmix32` (`seedFrom`), read as a uniform number u in [0, 1);
 * treatment when u < split. The finaliser spreads every input bit over the
 * output, so ids that differ in one character, and one id in two experiments,
 * get unrelated arms.
 */
export function assignArm(experiment: string, localId: string, split = 0.5): OfferArm {
  validateExperimentName(experiment);
  if (typeof localId !== 'string' || localId.length === 0) {
    throw new LocalRankError('INVALID_ARGUMENT', 'the local id must be a non-empty string', 'localId');
  }
  if (typeof split !== 'number' || !(split > 0 && split < 1)) {
    throw new LocalRankError('INVALID_ARGUMENT', `split (the treatment share) must be a number in (0, 1) (got ${String(split)})`, 'split');
  }
  const u = seedFrom(`${experiment}\u0000${localId}`) / 4294967296;
  return u < split ? 'treatment' : 'control';
}
