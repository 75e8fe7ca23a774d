import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { loadModelEncoder } from '../engine/encoder/model.js';
import type { Encoder } from '../engine/encoder/types.js';
import { fnv1a32 } from '../engine/hash.js';
import { itemText } from '../engine/item-text.js';
import type { Quantization } from '../engine/vectors-file.js';
import { encodeIds, encodeRecords } from '../engine/vectors-file.js';
import type { ModelOptions, ProgressEvent } from '../types.js';
import type { CatalogProblem } from './catalog.js';
import { CatalogError, parseCatalog } from './catalog.js';
import type { ModelRef } from './model-ref.js';
import { ModelRefError, resolveModelRef } from './model-ref.js';
import { openOutput, ResumeMismatchError } from './output.js';
import { createProgress, formatDuration } from './progress.js';
import type { ProgressStream } from './progress.js';

export type Dtype = NonNullable<ModelOptions['dtype']>;
export const DTYPES: readonly Dtype[] = ['q8', 'fp32', 'fp16', 'int8', 'uint8', 'q4'];

/** Exit codes of `localrank embed` (docs/cli.md). */
export const EXIT = {
  OK: 0,
  /** Nothing usable written: unreadable catalog, model failure, I/O error, refused resume. */
  FAILED: 1,
  /** Bad command line. */
  USAGE: 2,
  /** The output is complete for the valid entries, but some catalog entries were invalid and skipped. */
  SKIPPED: 3,
  /** Stopped by Ctrl-C (SIGINT) or SIGTERM; the partial output is kept and the same command resumes it. */
  INTERRUPTED: 130,
} as const;

export interface EmbedOptions {
  catalog: string;
  model: string;
  out: string;
  modelId?: string;
  dtype: Dtype;
  quantization: Quantization;
  batchSize: number;
  force: boolean;
  quiet: boolean;
  json: boolean;
}

export interface EmbedIO {
  stdout: { write(text: string): unknown };
  stderr: ProgressStream;
  /** Aborts the run between chunks (Ctrl-C); the partial output is kept for resuming. */
  signal?: AbortSignal;
  /** Test hook: called after each chunk is durably written, with the items written so far. */
  onCheckpoint?: (written: number) => void;
}

export interface EmbedSummary {
  out: string;
  encoder: string;
  dimension: number;
  dtype: string;
  quantization: Quantization;
  /** Valid catalog items, all of which are in the finished file. */
  items: number;
  /** Items embedded by this run (the rest came from a resumed partial file). */
  embedded: number;
  resumed: number;
  skipped: number;
  upToDate: boolean;
  /** Embedding time of this run (model load excluded) and its speed. */
  seconds: number;
  itemsPerSecond: number | null;
  modelLoadSeconds: number;
}

/** Items per durable write: a kill loses at most this much work. */
const CHUNK_BATCHES = 8;

/** SHA-256 of what is embedded, in order: the work list a partial file must match to be resumed. */
function workDigest(ids: readonly string[], texts: readonly string[]): Uint8Array {
  const hash = createHash('sha256');
  ids.forEach((id, i) => hash.update(`${id}\u0000${texts[i]}\u0000`));
  return new Uint8Array(hash.digest());
}

function describeProblem(file: string, p: CatalogProblem): string {
  return `${file}:${p.line}: skipped: ${p.message}`;
}

function modelFailure(ref: ModelRef, error: unknown): string {
  const reason = error instanceof Error ? error.message : String(error);
  if (ref.kind === 'hub') {
    return (
      `could not load "${ref.loadId}" from the Hugging Face Hub (https://huggingface.co): ${reason}\n` +
      'Check the model id and this machine\'s network access, or download the model folder (config.json, tokenizer files, onnx/model_quantized.onnx) and pass its path: --model ./models/<name>'
    );
  }
  if (ref.kind === 'url') return `could not load the model from ${ref.baseUrl}${ref.loadId}/: ${reason}`;
  return `could not load the model in ${ref.baseUrl}/${ref.loadId}: ${reason}`;
}

/** One line per model file at 0, 25, 50, 75 and 100% (transformers.js reports every chunk). */
function downloadReporter(say: (text: string) => void): (p: ProgressEvent) => void {
  const shown = new Map<string, number>();
  return ({ file, loaded, total }) => {
    const step = total > 0 ? Math.floor((loaded / total) * 4) * 25 : 0;
    if ((shown.get(file) ?? -1) >= step) return;
    shown.set(file, step);
    say(`downloading ${file}: ${step}%${total > 0 ? ` of ${(total / 1e6).toFixed(1)} MB` : ''}`);
  };
}

