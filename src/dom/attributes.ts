/**
 * Reading `data-lr-*` attributes without a DOM library: every parser here
 * takes an attribute getter, so it runs on an element in the page and on a
 * plain object in unit tests.
 */

/** Reads one attribute by its full name (`data-lr-k`); `null` when absent, like `Element.getAttribute`. */
export type AttributeReader = (name: string) => string | null;

export const readerOf = (element: { getAttribute(name: string): string | null }): AttributeReader => (name) => element.getAttribute(name);

/** A trimmed attribute value, or undefined when absent or blank. */
export function text(read: AttributeReader, name: string): string | undefined {
  const value = read(name)?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/** A finite number, or undefined when absent; `problems` gets a line when the value is not a number. */
export function number(read: AttributeReader, name: string, problems: string[]): number | undefined {
  const value = text(read, name);
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) {
    problems.push(`${name}="${value}" is not a number; ignored`);
    return undefined;
  }
  return parsed;
}

/** `true` for a present attribute with no value, `true`, `on`, `yes` or `1`; `false` for `false`, `off`, `no`, `0`. */
export function flag(read: AttributeReader, name: string, problems: string[]): boolean | undefined {
  const value = read(name);
  if (value === null) return undefined;
  const normalised = value.trim().toLowerCase();
  if (['', 'true', 'on', 'yes', '1'].includes(normalised)) return true;
  if (['false', 'off', 'no', '0'].includes(normalised)) return false;
  problems.push(`${name}="${value}" is not on/off; ignored`);
  return undefined;
}

/** Space- or comma-separated tokens, lower-cased. */
export function tokens(read: AttributeReader, name: string): string[] {
  return (read(name) ?? '').toLowerCase().split(/[\s,]+/).filter((t) => t.length > 0);
}
