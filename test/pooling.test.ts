import { describe, expect, it } from 'vitest';
import { maxInputTokens, meanPoolNormalize } from '../src/engine/encoder/pooling.ts';
import { endTruncatedWithSeparator } from '../src/engine/encoder/model.ts';

const norm = (v: ArrayLike<number>): number => Math.sqrt(Array.from(v).reduce((s, x) => s + x * x, 0));

describe('meanPoolNormalize', () => {
  // batch 2, seqLength 3, dim 2, row-major [batch, seq, dim]
  const hidden = Float32Array.from([
    // row 0: tokens (1,2), (3,4), (100,-100) — the last one is padding
    1, 2, 3, 4, 100, -100,
    // row 1: tokens (0,5), (9,9), (-7,7) — only the first is kept
    0, 5, 9, 9, -7, 7,
  ]);

  it('averages only the tokens the mask keeps, then normalises (hand-computed)', () => {
    const mask = BigInt64Array.from([1n, 1n, 0n, 1n, 0n, 0n]);
    const [a, b] = meanPoolNormalize(hidden, mask, 2, 3, 2);
    // row 0: mean of (1,2) and (3,4) = (2,3); |(2,3)| = sqrt(13)
    expect(a![0]).toBeCloseTo(2 / Math.sqrt(13), 6);
    expect(a![1]).toBeCloseTo(3 / Math.sqrt(13), 6);
    // row 1: only (0,5) -> (0,1)
    expect(b![0]).toBeCloseTo(0, 6);
    expect(b![1]).toBeCloseTo(1, 6);
  });

  it('returns one unit-length vector per row and accepts a number mask', () => {
    const mask = [1, 1, 1, 1, 1, 0];
    const out = meanPoolNormalize(hidden, mask, 2, 3, 2);
    expect(out).toHaveLength(2);
    for (const v of out) {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v).toHaveLength(2);
      expect(norm(v)).toBeCloseTo(1, 6);
    }
    // row 0 with all three tokens: mean (104/3, -94/3) -> direction (104, -94)
    const len = Math.hypot(104, -94);
    expect(out[0]![0]).toBeCloseTo(104 / len, 5);
    expect(out[0]![1]).toBeCloseTo(-94 / len, 5);
    // row 1 with the first two: mean (4.5, 7)
    const len1 = Math.hypot(4.5, 7);
    expect(out[1]![0]).toBeCloseTo(4.5 / len1, 5);
    expect(out[1]![1]).toBeCloseTo(7 / len1, 5);
  });

  it('changing a masked token does not change the result', () => {
    const mask = BigInt64Array.from([1n, 1n, 0n, 1n, 0n, 0n]);
    const changed = Float32Array.from(hidden);
    changed[4] = -555; // row 0, token 2 (masked)
    changed[5] = 1234;
    changed[8] = 42; // row 1, token 1 (masked)
    const a = meanPoolNormalize(hidden, mask, 2, 3, 2);
    const b = meanPoolNormalize(changed, mask, 2, 3, 2);
    expect(Array.from(b[0]!)).toEqual(Array.from(a[0]!));
    expect(Array.from(b[1]!)).toEqual(Array.from(a[1]!));
  });

  it('a fully masked row gives a zero vector, not NaN', () => {
    const [v] = meanPoolNormalize(Float32Array.from([1, 2, 3, 4]), [0, 0], 1, 2, 2);
    expect(Array.from(v!)).toEqual([0, 0]);
  });

  it('throws when the hidden state or the mask do not match the dims', () => {
    expect(() => meanPoolNormalize(new Float32Array(11), new Array(6).fill(1), 2, 3, 2)).toThrow(RangeError);
    expect(() => meanPoolNormalize(new Float32Array(12), new Array(5).fill(1), 2, 3, 2)).toThrow(RangeError);
    expect(() => meanPoolNormalize(new Float32Array(12), new Array(6).fill(1), 2, 3, 3)).toThrow(RangeError);
  });
});

describe('maxInputTokens', () => {
  it('is the smallest of the tokenizer limit, the positions and 512', () => {
    expect(maxInputTokens(128, 512)).toBe(128);
    expect(maxInputTokens(512, 256)).toBe(256);
    expect(maxInputTokens(8192, 2048)).toBe(512);
    expect(maxInputTokens(300, 400)).toBe(300);
  });

  it('ignores missing, infinite and absurd values', () => {
    expect(maxInputTokens(undefined, undefined)).toBe(512);
    expect(maxInputTokens(undefined, 256)).toBe(256);
    expect(maxInputTokens(Infinity, undefined)).toBe(512);
    // transformers.js reports "no limit" as 1e30 (int(1e30) in Python)
    expect(maxInputTokens(1e30, 256)).toBe(256);
    expect(maxInputTokens(1e30, undefined)).toBe(512);
    expect(maxInputTokens(Number.NaN, 384)).toBe(384);
  });

  it('ignores values too small to hold [CLS] and [SEP]', () => {
    expect(maxInputTokens(0, 256)).toBe(256);
    expect(maxInputTokens(-1, undefined)).toBe(512);
    expect(maxInputTokens(2, 128)).toBe(128);
  });
});

describe('endTruncatedWithSeparator', () => {
  const SEP = 102n;

  it('puts SEP last in rows that fill the width and leaves padded rows alone', () => {
    // batch 3, width 4
    const ids = {
      data: BigInt64Array.from([
        101n, 7n, 8n, 9n, // full row, truncated: last token must become SEP
        101n, 7n, 102n, 0n, // padded row
        101n, 5n, 6n, 102n, // full row that already ends in SEP
      ]),
      dims: [3, 4],
    };
    const mask = { data: BigInt64Array.from([1n, 1n, 1n, 1n, 1n, 1n, 1n, 0n, 1n, 1n, 1n, 1n]) };
    endTruncatedWithSeparator(ids, mask, SEP);
    expect(Array.from(ids.data)).toEqual([101n, 7n, 8n, 102n, 101n, 7n, 102n, 0n, 101n, 5n, 6n, 102n]);
    // the mask is not touched
    expect(Array.from(mask.data)).toEqual([1n, 1n, 1n, 1n, 1n, 1n, 1n, 0n, 1n, 1n, 1n, 1n]);
  });

  it('handles a single row and a batch with no full rows', () => {
    const one = { data: BigInt64Array.from([101n, 11n]), dims: [1, 2] };
    endTruncatedWithSeparator(one, { data: BigInt64Array.from([1n, 1n]) }, SEP);
    expect(Array.from(one.data)).toEqual([101n, 102n]);

    const padded = { data: BigInt64Array.from([101n, 102n, 0n, 101n, 102n, 0n]), dims: [2, 3] };
    endTruncatedWithSeparator(padded, { data: BigInt64Array.from([1n, 1n, 0n, 1n, 1n, 0n]) }, SEP);
    expect(Array.from(padded.data)).toEqual([101n, 102n, 0n, 101n, 102n, 0n]);
  });
});
