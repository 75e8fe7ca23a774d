import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { env } from '@huggingface/transformers';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModelEncoder } from '../src/engine/encoder/model.js';
import type { ModelSource } from '../src/engine/encoder/model.js';
import { cosine } from './cosine.js';

const MODELS = join(import.meta.dirname, 'fixtures/models');
const MODEL = 'localrank-tiny-bert';
interface Reference {
  max_length: number;
  texts: Array<{ text: string; input_ids: number[]; embedding: number[] }>;
}
const reference = JSON.parse(readFileSync(join(MODELS, MODEL, 'reference.json'), 'utf8')) as Reference;

const source = (overrides: Partial<ModelSource> = {}): ModelSource => ({ id: MODEL, baseUrl: MODELS, device: 'cpu', ortBuild: 'wasm', batchSize: 4, ...overrides });

describe('model encoder (transformers.js in Node, fixture model)', () => {
  it.each([
    ['fp32', 0.999],
    ['q8', 0.99],
  ])('matches the independent numpy reference with dtype %s (cosine >= %s), long text truncated with [SEP] kept', async (dtype, threshold) => {
    const encoder = await loadModelEncoder(source({ dtype }));
    expect(encoder.info).toMatchObject({ id: `model:${MODEL}`, kind: 'model', dimension: 64, device: 'cpu', dtype });
    const vectors = await encoder.embed(reference.texts.map((t) => t.text));
    const long = reference.texts.find((t) => t.input_ids.length === reference.max_length);
    expect(long, 'the reference has a truncated text').toBeDefined();
    reference.texts.forEach((t, i) => expect(cosine(vectors[i]!, t.embedding), t.text).toBeGreaterThanOrEqual(threshold));
    await encoder.dispose?.();
  });

  it('with a version, the version is part of the encoder id (vectors of another version never mix)', async () => {
    const encoder = await loadModelEncoder(source({ dtype: 'q8', version: '2024-06' }));
    expect(encoder.info.id).toBe(`model:${MODEL}@2024-06`);
    await encoder.dispose?.();
  });

  it('returns vectors in input order although batches are grouped by length', async () => {
    const encoder = await loadModelEncoder(source({ dtype: 'fp32', batchSize: 3 }));
    const texts = reference.texts.map((t) => t.text).reverse();
    const batched = await encoder.embed(texts);
    for (let i = 0; i < texts.length; i++) {
      const [single] = await encoder.embed([texts[i]!]);
      expect(cosine(batched[i]!, single!)).toBeGreaterThan(0.9999);
    }
    await encoder.dispose?.();
  });

  describe('failures', () => {
    const dirs: string[] = [];
    afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

    it('a model that cannot be found rejects with MODEL_LOAD_FAILED', async () => {
      await expect(loadModelEncoder(source({ id: 'no-such-model' }))).rejects.toMatchObject({ name: 'LocalRankError', code: 'MODEL_LOAD_FAILED' });
    });

    /** A copy of the fixture whose config claims more positions than the weights have: long inputs then reach ONNX Runtime and fail. */
    function lyingModelDir(): string {
      const dir = mkdtempSync(join(tmpdir(), 'localrank-lying-'));
      dirs.push(dir);
      cpSync(join(MODELS, MODEL), join(dir, MODEL), { recursive: true });
      for (const file of ['config.json', 'tokenizer_config.json']) {
        const path = join(dir, MODEL, file);
        const json = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
        if ('max_position_embeddings' in json) json['max_position_embeddings'] = 512;
        if ('model_max_length' in json) json['model_max_length'] = 512;
        writeFileSync(path, JSON.stringify(json));
      }
      return dir;
    }
    const long = Array.from({ length: 200 }, () => 'running').join(' ');

    it('a failed run rejects with INFERENCE_FAILED, and every later call too (the worker must restart)', async () => {
      const encoder = await loadModelEncoder(source({ baseUrl: lyingModelDir(), dtype: 'fp32' }));
      await expect(encoder.embed([long])).rejects.toMatchObject({ code: 'INFERENCE_FAILED' });
      await expect(encoder.embed(['short'])).rejects.toMatchObject({ code: 'INFERENCE_FAILED' });
    });

    it('regression: a download of the same model id in the disk cache does not shadow a local model folder', async () => {
      // The cache holds the true fixture under the same id; the folder holds the lying config. The folder must win.
      const cache = mkdtempSync(join(tmpdir(), 'localrank-fs-cache-'));
      dirs.push(cache);
      cpSync(join(MODELS, MODEL), join(cache, MODEL), { recursive: true });
      const previous = env.cacheDir;
      env.cacheDir = cache;
      try {
        const encoder = await loadModelEncoder(source({ baseUrl: lyingModelDir(), dtype: 'fp32' }));
        await expect(encoder.embed([long])).rejects.toMatchObject({ code: 'INFERENCE_FAILED' });
      } finally {
        env.cacheDir = previous;
      }
    });
  });
});
