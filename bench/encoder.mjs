// Encoder benchmark: `npm run bench:encoder` (after `npm run build`).
//
// Measures, on this machine:
//   - transformers.js encoder throughput in Node on WebAssembly (onnxruntime-web),
//     and for reference on onnxruntime-node (native CPU), at batch 1, 8, 32;
//   - the same in headless Chromium, through LocalRank's real worker (dist/engine.worker.js);
//   - LocalRank's worker `embed` against a bare transformers.js pipeline in a worker (same texts, batch 32);
//   - time to the first (lexical) and first model-backed `rank()` on the ESM build, cold and warm;
//   - in Chromium and Firefox ESR (bench/browser-visits.mjs, also `npm run bench:visits`): first and second
//     visit (browser restarted) to the first model ranking with their requests for model and runtime files,
//     and the engine worker's memory after the model loaded and after ranking 10,000 candidates;
//   - gzipped sizes of the built files;
//   - the catalog CLI's (`localrank embed`) items per second on the fixture and, when present, the shared model.
// Human-readable lines first; the last line of stdout is one JSON object.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { benchModel, createReport, distIsStale, median } from './measure.mjs';
import { productTexts } from './texts.mjs';
import { CHROMIUM, CHROMIUM_FLAGS } from '../scripts/chromium.mjs';
import { benchBrowserVisits, browserVisitKeys } from './browser-visits.mjs';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(BENCH, '..');
const DIST = join(ROOT, 'dist');

// Workload: the same text slices for every batch size; distinct texts in every repetition.
const BATCHES = [1, 8, 32];
const THROUGHPUT = { warmup: 32, reps: 5, perRep: 64 };
const OVERHEAD = { batch: 32, warmup: 64, pairs: 8, perPair: 64 };
const FIRST_RANK = { pages: 5, candidates: 40 };
const CLI = { items: { fixture: 2000, minilm: 1000 }, runs: 3 };

const fmt = (v, digits = 1) => (typeof v === 'number' ? v.toFixed(digits) : 'n/a');
const { log, fail, problems } = createReport();

const result = {
  node_wasm_texts_per_s_b1: null,
  node_wasm_texts_per_s_b8: null,
  node_wasm_texts_per_s_b32: null,
  chromium_wasm_texts_per_s_b1: null,
  chromium_wasm_texts_per_s_b8: null,
  chromium_wasm_texts_per_s_b32: null,
  overhead_ratio_vs_raw_pipeline: null,
  first_lexical_rank_ms: null,
  first_model_rank_ms: null,
  esm_entry_gz_bytes: null,
  worker_gz_bytes: null,
  iife_gz_bytes: null,
  model: null,
  // Extra figures beyond the required shape.
  node_cpu_texts_per_s_b1: null,
  node_cpu_texts_per_s_b8: null,
  node_cpu_texts_per_s_b32: null,
  esm_entry_with_comlink_gz_bytes: null,
  first_lexical_rank_warm_ms: null,
  first_model_rank_warm_ms: null,
  node_wasm_texts_per_s_b32_length_sorted: null,
  padded_to_real_tokens_b32: null,
  all_requests_local: null,
  // The build-time CLI (`localrank embed`, dist/cli.js on onnxruntime-node, q8, float32 output):
  // items per second of its embedding phase (model load excluded), median of CLI.runs runs.
  cli_items_per_s_fixture: null,
  cli_items_per_s_minilm: null,
  // Chromium and Firefox ESR through puppeteer-core (bench/browser-visits.mjs says how memory is measured):
  // first visit (fresh profile) and second visit (browser restarted, same profile), createLocalRank() -> first
  // rank() by the model, median of VISITS.rounds, and the requests for model and runtime files of each (most in a
  // round); the worker's memory after the model loaded and after ranking VISITS.candidates.
  ...Object.fromEntries(['chromium', 'firefox'].flatMap(browserVisitKeys).map((k) => [k, null])),
};
const VISITS = { rounds: 3, candidates: 10_000 };

