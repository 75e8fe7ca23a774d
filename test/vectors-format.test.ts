import { describe, expect, it } from 'vitest';
import { fnv1a32 } from '../src/engine/hash.js';
import { itemText } from '../src/engine/item-text.js';
import type { Quantization } from '../src/engine/vectors-file.js';
import { encodeHeader, encodeIds, encodeRecords, recordBytes } from '../src/engine/vectors-file.js';
import { readVectors, withVectors } from '../src/vectors.js';
import type { Item } from '../src/types.js';
import { caught } from './caught.js';
import { cosine } from './cosine.js';

const DIM = 48;
const ENCODER = 'model:localrank-tiny-bert';

/** A deterministic unit vector with components of both signs and several magnitudes. */
function unitVector(seed: number, dim = DIM): Float32Array {
  const v = new Float32Array(dim);
  let x = seed * 7919 + 1;
  for (let i = 0; i < dim; i++) {
    x = (x * 48271) % 2147483647;
    v[i] = (x / 2147483647 - 0.5) * (i % 5 === 0 ? 3 : 1);
  }
  const n = Math.hypot(...v);
  return v.map((c) => c / n);
}

const items: Item[] = [
  { id: 'shoe-1', title: 'Trail running shoes', category: 'Shoes > Running', brand: 'Stridelab' },
  { id: 'knife-é', title: 'Couteau de chef', tags: ['kitchen', 'steel'] },
  { id: '鞋-3', title: 'Green tea', description: 'Organic sencha' },
];

function file(quantization: Quantization, vectors = items.map((_, i) => unitVector(i + 1)), list = items): Uint8Array {
  const header = encodeHeader({ encoder: ENCODER, dtype: 'q8', quantization, dimension: DIM, count: list.length, digest: new Uint8Array(32).fill(7) });
  const records = encodeRecords(vectors, quantization, DIM);
  const ids = encodeIds(list.map((item) => ({ id: item.id, textHash: fnv1a32(itemText(item)) })));
  const out = new Uint8Array(header.length + records.length + ids.length);
  out.set(header);
  out.set(records, header.length);
  out.set(ids, header.length + records.length);
  return out;
}


describe('vectors file format', () => {
  it('lays out the header as docs/vectors-format.md says (little-endian, 8-byte aligned records)', () => {
    const bytes = file('int8');
    const view = new DataView(bytes.buffer);
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe('LRVF');
    expect(view.getUint16(4, true)).toBe(1);
    expect(view.getUint8(6)).toBe(3); // int8
    expect(view.getUint32(8, true)).toBe(DIM);
    expect(view.getUint32(12, true)).toBe(items.length);
    const headerBytes = view.getUint32(16, true);
    expect(headerBytes % 8).toBe(0);
    expect(view.getUint16(20, true)).toBe(ENCODER.length);
    expect(new TextDecoder().decode(bytes.subarray(56, 56 + ENCODER.length))).toBe(ENCODER);
    expect(new TextDecoder().decode(bytes.subarray(56 + ENCODER.length, 56 + ENCODER.length + 2))).toBe('q8');
    expect(recordBytes('int8', DIM)).toBe(4 + DIM);
    // The first id entry follows the last record: text hash, byte length, UTF-8.
    const idsAt = headerBytes + items.length * (4 + DIM);
    expect(view.getUint32(idsAt, true)).toBe(fnv1a32(itemText(items[0]!)));
    expect(view.getUint16(idsAt + 4, true)).toBe(6);
    expect(new TextDecoder().decode(bytes.subarray(idsAt + 6, idsAt + 12))).toBe('shoe-1');
  });

  it('round-trips float32 exactly, with ids (UTF-8) and metadata', () => {
    const vectors = items.map((_, i) => unitVector(i + 1));
    const read = readVectors(file('float32', vectors));
    expect(read).toMatchObject({ encoder: ENCODER, dimension: DIM, quantization: 'float32', dtype: 'q8', ids: items.map((i) => i.id) });
    read.vectors.forEach((v, i) => {
      expect(v).toBeInstanceOf(Float32Array);
      expect(Array.from(v)).toEqual(Array.from(vectors[i]!));
    });
  });

  it('round-trips float16 within half-float precision', () => {
    const vectors = items.map((_, i) => unitVector(i + 1));
    readVectors(file('float16', vectors)).vectors.forEach((v, i) => {
      for (let k = 0; k < DIM; k++) expect(Math.abs(v[k]! - vectors[i]![k]!)).toBeLessThanOrEqual(2 ** -11);
      expect(cosine(v, vectors[i]!)).toBeGreaterThan(0.99999);
    });
  });

  it('int8: each value within half a quantisation step of the original, cosine > 0.999', () => {
    const vectors = Array.from({ length: 50 }, (_, i) => unitVector(i + 11, 256));
    const list = vectors.map((_, i) => ({ id: `p${i}`, title: `item ${i}` }));
    const header = encodeHeader({ encoder: ENCODER, dtype: 'q8', quantization: 'int8', dimension: 256, count: 50, digest: new Uint8Array(32) });
    const bytes = new Uint8Array([...header, ...encodeRecords(vectors, 'int8', 256), ...encodeIds(list.map((l) => ({ id: l.id, textHash: 0 })))]);
    const read = readVectors(bytes);
    expect(bytes.length).toBeLessThan(header.length + 50 * 256 * 4 * 0.3);
    read.vectors.forEach((v, i) => {
      const original = vectors[i]!;
      const step = Math.max(...original.map(Math.abs)) / 127;
      for (let k = 0; k < 256; k++) expect(Math.abs(v[k]! - original[k]!)).toBeLessThanOrEqual(step / 2 + 1e-7);
      expect(cosine(v, original)).toBeGreaterThan(0.999);
    });
  });

  it('int8 stores a zero vector without dividing by zero', () => {
    const bytes = file('int8', items.map(() => new Float32Array(DIM)));
    expect(readVectors(bytes).vectors.every((v) => v.every((x) => x === 0))).toBe(true);
  });

  it('accepts an ArrayBuffer or any view of the bytes', () => {
    const bytes = file('float32');
    const padded = new Uint8Array(bytes.length + 16);
    padded.set(bytes, 5);
    expect(readVectors(bytes.buffer as ArrayBuffer).ids).toEqual(items.map((i) => i.id));
    expect(readVectors(padded.subarray(5, 5 + bytes.length)).ids).toEqual(items.map((i) => i.id));
    expect(readVectors(new DataView(padded.buffer, 5, bytes.length)).ids).toEqual(items.map((i) => i.id));
  });

  it('refuses to encode what it could not read back', () => {
    expect(() => encodeRecords([new Float32Array([1, NaN])], 'float32', 2)).toThrow(/non-finite/);
    expect(() => encodeRecords([new Float32Array(3)], 'float32', 2)).toThrow(/3 values/);
    expect(() => encodeHeader({ encoder: '', dtype: '', quantization: 'float32', dimension: 2, count: 0, digest: new Uint8Array(32) })).toThrow(/encoder id/);
  });
});

