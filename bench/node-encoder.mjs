// Child process of bench/encoder.mjs: encoder throughput of transformers.js in Node.
//
//   node bench/node-encoder.mjs <wasm|native> <modelsDir> <modelId> <plan-json>
//
// `wasm` makes transformers.js use onnxruntime-web (WebAssembly) instead of its
// default onnxruntime-node: transformers reads `globalThis[Symbol.for('onnxruntime')]`
// when it is first imported, so that is set before the (dynamic) import. Each
// runtime gets its own process so one cannot affect the other.
// Prints progress lines, then one JSON line (the last line of stdout).
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { productTexts } from './texts.mjs';
import { median, throughput } from './measure.mjs';

const [runtime, modelsDir, modelId, planJson] = process.argv.slice(2);
const plan = JSON.parse(planJson);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// Nothing here should touch the network; record any fetch that is not a file.
const offHost = [];
const realFetch = globalThis.fetch;
globalThis.fetch = (input, init) => {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  if (!/^(file:|blob:|data:)/.test(url) && !/^https?:\/\/127\.0\.0\.1[:/]/.test(url)) offHost.push(url);
  return realFetch(input, init);
};

/** The package folder Node's resolution finds from `fromDir` (works for packages whose exports hide package.json). */
function packageJsonPath(name, fromDir) {
  for (const dir of createRequire(join(fromDir, 'x.js')).resolve.paths(name) ?? []) {
    const candidate = join(dir, name, 'package.json');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`${name} not found from ${fromDir}`);
}

// The copies transformers itself resolves (not whatever a bare import here would find).
const tfPkgJson = packageJsonPath('@huggingface/transformers', root);
const tfPkg = JSON.parse(readFileSync(tfPkgJson, 'utf8'));
const tfDir = dirname(tfPkgJson);
const tfEntry = join(tfDir, tfPkg.exports.node.import.default);

let ortInfo = {};
if (runtime === 'wasm') {
  const ortPkgJson = packageJsonPath('onnxruntime-web', dirname(tfPkgJson));
  const ortPkg = JSON.parse(readFileSync(ortPkgJson, 'utf8'));
  const wanted = tfPkg.dependencies['onnxruntime-web'];
  if (ortPkg.version !== wanted.replace(/^[\^~]/, '')) {
    throw new Error(`onnxruntime-web ${ortPkg.version} resolved, transformers wants ${wanted}`);
  }
  const ortDir = dirname(ortPkgJson);
  const ort = await import(pathToFileURL(join(ortDir, ortPkg.exports['.'].node.import)).href);
  // The plain (non-asyncify) build, as LocalRank's worker uses for device 'wasm'.
  // A string prefix keeps transformers' wasm cache (Cache API / fetch) out of the way.
  ort.env.wasm.wasmPaths = pathToFileURL(join(ortDir, 'dist') + '/').href;
  globalThis[Symbol.for('onnxruntime')] = ort;
  ortInfo = { onnxruntimeWeb: ortPkg.version, ortModule: join(ortDir, ortPkg.exports['.'].node.import) };
}

const tf = await import(pathToFileURL(tfEntry).href);
tf.env.allowRemoteModels = false;
tf.env.allowLocalModels = true;
tf.env.localModelPath = modelsDir.endsWith('/') ? modelsDir : `${modelsDir}/`;

// With an injected runtime transformers lists no devices of its own ("Unsupported device: cpu"),
// so ask for 'auto' (no filtering) and name the execution provider directly.
const options =
  runtime === 'wasm'
    ? { dtype: 'q8', device: 'auto', session_options: { executionProviders: ['wasm'] } }
    : { dtype: 'q8', device: 'cpu' };

const loadStart = performance.now();
const extractor = await tf.pipeline('feature-extraction', modelId, options);
const loadMs = performance.now() - loadStart;

const session = extractor.model.sessions?.model;
const handler = session?.handler?.constructor?.name ?? 'unknown';
if (runtime === 'wasm') {
  const ort = globalThis[Symbol.for('onnxruntime')];
  ortInfo.numThreads = ort.env.wasm.numThreads;
  ortInfo.sessionFromOrtWeb = session instanceof ort.InferenceSession;
  if (!ortInfo.sessionFromOrtWeb) throw new Error('the session was not created by onnxruntime-web');
}
console.log(`[node ${runtime}] model loaded in ${loadMs.toFixed(0)} ms; session handler ${handler} ${JSON.stringify(ortInfo)}`);

const embed = async (texts) => {
  const out = await extractor(texts, { pooling: 'mean', normalize: true });
  if (out.dims[0] !== texts.length) throw new Error(`expected ${texts.length} vectors, got ${out.dims[0]}`);
};

const texts = productTexts(plan.poolSize);
const result = { runtime, loadMs, handler, ...ortInfo, batches: {} };
for (const batch of plan.batches) {
  const runs = await throughput((chunk) => embed(chunk), texts, { batch, ...plan });
  result.batches[batch] = { runs, median: median(runs) };
  console.log(`[node ${runtime}] batch ${String(batch).padStart(2)}: ${median(runs).toFixed(1)} texts/s (runs ${runs.map((r) => r.toFixed(1)).join(', ')})`);
}

if (runtime === 'wasm') {
  // Diagnostic: how much of a batch of 32 is padding, and the throughput when
  // each repetition's texts are sorted by token count before batching.
  const timed = texts.slice(plan.warmup, plan.warmup + plan.reps * plan.perRep);
  let real = 0;
  let padded = 0;
  for (let i = 0; i < timed.length; i += 32) {
    const { attention_mask: mask } = extractor.tokenizer(timed.slice(i, i + 32), { padding: true, truncation: true });
    for (const m of mask.data) real += Number(m);
    padded += mask.data.length;
  }
  result.padding = { real, padded, ratio: padded / real };
  const tokens = new Map(texts.map((t) => [t, extractor.tokenizer(t).input_ids.dims[1]]));
  const sortedTexts = texts.slice(0, plan.warmup);
  for (let r = 0; r < plan.reps; r++) {
    const slice = texts.slice(plan.warmup + r * plan.perRep, plan.warmup + (r + 1) * plan.perRep);
    sortedTexts.push(...slice.sort((a, b) => tokens.get(a) - tokens.get(b)));
  }
  const runs = await throughput((chunk) => embed(chunk), sortedTexts, { batch: 32, ...plan });
  result.sorted = { runs, median: median(runs) };
  console.log(
    `[node ${runtime}] batch 32, texts sorted by length within each repetition: ${median(runs).toFixed(1)} texts/s ` +
      `(unsorted batches of 32 hold ${padded} token slots for ${real} real tokens: ${(padded / real).toFixed(2)}x)`,
  );
}
await extractor.dispose();
result.offHostRequests = offHost;
console.log(JSON.stringify(result));
