// The benchmarks' seeded PRNG (mulberry32), the same algorithm as src/engine/ranking/random.ts.
// Plain ESM with no imports: the bench pages and workers load it as it is.
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