/** `localrank embed`: returns the exit code; writes reports to stderr and, with `json`, a summary to stdout. */
export async function runEmbed(options: EmbedOptions, io: EmbedIO): Promise<number> {
  const say = (text: string): void => {
    if (!options.quiet) io.stderr.write(`${text}\n`);
  };
  const error = (text: string): void => {
    io.stderr.write(`localrank embed: error: ${text}\n`);
  };
  const catalogName = basename(options.catalog);

  let ref: ModelRef;
  try {
    ref = resolveModelRef(options.model, options.modelId);
  } catch (e) {
    if (e instanceof ModelRefError) {
      error(e.message);
      return EXIT.USAGE;
    }
    throw e;
  }

  let text: string;
  try {
    text = await readFile(options.catalog, 'utf8');
  } catch (e) {
    error(`cannot read the catalog ${options.catalog}: ${(e as Error).message}`);
    return EXIT.FAILED;
  }
  let catalog;
  try {
    catalog = parseCatalog(text, options.catalog);
  } catch (e) {
    if (!(e instanceof CatalogError)) throw e;
    error(`${options.catalog}: ${e.message}`);
    return EXIT.FAILED;
  }
  // Invalid entries are reported even with --quiet: they are never dropped silently.
  for (const p of catalog.problems) io.stderr.write(`${describeProblem(catalogName, p)}\n`);
  const skipped = catalog.problems.length;
  const { items } = catalog;
  say(`${options.catalog}: ${items.length} valid item(s)${skipped > 0 ? `, ${skipped} invalid entr${skipped === 1 ? 'y' : 'ies'} skipped` : ''}`);

  const texts = items.map(itemText);
  const encoderId = `model:${ref.modelId}`;
  say(`model: ${ref.kind === 'hub' ? `${ref.loadId} (Hugging Face Hub)` : `${ref.baseUrl}${ref.kind === 'directory' ? '/' : ''}${ref.loadId}`}, dtype ${options.dtype}; vectors tagged "${encoderId}"`);

  const loadStart = performance.now();
  let encoder: Encoder;
  try {
    encoder = await loadModelEncoder({
      id: ref.loadId,
      ...(ref.baseUrl !== undefined ? { baseUrl: ref.baseUrl } : {}),
      dtype: options.dtype,
      // onnxruntime-node on the CPU; the ORT build only matters in browsers.
      device: 'cpu',
      ortBuild: 'wasm',
      batchSize: options.batchSize,
      ...(ref.kind === 'directory' ? {} : { onProgress: downloadReporter(say) }),
    });
  } catch (e) {
    error(modelFailure(ref, e));
    return EXIT.FAILED;
  }
  const modelLoadSeconds = (performance.now() - loadStart) / 1000;

  try {
    const { dimension } = encoder.info;
    const identity = { encoder: encoderId, dtype: options.dtype, quantization: options.quantization, dimension, count: items.length, digest: workDigest(items.map((i) => i.id), texts) };
    let output;
    try {
      output = await openOutput(options.out, identity, options.force);
    } catch (e) {
      if (!(e instanceof ResumeMismatchError)) throw e;
      error(e.message);
      return EXIT.FAILED;
    }
    const summary: EmbedSummary = {
      out: options.out,
      encoder: encoderId,
      dimension,
      dtype: options.dtype,
      quantization: options.quantization,
      items: items.length,
      embedded: 0,
      resumed: output.resumed,
      skipped,
      upToDate: output.upToDate,
      seconds: 0,
      itemsPerSecond: null,
      modelLoadSeconds,
    };
    const report = (): number => {
      if (options.json) io.stdout.write(`${JSON.stringify(summary)}\n`);
      return skipped > 0 ? EXIT.SKIPPED : EXIT.OK;
    };
    if (output.upToDate) {
      say(`${options.out} is already complete for this catalog and model: nothing to do (--force recomputes it)`);
      return report();
    }
    if (output.resumed > 0) say(`resuming ${options.out}.partial: ${output.resumed} of ${items.length} items already done`);

    const progress = options.quiet ? null : createProgress(io.stderr, items.length, output.resumed);
    const chunk = options.batchSize * CHUNK_BATCHES;
    const start = performance.now();
    let done = output.resumed;
    try {
      while (done < items.length) {
        if (io.signal?.aborted) {
          progress?.finish(done);
          error(`interrupted after ${done} of ${items.length} items; ${options.out}.partial is kept: run the same command again to resume`);
          return EXIT.INTERRUPTED;
        }
        const end = Math.min(done + chunk, items.length);
        const vectors = await encoder.embed(texts.slice(done, end));
        await output.appendRecords(encodeRecords(vectors, options.quantization, dimension));
        done = end;
        summary.embedded = done - output.resumed;
        progress?.update(done);
        io.onCheckpoint?.(done);
      }
      await output.finish(encodeIds(items.map((item, i) => ({ id: item.id, textHash: fnv1a32(texts[i]!) }))));
    } finally {
      await output.close();
    }
    progress?.finish(done);
    summary.seconds = (performance.now() - start) / 1000;
    summary.itemsPerSecond = summary.embedded > 0 && summary.seconds > 0 ? summary.embedded / summary.seconds : null;
    say(
      `wrote ${options.out}: ${items.length} vectors (${dimension}-d, ${options.quantization}), ${summary.embedded} embedded in ${formatDuration(summary.seconds)}` +
        `${summary.itemsPerSecond !== null ? ` (${summary.itemsPerSecond.toFixed(0)} items/s)` : ''}${output.resumed > 0 ? `, ${output.resumed} resumed` : ''}` +
        `${skipped > 0 ? `; ${skipped} invalid entr${skipped === 1 ? 'y' : 'ies'} skipped (exit code ${EXIT.SKIPPED})` : ''}`,
    );
    return report();
  } catch (e) {
    error(e instanceof Error ? e.message : String(e));
    return EXIT.FAILED;
  } finally {
    await encoder.dispose?.();
  }
}
