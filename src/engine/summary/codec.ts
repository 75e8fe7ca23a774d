/**
 * Compact vector encoding for the stored summary: IEEE-754 half floats
 * (binary16, round to nearest even), little-endian, base64. 2 bytes per
 * dimension before base64, so a 384-d vector is 1,024 characters and a 512-d
 * one 1,368 (float32 would be 2,048 and 2,732). For unit-vector components
 * (|x| <= 1) the absolute error is at most 2^-12 ≈ 2.4e-4, far below what
 * changes a cosine ranking.
 */
import { base64ToBytes, bytesToBase64 } from '../base64.js';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The binary16 bit pattern nearest to `x` (ties to even; overflow to ±Infinity). */
export function toHalfBits(x: number): number {
  f32[0] = x;
  const bits = u32[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  let mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal half (or zero): value = m * 2^-24.
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rem > halfway || (rem === halfway && (half & 1) === 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (up to Infinity).
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1) === 1)) half++;
  return sign | half;
}

/** The number a binary16 bit pattern stands for. */
export function fromHalfBits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 0x1f) return m !== 0 ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}



/** Base64 of the little-endian binary16 values of `v`. */
export function encodeVector(v: ArrayLike<number>): string {
  const bytes = new Uint8Array(v.length * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < v.length; i++) view.setUint16(i * 2, toHalfBits(v[i]!), true);
  return bytesToBase64(bytes);
}

/**
 * Decodes `encodeVector` output. Throws an Error (with a plain message) on
 * invalid base64, an odd byte count, a length other than `dimension` (when
 * given), or a non-finite value.
 */
export function decodeVector(b64: string, dimension?: number): Float32Array {
  let bytes: Uint8Array;
  try {
    bytes = base64ToBytes(b64);
  } catch {
    throw new Error('is not valid base64');
  }
  if (bytes.length % 2 !== 0) throw new Error(`has an odd byte count (${bytes.length})`);
  const n = bytes.length / 2;
  if (dimension !== undefined && n !== dimension) throw new Error(`has ${n} values, expected ${dimension}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const x = fromHalfBits(view.getUint16(i * 2, true));
    if (!Number.isFinite(x)) throw new Error(`has a non-finite value at ${i}`);
    out[i] = x;
  }
  return out;
}

/**
 * A vector by its non-zero entries: `v`, their values as {@link encodeVector}
 * writes them, and `i`, base64 of their indices as little-endian uint16 in
 * increasing order. For the wide, pruned vectors of sparse spaces (256
 * entries of 16,384: 1,368 characters instead of 43,692).
 */
export function encodeSparseVector(vector: Float32Array): { v: string; i: string } {
  const indices: number[] = [];
  // Entries too small for a half float (±0 once encoded) are left out, so what is read back re-encodes the same.
  for (let t = 0; t < vector.length; t++) if ((toHalfBits(vector[t]!) & 0x7fff) !== 0) indices.push(t);
  const bytes = new Uint8Array(indices.length * 2);
  const view = new DataView(bytes.buffer);
  indices.forEach((t, k) => view.setUint16(k * 2, t, true));
  return { v: encodeVector(indices.map((t) => vector[t]!)), i: bytesToBase64(bytes) };
}

/**
 * Decodes `encodeSparseVector` output into a dense vector of `dimension`.
 * Throws an Error (with a plain message) when either part is invalid, their
 * counts differ, or an index is out of range or out of order.
 */
export function decodeSparseVector(values: string, indices: string, dimension: number): Float32Array {
  const entries = decodeVector(values);
  let bytes: Uint8Array;
  try {
    bytes = base64ToBytes(indices);
  } catch {
    throw new Error('has indices that are not valid base64');
  }
  if (bytes.length !== entries.length * 2) throw new Error(`has ${bytes.length / 2} indices for ${entries.length} values`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(dimension);
  let previous = -1;
  for (let k = 0; k < entries.length; k++) {
    const t = view.getUint16(k * 2, true);
    if (t <= previous || t >= dimension) throw new Error(`has index ${t} at ${k}: indices must increase and be below ${dimension}`);
    out[t] = entries[k]!;
    previous = t;
  }
  return out;
}
