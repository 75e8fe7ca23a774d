import type { EncoderInfo } from '../../types.js';

/** Turns texts into L2-normalised vectors. Implementations: lexical, transformers.js, test fakes. */
export interface Encoder {
  readonly info: EncoderInfo;
  embed(texts: readonly string[]): Promise<Float32Array[]>;
  dispose?(): Promise<void>;
}
