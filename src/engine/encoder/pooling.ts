import { normalizeInPlace } from '../vector.js';

/** Anything indexable that holds the attention mask (transformers.js gives BigInt64Array). */
export type MaskData = ArrayLike<number | bigint>;

/**
 * Mean of the token vectors the attention mask keeps, then L2 normalisation:
 * the sentence-transformers pooling of all-MiniLM-L6-v2.
 * `hidden` is row-major [batch, seqLength, dim].
 */
export function meanPoolNormalize(
  hidden: Float32Array,
  mask: MaskData,
  batch: number,
  seqLength: number,
  dim: number,
): Float32Array[] {
  if (hidden.length !== batch * seqLength * dim) throw new RangeError('hidden state size does not match its dims');
  if (mask.length !== batch * seqLength) throw new RangeError('attention mask size does not match its dims');
  const out: Float32Array[] = [];
  for (let b = 0; b < batch; b++) {
    const v = new Float32Array(dim);
    let kept = 0;
    for (let t = 0; t < seqLength; t++) {
      if (Number(mask[b * seqLength + t]) === 0) continue;
      kept++;
      const offset = (b * seqLength + t) * dim;
      for (let k = 0; k < dim; k++) v[k]! += hidden[offset + k]!;
    }
    if (kept > 0) for (let k = 0; k < dim; k++) v[k]! /= kept;
    out.push(normalizeInPlace(v));
  }
  return out;
}

/**
 * The longest input the model accepts: the tokenizer's limit, capped by the
 * model's position embeddings (some tokenizer configs claim far more than the
 * model has, and one over-long input poisons an ONNX Runtime worker).
 */
export function maxInputTokens(tokenizerMax: number | undefined, modelPositions: number | undefined): number {
  const candidates = [tokenizerMax, modelPositions, 512].filter(
    (n): n is number => typeof n === 'number' && Number.isFinite(n) && n > 2,
  );
  return Math.min(...candidates);
}
