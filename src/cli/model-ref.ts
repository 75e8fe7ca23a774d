import { existsSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';

/** Where the CLI loads the model from, and the id the vectors are tagged with. */
export interface ModelRef {
  kind: 'directory' | 'url' | 'hub';
  /** The model id transformers.js loads (a folder name under `baseUrl`, or a Hub id). */
  loadId: string;
  /** The folder holding the model folder (a path or an http(s) URL); absent for the Hub. */
  baseUrl?: string;
  /**
   * The model id the browser uses (`model.id` in createLocalRank's options):
   * the vectors are tagged `model:<modelId>`, the encoder id the browser reports.
   */
  modelId: string;
}

/** A `--model` value that cannot be used, with why. */
export class ModelRefError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelRefError';
  }
}

const looksLikePath = (s: string): boolean => /^(\.{1,2}([/\\]|$)|[/\\~]|[A-Za-z]:[/\\])/.test(s) || s.includes('\\');

/**
 * Interprets `--model`:
 * - an existing directory (or anything written as a path): a local model
 *   folder; the browser's model id is the folder's name (`--model-id` overrides);
 * - an http(s) URL of a model folder: fetched like the browser does, with the
 *   last path segment as the model id;
 * - anything else: a Hugging Face Hub id (`Xenova/all-MiniLM-L6-v2`), downloaded.
 */
export function resolveModelRef(model: string, modelIdOverride?: string): ModelRef {
  const withId = (ref: Omit<ModelRef, 'modelId'>, fallback: string): ModelRef => ({ ...ref, modelId: modelIdOverride ?? fallback });
  if (/^https?:\/\//i.test(model)) {
    const url = new URL(model.replace(/\/+$/, ''));
    const id = decodeURIComponent(url.pathname.split('/').pop() ?? '');
    if (!id) throw new ModelRefError(`--model ${model}: the URL must name a model folder, e.g. https://example.com/models/my-model`);
    return withId({ kind: 'url', loadId: id, baseUrl: new URL('./', url).href }, id);
  }
  const path = resolve(model);
  if (existsSync(path) || looksLikePath(model)) {
    if (!existsSync(path) || !statSync(path).isDirectory()) throw new ModelRefError(`--model ${model}: no such model directory (${path})`);
    if (!existsSync(resolve(path, 'config.json'))) {
      throw new ModelRefError(`--model ${model}: not a model directory: ${resolve(path, 'config.json')} is missing (expected config.json, tokenizer.json and onnx/model_quantized.onnx, as transformers.js loads them)`);
    }
    const id = basename(path);
    return withId({ kind: 'directory', loadId: id, baseUrl: dirname(path) }, id);
  }
  return withId({ kind: 'hub', loadId: model }, model);
}
