import type { EncoderInfo, ProgressEvent } from '../../types.js';
import { LocalRankError } from '../../errors.js';
import type { Device } from './backend.js';
import { isNodeRuntime, ORT_FILES } from './backend.js';
import { cacheStorage } from '../cache-storage.js';
import { maxInputTokens, meanPoolNormalize } from './pooling.js';
import type { Encoder } from './types.js';

/** Where the model and the runtime come from. URLs are absolute (the worker may run from a blob: URL). */
export interface ModelSource {
  id: string;
  /** Absolute http(s) URL of the folder holding model folders, or a file-system path in Node. */
  baseUrl?: string;
  dtype?: string;
  device: Device;
  /** Which ORT build to load: `webgpu` (asyncify, can run both) or the faster-loading plain `wasm`. */
  ortBuild: 'wasm' | 'webgpu';
  batchSize: number;
  /** Absolute URL of the folder with ORT's wasm files (browser only). */
  runtimeUrl?: string;
  onProgress?: (event: ProgressEvent) => void;
}

type Transformers = typeof import('@huggingface/transformers');

interface FeatureExtractor {
  tokenizer: ((texts: string[], options: { padding: boolean; truncation: boolean; max_length: number }) => {
    input_ids: { data: BigInt64Array; dims: number[] };
    attention_mask: { data: BigInt64Array; dims: number[] };
  }) & { model_max_length?: number; sep_token_id?: number };
  model: ((inputs: unknown) => Promise<Record<string, { data: Float32Array; dims: number[] } | undefined>>) & {
    config?: { max_position_embeddings?: number };
  };
  dispose(): Promise<void>;
}

let transformersModule: Promise<Transformers> | undefined;
const loadTransformers = (): Promise<Transformers> => (transformersModule ??= import('@huggingface/transformers'));

const isHttpUrl = (s: string): boolean => /^https?:\/\//i.test(s);

/** Points transformers.js at the host's model folder and ORT files; never at a CDN the host did not choose. */
function configureEnvironment(tf: Transformers, source: ModelSource): void {
  const { env } = tf;
  if (isNodeRuntime()) {
    // Node caches downloads on disk (node_modules/@huggingface/transformers/.cache), keyed by model id and file,
    // and reads that cache before a local folder: a model downloaded once under the same id would shadow the
    // folder's files. (Downloads over http in Node need the cache: onnxruntime-node loads from its file.)
    // Browsers have no disk cache to switch (asking for one fails the load where the Cache API is missing).
    env.useFSCache = !(source.baseUrl && !isHttpUrl(source.baseUrl));
  } else if (!cacheStorage()) {
    // transformers.js tests `typeof caches`, which throws in Firefox's opaque-origin workers: load uncached.
    env.useBrowserCache = false;
    env.useWasmCache = false;
  }
  if (source.baseUrl && isHttpUrl(source.baseUrl)) {
    // A URL in env.localModelPath silently breaks the tokenizer (FIELD_NOTES); remote mode with our host works.
    env.allowLocalModels = false;
    env.allowRemoteModels = true;
    env.remoteHost = source.baseUrl.endsWith('/') ? source.baseUrl : `${source.baseUrl}/`;
    env.remotePathTemplate = '{model}/';
  } else if (source.baseUrl) {
    env.allowLocalModels = true;
    env.allowRemoteModels = false;
    env.localModelPath = source.baseUrl.endsWith('/') ? source.baseUrl : `${source.baseUrl}/`;
  }
  const wasm = env.backends.onnx.wasm as { wasmPaths?: unknown; numThreads?: number } | undefined;
  if (wasm && !isNodeRuntime()) {
    // Without our own runtime URL transformers.js would fetch ORT from a public CDN: refuse instead.
    if (!source.runtimeUrl) throw new Error('runtimeUrl is not set and cannot be derived; set options.runtimeUrl to the folder with the ORT files');
    const files = ORT_FILES[source.ortBuild];
    wasm.wasmPaths = { mjs: new URL(files.mjs, source.runtimeUrl).href, wasm: new URL(files.wasm, source.runtimeUrl).href };
  }
}

function progressReporter(onProgress: ModelSource['onProgress']): ((p: unknown) => void) | undefined {
  if (!onProgress) return undefined;
  const files = new Map<string, { loaded: number; total: number }>();
  return (raw) => {
    const p = raw as { status?: string; file?: string; loaded?: number; total?: number };
    if (p.status !== 'progress' || !p.file) return;
    files.set(p.file, { loaded: p.loaded ?? 0, total: p.total ?? 0 });
    let loaded = 0;
    let total = 0;
    for (const f of files.values()) {
      loaded += f.loaded;
      total += f.total;
    }
    onProgress({ file: p.file, loaded: p.loaded ?? 0, total: p.total ?? 0, progress: total > 0 ? loaded / total : 0 });
  };
}

