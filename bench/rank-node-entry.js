// What the Node runner of `npm run bench:rank` needs from the engine. bench/rank.mjs bundles
// this file for Node with vite (SSR build; dependencies stay external) at bench time.
export { Engine } from '../src/engine/engine.ts';
export { loadModelEncoder } from '../src/engine/encoder/model.ts';
