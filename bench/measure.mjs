// Timing helpers and the model choice shared by the benchmarks.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export function median(values) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** The `p`-th percentile (0-100) of the finite values, interpolated linearly between ranks. */
export function percentile(values, p) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const pos = (v.length - 1) * (p / 100);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return v[lo] + (v[hi] - v[lo]) * (pos - lo);
}

/**
 * Texts per second of `embed(chunk)` called on chunks of `batch` texts.
 * Warm-up on the first `warmup` texts, then `reps` timed repetitions, each on
 * its own `perRep` distinct texts (the same slices for every batch size).
 * Returns texts/s per repetition.
 */
export async function throughput(embed, texts, { batch, warmup, reps, perRep }) {
  if (texts.length < warmup + reps * perRep) throw new Error('not enough texts');
  const warm = texts.slice(0, warmup);
  for (let i = 0; i < warm.length; i += batch) await embed(warm.slice(i, i + batch));
  const runs = [];
  for (let r = 0; r < reps; r++) {
    const slice = texts.slice(warmup + r * perRep, warmup + (r + 1) * perRep);
    const start = performance.now();
    for (let i = 0; i < slice.length; i += batch) await embed(slice.slice(i, i + batch));
    runs.push((slice.length / (performance.now() - start)) * 1000);
  }
  return runs;
}

/** Human-readable lines go to stdout; failures are collected so the final JSON can report them. */
export function createReport() {
  const problems = [];
  const log = (line = '') => process.stdout.write(`${line}\n`);
  const fail = (phase, error) => {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    problems.push(`${phase}: ${message}`);
    log(`!! ${phase} failed: ${message}`);
  };
  return { log, fail, problems };
}

/** True when src/ or workers/ changed after dist/ was built (the benchmark would measure old code). */
export function distIsStale(root) {
  const newest = (dir) => {
    let t = 0;
    for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
      if (e.isFile()) t = Math.max(t, statSync(join(e.parentPath ?? e.path, e.name)).mtimeMs);
    }
    return t;
  };
  return Math.max(newest(join(root, 'src')), newest(join(root, 'workers'))) > statSync(join(root, 'dist', 'engine.worker.js')).mtimeMs;
}

/**
 * The model the encoder benchmarks load: the shared distilled MiniLM when ../shared/models has it, else the
 * committed fixture. `urlPrefix` is where scripts/serve.mjs serves its folder.
 */
export function benchModel(root) {
  const sharedDir = resolve(root, '../shared/models');
  return existsSync(join(sharedDir, 'localrank-minilm-distilled/onnx/model_quantized.onnx'))
    ? { shared: true, id: 'localrank-minilm-distilled', dir: sharedDir, urlPrefix: '/shared-models/', label: 'localrank-minilm-distilled (q8, ../shared/models; 4-layer BERT, hidden 256)' }
    : { shared: false, id: 'localrank-tiny-bert', dir: join(root, 'test/fixtures/models'), urlPrefix: '/models/', label: 'localrank-tiny-bert (q8, committed fixture test/fixtures/models; 2-layer BERT, hidden 64)' };
}
