/** Small vector helpers on typed arrays; every hot loop in ranking goes through these. */

export function dot(a: Float32Array, b: Float32Array): number {
  const n = Math.min(a.length, b.length);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += a[i]! * b[i]!;
  return sum;
}

/** Scales `v` to unit length in place and returns it; a zero vector stays zero. */
export function normalizeInPlace(v: Float32Array): Float32Array {
  let sq = 0;
  for (let i = 0; i < v.length; i++) sq += v[i]! * v[i]!;
  if (sq > 0) {
    const inv = 1 / Math.sqrt(sq);
    for (let i = 0; i < v.length; i++) v[i]! *= inv;
  }
  return v;
}

/** `acc += weight * v`, in place. */
export function addScaled(acc: Float32Array, v: Float32Array, weight: number): void {
  const n = Math.min(acc.length, v.length);
  for (let i = 0; i < n; i++) acc[i]! += weight * v[i]!;
}
