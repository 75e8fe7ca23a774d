import { expect } from 'vitest';
import { LocalRankError } from '../src/errors.js';

/** The LocalRankError `fn` throws synchronously (fails the test when it throws something else or nothing). */
export function caught(fn: () => unknown): LocalRankError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(LocalRankError);
    return error as LocalRankError;
  }
  throw new Error('expected a LocalRankError, nothing was thrown');
}

/** The LocalRankError `p` rejects with (fails the test when it rejects with something else or resolves). */
export async function rejected(p: Promise<unknown>): Promise<LocalRankError> {
  try {
    await p;
  } catch (error) {
    expect(error).toBeInstanceOf(LocalRankError);
    return error as LocalRankError;
  }
  throw new Error('expected a rejection');
}
