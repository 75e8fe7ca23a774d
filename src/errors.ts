import type { ErrorCode, LocalRankErrorInfo } from './types.js';

/** The one error type LocalRank rejects with. `code` is stable; `message` is for people. */
export class LocalRankError extends Error {
  readonly code: ErrorCode;
  /** The offending input field, for validation errors. */
  readonly field?: string;

  constructor(code: ErrorCode, message: string, field?: string) {
    super(message);
    this.name = 'LocalRankError';
    this.code = code;
    if (field !== undefined) this.field = field;
  }

  toJSON(): LocalRankErrorInfo {
    return this.field === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, field: this.field };
  }

  static from(info: LocalRankErrorInfo): LocalRankError {
    return new LocalRankError(info.code, info.message, info.field);
  }
}

/** Wraps anything thrown into a LocalRankError, keeping one that already is. */
export function toLocalRankError(error: unknown, code: ErrorCode): LocalRankError {
  if (error instanceof LocalRankError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new LocalRankError(code, message);
}
