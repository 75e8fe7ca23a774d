// A worker_threads worker of `npm run bench:rank` (Node): either LocalRank's engine (from the
// bundle bench/rank.mjs builds of bench/rank-node-entry.js) with in-memory storage, or one of the
// naive baselines (bench/rank-naive.mjs): 'naive' the same-work one (the same ranking computed
// naively), 'simple-naive' the simple one (one mean-vector cosine + prior). All build the same
// catalogue from the same seed.
//
// workerData: { kind: 'engine' | 'naive' | 'simple-naive', bundle, encoderId, modelId, modelsDir, dim, size, now, fake }
// Messages: { id, op, args } -> { id, result } | { id, error }
//   engine: 'setup' (model, catalogue upsert, profile), 'rank' { ids, options }
//   naive, simple-naive: 'rank' { ids, k }
import { parentPort, workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { makeCatalog, profileEvents } from './rank-catalog.mjs';
import { createNaiveRanker, createSameWorkNaiveRanker } from './rank-naive.mjs';

const { kind, bundle, encoderId, modelId, modelsDir, dim, size, now, fake, chunk = 5000 } = workerData;

/** A deterministic stand-in 384-d "model" (hashed character trigrams), used only when the real one cannot load in Node. */
function fakeEncoder() {
  const embed1 = (text) => {
    const v = new Float32Array(dim);
    const s = ` ${text.toLowerCase()} `;
    for (let i = 0; i + 3 <= s.length; i++) {
      let h = 2166136261;
      for (let j = i; j < i + 3; j++) h = Math.imul(h ^ s.charCodeAt(j), 16777619);
      v[(h >>> 0) % dim] += (h & 1) === 0 ? 1 : -1;
    }
    let sq = 0;
    for (const x of v) sq += x * x;
    if (sq > 0) for (let t = 0; t < dim; t++) v[t] /= Math.sqrt(sq);
    return v;
  };
  return { info: { id: encoderId, kind: 'model', dimension: dim, device: 'cpu' }, embed: (texts) => Promise.resolve(texts.map(embed1)) };
}

async function engineOps() {
  const { Engine, loadModelEncoder } = await import(pathToFileURL(bundle).href);
  const engine = new Engine({
    openStore: () => {
      throw new Error('the bench uses in-memory storage');
    },
    storageWorks: () => Promise.resolve(false),
    loadModel: fake ? () => Promise.resolve(fakeEncoder()) : loadModelEncoder,
    deviceEnvironment: () => ({ isNode: true }),
    now: () => Date.now(),
  });
  const events = [];
  return {
    async setup() {
      const out = {};
      let t0 = performance.now();
      await engine.init({ namespace: 'bench', storage: 'memory', model: { id: modelId, baseUrl: modelsDir, dtype: 'q8' } }, (type, payload) => {
        if (type !== 'progress') events.push({ type, payload });
      });
      const encoder = await engine.whenModelSettled();
      out.modelMs = performance.now() - t0;
      out.encoder = encoder;
      out.events = events;
      if (encoder.kind !== 'model') return out; // the caller decides (falls back to the fake encoder)
      if (encoder.id !== encoderId || encoder.dimension !== dim) throw new Error(`the model serves as ${encoder.id} with ${encoder.dimension} dimensions, expected ${encoderId} with ${dim}`);
      t0 = performance.now();
      const catalog = makeCatalog({ encoder: encoderId, size, dim });
      out.catalogMs = performance.now() - t0;
      t0 = performance.now();
      for (let i = 0; i < catalog.items.length; i += chunk) await engine.upsertItems(catalog.items.slice(i, i + chunk));
      out.upsertMs = performance.now() - t0;
      t0 = performance.now();
      const { events: tracked } = profileEvents(catalog, now);
      const tr = await engine.track(tracked, 'bench-profile');
      if (tr.accepted !== tracked.length) throw new Error(`track accepted ${tr.accepted} of ${tracked.length}: ${JSON.stringify(tr.rejected[0])}`);
      const profile = await engine.profile();
      out.trackAndProfileMs = performance.now() - t0;
      out.profile = { counts: profile.counts, interests: profile.interests.length, encoder: profile.encoder.id };
      return out;
    },
    async rank({ ids, options }) {
      // Time inside the worker too: the round trip minus this is the messaging cost.
      const t0 = performance.now();
      const result = await engine.rank(ids, options);
      return { result, insideMs: performance.now() - t0 };
    },
  };
}

function naiveOps(create) {
  const ranker = create({ encoder: encoderId, size, now });
  return {
    setup: () => ({ size: ranker.size }),
    rank: ({ ids, k }) => {
      const t0 = performance.now();
      const result = ranker.rank(ids, k);
      return { result, insideMs: performance.now() - t0 };
    },
  };
}

const ops = kind === 'engine' ? await engineOps() : naiveOps(kind === 'simple-naive' ? createNaiveRanker : createSameWorkNaiveRanker);
parentPort.on('message', async ({ id, op, args }) => {
  try {
    parentPort.postMessage({ id, result: await ops[op](args) });
  } catch (error) {
    parentPort.postMessage({ id, error: error instanceof Error ? `${error.message}` : String(error) });
  }
});
parentPort.postMessage({ ready: true });
