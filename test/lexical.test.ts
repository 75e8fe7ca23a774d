import { describe, expect, it } from 'vitest';
import { createLexicalEncoder, tokenizeWords } from '../src/engine/encoder/lexical.ts';
import { fnv1a32 } from '../src/engine/hash.ts';
import { cosine } from './cosine.js';

const norm = (v: ArrayLike<number>): number => Math.sqrt(Array.from(v).reduce((s, x) => s + x * x, 0));

describe('tokenizeWords', () => {
  it('lower-cases, strips accents and splits on anything that is not a letter or digit', () => {
    expect(tokenizeWords('Crème-Brûlée, 2x TRAIL!')).toEqual(['creme', 'brulee', '2x', 'trail']);
    expect(tokenizeWords('  Hello   world  ')).toEqual(['hello', 'world']);
  });

  it('keeps non-Latin letters and folds compatibility characters', () => {
    expect(tokenizeWords('Привет, мир')).toEqual(['привет', 'мир']);
    expect(tokenizeWords('ﬁne １２３')).toEqual(['fine', '123']);
  });

  it('returns nothing for empty or punctuation-only text', () => {
    expect(tokenizeWords('')).toEqual([]);
    expect(tokenizeWords('!!! --- ...')).toEqual([]);
  });
});

describe('createLexicalEncoder', () => {
  it('reports id lexical:v1:16384 and 16,384-dimensional vectors by default', async () => {
    const enc = createLexicalEncoder();
    expect(enc.info).toEqual({ id: 'lexical:v1:16384', kind: 'lexical', dimension: 16384 });
    const [v] = await enc.embed(['trail running shoes']);
    expect(v).toBeInstanceOf(Float32Array);
    expect(v).toHaveLength(16384);
  });

  it('gives the same vectors sparse: the non-zero entries in increasing bucket order', async () => {
    const texts = ['Stainless steel chef knife, 20 cm', 'trail running shoes', '', 'Crème Brûlée'];
    for (const dim of [64, 16384]) {
      const enc = createLexicalEncoder(dim);
      const dense = await enc.embed(texts);
      const sparse = enc.embedSparse(texts);
      texts.forEach((_, i) => {
        const { index, value } = sparse[i]!;
        expect(index).toBeInstanceOf(Uint16Array);
        expect(index.length).toBe(value.length);
        for (let k = 1; k < index.length; k++) expect(index[k]!).toBeGreaterThan(index[k - 1]!);
        const nonZero = [...dense[i]!.entries()].filter(([, x]) => x !== 0);
        expect(Array.from(index)).toEqual(nonZero.map(([t]) => t));
        expect(Array.from(value)).toEqual(nonZero.map(([, x]) => x));
      });
    }
  });

  it('uses the dimension in the id', async () => {
    const enc = createLexicalEncoder(64);
    expect(enc.info.id).toBe('lexical:v1:64');
    const [v] = await enc.embed(['x']);
    expect(v).toHaveLength(64);
  });

  it('produces unit-length vectors', async () => {
    const enc = createLexicalEncoder();
    const vs = await enc.embed(['a', 'trail running shoes', 'shoes shoes shoes shoes', 'Stainless steel chef knife, 20 cm']);
    for (const v of vs) expect(norm(v)).toBeCloseTo(1, 5);
  });

  it('is deterministic across calls and instances', async () => {
    const texts = ['Organic green tea', 'wireless noise cancelling headphones'];
    const a = await createLexicalEncoder().embed(texts);
    const b = await createLexicalEncoder().embed(texts);
    const c = await createLexicalEncoder().embed([texts[1]!, texts[0]!]);
    expect(Array.from(a[0]!)).toEqual(Array.from(b[0]!));
    expect(Array.from(a[1]!)).toEqual(Array.from(b[1]!));
    expect(Array.from(a[0]!)).toEqual(Array.from(c[1]!));
  });

  it('is insensitive to accents and case', async () => {
    const [a, b] = await createLexicalEncoder().embed(['Crème Brûlée', 'creme brulee']);
    expect(Array.from(a!)).toEqual(Array.from(b!));
    expect(norm(a!)).toBeCloseTo(1, 5);
  });

  it('gives texts that share words a higher cosine than texts that share none', async () => {
    const [shoes, otherShoes, knife] = await createLexicalEncoder().embed([
      'red trail running shoes',
      'blue trail running shoes',
      'stainless steel chef knife',
    ]);
    const shared = cosine(shoes!, otherShoes!);
    const none = cosine(shoes!, knife!);
    expect(shared).toBeGreaterThan(0.5);
    expect(shared).toBeGreaterThan(none + 0.3);
  });

  it('embeds a single word as its hashed word feature plus its character trigrams', async () => {
    // "ab": word feature w:ab (weight 1) and trigrams "#ab", "ab#" (0.6 / 2 each), signed hashing,
    // log1p term weights, then L2 normalisation.
    const dim = 512;
    const raw = new Map<number, number>();
    const add = (feature: string, w: number): void => {
      const h = fnv1a32(feature);
      const slot = h % dim;
      raw.set(slot, (raw.get(slot) ?? 0) + (h >= 0x80000000 ? -w : w));
    };
    add('w:ab', 1);
    add('c:#ab', 0.3);
    add('c:ab#', 0.3);
    const expected = new Float64Array(dim);
    for (const [slot, r] of raw) expected[slot] = Math.sign(r) * Math.log1p(Math.abs(r));
    const len = norm(expected);
    const [v] = await createLexicalEncoder(dim).embed(['AB']);
    for (let i = 0; i < dim; i++) expect(v![i]).toBeCloseTo(expected[i]! / len, 6);
  });

  it('gives a zero vector, without NaN, for empty or wordless text', async () => {
    const [empty, punct] = await createLexicalEncoder().embed(['', '?!. -']);
    for (const v of [empty!, punct!]) {
      expect(v).toHaveLength(16384);
      expect(v.every((x) => x === 0)).toBe(true);
      expect(v.some((x) => Number.isNaN(x))).toBe(false);
    }
  });

  it('embeds an empty batch as an empty list', async () => {
    await expect(createLexicalEncoder().embed([])).resolves.toEqual([]);
  });

  it('rejects a dimension that is not an integer in [16, 65536] (bucket indices are 16-bit)', () => {
    for (const bad of [0, 15, -512, 16.5, 65_537, Number.NaN, Infinity]) {
      expect(() => createLexicalEncoder(bad), String(bad)).toThrow(RangeError);
    }
    expect(() => createLexicalEncoder(16)).not.toThrow();
    expect(() => createLexicalEncoder(65_536)).not.toThrow();
  });
});
