// Behaviour-summary benchmark: `npm run bench:profile` (after `npm run build`).
//
// In headless Chromium, on the ESM build (dist/localrank.js + dist/engine.worker.js), lexical
// encoder only (model: false: these figures are about the profile, not the model), real IndexedDB:
//   - main-thread cost of one `track()` call: time spent synchronously in the call
//     (`t0 = performance.now(); p = lr.track(e); t1 = performance.now()`), p50 and p99 over 1,000
//     single-event calls made one after another (each awaited), after 50 warm-up calls; also the
//     same calls fired in one burst without awaiting;
//   - time from `track()` to the durable write: until the call's promise resolves, which happens
//     after the IndexedDB transaction holding the event has completed (p50, p99);
//   - worker cost of a profile update per event: (T(one call of 1,000 events) - T(one call of
//     1 event)) / 999, medians over alternating repetitions, with storage 'memory' (no IndexedDB
//     in the figure) and with IndexedDB (extra key);
//   - stored bytes after 100, 1,000 and 10,000 events (maxEvents 20000): what `profile()` reports
//     (`storage.bytes`) and what is really in IndexedDB (every record of `localrank:<ns>` and
//     `localrank:<ns>:embeddings` read back, keys included, values sized as UTF-8 JSON with binary
//     at its byte length).
// The page is served with COOP/COEP, so it is cross-origin isolated and performance.now() has
// 5 µs resolution (100 µs otherwise, too coarse for a sub-0.2 ms call).
// Human-readable lines first; the last line of stdout is one JSON object.
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, CHROMIUM_FLAGS } from '../scripts/chromium.mjs';
import { createReport, distIsStale } from './measure.mjs';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(BENCH, '..');
const DIST = join(ROOT, 'dist');

const SEQUENTIAL = { warmup: 50, calls: 1000 };
const BURST = { calls: 1000 };
const PER_EVENT = { big: 1000, reps: 9 };
const SIZES = { milestones: [100, 1000, 10_000], batch: 100 };
const ITEMS = 2000;
const BASE = { model: false, maxEvents: 20_000 };

const fmt = (v, digits = 3) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : 'n/a');
const kb = (v) => (typeof v === 'number' ? `${(v / 1024).toFixed(1)} KB` : 'n/a');
const { log, fail, problems } = createReport();

const result = {
  track_main_p50_ms: null,
  track_main_p99_ms: null,
  durable_write_p50_ms: null,
  worker_update_per_event_ms: null,
  summary_bytes_10k: null,
  total_bytes_10k: null,
  // Extra figures.
  track_main_mean_ms: null,
  track_main_max_ms: null,
  durable_write_p99_ms: null,
  track_main_burst_p50_ms: null,
  track_main_burst_p99_ms: null,
  burst_1000_all_durable_ms: null,
  durable_write_encrypted_p50_ms: null,
  track_main_encrypted_p99_ms: null,
  worker_update_per_event_idb_ms: null,
  batch_1000_memory_ms: null,
  batch_1_memory_ms: null,
  batch_1000_idb_ms: null,
  batch_1_idb_ms: null,
  summary_bytes_10k_reported: null,
  summary_bytes_10k_export_json: null,
  bytes_100: null,
  bytes_1k: null,
  bytes_10k: null,
  total_bytes_10k_encrypted: null,
  storage_estimate_10k: null,
  timer_resolution_ms: null,
  cross_origin_isolated: null,
  chromium: null,
};

