/**
 * The script tag's only channel to the page author: one `console.warn` per
 * kind of problem and page view, never `console.error`, never a throw.
 */
export type Warn = (key: string, message: string) => void;

export function createWarn(sink: Pick<Console, 'warn'> = console): Warn {
  const said = new Set<string>();
  return (key, message) => {
    if (said.has(key)) return;
    said.add(key);
    try {
      sink.warn(`LocalRank: ${message}`);
    } catch {
      // A console that throws must not break the page either.
    }
  };
}

/** Reports a list of markup problems as one warning. */
export function warnProblems(warn: Warn, key: string, problems: readonly string[]): void {
  if (problems.length > 0) warn(key, `${problems.length === 1 ? 'a markup problem' : `${problems.length} markup problems`}:\n- ${problems.join('\n- ')}`);
}

/**
 * Warns about a failed call, once per error code: a worker that cannot start
 * makes every later call fail the same way, and that is one problem.
 */
export function warnError(warn: Warn, context: string, error: unknown, consequence: string): void {
  const code = error && typeof error === 'object' && 'code' in error ? String(error.code) : undefined;
  warn(code ?? context, `${consequence} (${errorText(error)})`);
}

export function errorText(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error && 'message' in error) return `${String(error.code)}: ${String(error.message)}`;
  return error instanceof Error ? error.message : String(error);
}
