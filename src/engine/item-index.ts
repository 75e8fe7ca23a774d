import type { Item } from '../types.js';
import type { AffinityColumns, AffinityKeys } from './ranking/affinity.js';
import type { DenseGather, SparseGather, SparseRow } from './ranking/scores.js';
import { SparseStore, VectorStore } from './ranking/vector-store.js';
import { normalizeInPlace } from './vector.js';
import { CfFactors } from './learning/cf-factors.js';
import { DocumentFrequencies, inverseWeightedNorm } from './ranking/idf.js';

/**
 * The items ranking reads, by slot: their text, popularity, affinity keys,
 * sparse lexical vector and unit vectors per encoder, each kind in one contiguous typed
 * array. Ranking 10,000 candidates then costs one Map lookup per id and
 * reads arrays, instead of walking a few objects per candidate scattered
 * over the heap (which cost more than the arithmetic).
 *
 * A slot is reused when an item is upserted again (its derived data is
 * dropped and recomputed on demand). Space of replaced lexical rows is
 * reclaimed by compacting when it exceeds the live rows.
 */
export class ItemIndex {
  private readonly slotById = new Map<string, number>();
  private items: Item[] = [];
  private texts: string[] = [];
  private keys: Array<AffinityKeys | undefined> = [];
  /** The keys' interned ids per slot, so a ranking reads typed arrays instead of one keys object per candidate. */
  private keyColumns = { category: new Int32Array(256).fill(KEYS_NOT_READ), brand: new Int32Array(256), band: new Int32Array(256), tags: new Uint8Array(256) };
  /** Per slot, the number of the precomputed vector's encoder id and length (-1: none), for a quick "made by this encoder?" check. */
  private vectorTag = new Int32Array(256).fill(-1);
  private readonly vectorTagIds = new Map<string, number>();
  private popularity = new Float64Array(256);
  private catalogued = new Uint8Array(256);
  /** Lexical rows in CSR form: slot i's non-zeros are at [lexStart[i], lexStart[i] + lexLength[i]); lexLength -1: not computed. */
  private lexStart = new Int32Array(256);
  private lexLength = new Int32Array(256).fill(-1);
  private readonly lex = new SparseStore(4096);
  /** Per slot: 1 / the IDF-weighted norm of its lexical row, valid where normAt equals normGeneration. */
  private inverseNorm = new Float64Array(256);
  private normAt = new Int32Array(256);
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
    lexicalDimension = 512,
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
   * (see {@link catalogSlot}); the mark stays while the slot holds that object.
   */
  slotOf(item: Item, fromCatalog = false): number {
    const known = this.slotById.get(item.id);
    if (known !== undefined && this.items[known] === item) {
      if (fromCatalog) this.catalogued[known] = 1;
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
    this.keyColumns.category[slot] = KEYS_NOT_READ;
    this.popularity[slot] = item.popularity ?? 0;
    this.catalogued[slot] = fromCatalog ? 1 : 0;
    this.vectorTag[slot] = item.vector ? this.vectorTagId(item.vector.encoder, item.vector.values.length) : -1;
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
    const n = from.lexLength[old]!;
    if (n >= 0 && this.lexLength[slot]! < 0) {
      const at = from.lexStart[old]!;
      this.setLexical(slot, { index: from.lex.indices.subarray(at, at + n), value: from.lex.values.subarray(at, at + n) });
    }
    for (const [id, space] of from.spaces) {
      if (space.has[old]) this.setVector(id, space.dim, slot, space.store.data.subarray(old * space.dim, (old + 1) * space.dim));
    }
    return slot;
  }

  /** The slot of the catalogue item with this id, if the index holds it (one Map lookup). */
  catalogSlot(id: string): number | undefined {
    const slot = this.slotById.get(id);
    return slot !== undefined && this.catalogued[slot] === 1 ? slot : undefined;
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
      const columns = this.keyColumns;
      columns.category[slot] = keys.categoryId;
      columns.brand[slot] = keys.brandId;
      columns.band[slot] = keys.bandId;
      columns.tags[slot] = keys.tags.length > 0 ? 1 : 0;
    }
    return keys;
  }

  /** The affinity keys' ids of every slot, read for these slots first (arrays indexed by slot; see {@link AffinityColumns}). */
  affinityColumns(slots: Int32Array): AffinityColumns {
    const columns = this.keyColumns;
    for (let i = 0; i < slots.length; i++) if (columns.category[slots[i]!] === KEYS_NOT_READ) this.affinityKeys(slots[i]!);
    return { ...columns, keys: (slot) => this.affinityKeys(slot) };
  }

  /** Popularity of the slots, in their order (0 when absent). */
  popularityOf(slots: Int32Array): Float64Array {
    const out = new Float64Array(slots.length);
    for (let i = 0; i < slots.length; i++) out[i] = this.popularity[slots[i]!]!;
    return out;
  }

  // -------------------------------------------------------------------------
  // Lexical rows
  // -------------------------------------------------------------------------

  /** Indices (into `slots`) whose lexical row is not computed yet. */
  missingLexical(slots: Int32Array): number[] {
    const out: number[] = [];
    for (let i = 0; i < slots.length; i++) if (this.lexLength[slots[i]!]! < 0) out.push(i);
    return out;
  }