// ---------------------------------------------------------------------------
// 0. Preconditions
const REQUIRED = ['localrank.js', 'engine.worker.js', 'localrank.iife.js', 'ort/ort-wasm-simd-threaded.mjs', 'ort/ort-wasm-simd-threaded.wasm'];
const missing = REQUIRED.filter((f) => !existsSync(join(DIST, f)));
if (missing.length > 0) {
  log(`dist/ is missing ${missing.join(', ')}: run \`npm run build\` first, then \`npm run bench:encoder\`.`);
  process.exit(1);
}

const MODEL = benchModel(ROOT);
const useShared = MODEL.shared;
result.model = MODEL.label;

const started = performance.now();
const staleDist = distIsStale(ROOT);
log('LocalRank encoder benchmark');
log(`model: ${MODEL.label}`);
log(
  useShared
    ? 'using the shared distilled model because ../shared/models/localrank-minilm-distilled exists'
    : '../shared/models/localrank-minilm-distilled not found: using the committed fixture model (tiny: figures are not representative of a real MiniLM)',
);
if (staleDist) log('warning: src/ or workers/ changed after dist/ was built; run `npm run build` to bench the current code');
log(`machine: ${process.platform} ${process.arch}, node ${process.version}, load average at start ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
log(`workload: ${THROUGHPUT.warmup} warm-up texts, then ${THROUGHPUT.reps} repetitions of ${THROUGHPUT.perRep} distinct product texts per batch size; figure = median texts/s`);
log();

// ---------------------------------------------------------------------------
// 1. Sizes
log('== gzipped sizes (zlib level 9) ==');
try {
  const gz = (buf) => gzipSync(buf, { level: 9 }).length;
  const read = (p) => readFileSync(p);
  const entry = read(join(DIST, 'localrank.js'));
  const comlinkPath = join(ROOT, 'node_modules/comlink/dist/esm/comlink.min.mjs');
  result.esm_entry_gz_bytes = gz(entry);
  result.worker_gz_bytes = gz(read(join(DIST, 'engine.worker.js')));
  result.iife_gz_bytes = gz(read(join(DIST, 'localrank.iife.js')));
  result.esm_entry_with_comlink_gz_bytes = gz(Buffer.concat([entry, Buffer.from('\n'), read(comlinkPath)]));
  const ortWasm = read(join(DIST, 'ort/ort-wasm-simd-threaded.wasm'));
  const ortMjs = read(join(DIST, 'ort/ort-wasm-simd-threaded.mjs'));
  log(`dist/localrank.js          ${String(entry.length).padStart(9)} B raw  ${String(result.esm_entry_gz_bytes).padStart(8)} B gz  (comlink is an external import)`);
  log(`  + comlink.min.mjs        ${' '.repeat(19)}${String(result.esm_entry_with_comlink_gz_bytes).padStart(8)} B gz  (entry and node_modules/comlink/dist/esm/comlink.min.mjs gzipped together)`);
  log(`dist/engine.worker.js      ${String(read(join(DIST, 'engine.worker.js')).length).padStart(9)} B raw  ${String(result.worker_gz_bytes).padStart(8)} B gz`);
  log(`dist/localrank.iife.js     ${String(read(join(DIST, 'localrank.iife.js')).length).padStart(9)} B raw  ${String(result.iife_gz_bytes).padStart(8)} B gz  (worker inlined)`);
  log(`dist/ort/ort-wasm-simd-threaded.{mjs,wasm} (fetched at run time, device wasm): ${gz(ortMjs) + gz(ortWasm)} B gz`);
} catch (error) {
  fail('sizes', error);
}
log();

// ---------------------------------------------------------------------------
// 2. Node: WASM (onnxruntime-web) and native CPU (onnxruntime-node), each in its own process
const poolSize = Math.max(THROUGHPUT.warmup + THROUGHPUT.reps * THROUGHPUT.perRep, 0);
const texts = productTexts(poolSize + OVERHEAD.warmup + OVERHEAD.pairs * OVERHEAD.perPair);

function runNodeChild(runtime) {
  const plan = JSON.stringify({ poolSize, batches: BATCHES, ...THROUGHPUT });
  return new Promise((resolveRun, rejectRun) => {
    execFile(
      process.execPath,
      [join(BENCH, 'node-encoder.mjs'), runtime, MODEL.dir, MODEL.id, plan],
      { cwd: ROOT, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const lines = stdout.trim().split('\n');
        const last = lines.at(-1) ?? '';
        for (const line of lines.slice(0, -1)) log(line);
        if (error) {
          if (last && !last.startsWith('{')) log(last);
          rejectRun(new Error(`${error.message.split('\n')[0]}${stderr ? `\n${stderr.trim().split('\n').slice(-6).join('\n')}` : ''}`));
          return;
        }
        try {
          resolveRun(JSON.parse(last));
        } catch {
          rejectRun(new Error(`no JSON from the ${runtime} child: ${last}`));
        }
      },
    );
  });
}

log('== Node: transformers.js feature-extraction pipeline (mean pooling, normalize), q8 ==');
const nodeOffHost = [];
try {
  const wasm = await runNodeChild('wasm');
  nodeOffHost.push(...wasm.offHostRequests);
  for (const b of BATCHES) result[`node_wasm_texts_per_s_b${b}`] = wasm.batches[b].median;
  if (wasm.sorted) {
    result.node_wasm_texts_per_s_b32_length_sorted = wasm.sorted.median;
    result.padded_to_real_tokens_b32 = wasm.padding.ratio;
  }
  log(`   WASM = onnxruntime-web ${wasm.onnxruntimeWeb} (${wasm.ortModule.replace(`${ROOT}/`, '')}), injected via globalThis[Symbol.for('onnxruntime')], ${wasm.numThreads} thread(s)`);
} catch (error) {
  fail('Node WASM throughput', error);
}
try {
  const cpu = await runNodeChild('native');
  nodeOffHost.push(...cpu.offHostRequests);
  for (const b of BATCHES) result[`node_cpu_texts_per_s_b${b}`] = cpu.batches[b].median;
  log('   native = onnxruntime-node (transformers.js default in Node), all cores; for reference only');
} catch (error) {
  fail('Node native CPU throughput', error);
}
log();

// ---------------------------------------------------------------------------
// 2b. The catalog CLI, as a user runs it: `node bin/localrank.mjs embed catalog.jsonl --model DIR --out FILE`
log('== CLI: localrank embed (dist/cli.js, onnxruntime-node, q8, float32 output) ==');
{
  const cliModels = [['fixture', join(ROOT, 'test/fixtures/models/localrank-tiny-bert')]];
  if (useShared) cliModels.push(['minilm', join(MODEL.dir, 'localrank-minilm-distilled')]);
  else log('(../shared/models/localrank-minilm-distilled not found: cli_items_per_s_minilm not measured)');
  const cliDir = mkdtempSync(join(tmpdir(), 'localrank-bench-cli-'));
  try {
    if (!existsSync(join(DIST, 'cli.js'))) throw new Error('dist/cli.js is missing: run `npm run build`');
    const cliTexts = productTexts(Math.max(...Object.values(CLI.items)));
    const catalogPath = join(cliDir, 'catalog.jsonl');
    writeFileSync(catalogPath, cliTexts.map((title, i) => JSON.stringify({ id: `p${i}`, title })).join('\n'));
    for (const [name, dir] of cliModels) {
      const count = CLI.items[name];
      const catalog = count === cliTexts.length ? catalogPath : join(cliDir, `catalog-${count}.jsonl`);
      if (catalog !== catalogPath) writeFileSync(catalog, cliTexts.slice(0, count).map((title, i) => JSON.stringify({ id: `p${i}`, title })).join('\n'));
      const runs = [];
      let last = null;
      for (let r = 0; r < CLI.runs; r++) {
        const { stdout } = await new Promise((resolveRun, rejectRun) =>
          execFile(
            process.execPath,
            [join(ROOT, 'bin/localrank.mjs'), 'embed', catalog, '--model', dir, '--out', join(cliDir, `${name}.bin`), '--force', '--quiet', '--json'],
            { cwd: ROOT, timeout: 300_000 },
            (error, out, err) => (error ? rejectRun(new Error(`${error.message.split('\n')[0]} ${err.trim().split('\n').slice(-3).join(' ')}`)) : resolveRun({ stdout: out })),
          ),
        );
        last = JSON.parse(stdout.trim().split('\n').at(-1));
        runs.push(last.itemsPerSecond);
      }
      result[`cli_items_per_s_${name}`] = median(runs);
      const bytes = statSync(join(cliDir, `${name}.bin`)).size;
      log(
        `[cli ${name}] ${count} items, ${last.dimension}-d: ${fmt(median(runs))} items/s (runs ${runs.map((x) => fmt(x)).join(', ')}); ` +
          `model load ${fmt(last.modelLoadSeconds * 1000, 0)} ms; output ${bytes} B (${fmt(bytes / count, 0)} B/item float32)`,
      );
    }
  } catch (error) {
    fail('CLI throughput', error);
  } finally {
    rmSync(cliDir, { recursive: true, force: true });
  }
}
log();

// ---------------------------------------------------------------------------
// 3. Chromium
let chromium;
let startServer;
try {
  ({ chromium } = await import('playwright-core'));
  ({ startServer } = await import('../scripts/serve.mjs'));
} catch (error) {
  fail('loading playwright-core / scripts/serve.mjs', error);
}
const canBrowse = chromium && startServer && existsSync(CHROMIUM);
if (chromium && !existsSync(CHROMIUM)) fail('Chromium', new Error(`not found at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`));

let rawOut = null;
let server = null;
let browser = null;
const requests = [];
const pageProblems = [];

async function newContext() {
  const context = await browser.newContext();
  context.on('request', (r) => requests.push(r.url()));
  context.on('response', (r) => {
    // The pages have no favicon; any other failed response is reported.
    if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) pageProblems.push(`HTTP ${r.status()} ${r.url()}`);
  });
  return context;
}
function watchPage(page, label) {
  page.on('pageerror', (e) => pageProblems.push(`${label}: page error: ${String(e)}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico')) pageProblems.push(`${label}: console error: ${m.text()}`);
  });
}

