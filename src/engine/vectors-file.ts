import { LocalRankError } from '../errors.js';
import { fromHalfBits, toHalfBits } from './summary/codec.js';

/**
 * The precomputed item-vector file written by `localrank embed` and read by
 * `readVectors` / `withVectors` (docs/vectors-format.md). Little-endian:
 *
 *   header  "LRVF", version, quantization, dimension, count, header size,
 *           encoder id, model dtype, work-list digest (padded to 8 bytes)
 *   vectors count fixed-size records (float32, float16, or int8 with a scale)
 *   ids     count entries: u32 text hash, u16 byte length, UTF-8 id
 *
 * Vectors come before ids so that a file being written is a prefix of the
 * finished one: an interrupted run resumes from its last whole record.
 */

export const VECTORS_MAGIC = 'LRVF';
export const VECTORS_VERSION = 1;

export type Quantization = 'float32' | 'float16' | 'int8';
const QUANT_CODES: Record<Quantization, number> = { float32: 1, float16: 2, int8: 3 };
const QUANT_BY_CODE = new Map(Object.entries(QUANT_CODES).map(([name, code]) => [code, name as Quantization]));

const FIXED_HEADER = 56;
const DIGEST_BYTES = 32;
const MAX_DIMENSION = 4096;
const MAX_ENCODER_ID = 512;
const MAX_DTYPE = 64;
const MAX_ID_BYTES = 1024;

export interface VectorsHeader {
  version: number;
  quantization: Quantization;
  dimension: number;
  /** Number of vectors (and ids) in the finished file. */
  count: number;
  /** The encoder id the vectors are tagged with (`model:<model id>`). */
  encoder: string;
  /** Weight precision of the model that made them (`q8`, `fp32`…); may be empty. */
  dtype: string;
  /** SHA-256 of the work list (ids and texts); the CLI checks it before resuming. */
  digest: Uint8Array;
  /** Byte offset of the first vector record. */
  headerBytes: number;
}

/** Bytes per vector record. */
export function recordBytes(quantization: Quantization, dimension: number): number {
  if (quantization === 'float32') return 4 * dimension;
  if (quantization === 'float16') return 2 * dimension;
  return 4 + dimension;
}

const utf8 = new TextEncoder();

function invalid(message: string): never {
  throw new LocalRankError('INVALID_ARGUMENT', `Invalid vectors file: ${message}`, 'vectors');
}

export function encodeHeader(h: Omit<VectorsHeader, 'version' | 'headerBytes'>): Uint8Array {
  const encoder = utf8.encode(h.encoder);
  const dtype = utf8.encode(h.dtype);
  if (encoder.length === 0 || encoder.length > MAX_ENCODER_ID) throw new RangeError(`encoder id must be 1 to ${MAX_ENCODER_ID} bytes`);
  if (dtype.length > MAX_DTYPE) throw new RangeError(`dtype must be at most ${MAX_DTYPE} bytes`);
  if (!Number.isInteger(h.dimension) || h.dimension < 1 || h.dimension > MAX_DIMENSION) throw new RangeError(`dimension must be 1 to ${MAX_DIMENSION}`);
  if (!Number.isInteger(h.count) || h.count < 0 || h.count > 0xffffffff) throw new RangeError('count must fit in 32 bits');
  if (h.digest.length !== DIGEST_BYTES) throw new RangeError(`digest must be ${DIGEST_BYTES} bytes`);
  const size = Math.ceil((FIXED_HEADER + encoder.length + dtype.length) / 8) * 8;
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  bytes.set(utf8.encode(VECTORS_MAGIC), 0);
  view.setUint16(4, VECTORS_VERSION, true);
  view.setUint8(6, QUANT_CODES[h.quantization]);
  view.setUint32(8, h.dimension, true);
  view.setUint32(12, h.count, true);
  view.setUint32(16, size, true);
  view.setUint16(20, encoder.length, true);
  view.setUint16(22, dtype.length, true);
  bytes.set(h.digest, 24);
  bytes.set(encoder, FIXED_HEADER);
  bytes.set(dtype, FIXED_HEADER + encoder.length);
  return bytes;
}

