import type { Item } from '../types.js';
import type { AffinityKeys } from './ranking/affinity.js';
import type { DenseGather, SparseGather, SparseRow } from './ranking/scores.js';
import { normalizeInPlace } from './vector.js';

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
  private popularity = new Float64Array(256);
  /** Lexical rows in CSR form: slot i's non-zeros are at [lexStart[i], lexStart[i] + lexLength[i]); lexLength -1: not computed. */
  private lexStart = new Int32Array(256);
  private lexLength = new Int32Array(256).fill(-1);
  private lexIndex = new Uint16Array(4096);
  private lexValue = new Float32Array(4096);
  private lexUsed = 0;
  private lexLive = 0;
  private readonly spaces = new Map<string, VectorSpace>();

  constructor(
    private readonly textOf: (item: Item) => string,
    private readonly keysOf: (item: Item) => AffinityKeys,
  ) {}

  get size(): number {
    return this.items.length;
  }

  /** The slot of each item, adding new ones and taking in changed ones (a different object for the same id). */
  slotsOf(items: readonly Item[]): Int32Array {
    const out = new Int32Array(items.length);
    for (let i = 0; i < items.length; i++) out[i] = this.slotOf(items[i]!);
    return out;
  }

  slotOf(item: Item): number {
    const known = this.slotById.get(item.id);
    if (known !== undefined && this.items[known] === item) return known;
    const slot = known ?? this.items.length;
    if (known === undefined) {
      this.slotById.set(item.id, slot);
      this.grow(slot + 1);
    } else {
      this.forgetDerived(slot);
    }
    this.items[slot] = item;
    this.texts[slot] = this.textOf(item);
    this.keys[slot] = undefined;
    this.popularity[slot] = item.popularity ?? 0;
    return slot;
  }

  item(slot: number): Item {
    return this.items[slot]!;
  }

  text(slot: number): string {
    return this.texts[slot]!;
  }

  /** The slot's affinity keys, computed on first use. */
  affinityKeys(slot: number): AffinityKeys {
    return (this.keys[slot] ??= this.keysOf(this.items[slot]!));
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
    if (this.lexLength[slot]! >= 0) this.lexLive -= this.lexLength[slot]!;
    if (this.lexUsed + n > this.lexIndex.length) this.reserveLexical(n);
    this.lexIndex.set(row.index, this.lexUsed);
    this.lexValue.set(row.value, this.lexUsed);
    this.lexStart[slot] = this.lexUsed;
    this.lexLength[slot] = n;
    this.lexUsed += n;
    this.lexLive += n;
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
    return { index: this.lexIndex, value: this.lexValue, start, length };
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
    space.data.set(vector, slot * dim);
    space.has[slot] = 1;
  }

  /** The slots' vectors as offsets into one array (every slot must have one). */
  vectorRows(encoderId: string, dim: number, slots: Int32Array): DenseGather {
    const space = this.space(encoderId, dim);
    const offsets = new Int32Array(slots.length);
    for (let i = 0; i < slots.length; i++) offsets[i] = slots[i]! * dim;
    return { data: space.data, offsets };
  }

  /** One slot's vector (a view: do not modify), or undefined when not computed. */
  vector(encoderId: string, dim: number, slot: number): Float32Array | undefined {
    const space = this.space(encoderId, dim);
    return space.has[slot] ? space.data.subarray(slot * dim, (slot + 1) * dim) : undefined;
  }

  // -------------------------------------------------------------------------

  private space(encoderId: string, dim: number): VectorSpace {
    let space = this.spaces.get(encoderId);
    if (!space || space.dim !== dim) {
      const capacity = this.popularity.length;
      this.spaces.set(encoderId, (space = { dim, data: new Float32Array(capacity * dim), has: new Uint8Array(capacity) }));
    }
    return space;
  }

  private forgetDerived(slot: number): void {
    if (this.lexLength[slot]! >= 0) this.lexLive -= this.lexLength[slot]!;
    this.lexLength[slot] = -1;
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
    this.lexStart = widen(this.lexStart, (n) => new Int32Array(n));
    this.lexLength = widen(this.lexLength, (n) => new Int32Array(n), -1);
    for (const space of this.spaces.values()) {
      space.data = widen(space.data, (n) => new Float32Array(n * space.dim));
      space.has = widen(space.has, (n) => new Uint8Array(n));
    }
  }

  /** Room for `extra` more lexical non-zeros: compact when replaced rows waste half the space, else double. */
  private reserveLexical(extra: number): void {
    if (this.lexUsed - this.lexLive > this.lexLive) {
      const index = new Uint16Array(Math.max(this.lexIndex.length, 2 * (this.lexLive + extra)));
      const value = new Float32Array(index.length);
      let used = 0;
      for (let s = 0; s < this.items.length; s++) {
        const n = this.lexLength[s]!;
        if (n < 0) continue;
        const from = this.lexStart[s]!;
        index.set(this.lexIndex.subarray(from, from + n), used);
        value.set(this.lexValue.subarray(from, from + n), used);
        this.lexStart[s] = used;
        used += n;
      }
      this.lexIndex = index;
      this.lexValue = value;
      this.lexUsed = used;
      if (used + extra <= index.length) return;
    }
    let next = this.lexIndex.length;
    while (next < this.lexUsed + extra) next *= 2;
    const index = new Uint16Array(next);
    const value = new Float32Array(next);
    index.set(this.lexIndex.subarray(0, this.lexUsed));
    value.set(this.lexValue.subarray(0, this.lexUsed));
    this.lexIndex = index;
    this.lexValue = value;
  }
}

interface VectorSpace {
  dim: number;
  data: Float32Array;
  has: Uint8Array;
}
