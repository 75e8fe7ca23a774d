// First and second visit, and the engine worker's memory, in Chromium and Firefox ESR, both driven by
// puppeteer-core (scripts/browsers.mjs) on the ESM test page (e2e/pages/esm.html). Part of
// `npm run bench:encoder` (both parts, on loopback), and on its own as
// `npm run bench:visits [-- --runs N] [--mbps M] [--browser chromium|firefox]` (the visits only):
//   - first and second visit: createLocalRank() -> the first rank() served by the model, on a fresh profile,
//     then on the same profile after a browser restart (not a reload: a reload keeps the renderer process
//     and what it holds in memory, while a returning visitor's browser has usually been closed since; a
//     restart keeps only what is on disk, which is what LocalRank's model and runtime cache is about). The
//     browser reaches the server through a proxy (the link) that counts the requests for model and runtime
//     files of each visit (a second visit must make none: the cache serves them) and, with --mbps, sends
//     at most M megabits per second, shared by all responses as on one real link (no added latency);
//   - the engine worker's memory after the model loaded, and after ranking CANDIDATES items (the first
//     ranking of them embeds them all).
//
// Worker memory, measured two ways per browser (Linux):
//   - `worker_mem_mb`: growth of the process that hosts the worker (Chromium's renderer, Firefox's content
//     process: the one with a "DedicatedWorker" / "DOM Worker" thread), proportional set size from
//     /proc/<pid>/smaps_rollup, since before createLocalRank(). The same method in both browsers, and it sees
//     everything (WebAssembly memory, compiled code, allocator overhead); the page's side of the messages is in
//     it too, which is small next to the model.
//   - the browser's own attribution to the worker. Chromium: CDP Runtime.getHeapUsage on the worker target
//     (JS heap + ArrayBuffer backing stores); like performance.measureUserAgentSpecificMemory() it leaves out
//     WebAssembly.Memory, where ONNX Runtime keeps the weights and activations (checked: a 50 MB ArrayBuffer
//     shows, a 50 MB WebAssembly.Memory does not). Firefox: its memory reporters (about:memory), every
//     explicit/workers/.../worker(...engine.worker.js...) path, read in the privileged scope that
//     --remote-allow-system-access opens to WebDriver BiDi; that includes WebAssembly memory.
// Both are taken after a garbage collection (Chromium: HeapProfiler.collectGarbage in the worker;
// Firefox: nsIMemoryReporterManager.minimizeMemoryUsage).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BROWSERS, executableOf, firefoxWorkerMemory, launchOptions } from '../scripts/browsers.mjs';
import { benchModel, createReport, distIsStale, median } from './measure.mjs';
import { productTexts } from './texts.mjs';

const MB = 1024 * 1024;

/** The keys of the visits, per browser. */
const visitKeys = (name) => [`${name}_first_visit_ms`, `${name}_second_visit_ms`, `${name}_first_visit_model_requests`, `${name}_second_visit_model_requests`];

/** The keys this part adds to the benchmark's JSON, per browser. */
export const browserVisitKeys = (name) => [
  ...visitKeys(name),
  `${name}_worker_mem_mb_model`,
  `${name}_worker_mem_mb_after_rank_10000`,
  name === 'chromium' ? 'chromium_worker_heap_mb_model' : 'firefox_worker_explicit_mb_model',
  name === 'chromium' ? 'chromium_worker_heap_mb_after_rank_10000' : 'firefox_worker_explicit_mb_after_rank_10000',
  `${name}_rank_10000_ms`,
];

// ---------------------------------------------------------------------------
// The link between the browser and the server

/**
 * The part of a 206 answer to send when the server sent more than the range asked: the test server (sirv
 * 3.0.2) answers `Range: bytes=0-0`, which transformers.js sends to learn a file's size, with the whole file,
 * where a host's server (nginx, S3, a CDN) sends one byte. Null when the answer is as asked.
 */
function askedPart(rangeHeader, up) {
  const asked = /^bytes=(\d+)-(\d+)$/.exec(rangeHeader ?? '');
  const sent = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(up.headers['content-range'] ?? '');
  if (up.statusCode !== 206 || !asked || !sent || Number(asked[1]) !== Number(sent[1]) || Number(asked[2]) >= Number(sent[2])) return null;
  return { length: Number(asked[2]) - Number(asked[1]) + 1, contentRange: `bytes ${asked[1]}-${asked[2]}/${sent[3]}` };
}