/** Reads and checks the header; `bytes` may be only the start of the file (at least the header). */
export function decodeHeader(bytes: Uint8Array): VectorsHeader {
  if (bytes.length < FIXED_HEADER) invalid(`${bytes.length} bytes is shorter than a header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = String.fromCharCode(bytes[0]!, bytes[1]!, bytes[2]!, bytes[3]!);
  if (magic !== VECTORS_MAGIC) invalid('not a LocalRank vectors file (bad magic)');
  const version = view.getUint16(4, true);
  if (version !== VECTORS_VERSION) invalid(`version ${version} is not supported (this release reads version ${VECTORS_VERSION})`);
  const quantization = QUANT_BY_CODE.get(view.getUint8(6));
  if (!quantization) invalid(`unknown quantization code ${view.getUint8(6)}`);
  const dimension = view.getUint32(8, true);
  if (dimension < 1 || dimension > MAX_DIMENSION) invalid(`dimension ${dimension} is outside 1 to ${MAX_DIMENSION}`);
  const count = view.getUint32(12, true);
  const headerBytes = view.getUint32(16, true);
  const encoderLength = view.getUint16(20, true);
  const dtypeLength = view.getUint16(22, true);
  if (encoderLength === 0 || encoderLength > MAX_ENCODER_ID || dtypeLength > MAX_DTYPE) invalid('bad encoder id or dtype length');
  if (headerBytes < FIXED_HEADER + encoderLength + dtypeLength || headerBytes % 8 !== 0) invalid('bad header size');
  if (bytes.length < headerBytes) invalid('truncated header');
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let encoder: string;
  let dtype: string;
  try {
    encoder = decoder.decode(bytes.subarray(FIXED_HEADER, FIXED_HEADER + encoderLength));
    dtype = decoder.decode(bytes.subarray(FIXED_HEADER + encoderLength, FIXED_HEADER + encoderLength + dtypeLength));
  } catch {
    invalid('encoder id or dtype is not UTF-8');
  }
  return { version, quantization, dimension, count, encoder, dtype, digest: bytes.slice(24, 24 + DIGEST_BYTES), headerBytes };
}

/** Encodes vectors as consecutive records. Non-finite values are refused (they would poison rankings). */
export function encodeRecords(vectors: readonly ArrayLike<number>[], quantization: Quantization, dimension: number): Uint8Array {
  const size = recordBytes(quantization, dimension);
  const bytes = new Uint8Array(size * vectors.length);
  const view = new DataView(bytes.buffer);
  vectors.forEach((v, r) => {
    if (v.length !== dimension) throw new RangeError(`vector ${r} has ${v.length} values, expected ${dimension}`);
    const base = r * size;
    let max = 0;
    for (let i = 0; i < dimension; i++) {
      const x = v[i]!;
      if (!Number.isFinite(x)) throw new RangeError(`vector ${r} has a non-finite value`);
      max = Math.max(max, Math.abs(x));
    }
    if (quantization === 'float32') for (let i = 0; i < dimension; i++) view.setFloat32(base + 4 * i, v[i]!, true);
    else if (quantization === 'float16') for (let i = 0; i < dimension; i++) view.setUint16(base + 2 * i, toHalfBits(v[i]!), true);
    else {
      // Per-vector scale: the largest component maps to ±127, so the error per value is at most scale / 2.
      const scale = max / 127;
      view.setFloat32(base, scale, true);
      for (let i = 0; i < dimension; i++) view.setInt8(base + 4 + i, scale > 0 ? Math.round(v[i]! / scale) : 0);
    }
  });
  return bytes;
}

/** Decodes record `r` of a records section that starts at `offset` of `view`. */
export function decodeRecord(view: DataView, offset: number, quantization: Quantization, dimension: number): Float32Array {
  const out = new Float32Array(dimension);
  if (quantization === 'float32') for (let i = 0; i < dimension; i++) out[i] = view.getFloat32(offset + 4 * i, true);
  else if (quantization === 'float16') for (let i = 0; i < dimension; i++) out[i] = fromHalfBits(view.getUint16(offset + 2 * i, true));
  else {
    const scale = view.getFloat32(offset, true);
    for (let i = 0; i < dimension; i++) out[i] = view.getInt8(offset + 4 + i) * scale;
  }
  return out;
}

export interface VectorId {
  id: string;
  /** FNV-1a (32-bit) of the item text the vector was computed from. */
  textHash: number;
}

export function encodeIds(ids: readonly VectorId[]): Uint8Array {
  const encoded = ids.map(({ id }) => utf8.encode(id));
  const bytes = new Uint8Array(encoded.reduce((n, e) => n + 6 + e.length, 0));
  const view = new DataView(bytes.buffer);
  let at = 0;
  encoded.forEach((e, i) => {
    if (e.length === 0 || e.length > MAX_ID_BYTES) throw new RangeError(`id ${i} must be 1 to ${MAX_ID_BYTES} bytes`);
    view.setUint32(at, ids[i]!.textHash >>> 0, true);
    view.setUint16(at + 4, e.length, true);
    bytes.set(e, at + 6);
    at += 6 + e.length;
  });
  return bytes;
}

export interface DecodedVectors {
  header: VectorsHeader;
  ids: VectorId[];
  /** Decodes vector `i` into a new Float32Array. */
  vector(i: number): Float32Array;
}

/** Decodes a whole file; any truncation, trailing bytes or malformed part is a LocalRankError (INVALID_ARGUMENT, field `vectors`). */
export function decodeVectorsFile(buffer: ArrayBufferLike | ArrayBufferView): DecodedVectors {
  const isBuffer = buffer instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && buffer instanceof SharedArrayBuffer);
  if (!isBuffer && !ArrayBuffer.isView(buffer)) {
    throw new LocalRankError('INVALID_ARGUMENT', 'vectors must be an ArrayBuffer or a typed array (for example `await response.arrayBuffer()`)', 'vectors');
  }
  const bytes = ArrayBuffer.isView(buffer) ? new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength) : new Uint8Array(buffer);
  const header = decodeHeader(bytes);
  const { count, dimension, quantization, headerBytes } = header;
  const size = recordBytes(quantization, dimension);
  const idsStart = headerBytes + count * size;
  if (bytes.length < idsStart) {
    const whole = Math.max(0, Math.floor((bytes.length - headerBytes) / size));
    invalid(`truncated: ${whole} of ${count} vectors and no ids (an interrupted \`localrank embed\`? run it again to finish)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const ids: VectorId[] = new Array(count);
  let at = idsStart;
  for (let i = 0; i < count; i++) {
    if (at + 6 > bytes.length) invalid(`truncated: ${i} of ${count} ids`);
    const textHash = view.getUint32(at, true);
    const length = view.getUint16(at + 4, true);
    if (length === 0 || at + 6 + length > bytes.length) invalid(`truncated or bad id ${i}`);
    let id: string;
    try {
      id = decoder.decode(bytes.subarray(at + 6, at + 6 + length));
    } catch {
      invalid(`id ${i} is not UTF-8`);
    }
    ids[i] = { id, textHash };
    at += 6 + length;
  }
  if (at !== bytes.length) invalid(`${bytes.length - at} unexpected bytes after the last id`);
  return {
    header,
    ids,
    vector: (i) => {
      const v = decodeRecord(view, headerBytes + i * size, quantization, dimension);
      for (let k = 0; k < dimension; k++) if (!Number.isFinite(v[k]!)) invalid(`vector ${i} (${ids[i]!.id}) has a non-finite value`);
      return v;
    },
  };
}