/**
 * transformers.js truncates `[CLS] … [SEP]` by cutting the end, dropping
 * `[SEP]`; sentence-transformers (which made the model and the host's
 * server-side vectors) keeps it. Rows that fill the whole width end in `[SEP]`
 * after this, so long texts embed as they do in Python.
 */
export function endTruncatedWithSeparator(ids: { data: BigInt64Array; dims: number[] }, mask: { data: BigInt64Array }, sep: bigint): void {
  const [batch, width] = ids.dims as [number, number];
  for (let b = 0; b < batch; b++) {
    const last = b * width + width - 1;
    if (mask.data[last] === 1n) ids.data[last] = sep;
  }
}

/**
 * Loads a BERT-family feature-extraction model with transformers.js and
 * returns an encoder that does its own truncation and pooling, so an input
 * can never exceed the model's positions.
 */
export async function loadModelEncoder(source: ModelSource): Promise<Encoder> {
  let extractor: FeatureExtractor;
  try {
    const tf = await loadTransformers();
    configureEnvironment(tf, source);
    const options: Record<string, unknown> = { device: source.device };
    if (source.dtype) options['dtype'] = source.dtype;
    const progress = progressReporter(source.onProgress);
    if (progress) options['progress_callback'] = progress;
    extractor = (await tf.pipeline('feature-extraction', source.id, options)) as unknown as FeatureExtractor;
  } catch (error) {
    throw new LocalRankError('MODEL_LOAD_FAILED', `Model "${source.id}" failed to load: ${error instanceof Error ? error.message : String(error)}`);
  }

  const { model_max_length: tokenizerMax, sep_token_id: sepId } = extractor.tokenizer;
  const maxLength = maxInputTokens(tokenizerMax, extractor.model.config?.max_position_embeddings);
  let dimension = 0;
  let poisoned = false;

  const runBatch = async (texts: string[]): Promise<Float32Array[]> => {
    const inputs = extractor.tokenizer(texts, { padding: true, truncation: true, max_length: maxLength });
    if (sepId !== undefined) endTruncatedWithSeparator(inputs.input_ids, inputs.attention_mask, BigInt(sepId));
    const outputs = await extractor.model(inputs);
    const hidden = outputs['last_hidden_state'] ?? outputs['token_embeddings'];
    if (!hidden) throw new Error('model has no last_hidden_state output');
    const [batch, seqLength, dim] = hidden.dims as [number, number, number];
    dimension = dim;
    return meanPoolNormalize(hidden.data, inputs.attention_mask.data, batch, seqLength, dim);
  };

  // Probe once so `info.dimension` is known before the first real call.
  try {
    await runBatch(['localrank']);
  } catch (error) {
    await extractor.dispose().catch(() => undefined);
    throw new LocalRankError('MODEL_LOAD_FAILED', `Model "${source.id}" loaded but cannot run: ${error instanceof Error ? error.message : String(error)}`);
  }

  const info: EncoderInfo = { id: `model:${source.id}`, kind: 'model', dimension, device: source.device };
  if (source.dtype) info.dtype = source.dtype;

  return {
    info,
    async embed(texts) {
      // After one failed run ONNX Runtime Web fails every later call in the worker (FIELD_NOTES).
      if (poisoned) throw new LocalRankError('INFERENCE_FAILED', 'The model failed earlier in this worker; it must restart');
      // Batches pad to their longest text: grouping texts of similar length avoids
      // computing on padding (1.7x the real tokens on mixed product texts).
      const order = texts.map((_, i) => i).sort((a, b) => texts[a]!.length - texts[b]!.length);
      const out = new Array<Float32Array>(texts.length);
      for (let i = 0; i < order.length; i += source.batchSize) {
        const slice = order.slice(i, i + source.batchSize);
        let vectors: Float32Array[];
        try {
          vectors = await runBatch(slice.map((j) => texts[j]!));
        } catch (error) {
          poisoned = true;
          throw new LocalRankError('INFERENCE_FAILED', `Inference failed: ${error instanceof Error ? error.message : String(error)}`);
        }
        slice.forEach((j, k) => (out[j] = vectors[k]!));
      }
      return out;
    },
    dispose: () => extractor.dispose(),
  };
}
