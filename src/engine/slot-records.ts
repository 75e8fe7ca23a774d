/**
 * The item index's per-slot numbers, one 64-byte record per slot: 12 int32
 * fields, then 2 float64 fields. A ranking reads a dozen numbers for each
 * candidate, and candidates are scattered over the catalogue's slots, so a
 * separate array per field cost one cache miss per field and candidate (the
 * largest cost of a ranking on cold caches); a record costs one.
 */
export class SlotRecords {
  private ints: Int32Array;
  private floats: Float64Array;

  constructor(capacity: number) {
    this.ints = new Int32Array(0);
    this.floats = new Float64Array(0);
    this.grow(capacity);
  }

  get capacity(): number {
    return this.ints.length / INT_STRIDE;
  }

  int(slot: number, field: IntField): number {
    return this.ints[slot * INT_STRIDE + field]!;
  }

  setInt(slot: number, field: IntField, value: number): void {
    this.ints[slot * INT_STRIDE + field] = value;
  }

  float(slot: number, field: FloatField): number {
    return this.floats[slot * FLOAT_STRIDE + field]!;
  }

  setFloat(slot: number, field: FloatField, value: number): void {
    this.floats[slot * FLOAT_STRIDE + field] = value;
  }

  /** Room for `capacity` slots; new records hold {@link INT_DEFAULTS} and 0. */
  grow(capacity: number): void {
    const from = this.capacity;
    if (capacity <= from) return;
    const buffer = new ArrayBuffer(capacity * RECORD_BYTES);
    const ints = new Int32Array(buffer);
    ints.set(this.ints);
    for (let slot = from; slot < capacity; slot++) ints.set(INT_DEFAULTS, slot * INT_STRIDE);
    this.ints = ints;
    this.floats = new Float64Array(buffer);
  }
}

const RECORD_BYTES = 64;
const INT_STRIDE = RECORD_BYTES / 4;
const FLOAT_STRIDE = RECORD_BYTES / 8;

/** A category id no key has: the slot's affinity keys were not read yet. */
export const KEYS_NOT_READ = -2;

// Int32 fields (index within the record's 16 int32s; 0..11 free for them).
/** 1 while the slot holds the host's catalogue item for its id. */
export const CATALOGUED = 0;
/** The lexical row's first non-zero in the CSR store. */
export const LEX_START = 1;
/** The lexical row's non-zero count; -1: not computed. */
export const LEX_LENGTH = 2;
/** The norm generation `INVERSE_NORM` was computed for. */
export const NORM_AT = 3;
/** The affinity keys' interned ids (-1: absent; category KEYS_NOT_READ: keys not read yet). */
export const CATEGORY = 4;
export const BRAND = 5;
export const BAND = 6;
/** 1 where the item has tags. */
export const TAGS = 7;
/** The precomputed vector's encoder-and-length tag; -1: none. */
export const VECTOR_TAG = 8;
/** Bit b set: the slot has a vector in the vector space numbered b. */
export const VECTOR_SPACES = 9;
export type IntField = typeof CATALOGUED | typeof LEX_START | typeof LEX_LENGTH | typeof NORM_AT | typeof CATEGORY | typeof BRAND | typeof BAND | typeof TAGS | typeof VECTOR_TAG | typeof VECTOR_SPACES;

// Float64 fields (index within the record's 8 float64s; 6 and 7, after the int32s).
export const POPULARITY = 6;
/** 1 / the IDF-weighted norm of the lexical row, valid where NORM_AT is the current generation. */
export const INVERSE_NORM = 7;
export type FloatField = typeof POPULARITY | typeof INVERSE_NORM;

const INT_DEFAULTS = Int32Array.from({ length: 12 }, (_, f) => (f === LEX_LENGTH || f === VECTOR_TAG ? -1 : f === CATEGORY ? KEYS_NOT_READ : 0));