// ---------------------------------------------------------------------------
const REQUIRED = ['localrank.js', 'engine.worker.js'];
const missing = REQUIRED.filter((f) => !existsSync(join(DIST, f)));
if (missing.length > 0) {
  log(`dist/ is missing ${missing.join(', ')}: run \`npm run build\` first, then \`npm run bench:profile\`.`);
  process.exit(1);
}
if (!existsSync(CHROMIUM)) {
  log(`Chromium not found at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
  process.exit(1);
}
const staleDist = distIsStale(ROOT);

log('LocalRank behaviour-summary benchmark');
if (staleDist) log('warning: src/ or workers/ changed after dist/ was built; run `npm run build` to bench the current code');
log(`machine: ${process.platform} ${process.arch}, node ${process.version}, load average at start ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
log(`workload: a catalogue of ${ITEMS} items (title, description, category path, brand, tags, price); events 50% view, 15% click, 15% impression, 8% search, 5% add_to_cart, 3% dismiss, 2% purchase, 2% rate; lexical encoder (model: false)`);

const { chromium } = await import('playwright-core');
const { startServer } = await import('../scripts/serve.mjs');
const server = await startServer({
  routes: { '/bench/': BENCH },
  headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' },
});
const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
result.chromium = browser.version();
const pageProblems = [];

/** A fresh context and page per phase: no IndexedDB left over from another phase. */
async function withPage(label, fn) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('pageerror', (e) => pageProblems.push(`${label}: page error: ${String(e)}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico')) pageProblems.push(`${label}: console error: ${m.text()}`);
  });
  try {
    await page.goto(`${server.url}/bench/profile-page.html`);
    await page.waitForFunction(() => window.__benchReady === true);
    return await fn(page);
  } finally {
    await context.close();
  }
}

log(`(server ${server.url}, Chromium ${result.chromium})`);
try {
  await withPage('timer', async (page) => {
    result.cross_origin_isolated = await page.evaluate(() => crossOriginIsolated);
    result.timer_resolution_ms = await page.evaluate(() => window.timerResolution());
  });
  log(`page cross-origin isolated: ${result.cross_origin_isolated}; performance.now() resolution ${fmt(result.timer_resolution_ms, 4)} ms`);
} catch (error) {
  fail('timer', error);
}
log();

// ---------------------------------------------------------------------------
log(`== track(): ${SEQUENTIAL.calls} single-event calls, one at a time (each awaited), after ${SEQUENTIAL.warmup} warm-up calls; IndexedDB ==`);
try {
  const r = await withPage('sequential', (page) => page.evaluate((o) => window.benchSequential(o), { options: { ...BASE, namespace: 'bench-seq' }, itemCount: ITEMS, ...SEQUENTIAL }));
  if (r.accepted !== SEQUENTIAL.calls) throw new Error(`accepted ${r.accepted} of ${SEQUENTIAL.calls}`);
  if (r.storage.kind !== 'indexeddb') throw new Error(`storage is ${r.storage.kind}: ${JSON.stringify(r.events)}`);
  result.track_main_p50_ms = r.main.p50;
  result.track_main_p99_ms = r.main.p99;
  result.track_main_mean_ms = r.main.mean;
  result.track_main_max_ms = r.main.max;
  result.durable_write_p50_ms = r.durable.p50;
  result.durable_write_p99_ms = r.durable.p99;
  log(`main thread per call:  p50 ${fmt(r.main.p50)} ms, p90 ${fmt(r.main.p90)}, p99 ${fmt(r.main.p99)}, max ${fmt(r.main.max)}, mean ${fmt(r.main.mean)}`);
  log(`track() -> durable:    p50 ${fmt(r.durable.p50, 2)} ms, p90 ${fmt(r.durable.p90, 2)}, p99 ${fmt(r.durable.p99, 2)}, max ${fmt(r.durable.max, 2)}`);
} catch (error) {
  fail('sequential track()', error);
}
try {
  const r = await withPage('sequential-encrypted', (page) =>
    page.evaluate((o) => window.benchSequential(o), { options: { ...BASE, namespace: 'bench-seq-enc', encryptAtRest: true }, itemCount: ITEMS, warmup: 20, calls: 300 }),
  );
  if (!r.storage.encrypted) throw new Error('profile().storage.encrypted is not true');
  result.durable_write_encrypted_p50_ms = r.durable.p50;
  result.track_main_encrypted_p99_ms = r.main.p99;
  log(`with encryptAtRest (300 calls): main p50 ${fmt(r.main.p50)} ms, p99 ${fmt(r.main.p99)}; durable p50 ${fmt(r.durable.p50, 2)} ms, p99 ${fmt(r.durable.p99, 2)}`);
} catch (error) {
  fail('sequential track() with encryptAtRest', error);
}
try {
  const r = await withPage('burst', (page) => page.evaluate((o) => window.benchBurst(o), { options: { ...BASE, namespace: 'bench-burst' }, itemCount: ITEMS, ...BURST }));
  if (r.accepted !== BURST.calls) throw new Error(`accepted ${r.accepted} of ${BURST.calls}`);
  result.track_main_burst_p50_ms = r.main.p50;
  result.track_main_burst_p99_ms = r.main.p99;
  result.burst_1000_all_durable_ms = r.totalMs;
  log(`burst of ${BURST.calls} calls without awaiting: main p50 ${fmt(r.main.p50)} ms, p99 ${fmt(r.main.p99)}; all ${BURST.calls} durable after ${fmt(r.totalMs, 1)} ms`);
} catch (error) {
  fail('burst track()', error);
}
log();

// ---------------------------------------------------------------------------
log(`== worker cost per event: (T(1 call of ${PER_EVENT.big}) - T(1 call of 1)) / ${PER_EVENT.big - 1}, medians of ${PER_EVENT.reps} alternating repetitions ==`);
for (const storage of ['memory', 'indexeddb']) {
  try {
    const r = await withPage(`per-event-${storage}`, (page) =>
      page.evaluate((o) => window.benchPerEvent(o), { options: { ...BASE, namespace: `bench-per-event-${storage}`, storage }, itemCount: ITEMS, ...PER_EVENT }),
    );
    if (r.storage.kind !== storage) throw new Error(`storage is ${r.storage.kind}, wanted ${storage}`);
    if (storage === 'memory') {
      result.worker_update_per_event_ms = r.perEvent;
      result.batch_1000_memory_ms = r.large.p50;
      result.batch_1_memory_ms = r.small.p50;
    } else {
      result.worker_update_per_event_idb_ms = r.perEvent;
      result.batch_1000_idb_ms = r.large.p50;
      result.batch_1_idb_ms = r.small.p50;
    }
    log(
      `storage ${storage.padEnd(9)}: 1 event ${fmt(r.small.p50, 2)} ms, ${PER_EVENT.big} events ${fmt(r.large.p50, 1)} ms -> ${fmt(r.perEvent, 4)} ms per event (naive ${fmt(r.large.p50, 1)}/${PER_EVENT.big} = ${fmt(r.perEventNaive, 4)})`,
    );
  } catch (error) {
    fail(`per-event cost (${storage})`, error);
  }
}
log('(includes validation, the item snapshot, the log append, the summary update with the lexical embedding of new items, and the structured clone of the event to the worker)');
log();

// ---------------------------------------------------------------------------
log(`== stored bytes after ${SIZES.milestones.join(', ')} events (tracked in calls of ${SIZES.batch}; maxEvents ${BASE.maxEvents}) ==`);
const sizeRow = (m) => ({
  reported: m.reported.bytes,
  raw_total: m.raw.total,
  raw: m.raw.byKind,
  records: m.raw.records,
});
for (const encrypted of [false, true]) {
  try {
    const r = await withPage(`sizes-${encrypted ? 'encrypted' : 'plain'}`, (page) =>
      page.evaluate((o) => window.benchSizes(o), {
        options: { ...BASE, namespace: encrypted ? 'bench-size-enc' : 'bench-size', ...(encrypted ? { encryptAtRest: true } : {}) },
        itemCount: ITEMS,
        ...SIZES,
      }),
    );
    for (const m of r.milestones) {
      if (m.reported.events !== Math.min(m.events, BASE.maxEvents)) throw new Error(`profile() reports ${m.reported.events} events after ${m.events}`);
      const b = m.reported.bytes ?? {};
      log(
        `${encrypted ? '[encrypted] ' : ''}${String(m.events).padStart(6)} events: profile().storage.bytes log ${kb(b.log)}, items ${kb(b.items)}, summary ${kb(b.summary)} | IndexedDB records (${m.raw.records}): ${Object.entries(
          m.raw.byKind,
        )
          .map(([k, v]) => `${k} ${kb(v)}`)
          .join(', ')}; total ${kb(m.raw.total)}${m.estimate ? ` | storage.estimate() ${kb(m.estimate.usage)}` : ''} (${fmt(m.elapsedMs / 1000, 1)} s)`,
      );
    }
    const at = (n) => r.milestones.find((m) => m.events === n);
    if (!encrypted) {
      result.bytes_100 = sizeRow(at(100));
      result.bytes_1k = sizeRow(at(1000));
      result.bytes_10k = sizeRow(at(10_000));
      result.summary_bytes_10k = at(10_000).raw.byKind.summary ?? null;
      result.summary_bytes_10k_reported = at(10_000).reported.bytes?.summary ?? null;
      result.summary_bytes_10k_export_json = r.summaryJsonBytes;
      result.total_bytes_10k = at(10_000).raw.total;
      result.storage_estimate_10k = at(10_000).estimate?.usage ?? null;
      log(`summary after 10,000 events: ${kb(result.summary_bytes_10k)} stored record, ${kb(result.summary_bytes_10k_reported)} as profile() reports, ${kb(r.summaryJsonBytes)} as UTF-8 JSON in export() (target <= 64 KB)`);
    } else {
      result.total_bytes_10k_encrypted = at(10_000).raw.total;
    }
  } catch (error) {
    fail(`stored bytes${encrypted ? ' (encrypted)' : ''}`, error);
  }
}
log();

await browser.close();
await server.close();

const TARGETS = [
  ['track_main_p99_ms', (v) => v <= 0.2, 'main-thread cost of track() p99 <= 0.2 ms'],
  ['summary_bytes_10k', (v) => v <= 64 * 1024, 'stored summary <= 64 KB after 10,000 events'],
];
for (const [key, ok, text] of TARGETS) {
  const v = result[key];
  log(`target: ${text}: ${typeof v === 'number' ? (ok(v) ? 'met' : 'NOT met') : 'not measured'} (${typeof v === 'number' ? fmt(v, 4) : 'n/a'})`);
}
for (const p of pageProblems) log(`!! ${p}`);
if (problems.length > 0) result.problems = problems;
if (pageProblems.length > 0) result.page_problems = pageProblems.slice(0, 20);
process.stdout.write(`${JSON.stringify({ profile: result })}\n`);
process.exit(problems.length > 0 ? 1 : 0);
