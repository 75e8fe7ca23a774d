/**
 * A small seeded PRNG for deterministic tie-breaking and exploration.
 *
 * mulberry32: 32 bits of state, period 2^32, good enough statistical quality
 * for shuffling and tie-breaking a few thousand candidates (not
 * cryptographic). Same seed, same sequence, on every platform (only 32-bit
 * integer arithmetic through `Math.imul` and `>>>`).
 */
import { fnv1a32 } from '../hash.js';

/** A generator of uniform floats in [0, 1). */
export type Rng = () => number;

/**
 * mulberry32 seeded with the low 32 bits of `seed`: each call returns the next
 * uniform float in [0, 1), a multiple of 2^-32.
 */
export function mulberry32(seed: number): Rng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** murmur3's 32-bit finaliser: every input bit affects every output bit. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * A 32-bit seed from a string (a user id, a list id, a date): FNV-1a over the
 * UTF-16 code units, then `fmix32` so that strings differing in one character
 * give unrelated seeds. Stable across runs and platforms.
 */
export function seedFrom(text: string): number {
  return fmix32(fnv1a32(text));
}

/** A uniform whole number in [0, n) for `n >= 1` (floor of `rng() * n`). */
export function randomInt(rng: Rng, n: number): number {
  return Math.floor(rng() * n);
}

/** Fisher–Yates shuffle in place (uniform over permutations for a uniform `rng`); returns `values`. */
export function shuffleInPlace<T extends Int32Array | number[]>(values: T, rng: Rng): T {
  for (let i = values.length - 1; i > 0; i--) {
    const j = randomInt(rng, i + 1);
    const tmp = values[i]!;
    values[i] = values[j]!;
    values[j] = tmp;
  }
  return values;
}