/**
 * A proxy in front of `target` that counts requests and the response bytes it sends (all, and those for model
 * and runtime files) until the next `take()`. With `mbps`, the bodies share one link of that many megabits
 * per second, as the downloads of one visitor do: each chunk waits for the link, and a body the browser does
 * not read (or cancels) stops taking the link's time, as TCP's flow control would.
 */
function openLink(target, { mbps = null, isModelFile }) {
  const bytesPerMs = mbps === null ? null : (mbps * 1e6) / 8 / 1000;
  let counts;
  const take = () => {
    const taken = counts;
    counts = { requests: 0, bytes: 0, modelRequests: 0, modelBytes: 0 };
    return taken;
  };
  take();
  let linkFreeAt = 0; // performance.now() when the link has sent every chunk given to it so far
  const server = createServer((req, res) => {
    const model = isModelFile(req.url);
    counts.requests++;
    if (model) counts.modelRequests++;
    const drainedOrClosed = () =>
      new Promise((resolveWait) => {
        const done = () => {
          res.off('drain', done);
          res.off('close', done);
          resolveWait();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    const send = async (chunk) => {
      if (bytesPerMs !== null) {
        linkFreeAt = Math.max(linkFreeAt, performance.now()) + chunk.length / bytesPerMs;
        await new Promise((r) => setTimeout(r, linkFreeAt - performance.now()));
      }
      if (res.destroyed) throw new Error('the browser closed the response');
      counts.bytes += chunk.length;
      if (model) counts.modelBytes += chunk.length;
      if (!res.write(chunk)) await drainedOrClosed();
    };
    const forward = request(`${target}${req.url}`, { method: req.method, headers: req.headers }, async (up) => {
      const part = askedPart(req.headers.range, up);
      res.writeHead(up.statusCode ?? 502, part ? { ...up.headers, 'content-range': part.contentRange, 'content-length': String(part.length) } : up.headers);
      res.on('close', () => up.destroy());
      let left = part ? part.length : Infinity;
      try {
        for await (const chunk of up) {
          await send(chunk.length > left ? chunk.subarray(0, left) : chunk);
          left -= Math.min(left, chunk.length);
          if (left === 0) break;
        }
        res.end();
      } catch {
        res.destroy();
      }
    });
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  return new Promise((resolveOpen) =>
    server.listen(0, '127.0.0.1', () =>
      resolveOpen({
        url: `http://127.0.0.1:${server.address().port}`,
        take,
        close: () => {
          server.closeAllConnections();
          return new Promise((r) => server.close(() => r()));
        },
      }),
    ),
  );
}

// ---------------------------------------------------------------------------
// Processes (Linux /proc)

function descendants(root) {
  const parent = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const out = [root];
  for (let i = 0; i < out.length; i++) for (const [pid, ppid] of parent) if (ppid === out[i]) out.push(pid);
  return out;
}

/** Proportional set size in bytes, or null when the process is gone. */
function pss(pid) {
  try {
    const kb = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return kb ? Number(kb[1]) * 1024 : null;
  } catch {
    return null;
  }
}

const threadNames = (pid) => {
  try {
    return readdirSync(`/proc/${pid}/task`).map((t) => {
      try {
        return readFileSync(`/proc/${pid}/task/${t}/comm`, 'utf8').trim();
      } catch {
        return '';
      }
    });
  } catch {
    return [];
  }
};

/** The browser's processes and their PSS. */
const snapshot = (browser) => new Map(descendants(browser.process().pid).map((pid) => [pid, pss(pid)]));

/** The child process that runs a dedicated worker (the browser's own process is never it here). */
function workerProcess(name, browser) {
  const root = browser.process().pid;
  const thread = name === 'firefox' ? 'DOM Worker' : 'DedicatedWorker';
  const hosts = descendants(root).filter((pid) => pid !== root && threadNames(pid).includes(thread));
  if (hosts.length !== 1) throw new Error(`expected one ${name} process with a ${thread} thread, found ${hosts.length}`);
  return hosts[0];
}

// ---------------------------------------------------------------------------
// The browser's own attribution

async function chromiumWorkerHeap(page) {
  const worker = page.workers().find((w) => w.url().endsWith('/engine.worker.js'));
  if (!worker) throw new Error('no engine worker target in Chromium');
  await worker.client.send('HeapProfiler.collectGarbage');
  const usage = await worker.client.send('Runtime.getHeapUsage');
  return usage.usedSize + (usage.backingStorageSize ?? 0);
}

/** Bytes of every explicit/workers/... memory report of the LocalRank engine worker, after minimising memory. */
async function firefoxWorkerExplicit(browser) {
  const { bytes, reports } = await firefoxWorkerMemory(browser, 'engine.worker.js');
  if (reports === 0) throw new Error('no memory report names engine.worker.js');
  return bytes;
}

// ---------------------------------------------------------------------------
// Measurements

/**
 * Opens the ESM page, starts LocalRank, and times createLocalRank() -> the model's `encoder` event and -> the
 * first rank() served by the model; also returns the `degraded` events (a failing model cache says so there).
 */
async function visit(page, url, options, candidates) {
  await page.goto(url);
  await page.waitForFunction(() => window.__pageReady === true);
  const r = await page.evaluate(
    async (opts, items) => {
      window.start(opts); // sets window.__createdAt just before createLocalRank()
      const lr = window.lr;
      const t0 = window.__createdAt;
      const modelEvent = () => window.__events.find((e) => e.type === 'encoder' && e.payload.kind === 'model');
      await new Promise((resolve, reject) => {
        const check = () => {
          if (modelEvent()) return resolve();
          const failed = window.__events.find((e) => e.type === 'error');
          if (failed) return reject(new Error(`error event: ${JSON.stringify(failed.payload)}`));
          setTimeout(check, 10);
        };
        check();
      });
      const ranked = await lr.rank(items, { k: 10 });
      return {
        ms: performance.now() - t0,
        modelReadyMs: modelEvent().at - t0,
        kind: ranked.encoder.kind,
        degraded: window.__events.filter((e) => e.type === 'degraded').map((e) => `${e.payload.code}: ${e.payload.reason}`),
      };
    },
    options,
    candidates,
  );
  if (r.kind !== 'model') throw new Error(`the rank after the model event used ${r.kind}`);
  return r;
}

/** One visit in a browser started on the profile `dir`, closed afterwards; with the link's counts for it. */
async function visitInBrowser(puppeteer, name, ctx, dir, label) {
  const browser = await puppeteer.launch(launchOptions(name, { userDataDir: dir, protocolTimeout: 600_000 }));
  try {
    const page = await browser.newPage();
    ctx.watch(page, label);
    ctx.link.take();
    const r = await visit(page, `${ctx.link.url}/e2e/pages/esm.html`, ctx.lrOptions, ctx.items);
    return { ...r, ...ctx.link.take() };
  } finally {
    await browser.close();
  }
}

const describeVisit = (v) =>
  `${v.ms.toFixed(0)} ms (model ready at ${v.modelReadyMs.toFixed(0)} ms; ${v.modelRequests} model/runtime requests, ${(v.modelBytes / MB).toFixed(1)} MB; ` +
  `${v.requests} requests in all)${v.degraded.length ? ` degraded: ${v.degraded.join(' | ')}` : ''}`;

/** Rounds of: fresh profile, first visit, browser restart, second visit. */
async function visits(puppeteer, name, ctx) {
  const first = [];
  const second = [];
  for (let round = 0; round < ctx.rounds; round++) {
    const dir = mkdtempSync(join(tmpdir(), `localrank-bench-${name}-`));
    try {
      first.push(await visitInBrowser(puppeteer, name, ctx, dir, `${name} first visit ${round + 1}`));
      second.push(await visitInBrowser(puppeteer, name, ctx, dir, `${name} second visit ${round + 1}`));
      ctx.log(`[${name}] round ${round + 1}: first visit ${describeVisit(first.at(-1))}`);
      ctx.log(`[${name}] round ${round + 1}: second visit (browser restarted, same profile) ${describeVisit(second.at(-1))}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const most = (list, key) => Math.max(...list.map((v) => v[key]));
  return {
    first: median(first.map((v) => v.ms)),
    second: median(second.map((v) => v.ms)),
    firstRequests: most(first, 'modelRequests'),
    secondRequests: most(second, 'modelRequests'),
  };
}

/** Worker memory after the model loaded and after ranking ctx.candidates items. */
async function memory(puppeteer, name, ctx) {
  const browser = await puppeteer.launch(launchOptions(name, { systemAccess: name === 'firefox', protocolTimeout: 900_000 }));
  try {
    const page = await browser.newPage();
    ctx.watch(page, `${name} memory`);
    await page.goto(`${ctx.server.url}/e2e/pages/esm.html`);
    await page.waitForFunction(() => window.__pageReady === true);
    const before = snapshot(browser);
    await page.evaluate(async (opts) => {
      window.start(opts);
      await window.lr.ready;
      await new Promise((resolve, reject) => {
        const check = () => {
          if (window.__events.some((e) => e.type === 'encoder' && e.payload.kind === 'model')) return resolve();
          const failed = window.__events.find((e) => e.type === 'error');
          if (failed) return reject(new Error(`error event: ${JSON.stringify(failed.payload)}`));
          setTimeout(check, 20);
        };
        check();
      });
    }, ctx.lrOptions);
    const measure = async () => {
      const own = name === 'chromium' ? await chromiumWorkerHeap(page) : await firefoxWorkerExplicit(browser);
      const pid = workerProcess(name, browser);
      const grown = pss(pid) - (before.get(pid) ?? Number.NaN);
      return { process: grown / MB, own: own / MB };
    };
    const model = await measure();
    ctx.log(`[${name}] model loaded: worker process +${model.process.toFixed(1)} MB PSS; ${name === 'chromium' ? 'worker JS heap + ArrayBuffers' : 'worker explicit (memory reporters)'} ${model.own.toFixed(1)} MB`);
    const rankMs = await page.evaluate(async (items) => {
      const lr = window.lr;
      await lr.upsertItems(items);
      const t0 = performance.now();
      const ranked = await lr.rank(
        items.map((i) => i.id),
        { k: 10 },
      );
      if (ranked.encoder.kind !== 'model' || ranked.items.length !== 10) throw new Error(`ranked ${ranked.items.length} with ${ranked.encoder.kind}`);
      return performance.now() - t0;
    }, ctx.manyItems);
    const ranked = await measure();
    ctx.log(
      `[${name}] after ranking ${ctx.manyItems.length} candidates (first ranking of them ${(rankMs / 1000).toFixed(1)} s, embeds them all): ` +
        `worker process +${ranked.process.toFixed(1)} MB PSS; ${name === 'chromium' ? 'worker JS heap + ArrayBuffers' : 'worker explicit'} ${ranked.own.toFixed(1)} MB`,
    );
    return { model, ranked, rankMs };
  } finally {
    await browser.close();
  }
}

/**
 * Runs the visits and (with `memory`) the memory part in each browser of `browsers` and returns the figures
 * by key (browserVisitKeys); a browser that is missing or fails is reported through `fail` and its keys stay
 * null. `mbps` paces the visits' link; the memory part always runs on loopback.
 */
export async function benchBrowserVisits({ server, model, log, fail, watch, rounds = 3, candidates = 10_000, mbps = null, memory: measureMemory = true, browsers = BROWSERS }) {
  const result = {};
  let puppeteer;
  try {
    ({ default: puppeteer } = await import('puppeteer-core'));
  } catch (error) {
    fail('loading puppeteer-core', error);
    return result;
  }
  const textToItem = (t, i, prefix) => {
    const [title, category, ...rest] = t.split('. ');
    return { id: `${prefix}-${i}`, title, ...(category ? { category } : {}), ...(rest.length ? { description: rest.join('. ') } : {}) };
  };
  // Model files under the model's folder; ONNX Runtime's next to the ESM build's worker.
  const isModelFile = (url) => {
    const path = new URL(url, 'http://x').pathname;
    return path.startsWith(model.urlPrefix) || path.startsWith('/dist/ort/');
  };
  const link = await openLink(server.url, { mbps, isModelFile });
  const ctx = {
    server,
    link,
    log,
    watch,
    rounds,
    // Default storage (IndexedDB) and embedding cache, as a host would start it.
    lrOptions: { namespace: 'bench-visits', model: { id: model.id, baseUrl: model.urlPrefix, dtype: 'q8', device: 'wasm' } },
    items: productTexts(40, 7).map((t, i) => textToItem(t, i, 'item')),
    manyItems: productTexts(candidates, 11).map((t, i) => textToItem(t, i, 'c')),
  };
  try {
    for (const name of browsers) {
      log();
      log(`== ${name === 'chromium' ? 'Chromium' : 'Firefox ESR'} (puppeteer-core): first and second visit${measureMemory ? ', worker memory' : ''} ==`);
      log(`(link: ${mbps === null ? 'loopback' : `${mbps} Mbit/s, shared by all responses`}; load average ${loadavg()[0].toFixed(1)})`);
      if (!existsSync(executableOf(name))) {
        fail(`${name} visits${measureMemory ? ' and memory' : ''}`, new Error(`${executableOf(name)} not found (apt-get install ${name === 'firefox' ? 'firefox-esr' : 'chromium'})`));
        continue;
      }
      try {
        const v = await visits(puppeteer, name, ctx);
        result[`${name}_first_visit_ms`] = v.first;
        result[`${name}_second_visit_ms`] = v.second;
        result[`${name}_first_visit_model_requests`] = v.firstRequests;
        result[`${name}_second_visit_model_requests`] = v.secondRequests;
        log(
          `[${name}] median of ${rounds}: first visit ${v.first.toFixed(0)} ms, second visit ${v.second.toFixed(0)} ms (createLocalRank() to the first rank() served by the model); ` +
            `model/runtime requests, most in a round: first visit ${v.firstRequests}, second visit ${v.secondRequests}`,
        );
        if (v.secondRequests > 0) fail(`${name} second visit`, new Error(`${v.secondRequests} requests for model or runtime files: the model cache should have served them all`));
      } catch (error) {
        fail(`${name} first and second visit`, error);
      }
      if (!measureMemory) continue;
      try {
        const m = await memory(puppeteer, name, ctx);
        result[`${name}_worker_mem_mb_model`] = m.model.process;
        result[`${name}_worker_mem_mb_after_rank_10000`] = m.ranked.process;
        const own = name === 'chromium' ? 'chromium_worker_heap_mb' : 'firefox_worker_explicit_mb';
        result[`${own}_model`] = m.model.own;
        result[`${own}_after_rank_10000`] = m.ranked.own;
        result[`${name}_rank_10000_ms`] = m.rankMs;
      } catch (error) {
        fail(`${name} worker memory`, error);
      }
    }
  } finally {
    await link.close();
  }
  return result;
}

// ---------------------------------------------------------------------------
// `npm run bench:visits`: the visits alone

const USAGE = 'usage: npm run bench:visits [-- --runs N] [--mbps M] [--browser chromium|firefox]';

async function main() {
  let values;
  try {
    ({ values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, mbps: { type: 'string' }, browser: { type: 'string', multiple: true } } }));
  } catch (error) {
    console.error(`bench:visits: ${error.message}\n${USAGE}`);
    process.exit(2);
  }
  const rounds = Number(values.runs);
  const mbps = values.mbps === undefined ? null : Number(values.mbps);
  const browsers = values.browser ?? BROWSERS;
  const bad = [
    !(Number.isInteger(rounds) && rounds > 0) && `--runs ${values.runs} (a positive integer)`,
    mbps !== null && !(mbps > 0) && `--mbps ${values.mbps} (megabits per second, above 0)`,
    ...browsers.filter((b) => !BROWSERS.includes(b)).map((b) => `--browser ${b} (${BROWSERS.join(' or ')})`),
  ].filter(Boolean);
  if (bad.length > 0) {
    console.error(`bench:visits: ${bad.join(', ')}\n${USAGE}`);
    process.exit(2);
  }
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  if (!existsSync(join(root, 'dist/engine.worker.js'))) {
    console.error('dist/ is missing: run `npm run build` first, then `npm run bench:visits`.');
    process.exit(1);
  }
  const { log, fail, problems } = createReport();
  const model = benchModel(root);
  log(`LocalRank first and second visit: ${browsers.join(', ')}, ${rounds} round(s), ${mbps === null ? 'loopback' : `${mbps} Mbit/s`}`);
  log(`model: ${model.label}`);
  if (distIsStale(root)) log('warning: src/ or workers/ changed after dist/ was built; run `npm run build` to bench the current code');
  const { startServer } = await import('../scripts/serve.mjs');
  const server = await startServer();
  const watch = (page, label) => {
    page.on('request', (r) => {
      if (!/^(http:\/\/127\.0\.0\.1:|blob:|data:)/.test(r.url())) fail(label, new Error(`a request left this machine: ${r.url()}`));
    });
    page.on('pageerror', (e) => fail(label, new Error(`page error: ${String(e)}`)));
  };
  let result;
  try {
    result = await benchBrowserVisits({ server, model, log, fail, watch, rounds, mbps, memory: false, browsers });
  } finally {
    await server.close();
  }
  const keys = browsers.flatMap(visitKeys);
  const figures = Object.fromEntries(keys.map((k) => [k, typeof result[k] === 'number' ? Math.round(result[k] * 1000) / 1000 : null]));
  if (problems.length > 0) log(`${problems.length} problem(s): ${problems.join(' | ')}`);
  process.stdout.write(`${JSON.stringify({ visits: { model: model.id, mbps, rounds, ...figures } })}\n`);
  process.exitCode = problems.length > 0 ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
