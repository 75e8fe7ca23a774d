import type { EncoderInfo } from '../../types.js';
import { fnv1a32 } from '../hash.js';
import { normalizeInPlace } from '../vector.js';
import type { Encoder } from './types.js';

/**
 * The lexical encoder: hashed word unigrams and bigrams plus character
 * trigrams, sublinear term weights, L2-normalised. It needs no download, so it
 * answers from the first call, and it stays a useful signal next to the model.
 *
 * Its vectors carry no inverse document frequency: ranking weighs the buckets
 * by the catalogue's IDF when it scores (ranking/idf.ts), so vectors and the
 * profiles built from them stay valid as the catalogue grows, and the version
 * (part of the encoder id that stored profiles are keyed by) stays 1.
 */
export const LEXICAL_VERSION = 1;

const WORD_WEIGHT = 1;
const BIGRAM_WEIGHT = 0.5;
/** Split over all trigrams of a word, so long words do not drown short ones. */
const TRIGRAMS_WEIGHT_PER_WORD = 0.6;

export function tokenizeWords(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0);
}

export function createLexicalEncoder(dimension = 512): Encoder {
  if (!Number.isInteger(dimension) || dimension < 16) throw new RangeError('dimension must be an integer >= 16');
  const info: EncoderInfo = { id: `lexical:v${LEXICAL_VERSION}:${dimension}`, kind: 'lexical', dimension };

  const add = (counts: Map<number, number>, feature: string, weight: number): void => {
    const h = fnv1a32(feature);
    // Signed hashing: collisions cancel in expectation instead of adding up.
    const slot = (h % dimension) | 0;
    const sign = h & 0x80000000 ? -1 : 1;
    counts.set(slot, (counts.get(slot) ?? 0) + sign * weight);
  };

  const embedOne = (text: string): Float32Array => {
    const v = new Float32Array(dimension);
    const counts = new Map<number, number>();
    const words = tokenizeWords(text);
    for (let i = 0; i < words.length; i++) {
      const w = words[i]!;
      add(counts, `w:${w}`, WORD_WEIGHT);
      if (i > 0) add(counts, `b:${words[i - 1]}_${w}`, BIGRAM_WEIGHT);
      const padded = `#${w}#`;
      const grams = padded.length - 2;
      for (let j = 0; j < grams; j++) add(counts, `c:${padded.slice(j, j + 3)}`, TRIGRAMS_WEIGHT_PER_WORD / grams);
    }
    // Sublinear term frequency: repeating a word helps, but with diminishing returns.
    for (const [slot, raw] of counts) v[slot] = Math.sign(raw) * Math.log1p(Math.abs(raw));
    return normalizeInPlace(v);
  };

  return {
    info,
    embed: (texts) => Promise.resolve(texts.map(embedOne)),
  };
}