if (canBrowse) {
  try {
    // The raw-pipeline worker: bundled like the library's worker (ORT's extern-wasm build).
    rawOut = mkdtempSync(join(tmpdir(), 'localrank-bench-raw-'));
    const { build } = await import('vite');
    const t0 = performance.now();
    await build({
      configFile: false,
      root: BENCH,
      logLevel: 'error',
      base: './',
      resolve: { conditions: ['onnxruntime-web-use-extern-wasm', 'module', 'browser', 'production'] },
      build: {
        outDir: rawOut,
        emptyOutDir: true,
        target: 'es2022',
        sourcemap: false,
        copyPublicDir: false,
        assetsDir: '',
        lib: { entry: join(BENCH, 'raw-worker.js'), formats: ['es'], fileName: () => 'raw-worker.js' },
        rollupOptions: { output: { codeSplitting: false } },
      },
    });
    log(`(raw transformers.js worker bundled with vite in ${fmt(performance.now() - t0, 0)} ms into ${rawOut})`);
  } catch (error) {
    fail('building the raw-pipeline worker with vite', error);
    rawOut = null;
  }
  try {
    server = await startServer({ routes: { '/bench/': BENCH, ...(rawOut ? { '/bench-raw/': rawOut } : {}) } });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
    log(`(server ${server.url}, Chromium ${browser.version()})`);
  } catch (error) {
    fail('starting the server or Chromium', error);
  }
}

