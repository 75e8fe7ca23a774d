import type { Item } from '../types.js';
import type { AffinityColumns, AffinityKeys } from './ranking/affinity.js';
import type { DenseGather, SparseGather, SparseRow } from './ranking/scores.js';
import { SparseStore, VectorStore } from './ranking/vector-store.js';
import { normalizeInPlace } from './vector.js';
import { CfFactors } from './learning/cf-factors.js';
import { IdTable } from './id-table.js';
import { BAND, BRAND, CATALOGUED, CATEGORY, INVERSE_NORM, KEYS_NOT_READ, LEX_LENGTH, LEX_START, NORM_AT, POPULARITY, SlotRecords, TAGS, VECTOR_SPACES, VECTOR_TAG } from './slot-records.js';
import { DocumentFrequencies, inverseWeightedNorm } from './ranking/idf.js';
import { LEXICAL_DIMENSION } from './encoder/lexical.js';

/**
 * The items ranking reads, by slot: their text, popularity, affinity keys,
 * sparse lexical vector and unit vectors per encoder, the vectors of each kind
 * in one contiguous typed array and the numbers in one record per slot
 * (see slot-records.ts). Ranking 10,000 candidates then costs one id-table
 * lookup per id and reads arrays, instead of walking a few objects per
 * candidate scattered over the heap (which cost more than the arithmetic).
 *
 * A slot is reused when an item is upserted again (its derived data is
 * dropped and recomputed on demand). Space of replaced lexical rows is
 * reclaimed by compacting when it exceeds the live rows.
 */
export class ItemIndex {
  private readonly slotById = new IdTable();
  private items: Item[] = [];
  private texts: string[] = [];
  private keys: Array<AffinityKeys | undefined> = [];
  /** Each slot's numbers: catalogue flag, lexical row, affinity key ids (so a ranking reads no keys object per candidate), vector tags, popularity. */
  private readonly records = new SlotRecords(256);
  /** Numbers for the precomputed vectors' encoder ids and lengths, for a quick "made by this encoder?" check. */
  private readonly vectorTagIds = new Map<string, number>();
  /** Lexical rows in CSR form: slot i's non-zeros are at [LEX_START, LEX_START + LEX_LENGTH) of its record. */
  private readonly lex = new SparseStore(4096);
  /** Which record values of INVERSE_NORM are current (see {@link inverseWeightedNorms}). */
  private normGeneration = 1;
  private normWeights: Float32Array | null = null;
  private lexUsed = 0;
  private changes = 0;
  private lexLive = 0;
  /** Document frequencies of the lexical buckets over the rows held (see ranking/idf.ts). */
  readonly lexicalFrequencies: DocumentFrequencies;
  private readonly spaces = new Map<string, VectorSpace>();
  /** Host item factors (`cfVector`) by slot, one column per dimension, and their Gram matrix. */
  readonly cf = new CfFactors(256);

  constructor(
    private readonly textOf: (item: Item) => string,
    private readonly keysOf: (item: Item) => AffinityKeys,
    /** The lexical encoder's dimension (bucket indices of the rows are below it). */
    lexicalDimension = LEXICAL_DIMENSION,
  ) {
    this.lexicalFrequencies = new DocumentFrequencies(lexicalDimension);
  }

  get size(): number {
    return this.items.length;
  }

  /** Grows whenever a slot is added or takes in a changed item, so callers can tell whether what they derived is current. */
  get revision(): number {
    return this.changes;
  }

  /** The slot of each item, adding new ones and taking in changed ones (a different object for the same id). */
  slotsOf(items: readonly Item[]): Int32Array {
    const out = new Int32Array(items.length);
    for (let i = 0; i < items.length; i++) out[i] = this.slotOf(items[i]!);
    return out;
  }

  /**
   * The item's slot, adding it or taking in a changed one (a different object
   * for the same id). `fromCatalog` marks the host's catalogue item for the id
   * (see {@link catalogSlots}); the mark stays while the slot holds that object.
   */
  slotOf(item: Item, fromCatalog = false): number {
    const known = this.slotById.get(item.id);
    if (known !== undefined && this.items[known] === item) {
      if (fromCatalog) this.records.setInt(known, CATALOGUED, 1);
      return known;
    }
    const slot = known ?? this.items.length;
    this.changes++;
    if (known === undefined) {
      this.slotById.set(item.id, slot);
      this.grow(slot + 1);
    } else {
      this.forgetDerived(slot);
    }
    this.items[slot] = item;
    this.texts[slot] = this.textOf(item);
    this.keys[slot] = undefined;
    const records = this.records;
    records.setInt(slot, CATEGORY, KEYS_NOT_READ);
    records.setFloat(slot, POPULARITY, item.popularity ?? 0);
    records.setInt(slot, CATALOGUED, fromCatalog ? 1 : 0);
    records.setInt(slot, VECTOR_TAG, item.vector ? this.vectorTagId(item.vector.encoder, item.vector.values.length) : -1);
    this.cf.set(slot, item.cfVector);
    return slot;
  }

