/**
 * Reading the item-vector files that `npx localrank embed` writes at build
 * time (format: docs/vectors-format.md). Pure functions, no DOM, no worker:
 * a host that never imports them pays nothing for them.
 */
import { fnv1a32 } from './engine/hash.js';
import { itemText } from './engine/item-text.js';
import { decodeVectorsFile } from './engine/vectors-file.js';
import type { Item } from './types.js';

/** A decoded vectors file (see {@link readVectors}). */
export interface VectorsFile {
  /** The encoder id the vectors belong to (`model:<model id>`); the library uses them only while that model serves. */
  encoder: string;
  dimension: number;
  /** How the values were stored; decoded vectors are always Float32Array. */
  quantization: 'float32' | 'float16' | 'int8';
  /** Weight precision of the model that computed them (`q8`, `fp32`…), as the CLI recorded it. */
  dtype: string;
  /** Item ids, in file order. */
  ids: string[];
  /** The vector of each id (same order as `ids`). */
  vectors: Float32Array[];
  /** FNV-1a 32-bit hash of the item text each vector was computed from (same order). */
  textHashes: Uint32Array;
}

/**
 * Decodes a vectors file (an ArrayBuffer or a typed-array view of one).
 * Rejects a truncated, corrupted or unsupported file with a `LocalRankError`
 * of code `INVALID_ARGUMENT` and field `vectors`.
 */
export function readVectors(buffer: ArrayBufferLike | ArrayBufferView): VectorsFile {
  const file = decodeVectorsFile(buffer);
  const { header, ids } = file;
  return {
    encoder: header.encoder,
    dimension: header.dimension,
    quantization: header.quantization,
    dtype: header.dtype,
    ids: ids.map((e) => e.id),
    vectors: ids.map((_, i) => file.vector(i)),
    textHashes: Uint32Array.from(ids, (e) => e.textHash),
  };
}

/**
 * Returns the items with `vector` set from a vectors file, for
 * {@link LocalRank.upsertItems}:
 *
 * ```ts
 * const buffer = await (await fetch('/vectors.bin')).arrayBuffer();
 * await lr.upsertItems(withVectors(items, buffer));
 * ```
 *
 * An item gets the file's vector when the file has its id and the item's
 * text (title, category, brand, tags, description) is the one the vector was
 * computed from (replacing any `vector` the item had); other items are
 * returned unchanged, so the browser embeds only items that are new or
 * changed since the file was built. Items are copied, never modified. `vectors` may be the file's bytes or the result of
 * {@link readVectors} (to decode once and apply to several batches).
 */
export function withVectors(items: readonly Item[], vectors: ArrayBufferLike | ArrayBufferView | VectorsFile): Item[] {
  const file = isVectorsFile(vectors) ? vectors : readVectors(vectors);
  const byId = new Map<string, number>();
  file.ids.forEach((id, i) => byId.set(id, i));
  return items.map((item) => {
    const i = item && typeof item === 'object' ? byId.get(item.id) : undefined;
    if (i === undefined || fnv1a32(itemText(item)) !== file.textHashes[i]) return item;
    return { ...item, vector: { encoder: file.encoder, values: file.vectors[i]! } };
  });
}

function isVectorsFile(v: ArrayBufferLike | ArrayBufferView | VectorsFile): v is VectorsFile {
  return !(v instanceof ArrayBuffer) && !ArrayBuffer.isView(v) && Array.isArray((v as VectorsFile).ids);
}
