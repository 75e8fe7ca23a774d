// What `npm run bench:quality` needs: the evaluation module and LocalRank's Node model loader.
// bench/quality.mjs bundles this file for Node with vite (SSR build; dependencies stay external).
export * from '../src/eval/index.ts';
export { loadModelEncoder } from '../src/engine/encoder/model.ts';
