// Copies the ONNX Runtime Web files LocalRank loads into dist/ort/, so the
// package ships its runtime and nothing is fetched from a CDN.
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
// Take ORT from where transformers.js resolves it, so we ship the exact build it runs with.
const transformersDir = dirname(dirname(require.resolve('@huggingface/transformers')));
const ortDir = [join(transformersDir, 'node_modules/onnxruntime-web'), 'node_modules/onnxruntime-web'].find((d) => existsSync(join(d, 'package.json')));
if (!ortDir) throw new Error('onnxruntime-web is not installed');
const { version } = JSON.parse(readFileSync(join(ortDir, 'package.json'), 'utf8'));
const files = [
  'ort-wasm-simd-threaded.mjs',
  'ort-wasm-simd-threaded.wasm',
  'ort-wasm-simd-threaded.asyncify.mjs',
  'ort-wasm-simd-threaded.asyncify.wasm',
];
mkdirSync('dist/ort', { recursive: true });
for (const f of files) copyFileSync(join(ortDir, 'dist', f), join('dist/ort', f));
console.log(`copied ${files.length} files of onnxruntime-web ${version} to dist/ort/`);
