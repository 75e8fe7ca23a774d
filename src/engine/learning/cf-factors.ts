import { addOuter, MAX_FACTORS } from './fold-in.js';

/**
 * The host's item factors (`cfVector`) by item-index slot: one Float32Array
 * per factor dimension (scoring 10,000 candidates reads k contiguous columns),
 * and YᵀY over every slot with a factor, kept up to date as items come and go
 * (see fold-in.ts for why over all of them).
 *
 * One dimension per engine: the first factor seen sets it; factors of another
 * length (or longer than {@link MAX_FACTORS}) are ignored and counted for a warning.
 */
export class CfFactors {
  private k = 0;
  private columns: Float32Array[] = [];
  private has: Uint8Array;
  /** Per slot: the length of an ignored factor (0: none ignored). */
  private ignored: Int32Array;
  /** Slots with an ignored factor (so that rankings without any skip reading `ignored`). */
  private ignoredCount = 0;
  private gramMatrix = new Float64Array(0);
  private count = 0;

  constructor(capacity: number) {
    this.has = new Uint8Array(capacity);
    this.ignored = new Int32Array(capacity);
  }

  /** The factor dimension (0 until a factor is seen). */
  get dimension(): number {
    return this.k;
  }

  /** How many slots hold a factor. */
  get size(): number {
    return this.count;
  }

  /** YᵀY over the slots with a factor, row-major k×k (a view: do not modify). */
  get gram(): Float64Array {
    return this.gramMatrix;
  }

  /** Sets (or, with undefined, clears) the slot's factor. */
  set(slot: number, factor: ArrayLike<number> | undefined): void {
    if (this.has[slot]) {
      const old = this.factor(slot)!;
      addOuter(this.gramMatrix, old, -1, this.k);
      this.has[slot] = 0;
      this.count--;
    }
    if (this.ignored[slot]! > 0) this.ignoredCount--;
    this.ignored[slot] = 0;
    if (factor === undefined) return;
    if (this.k === 0 && factor.length > 0 && factor.length <= MAX_FACTORS) this.start(factor.length);
    if (factor.length !== this.k) {
      this.ignored[slot] = factor.length;
      if (factor.length > 0) this.ignoredCount++;
      return;
    }
    for (let d = 0; d < this.k; d++) this.columns[d]![slot] = factor[d]!;
    addOuter(this.gramMatrix, factor, 1, this.k);
    this.has[slot] = 1;
    this.count++;
  }

  /** A copy of the slot's factor, or undefined. */
  factor(slot: number): Float64Array | undefined {
    if (!this.has[slot]) return undefined;
    const out = new Float64Array(this.k);
    for (let d = 0; d < this.k; d++) out[d] = this.columns[d]![slot]!;
    return out;
  }

  /** x · y_i for each slot; NaN where the slot has no factor. */
  scores(slots: Int32Array, x: Float64Array): Float64Array {
    const n = slots.length;
    const out = new Float64Array(n);
    for (let d = 0; d < this.k; d++) {
      const col = this.columns[d]!;
      const xd = x[d]!;
      for (let i = 0; i < n; i++) out[i]! += xd * col[slots[i]!]!;
    }
    for (let i = 0; i < n; i++) if (!this.has[slots[i]!]) out[i] = NaN;
    return out;
  }

  /** Lengths of the ignored factors among the slots, with how many of each. */
  ignoredLengths(slots: Int32Array): Map<number, number> {
    const out = new Map<number, number>();
    if (this.ignoredCount === 0) return out;
    for (let i = 0; i < slots.length; i++) {
      const len = this.ignored[slots[i]!]!;
      if (len > 0) out.set(len, (out.get(len) ?? 0) + 1);
    }
    return out;
  }

  grow(capacity: number): void {
    if (capacity <= this.has.length) return;
    const widen = <T extends Float32Array | Uint8Array | Int32Array>(a: T, b: T): T => (b.set(a as never), b);
    this.has = widen(this.has, new Uint8Array(capacity));
    this.ignored = widen(this.ignored, new Int32Array(capacity));
    this.columns = this.columns.map((c) => widen(c, new Float32Array(capacity)));
  }

  private start(k: number): void {
    this.k = k;
    this.columns = Array.from({ length: k }, () => new Float32Array(this.has.length));
    this.gramMatrix = new Float64Array(k * k);
  }
}
