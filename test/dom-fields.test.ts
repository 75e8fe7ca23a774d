import { describe, expect, it } from 'vitest';
import { FIELDS, fieldText, formatPrice, safeUrl } from '../src/dom/fields.ts';
import type { FieldContext } from '../src/dom/fields.ts';

const context: FieldContext = {
  pageItem: { item: { id: 'a', title: '<img src=x onerror=alert(1)>', category: 'Kitchen', brand: 'Hearth', tags: ['x', 'y'], price: 12.5, description: 'd' }, url: '/p/a', image: '/i/a.png' },
  ranked: { id: 'a', score: 1, components: {}, reasons: [{ kind: 'interest', text: 'Matches your interest in Kitchen' }, { kind: 'popular', text: 'Popular now' }] },
  position: 2,
};

describe('template fields', () => {
  it('gives each field its text, as written (HTML stays text: the caller sets textContent)', () => {
    expect(Object.fromEntries(FIELDS.map((f) => [f, fieldText(f, context)]))).toEqual({
      id: 'a',
      title: '<img src=x onerror=alert(1)>',
      description: 'd',
      category: 'Kitchen',
      brand: 'Hearth',
      tags: 'x, y',
      price: '12.5',
      reason: 'Matches your interest in Kitchen',
      position: '3',
      url: '/p/a',
      image: '/i/a.png',
    });
  });

  it('is undefined for what the item lacks (the element is then hidden)', () => {
    const bare: FieldContext = { pageItem: { item: { id: 'b', title: 't' } }, position: 0 };
    expect(['brand', 'price', 'reason', 'tags', 'url', 'image'].map((f) => fieldText(f as never, bare))).toEqual(Array(6).fill(undefined));
  });

  it('formats prices in the currency when one is given, plain otherwise or when the code is unknown', () => {
    expect(formatPrice(12.5, 'EUR', 'en')).toBe('€12.50');
    expect(formatPrice(12.5, 'EUR', 'de')).toMatch(/^12,50\s€$/); // a no-break space before the sign
    expect(formatPrice(12.5, undefined, 'en')).toBe('12.5');
    expect(formatPrice(12.5, 'not a code', 'en')).toBe('12.5');
  });
});

describe('safeUrl', () => {
  const base = 'https://shop.example/c/page.html';
  it('resolves relative URLs against the page and keeps http(s)', () => {
    expect(safeUrl('/p/a', base)).toBe('https://shop.example/p/a');
    expect(safeUrl('b.html?x=1#y', base)).toBe('https://shop.example/c/b.html?x=1#y');
    expect(safeUrl('http://cdn.example/i.png', base)).toBe('http://cdn.example/i.png');
  });

  it('refuses every other scheme, however it is spelled', () => {
    for (const url of ['javascript:alert(1)', ' JaVaScRiPt:alert(1)', 'java\tscript:alert(1)', 'data:text/html,<script>alert(1)</script>', 'vbscript:x', 'blob:https://shop.example/x', 'file:///etc/passwd']) {
      expect(safeUrl(url, base)).toBeUndefined();
    }
    expect(safeUrl(undefined, base)).toBeUndefined();
    expect(safeUrl('http://[bad', base)).toBeUndefined();
  });
});
