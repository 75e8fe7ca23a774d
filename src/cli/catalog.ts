import { LocalRankError } from '../errors.js';
import { validateItem } from '../engine/validate.js';
import type { Item } from '../types.js';

/** One catalog entry that was skipped, with where it is and why. */
export interface CatalogProblem {
  /** 1-based line of the entry's first character. */
  line: number;
  /** The offending field (`title`, `tags[2]`), when one is to blame. */
  field?: string;
  message: string;
}

export interface Catalog {
  items: Item[];
  /** Line of each item, same order. */
  lines: number[];
  problems: CatalogProblem[];
}

/** A catalog the CLI cannot read at all (not JSON, not an array). */
export class CatalogError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CatalogError';
  }
}

/**
 * Parses a catalog: a JSON array of items (a `.json` file), or JSON Lines (one
 * item per line: a `.jsonl`/`.ndjson` file, or any other name whose text does
 * not start with `[`).
 * Each entry is checked with the library's own item validation; invalid
 * entries and duplicate ids are reported and left out, never dropped silently.
 */
export function parseCatalog(text: string, name: string): Catalog {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const jsonLines = /\.(jsonl|ndjson)$/i.test(name) || (!/\.json$/i.test(name) && !body.trimStart().startsWith('['));
  const entries = jsonLines ? jsonLinesEntries(body) : jsonArrayEntries(body);
  const catalog: Catalog = { items: [], lines: [], problems: [] };
  const firstLine = new Map<string, number>();
  for (const entry of entries) {
    if ('problem' in entry) {
      catalog.problems.push(entry.problem);
      continue;
    }
    let item: Item;
    try {
      item = validateItem(entry.value, 'item');
    } catch (error) {
      if (!(error instanceof LocalRankError)) throw error;
      const field = error.field?.replace(/^item\.?/, '');
      catalog.problems.push(field ? { line: entry.line, field, message: error.message.replace(/^item\./, '') } : { line: entry.line, message: error.message });
      continue;
    }
    const seen = firstLine.get(item.id);
    if (seen !== undefined) {
      catalog.problems.push({ line: entry.line, field: 'id', message: `id "${item.id}" is a duplicate of line ${seen}` });
      continue;
    }
    firstLine.set(item.id, entry.line);
    catalog.items.push(item);
    catalog.lines.push(entry.line);
  }
  return catalog;
}

type Entry = { line: number; value: unknown } | { problem: CatalogProblem };

function jsonLinesEntries(text: string): Entry[] {
  const out: Entry[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line.length === 0) return;
    try {
      out.push({ line: i + 1, value: JSON.parse(line) as unknown });
    } catch (error) {
      out.push({ problem: { line: i + 1, message: `not valid JSON: ${(error as Error).message}` } });
    }
  });
  return out;
}

function jsonArrayEntries(text: string): Entry[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CatalogError(`not valid JSON${syntaxErrorLocation(text)}: ${(error as Error).message} (a JSON Lines catalog, one item per line, must be named .jsonl)`);
  }
  if (!Array.isArray(value)) throw new CatalogError('a JSON catalog must be an array of items (or use JSON Lines, one item per line)');
  const spans = topLevelElements(text);
  const lineOf = lineCounter(text);
  return value.map((v, i) => ({ line: lineOf(spans[i]?.start ?? 0), value: v as unknown }));
}

/**
 * Where a JSON array fails to parse, for people: Node 20's messages carry no
 * position, so each top-level element is parsed on its own and the first that
 * fails names its line.
 */
function syntaxErrorLocation(text: string): string {
  const lineOf = lineCounter(text);
  for (const { start, end } of topLevelElements(text)) {
    try {
      JSON.parse(text.slice(start, end));
    } catch {
      return ` (in the entry starting on line ${lineOf(start)})`;
    }
  }
  return '';
}

/** Start and end offsets of each element of the top-level array (assumes the structure of valid JSON). */
function topLevelElements(text: string): Array<{ start: number; end: number }> {
  const spans: Array<{ start: number; end: number }> = [];
  let depth = 0;
  let inString = false;
  let expectElement = false;
  let current: { start: number; end: number } | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === ' ' || c === '\n' || c === '\r' || c === '\t') continue;
    if (expectElement && c !== ']') spans.push((current = { start: i, end: text.length }));
    expectElement = false;
    if (c === '"') inString = true;
    else if (c === '[' || c === '{') {
      depth++;
      if (depth === 1) expectElement = true;
    } else if (c === ']' || c === '}') {
      if (depth === 1 && current) current.end = i;
      depth--;
    } else if (c === ',' && depth === 1) {
      if (current) current.end = i;
      expectElement = true;
    }
  }
  return spans;
}

/** Maps increasing offsets to lines in one pass overall. */
function lineCounter(text: string): (offset: number) => number {
  let line = 1;
  let at = 0;
  return (offset) => {
    for (; at < offset; at++) if (text.charCodeAt(at) === 10) line++;
    return line;
  };
}