const lrOptions = (batchSize) => ({
  namespace: 'bench',
  storage: 'memory',
  embeddingCacheSize: 0,
  model: { id: MODEL.id, baseUrl: `${server.url}${MODEL.urlPrefix}`, dtype: 'q8', device: 'wasm', batchSize },
  runtimeUrl: `${server.url}/dist/ort/`,
});

let benchContext = null;
let benchPage = null;
let lr32 = null;
if (browser) {
  log();
  log('== Chromium: LocalRank worker (dist/engine.worker.js) `embed`, device wasm, q8, embeddingCacheSize 0 ==');
  try {
    benchContext = await newContext();
    benchPage = await benchContext.newPage();
    watchPage(benchPage, 'bench page');
    await benchPage.goto(`${server.url}/bench/encoder-page.html`);
    await benchPage.waitForFunction(() => window.__benchReady === true);
    const { warmup, reps, perRep } = THROUGHPUT;
    for (const batch of BATCHES) {
      const worker = await benchPage.evaluate((o) => window.startLocalRank(o), lrOptions(batch));
      if (worker.encoder.kind !== 'model') throw new Error(`model did not load in the worker: ${JSON.stringify(worker.errors)}`);
      await benchPage.evaluate(([h, t]) => window.embedLocalRank(h, t), [worker.handle, texts.slice(0, warmup)]);
      const runs = [];
      for (let r = 0; r < reps; r++) {
        const slice = texts.slice(warmup + r * perRep, warmup + (r + 1) * perRep);
        const { ms, kind } = await benchPage.evaluate(([h, t]) => window.embedLocalRank(h, t), [worker.handle, slice]);
        if (kind !== 'model') throw new Error(`embed ran on the ${kind} encoder`);
        runs.push((slice.length / ms) * 1000);
      }
      result[`chromium_wasm_texts_per_s_b${batch}`] = median(runs);
      log(`[chromium wasm] batch ${String(batch).padStart(2)}: ${fmt(median(runs))} texts/s (runs ${runs.map((r) => fmt(r)).join(', ')}; worker start + model load ${fmt(worker.loadMs, 0)} ms)`);
      if (batch === OVERHEAD.batch) lr32 = worker.handle;
      else await benchPage.evaluate((h) => window.stopWorker(h), worker.handle);
    }
  } catch (error) {
    fail('Chromium WASM throughput', error);
  }

  // -------------------------------------------------------------------------
  // 4. LocalRank worker vs raw pipeline worker, same page, same texts, batch 32, alternating
  log();
  log(`== Chromium: LocalRank worker embed vs raw transformers.js pipeline worker (batch ${OVERHEAD.batch}, ${OVERHEAD.perPair} texts per run, alternating) ==`);
  try {
    if (!rawOut) throw new Error('the raw worker was not built');
    if (lr32 === null) {
      const lrWorker = await benchPage.evaluate((o) => window.startLocalRank(o), lrOptions(OVERHEAD.batch));
      if (lrWorker.encoder.kind !== 'model') throw new Error('model did not load in the LocalRank worker');
      lr32 = lrWorker.handle;
    }
    const raw = await benchPage.evaluate(
      ([url, args]) => window.startRaw(url, args),
      [
        `${server.url}/bench-raw/raw-worker.js`,
        {
          id: MODEL.id,
          baseUrl: `${server.url}${MODEL.urlPrefix}`,
          dtype: 'q8',
          wasmPaths: { mjs: `${server.url}/dist/ort/ort-wasm-simd-threaded.mjs`, wasm: `${server.url}/dist/ort/ort-wasm-simd-threaded.wasm` },
        },
      ],
    );
    log(`(raw worker start + model load ${fmt(raw.loadMs, 0)} ms)`);
    const base = poolSize;
    const warm = texts.slice(base, base + OVERHEAD.warmup);
    for (let i = 0; i < 2; i++) {
      await benchPage.evaluate(([h, t]) => window.embedLocalRank(h, t), [lr32, warm]);
      await benchPage.evaluate(([h, t, b]) => window.embedRaw(h, t, b), [raw.handle, warm, OVERHEAD.batch]);
    }
    const lrMs = [];
    const rawMs = [];
    const ratios = [];
    for (let p = 0; p < OVERHEAD.pairs; p++) {
      const start = base + OVERHEAD.warmup + p * OVERHEAD.perPair;
      const slice = texts.slice(start, start + OVERHEAD.perPair);
      const runLr = () => benchPage.evaluate(([h, t]) => window.embedLocalRank(h, t), [lr32, slice]);
      const runRaw = () => benchPage.evaluate(([h, t, b]) => window.embedRaw(h, t, b), [raw.handle, slice, OVERHEAD.batch]);
      let a;
      let b;
      if (p % 2 === 0) {
        a = await runLr();
        b = await runRaw();
      } else {
        b = await runRaw();
        a = await runLr();
      }
      if (a.dimension !== b.dimension) throw new Error(`dimensions differ: LocalRank ${a.dimension}, raw ${b.dimension}`);
      lrMs.push(a.ms);
      rawMs.push(b.ms);
      ratios.push(a.ms / b.ms);
    }
    result.overhead_ratio_vs_raw_pipeline = median(ratios);
    log(`LocalRank embed: median ${fmt(median(lrMs))} ms per ${OVERHEAD.perPair} texts (${lrMs.map((x) => fmt(x, 0)).join(', ')})`);
    log(`raw pipeline:    median ${fmt(median(rawMs))} ms per ${OVERHEAD.perPair} texts (${rawMs.map((x) => fmt(x, 0)).join(', ')})`);
    log(`ratio LocalRank/raw: median of per-pair ratios ${fmt(median(ratios), 3)} (pairs ${ratios.map((x) => fmt(x, 2)).join(', ')}); ratio of medians ${fmt(median(lrMs) / median(rawMs), 3)}`);
    await benchPage.evaluate((h) => window.stopWorker(h), raw.handle);
  } catch (error) {
    fail('overhead vs raw pipeline', error);
  }
  if (lr32 !== null) await benchPage?.evaluate((h) => window.stopWorker(h), lr32).catch(() => undefined);
  await benchContext?.close().catch(() => undefined);

  // -------------------------------------------------------------------------
  // 5. First rank on the ESM build (e2e/pages/esm.html), cold (fresh context) and warm (second visit)
  log();
  log(`== Chromium: ESM build, createLocalRank() -> first rank() (${FIRST_RANK.candidates} candidate items, default storage, device wasm) ==`);
  const items = productTexts(FIRST_RANK.candidates, 7).map((t, i) => {
    const [title, category, ...rest] = t.split('. ');
    return { id: `item-${i}`, title, ...(category ? { category } : {}), ...(rest.length ? { description: rest.join('. ') } : {}) };
  });
  const visit = async (context, label) => {
    const page = await context.newPage();
    watchPage(page, label);
    await page.goto(`${server.url}/e2e/pages/esm.html`);
    await page.waitForFunction(() => window.__pageReady === true);
    const r = await page.evaluate(
      async ([options, candidates]) => {
        window.start(options); // sets window.__createdAt = performance.now() just before createLocalRank()
        const lr = window.lr;
        const t0 = window.__createdAt;
        const first = await lr.rank(candidates, { k: 10 });
        const lexicalMs = performance.now() - t0;
        const modelReady = () => window.__events.some((e) => e.type === 'encoder' && e.payload.kind === 'model');
        const failed = () => window.__events.find((e) => e.type === 'error');
        await new Promise((resolveWait, rejectWait) => {
          if (modelReady()) return resolveWait();
          const off = lr.on('encoder', (e) => {
            if (e.kind === 'model') {
              if (typeof off === 'function') off();
              resolveWait();
            }
          });
          const timer = setInterval(() => {
            const f = failed();
            if (f) {
              clearInterval(timer);
              rejectWait(new Error(`error event: ${JSON.stringify(f.payload)}`));
            } else if (modelReady()) {
              clearInterval(timer);
              resolveWait();
            }
          }, 20);
        });
        const encoderAt = window.__events.find((e) => e.type === 'encoder' && e.payload.kind === 'model').at - t0;
        const second = await lr.rank(candidates, { k: 10 });
        const modelMs = performance.now() - t0;
        await lr.destroy();
        return { lexicalMs, firstKind: first.encoder.kind, modelMs, secondKind: second.encoder.kind, encoderAt };
      },
      [{ namespace: 'bench', model: { id: MODEL.id, baseUrl: MODEL.urlPrefix, dtype: 'q8', device: 'wasm' } }, items],
    );
    await page.close();
    if (r.secondKind !== 'model') throw new Error(`${label}: rank after the model event used ${r.secondKind}`);
    return r;
  };
  const cold = [];
  const warm = [];
  try {
    for (let i = 0; i < FIRST_RANK.pages; i++) {
      const context = await newContext();
      const c = await visit(context, `cold ${i + 1}`);
      const w = await visit(context, `warm ${i + 1}`);
      cold.push(c);
      warm.push(w);
      await context.close();
      log(
        `visit ${i + 1}: cold first rank ${fmt(c.lexicalMs, 0)} ms (${c.firstKind}), model event ${fmt(c.encoderAt, 0)} ms, first model rank ${fmt(c.modelMs, 0)} ms | ` +
          `warm first rank ${fmt(w.lexicalMs, 0)} ms (${w.firstKind}), first model rank ${fmt(w.modelMs, 0)} ms`,
      );
    }
    const nonLexical = cold.filter((c) => c.firstKind !== 'lexical').length;
    if (nonLexical > 0) log(`note: ${nonLexical} cold first rank(s) were already served by the model`);
    result.first_lexical_rank_ms = median(cold.map((c) => c.lexicalMs));
    result.first_model_rank_ms = median(cold.map((c) => c.modelMs));
    result.first_lexical_rank_warm_ms = median(warm.map((c) => c.lexicalMs));
    result.first_model_rank_warm_ms = median(warm.map((c) => c.modelMs));
    log(`median of ${FIRST_RANK.pages}: cold first rank ${fmt(result.first_lexical_rank_ms, 0)} ms, cold first model rank ${fmt(result.first_model_rank_ms, 0)} ms; warm (second visit, same context) ${fmt(result.first_lexical_rank_warm_ms, 0)} ms / ${fmt(result.first_model_rank_warm_ms, 0)} ms`);
  } catch (error) {
    fail('first rank timings', error);
  }
}

