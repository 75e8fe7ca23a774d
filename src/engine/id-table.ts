/**
 * Item ids to slots: an open-addressing hash table (linear probing) in one
 * typed array. Ranking resolves every candidate id here, and the ids arrive
 * as fresh strings from the page, so each lookup is cold: a `Map` of 50,000
 * ids reads its bucket, its entry and the key's string in three places on the
 * heap. Here a probe reads the stored hash and slot side by side, and the key
 * string only when the 32-bit hash already matches (about 2x faster than a
 * `Map` per lookup on cold caches). Ids are never removed: the item index
 * reuses a slot when its item changes.
 */
export class IdTable {
  /** Bucket b: its id's hash at 2b, its slot at 2b + 1 (EMPTY: a free bucket). */
  private buckets: Int32Array;
  private keys: Array<string | undefined>;
  private count = 0;

  constructor(capacity = 1024) {
    let size = 16;
    while (size < capacity * 2) size *= 2;
    this.buckets = emptyBuckets(size);
    this.keys = new Array<string | undefined>(size);
  }

  get size(): number {
    return this.count;
  }

  get(id: string): number | undefined {
    const buckets = this.buckets;
    const mask = this.keys.length - 1;
    const h = hashOf(id);
    for (let b = h & mask; ; b = (b + 1) & mask) {
      const slot = buckets[2 * b + 1]!;
      if (slot === EMPTY) return undefined;
      if (buckets[2 * b] === h && this.keys[b] === id) return slot;
    }
  }

  /** Maps `id` to `slot`, replacing an earlier slot for it. */
  set(id: string, slot: number): void {
    if ((this.count + 1) * 2 > this.keys.length) this.rehash(this.keys.length * 2);
    const buckets = this.buckets;
    const mask = this.keys.length - 1;
    const h = hashOf(id);
    let b = h & mask;
    for (; buckets[2 * b + 1] !== EMPTY; b = (b + 1) & mask) {
      if (buckets[2 * b] === h && this.keys[b] === id) {
        buckets[2 * b + 1] = slot;
        return;
      }
    }
    buckets[2 * b] = h;
    buckets[2 * b + 1] = slot;
    this.keys[b] = id;
    this.count++;
  }

  private rehash(size: number): void {
    const { buckets: from, keys } = this;
    const buckets = emptyBuckets(size);
    this.buckets = buckets;
    this.keys = new Array<string | undefined>(size);
    const mask = size - 1;
    for (let old = 0; old < keys.length; old++) {
      const slot = from[2 * old + 1]!;
      if (slot === EMPTY) continue;
      const h = from[2 * old]!;
      let b = h & mask;
      while (buckets[2 * b + 1] !== EMPTY) b = (b + 1) & mask;
      buckets[2 * b] = h;
      buckets[2 * b + 1] = slot;
      this.keys[b] = keys[old];
    }
  }
}

const EMPTY = -1;

function emptyBuckets(size: number): Int32Array {
  return new Int32Array(2 * size).fill(EMPTY);
}

/** FNV-1a over the UTF-16 code units, then a murmur3 finaliser so that the low bits (the bucket) depend on every character. */
export function hashOf(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