describe('corrupted and truncated files', () => {
  const expectInvalid = (bytes: Uint8Array, message: RegExp): void => {
    const error = caught(() => readVectors(bytes));
    expect(error).toMatchObject({ name: 'LocalRankError', code: 'INVALID_ARGUMENT', field: 'vectors' });
    expect((error as Error).message).toMatch(message);
  };
  const good = file('float32');
  const headerBytes = new DataView(good.buffer).getUint32(16, true);
  const edit = (fn: (b: Uint8Array, v: DataView) => void): Uint8Array => {
    const copy = good.slice();
    fn(copy, new DataView(copy.buffer));
    return copy;
  };

  it.each([
    ['an empty buffer', new Uint8Array(0), /shorter than a header/],
    ['another file type', new TextEncoder().encode('{"items": []} and some more text to fill up a header ......'), /bad magic/],
    ['a newer version', edit((_, v) => v.setUint16(4, 2, true)), /version 2 is not supported/],
    ['an unknown quantization', edit((_, v) => v.setUint8(6, 9)), /quantization code 9/],
    ['a zero dimension', edit((_, v) => v.setUint32(8, 0, true)), /dimension 0/],
    ['a truncated header', good.slice(0, headerBytes - 8), /truncated header/],
    ['a file cut in the vectors (interrupted run)', good.slice(0, headerBytes + 4 * DIM + 10), /truncated: 1 of 3 vectors.*run it again/],
    ['a file cut in the ids', good.slice(0, good.length - 3), /truncated or bad id 2/],
    ['trailing bytes', new Uint8Array([...good, 0, 0]), /2 unexpected bytes/],
    ['a count larger than the data', edit((_, v) => v.setUint32(12, 4, true)), /truncated/],
    ['a NaN in a vector', edit((_, v) => v.setFloat32(headerBytes + 4 * (DIM + 1), NaN, true)), /vector 1 \(knife-é\) has a non-finite value/],
    ['an id that is not UTF-8', edit((b) => b.set([0xff], good.length - 1)), /id 2 is not UTF-8/],
  ])('%s is a LocalRankError naming the problem', (_name, bytes, message) => expectInvalid(bytes, message));
});

describe('withVectors', () => {
  const bytes = file('float32');

  it('sets each known item vector, tagged with the file encoder, as a Float32Array; input items stay untouched', () => {
    const input = items.map((i) => ({ ...i }));
    const out = withVectors(input, bytes);
    out.forEach((item, i) => {
      expect(item.vector?.encoder).toBe(ENCODER);
      expect(item.vector?.values).toBeInstanceOf(Float32Array);
      expect(cosine(item.vector!.values, unitVector(i + 1))).toBeGreaterThan(0.99999);
    });
    expect(input.every((i) => i.vector === undefined)).toBe(true);
  });

  it('leaves items that are new, or whose text changed since the file was built, without a vector (the browser embeds them)', () => {
    const changed = { ...items[0]!, title: 'Trail running shoes v2' };
    const priceOnly = { ...items[1]!, price: 12 };
    const fresh = { id: 'new', title: 'Something new' };
    const [a, b, c] = withVectors([changed, priceOnly, fresh], bytes);
    expect(a).toBe(changed);
    expect(a!.vector).toBeUndefined();
    expect(b!.vector?.encoder).toBe(ENCODER); // price is not part of the embedded text
    expect(c).toBe(fresh);
  });

  it('accepts a file decoded once with readVectors', () => {
    const decoded = readVectors(bytes);
    expect(withVectors(items, decoded).filter((i) => i.vector).length).toBe(3);
  });

  it('rejects what is not bytes (a Response, a Promise, a string) with a hint', () => {
    for (const wrong of [new Response("x"), Promise.resolve(bytes.buffer), 'vectors.bin', null]) {
      const error = caught(() => readVectors(wrong as unknown as ArrayBuffer));
      expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'vectors' });
      expect(error.message).toMatch(/must be an ArrayBuffer or a typed array/);
    }
  });

  it('rejects a bad buffer with the same LocalRankError as readVectors', () => {
    expect(caught(() => withVectors(items, bytes.slice(0, 70)))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'vectors' });
  });
});
