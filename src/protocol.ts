import { transferHandlers } from 'comlink';
import type { TransferHandler } from 'comlink';
import { LocalRankError } from './errors.js';
import type { ErrorCode } from './types.js';

/**
 * comlink's extension point, used once: errors thrown in the worker cross to
 * the page as LocalRankError with their code and field (comlink's default
 * keeps only name and message).
 */
interface SerializedError {
  isError: true;
  value: { name: string; message: string; code?: ErrorCode; field?: string };
}

let installed = false;

/** Installs the handler (idempotent). Called explicitly by both sides: the package has no import-time side effects. */
export function installErrorTransfer(): void {
  if (installed) return;
  installed = true;
  const original = transferHandlers.get('throw')!;
  const errorTransfer: TransferHandler<{ value: unknown }, SerializedError | { isError: false; value: unknown }> = {
    canHandle: (value): value is { value: unknown } => original.canHandle(value),
    serialize({ value }) {
      if (value instanceof Error) {
        const e = value as Error & { code?: ErrorCode; field?: string };
        const out: SerializedError = { isError: true, value: { name: e.name, message: e.message } };
        if (typeof e.code === 'string') out.value.code = e.code;
        if (typeof e.field === 'string') out.value.field = e.field;
        return [out, []];
      }
      return [{ isError: false, value }, []];
    },
    deserialize(serialized) {
      if (!serialized.isError) throw serialized.value;
      const { code, message, field } = serialized.value;
      throw code ? new LocalRankError(code, message, field) : new LocalRankError('WORKER_CRASHED', message);
    },
  };

  transferHandlers.set('throw', errorTransfer as TransferHandler<unknown, unknown>);
}

/**
 * The engine's first message, posted once its script has run: an `error`
 * event before it means the worker never started (blocked by a CSP, its
 * script not loaded), not that it crashed. comlink ignores it (it has no id).
 */
export const ENGINE_STARTED = 'localrank:engine-started';
