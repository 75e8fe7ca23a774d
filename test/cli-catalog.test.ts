import { describe, expect, it } from 'vitest';
import { CatalogError, parseCatalog } from '../src/cli/catalog.js';

describe('catalog parsing (localrank embed)', () => {
  it('JSON array: keeps valid items in order, reports each invalid entry with the line it starts on and the field', () => {
    const text = [
      '[',
      '  { "id": "a", "title": "Trail [running] shoes", "tags": ["x", "y"] },',
      '  {',
      '    "id": "b",',
      '    "title": 42',
      '  },',
      '  { "id": "c", "title": "Say \\"hi\\", {friend}", "tags": ["ok", 3] },',
      '  "not an item", { "id": "d", "title": "Tea", "price": -1 },',
      '  { "id": "a", "title": "Again" },',
      '  { "id": "e", "title": "Knife", "attributes": { "nested": [1, {"deep": "]"}] } },',
      '  { "id": "f", "title": "Last" }',
      ']',
    ].join('\n');
    const catalog = parseCatalog(text, 'catalog.json');
    expect(catalog.items.map((i) => i.id)).toEqual(['a', 'f']);
    expect(catalog.lines).toEqual([2, 11]);
    expect(catalog.problems).toEqual([
      { line: 3, field: 'title', message: 'title must be a string' },
      { line: 7, field: 'tags[1]', message: 'tags[1] must be a string' },
      { line: 8, message: 'item must be an object' },
      { line: 8, field: 'price', message: 'price must be >= 0' },
      { line: 9, field: 'id', message: 'id "a" is a duplicate of line 2' },
      { line: 10, field: 'attributes.nested', message: 'attributes.nested must be a string, finite number, boolean or null' },
    ]);
  });

  it('JSON Lines: one item per line, syntax errors reported by line and skipped, blank lines and CRLF ignored', () => {
    const text = '{"id":"a","title":"One"}\r\n\r\n{"id":"b","title":"Two"\n{"id":"c"}\n{"id":"d","title":"Four","category":"Tea > Green"}\n';
    const catalog = parseCatalog(text, 'items.jsonl');
    expect(catalog.items.map((i) => i.id)).toEqual(['a', 'd']);
    expect(catalog.lines).toEqual([1, 5]);
    expect(catalog.problems).toHaveLength(2);
    expect(catalog.problems[0]).toMatchObject({ line: 3, message: expect.stringMatching(/^not valid JSON/) });
    expect(catalog.problems[0]!.field).toBeUndefined();
    expect(catalog.problems[1]).toEqual({ line: 4, field: 'title', message: 'title must be a string' });
  });

  it('reads JSON Lines without the extension when the text does not start with "[", and strips a BOM', () => {
    expect(parseCatalog('\ufeff{"id":"a","title":"One"}\n{"id":"b","title":"Two"}', 'catalog.txt').items).toHaveLength(2);
    expect(parseCatalog('[{"id":"a","title":"One"}]', 'catalog').items).toHaveLength(1);
    expect(() => parseCatalog('{"id":"a","title":"One"}\n{"id":"b","title":"Two"}', 'catalog.json')).toThrow(/must be named \.jsonl/);
    expect(parseCatalog('\ufeff [{"id":"a","title":"One"}]', 'catalog.json').items).toHaveLength(1);
  });

  it('a JSON catalog that does not parse, or is not an array, cannot be read at all (with the position)', () => {
    expect(() => parseCatalog('[\n  {"id": "a", "title": "x"},\n  {"id": "b" "title": "y"}\n]', 'c.json')).toThrow(CatalogError);
    expect(() => parseCatalog('[\n  {"id": "a", "title": "x"},\n  {"id": "b" "title": "y"}\n]', 'c.json')).toThrow(/in the entry starting on line 3/);
    expect(() => parseCatalog('[{"id": "a", "title": "x"}', 'c.json')).toThrow(/not valid JSON/);
    expect(() => parseCatalog('{"items": []}', 'c.json')).toThrow(/must be an array/);
  });

  it('an empty array is an empty catalog', () => {
    expect(parseCatalog('[ ]', 'c.json')).toEqual({ items: [], lines: [], problems: [] });
  });
});