// ---------------------------------------------------------------------------
// 5b. Chromium and Firefox ESR through puppeteer-core: first and second visit, worker memory
if (startServer) {
  const visitServer = server ?? (await startServer());
  const watchPuppeteerPage = (page, label) => {
    page.on('request', (r) => requests.push(r.url()));
    page.on('response', (r) => {
      if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) pageProblems.push(`HTTP ${r.status()} ${r.url()}`);
    });
    page.on('pageerror', (e) => pageProblems.push(`${label}: page error: ${String(e)}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.location().url?.endsWith('/favicon.ico')) pageProblems.push(`${label}: console error: ${m.text()}`);
    });
  };
  Object.assign(result, await benchBrowserVisits({ server: visitServer, model: MODEL, log, fail, watch: watchPuppeteerPage, ...VISITS }));
  if (!server) await visitServer.close();
}

// ---------------------------------------------------------------------------
// 6. Requests and clean-up
log();
log('== network ==');
if (browser) {
  // Requests of the puppeteer-driven pages (5b) are in the same list, to the server or its proxy (the link).
  const allowed = (u) => u.startsWith('http://127.0.0.1:') || /^(blob:|data:)/.test(u);
  const off = [...new Set(requests.filter((u) => !allowed(u)))];
  result.all_requests_local = off.length === 0 && nodeOffHost.length === 0;
  log(`${requests.length} browser requests (pages and workers); ${off.length === 0 ? `all to 127.0.0.1 (the server and the visits' link)` : `NOT local: ${off.join(', ')}`}`);
  log(`Node children: ${nodeOffHost.length === 0 ? 'no network requests (model read from disk)' : `requests: ${nodeOffHost.join(', ')}`}`);
  if (pageProblems.length > 0) {
    log(`page problems (${pageProblems.length}):`);
    for (const p of [...new Set(pageProblems)].slice(0, 10)) log(`  ${p.slice(0, 300)}`);
  }
} else {
  log('no browser run');
}
await browser?.close().catch(() => undefined);
await server?.close().catch(() => undefined);
if (rawOut) rmSync(rawOut, { recursive: true, force: true });

log();
log(`load average at end ${loadavg().map((x) => x.toFixed(2)).join(' ')}; total ${fmt((performance.now() - started) / 1000)} s`);
const nulls = Object.entries(result).filter(([, v]) => v === null).map(([k]) => k);
if (nulls.length > 0) log(`not measured: ${nulls.join(', ')} (reasons above)`);
if (problems.length > 0) log(`${problems.length} problem(s): ${problems.join(' | ')}`);

const round = (v) => (typeof v === 'number' ? Math.round(v * 1000) / 1000 : v);
process.stdout.write(`${JSON.stringify({ encoder: Object.fromEntries(Object.entries(result).map(([k, v]) => [k, round(v)])) })}\n`);
process.exitCode = problems.length > 0 ? 1 : 0;