  /**
   * Takes in a catalogue item with what another index derived from it (lexical
   * row, vectors), so that a new index does not compute them again. Those are
   * functions of the host's item alone; nothing about the person comes along.
   */
  adopt(item: Item, from: ItemIndex): number {
    const slot = this.slotOf(item, true);
    const old = from.slotById.get(item.id);
    if (old === undefined || from.items[old] !== item) return slot;
    const n = from.records.int(old, LEX_LENGTH);
    if (n >= 0 && this.records.int(slot, LEX_LENGTH) < 0) {
      const at = from.records.int(old, LEX_START);
      this.setLexical(slot, { index: from.lex.indices.subarray(at, at + n), value: from.lex.values.subarray(at, at + n) });
    }
    for (const [id, space] of from.spaces) {
      if (from.hasVector(space, old)) this.setVector(id, space.dim, slot, space.store.data.subarray(old * space.dim, (old + 1) * space.dim));
    }
    return slot;
  }

  /**
   * The slot of each id's catalogue item, -1 where the index holds none (not
   * a string, unknown, or only another object for the id, such as a snapshot
   * from the event log). In two passes, ids then records, so that the cache
   * misses of different ids overlap.
   */
  catalogSlots(ids: readonly unknown[]): Int32Array {
    const out = new Int32Array(ids.length);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      out[i] = typeof id === 'string' ? (this.slotById.get(id) ?? -1) : -1;
    }
    for (let i = 0; i < out.length; i++) if (out[i]! >= 0 && this.records.int(out[i]!, CATALOGUED) !== 1) out[i] = -1;
    return out;
  }

  /** The slot of the item with this id, catalogue item or not (undefined when the index has none). */
  slotFor(id: string): number | undefined {
    return this.slotById.get(id);
  }

  item(slot: number): Item {
    return this.items[slot]!;
  }

  text(slot: number): string {
    return this.texts[slot]!;
  }

  /** The slot's affinity keys, computed on first use. */
  affinityKeys(slot: number): AffinityKeys {
    let keys = this.keys[slot];
    if (!keys) {
      keys = this.keys[slot] = this.keysOf(this.items[slot]!);
      const records = this.records;
      records.setInt(slot, CATEGORY, keys.categoryId);
      records.setInt(slot, BRAND, keys.brandId);
      records.setInt(slot, BAND, keys.bandId);
      records.setInt(slot, TAGS, keys.tags.length > 0 ? 1 : 0);
    }
    return keys;
  }

  /** The slots' affinity key ids, in their order (see {@link AffinityColumns}). */
  affinityColumns(slots: Int32Array): AffinityColumns {
    const n = slots.length;
    const columns = { category: new Int32Array(n), brand: new Int32Array(n), band: new Int32Array(n), tags: new Uint8Array(n), keys: (i: number) => this.affinityKeys(slots[i]!) };
    const records = this.records;
    for (let i = 0; i < n; i++) {
      const slot = slots[i]!;
      if (records.int(slot, CATEGORY) === KEYS_NOT_READ) this.affinityKeys(slot);
      columns.category[i] = records.int(slot, CATEGORY);
      columns.brand[i] = records.int(slot, BRAND);
      columns.band[i] = records.int(slot, BAND);
      columns.tags[i] = records.int(slot, TAGS);
    }
    return columns;
  }

  /** Popularity of the slots, in their order (0 when absent). */
  popularityOf(slots: Int32Array): Float64Array {
    const out = new Float64Array(slots.length);
    for (let i = 0; i < slots.length; i++) out[i] = this.records.float(slots[i]!, POPULARITY);
    return out;
  }

  // -------------------------------------------------------------------------
  // Lexical rows
  // -------------------------------------------------------------------------

  /** Indices (into `slots`) whose lexical row is not computed yet. */
  missingLexical(slots: Int32Array): number[] {
    const out: number[] = [];
    for (let i = 0; i < slots.length; i++) if (this.records.int(slots[i]!, LEX_LENGTH) < 0) out.push(i);
    return out;
  }

  setLexical(slot: number, row: SparseRow): void {
    const n = row.index.length;
    this.dropLexical(slot); // the old row is dead: a compaction below must not keep it
    if (this.lexUsed + n > this.lex.size) this.reserveLexical(n);
    this.lex.indices.set(row.index, this.lexUsed);
    this.lex.values.set(row.value, this.lexUsed);
    this.records.setInt(slot, LEX_START, this.lexUsed);
    this.records.setInt(slot, LEX_LENGTH, n);
    this.lexUsed += n;
    this.lexLive += n;
    this.lexicalFrequencies.add(row.index);
  }

  /** Forgets the slot's lexical row, if it has one (its space is reclaimed by a later compaction). */
  private dropLexical(slot: number): void {
    const n = this.records.int(slot, LEX_LENGTH);
    if (n < 0) return;
    const at = this.records.int(slot, LEX_START);
    this.lexicalFrequencies.remove(this.lex.indices.subarray(at, at + n));
    this.lexLive -= n;
    this.records.setInt(slot, LEX_LENGTH, -1);
  }

  /** The slots' lexical rows as CSR views (every slot must have one). */
  lexicalRows(slots: Int32Array): SparseGather {
    const start = new Int32Array(slots.length);
    const length = new Int32Array(slots.length);
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i]!;
      start[i] = this.records.int(s, LEX_START);
      length[i] = this.records.int(s, LEX_LENGTH);
    }
    const lex = this.lex;
    const termWeights = this.lexicalFrequencies.weights();
    return {
      // Getters: the store's arrays are replaced when its memory grows.
      get index() {
        return lex.indices;
      },
      get value() {
        return lex.values;
      },
      start,
      length,
      kernel: lex,
      termWeights,
      inverseNorms: this.inverseWeightedNorms(slots, termWeights),
    };
  }

  /**
   * `1 / ‖Dx‖` of each slot's lexical row under the IDF weights (0 for a row that is zero under them).
   * Kept per slot while the weights stay the same array (until the next row changes the frequencies),
   * so rankings between upserts do not walk every candidate's non-zeros again.
   */
  private inverseWeightedNorms(slots: Int32Array, w: Float32Array): Float64Array {
    if (this.normWeights !== w) {
      this.normWeights = w;
      this.normGeneration++;
    }
    const out = new Float64Array(slots.length);
    const indices = this.lex.indices;
    const values = this.lex.values;
    const records = this.records;
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i]!;
      if (records.int(s, NORM_AT) !== this.normGeneration) {
        records.setFloat(s, INVERSE_NORM, inverseWeightedNorm(indices, values, records.int(s, LEX_START), records.int(s, LEX_LENGTH), w));
        records.setInt(s, NORM_AT, this.normGeneration);
      }
      out[i] = records.float(s, INVERSE_NORM);
    }
    return out;
  }

  // -------------------------------------------------------------------------
  // Vectors per encoder
  // -------------------------------------------------------------------------

  /**
   * Indices (into `slots`) with no vector in this encoder's space yet; items
   * that carry a precomputed vector from this encoder (right length) get it
   * here, normalised, and are not listed.
   */
  missingVectors(encoderId: string, dim: number, slots: Int32Array): number[] {
    const space = this.space(encoderId, dim);
    const out: number[] = [];
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i]!;
      if (this.hasVector(space, s)) continue;
      const v = this.items[s]!.vector;
      if (v !== undefined && v.encoder === encoderId && v.values.length === dim) this.setVector(encoderId, dim, s, normalizeInPlace(Float32Array.from(v.values)));
      else out.push(i);
    }
    return out;
  }

  setVector(encoderId: string, dim: number, slot: number, vector: Float32Array): void {
    const space = this.space(encoderId, dim);
    space.store.data.set(vector, slot * dim);
    this.records.setInt(slot, VECTOR_SPACES, this.records.int(slot, VECTOR_SPACES) | space.bit);
  }

  /** The slots' vectors as offsets into the space's store (every slot must have one). */
  vectorRows(encoderId: string, dim: number, slots: Int32Array): DenseGather {
    const { store } = this.space(encoderId, dim);
    const offsets = new Int32Array(slots.length);
    for (let i = 0; i < slots.length; i++) offsets[i] = slots[i]! * dim;
    return {
      // A getter: the store's array is replaced when its memory grows.
      get data() {
        return store.data;
      },
      offsets,
      kernel: store,
    };
  }

  /** The items among the slots that carry a precomputed vector not made by this encoder (or of another length). */
  foreignVectors(encoderId: string, dim: number, slots: Int32Array): Item[] {
    const want = this.vectorTagId(encoderId, dim);
    const out: Item[] = [];
    for (let i = 0; i < slots.length; i++) {
      const tag = this.records.int(slots[i]!, VECTOR_TAG);
      if (tag !== -1 && tag !== want) out.push(this.items[slots[i]!]!);
    }
    return out;
  }

  private vectorTagId(encoderId: string, length: number): number {
    const key = `${length}:${encoderId}`;
    let id = this.vectorTagIds.get(key);
    if (id === undefined) this.vectorTagIds.set(key, (id = this.vectorTagIds.size));
    return id;
  }

  /** A copy of one slot's vector, or undefined when not computed. */
  vector(encoderId: string, dim: number, slot: number): Float32Array | undefined {
    const space = this.space(encoderId, dim);
    return this.hasVector(space, slot) ? space.store.data.slice(slot * dim, (slot + 1) * dim) : undefined;
  }

  // -------------------------------------------------------------------------

  /**
   * The encoder's vector space, made on first use. A space's vectors are
   * flagged in a bit of the slots' records, so an index holds at most
   * {@link MAX_SPACES} spaces; past that, the least recently made one is dropped
   * (its vectors are recomputed if its encoder comes back).
   */
  private space(encoderId: string, dim: number): VectorSpace {
    let space = this.spaces.get(encoderId);
    if (space && space.dim === dim) return space;
    let bit = space?.bit ?? 0;
    if (space) this.spaces.delete(encoderId);
    else if (this.spaces.size === MAX_SPACES) {
      const [oldest, dropped] = this.spaces.entries().next().value!;
      this.spaces.delete(oldest);
      bit = dropped.bit;
    } else {
      const used = [...this.spaces.values()].reduce((bits, s) => bits | s.bit, 0);
      bit = 1;
      while (used & bit) bit <<= 1;
    }
    for (let slot = 0; slot < this.items.length; slot++) this.records.setInt(slot, VECTOR_SPACES, this.records.int(slot, VECTOR_SPACES) & ~bit);
    space = { dim, store: new VectorStore(this.records.capacity * dim), bit };
    this.spaces.set(encoderId, space);
    return space;
  }

  private hasVector(space: VectorSpace, slot: number): boolean {
    return (this.records.int(slot, VECTOR_SPACES) & space.bit) !== 0;
  }

  private forgetDerived(slot: number): void {
    this.dropLexical(slot);
    this.records.setInt(slot, VECTOR_SPACES, 0);
  }

  /** Room for `count` slots in every per-slot array (doubling). */
  private grow(count: number): void {
    const capacity = this.records.capacity;
    if (count <= capacity) return;
    let next = capacity;
    while (next < count) next *= 2;
    this.records.grow(next);
    this.cf.grow(next);
    for (const space of this.spaces.values()) space.store.resize(next * space.dim);
  }

  /** Room for `extra` more lexical non-zeros: compact when replaced rows waste half the space, else grow (doubling). */
  private reserveLexical(extra: number): void {
    if (this.lexUsed - this.lexLive > this.lexLive) {
      // Rows are not in slot order (a replaced row goes to the end), so compact through a copy.
      const index = new Uint16Array(this.lexLive);
      const value = new Float32Array(this.lexLive);
      const from = this.lex.indices;
      const values = this.lex.values;
      let used = 0;
      for (let s = 0; s < this.items.length; s++) {
        const n = this.records.int(s, LEX_LENGTH);
        if (n < 0) continue;
        const at = this.records.int(s, LEX_START);
        index.set(from.subarray(at, at + n), used);
        value.set(values.subarray(at, at + n), used);
        this.records.setInt(s, LEX_START, used);
        used += n;
      }
      from.set(index);
      values.set(value);
      this.lexUsed = used;
      if (used + extra <= this.lex.size) return;
    }
    let next = this.lex.size;
    while (next < this.lexUsed + extra) next *= 2;
    this.lex.resize(next, this.lexUsed);
  }
}

/** Vector spaces one index holds at once (one bit each in a slot's record). */
const MAX_SPACES = 31;

interface VectorSpace {
  dim: number;
  store: VectorStore;
  /** The space's bit in the records' VECTOR_SPACES. */
  bit: number;
}
