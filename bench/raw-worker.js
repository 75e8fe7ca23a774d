// The baseline for `overhead_ratio_vs_raw_pipeline`: a bare transformers.js
// feature-extraction pipeline in a module worker, configured like LocalRank's
// worker (same ORT files, same model URL scheme), with no LocalRank code.
// bench/encoder.mjs bundles this file with vite (the library's ORT resolve
// conditions) into a temporary folder and serves it.
import { env, pipeline } from '@huggingface/transformers';

let extractor = null;

async function init({ id, baseUrl, dtype, wasmPaths }) {
  env.allowLocalModels = false;
  env.allowRemoteModels = true;
  env.remoteHost = baseUrl;
  env.remotePathTemplate = '{model}/';
  env.backends.onnx.wasm.wasmPaths = wasmPaths;
  extractor = await pipeline('feature-extraction', id, { dtype, device: 'wasm' });
  return { ok: true };
}

async function embed({ texts, batch }) {
  // The vectors go back to the page, as LocalRank's `embed` sends its vectors back.
  const vectors = [];
  let count = 0;
  let dimension = 0;
  for (let i = 0; i < texts.length; i += batch) {
    const out = await extractor(texts.slice(i, i + batch), { pooling: 'mean', normalize: true });
    count += out.dims[0];
    dimension = out.dims[1];
    vectors.push(out.data);
  }
  return { count, dimension, vectors };
}

self.onmessage = async (event) => {
  const { id, op, args } = event.data;
  try {
    const result = op === 'init' ? await init(args) : await embed(args);
    self.postMessage({ id, result });
  } catch (error) {
    self.postMessage({ id, error: error instanceof Error ? `${error.message}\n${error.stack}` : String(error) });
  }
};
