import { describe, expect, it } from 'vitest';
import { draftFromAttributes, mergeItem, parseCatalog, titleFromText } from '../src/dom/page-item.ts';
import { reader } from './dom-reader.ts';

describe('items from markup', () => {
  it('reads every item attribute', () => {
    const problems: string[] = [];
    const draft = draftFromAttributes(
      reader({
        'data-lr-title': ' Trail shoe ',
        'data-lr-description': 'Grippy',
        'data-lr-category': 'Shoes > Running',
        'data-lr-brand': 'Stridelab',
        'data-lr-price': '119.5',
        'data-lr-popularity': '12',
        'data-lr-tags': 'trail, , waterproof',
        'data-lr-url': '/p/trail',
        'data-lr-image': '/i/trail.jpg',
      }),
      problems,
    );
    expect(draft).toEqual({
      title: 'Trail shoe',
      description: 'Grippy',
      category: 'Shoes > Running',
      brand: 'Stridelab',
      price: 119.5,
      popularity: 12,
      tags: ['trail', 'waterproof'],
      url: '/p/trail',
      image: '/i/trail.jpg',
    });
    expect(problems).toEqual([]);
  });

  it('reports a price that is not a number and leaves it out', () => {
    const problems: string[] = [];
    expect(draftFromAttributes(reader({ 'data-lr-price': '€12' }), problems)).toEqual({});
    expect(problems).toEqual(['data-lr-price="€12" is not a number; ignored']);
  });

  it('falls back to the element text for the title, whitespace collapsed and cut to 512 characters', () => {
    expect(titleFromText('\n  Cast   iron\tpan \n')).toBe('Cast iron pan');
    expect(titleFromText('   ')).toBeUndefined();
    expect(titleFromText('x'.repeat(600))).toHaveLength(512);
  });

  it('merges attributes over the catalogue entry; the text is used only when nothing gives a title', () => {
    const problems: string[] = [];
    const [base] = parseCatalog(JSON.stringify([{ id: 'a', title: 'From catalogue', price: 10, url: '/a', image: '/a.png' }]), problems);
    expect(mergeItem('a', base, { price: 8 }, 'text', problems)).toEqual({ item: { id: 'a', title: 'From catalogue', price: 8 }, url: '/a', image: '/a.png' });
    expect(mergeItem('b', undefined, { category: 'X' }, 'Text title', problems)).toEqual({ item: { id: 'b', title: 'Text title', category: 'X' } });
    expect(problems).toEqual([]);
  });

  it('skips an item that is not valid, naming it and the field', () => {
    const problems: string[] = [];
    expect(mergeItem('b', undefined, {}, undefined, problems)).toBeUndefined();
    expect(problems).toEqual(['data-lr-item="b".title must be a string; item skipped']);
  });

  it('parses a catalogue, reporting and skipping bad entries, never the whole block', () => {
    const problems: string[] = [];
    const items = parseCatalog(
      JSON.stringify([{ id: 'ok', title: 'Fine', tags: ['t'], unknownField: 1 }, { id: 'no-title' }, 'nonsense', { id: 'neg', title: 'x', price: -1 }]),
      problems,
    );
    expect(items).toEqual([{ item: { id: 'ok', title: 'Fine', tags: ['t'] } }]);
    expect(problems).toEqual([
      'data-lr-catalog[1].title must be a string; item skipped',
      'data-lr-catalog[2] must be an object; item skipped',
      'data-lr-catalog[3].price must be >= 0; item skipped',
    ]);
  });

  it('reports a catalogue that is not JSON or not an array', () => {
    const problems: string[] = [];
    expect(parseCatalog('[{"id": ', problems)).toEqual([]);
    expect(parseCatalog('{"items": []}', problems)).toEqual([]);
    expect(problems[0]).toMatch(/^data-lr-catalog is not valid JSON/);
    expect(problems[1]).toBe('data-lr-catalog must hold a JSON array of items; ignored');
  });
});