  setLexical(slot: number, row: SparseRow): void {
    const n = row.index.length;
    this.dropLexical(slot); // the old row is dead: a compaction below must not keep it
    if (this.lexUsed + n > this.lex.size) this.reserveLexical(n);
    this.lex.indices.set(row.index, this.lexUsed);
    this.lex.values.set(row.value, this.lexUsed);
    this.lexStart[slot] = this.lexUsed;
    this.lexLength[slot] = n;
    this.lexUsed += n;
    this.lexLive += n;
    this.lexicalFrequencies.add(row.index);
  }

  /** Forgets the slot's lexical row, if it has one (its space is reclaimed by a later compaction). */
  private dropLexical(slot: number): void {
    const n = this.lexLength[slot]!;
    if (n < 0) return;
    const at = this.lexStart[slot]!;
    this.lexicalFrequencies.remove(this.lex.indices.subarray(at, at + n));
    this.lexLive -= n;
    this.lexLength[slot] = -1;
  }

  /** The slots' lexical rows as CSR views (every slot must have one). */
  lexicalRows(slots: Int32Array): SparseGather {
    const start = new Int32Array(slots.length);
    const length = new Int32Array(slots.length);
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i]!;
      start[i] = this.lexStart[s]!;
      length[i] = this.lexLength[s]!;
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
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i]!;
      if (this.normAt[s] !== this.normGeneration) {
        this.inverseNorm[s] = inverseWeightedNorm(indices, values, this.lexStart[s]!, this.lexLength[s]!, w);
        this.normAt[s] = this.normGeneration;
      }
      out[i] = this.inverseNorm[s]!;
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
      if (space.has[s]) continue;
      const v = this.items[s]!.vector;
      if (v !== undefined && v.encoder === encoderId && v.values.length === dim) this.setVector(encoderId, dim, s, normalizeInPlace(Float32Array.from(v.values)));
      else out.push(i);
    }
    return out;
  }

  setVector(encoderId: string, dim: number, slot: number, vector: Float32Array): void {
    const space = this.space(encoderId, dim);
    space.store.data.set(vector, slot * dim);
    space.has[slot] = 1;
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
      const tag = this.vectorTag[slots[i]!]!;
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
    return space.has[slot] ? space.store.data.slice(slot * dim, (slot + 1) * dim) : undefined;
  }

  // -------------------------------------------------------------------------

  private space(encoderId: string, dim: number): VectorSpace {
    let space = this.spaces.get(encoderId);
    if (!space || space.dim !== dim) {
      const capacity = this.popularity.length;
      this.spaces.set(encoderId, (space = { dim, store: new VectorStore(capacity * dim), has: new Uint8Array(capacity) }));
    }
    return space;
  }

  private forgetDerived(slot: number): void {
    this.dropLexical(slot);
    for (const space of this.spaces.values()) space.has[slot] = 0;
  }

  /** Room for `count` slots in every per-slot array (doubling). */
  private grow(count: number): void {
    const capacity = this.popularity.length;
    if (count <= capacity) return;
    let next = capacity;
    while (next < count) next *= 2;
    const widen = <T extends Float64Array | Int32Array | Uint8Array | Float32Array>(a: T, make: (n: number) => T, fill?: number): T => {
      const b = make(next);
      if (fill !== undefined) (b as Int32Array).fill(fill);
      b.set(a as never);
      return b;
    };
    this.popularity = widen(this.popularity, (n) => new Float64Array(n));
    this.catalogued = widen(this.catalogued, (n) => new Uint8Array(n));
    this.vectorTag = widen(this.vectorTag, (n) => new Int32Array(n), -1);
    this.keyColumns = {
      category: widen(this.keyColumns.category, (n) => new Int32Array(n), KEYS_NOT_READ),
      brand: widen(this.keyColumns.brand, (n) => new Int32Array(n)),
      band: widen(this.keyColumns.band, (n) => new Int32Array(n)),
      tags: widen(this.keyColumns.tags, (n) => new Uint8Array(n)),
    };
    this.lexStart = widen(this.lexStart, (n) => new Int32Array(n));
    this.inverseNorm = widen(this.inverseNorm, (n) => new Float64Array(n));
    this.normAt = widen(this.normAt, (n) => new Int32Array(n));
    this.lexLength = widen(this.lexLength, (n) => new Int32Array(n), -1);
    this.cf.grow(next);
    for (const space of this.spaces.values()) {
      space.store.resize(next * space.dim);
      space.has = widen(space.has, (n) => new Uint8Array(n));
    }
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
        const n = this.lexLength[s]!;
        if (n < 0) continue;
        const at = this.lexStart[s]!;
        index.set(from.subarray(at, at + n), used);
        value.set(values.subarray(at, at + n), used);
        this.lexStart[s] = used;
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

/** A category id no key has: the slot's keys were not computed yet. */
const KEYS_NOT_READ = -2;

interface VectorSpace {
  dim: number;
  store: VectorStore;
  has: Uint8Array;
}
