// Part of `npm run bench:encoder`: the same measurements in Chromium and Firefox ESR, both driven by
// puppeteer-core (scripts/browsers.mjs), on the ESM test page (e2e/pages/esm.html):
//   - first and second visit: createLocalRank() -> the first rank() served by the model, on a fresh profile,
//     then on the same profile after a reload;
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
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { executableOf, firefoxWorkerMemory, launchOptions } from '../scripts/browsers.mjs';
import { median } from './measure.mjs';
import { productTexts } from './texts.mjs';

const MB = 1024 * 1024;

/** The keys this part adds to the benchmark's JSON, per browser. */
export const browserVisitKeys = (name) => [
  `${name}_first_visit_ms`,
  `${name}_second_visit_ms`,
  `${name}_worker_mem_mb_model`,
  `${name}_worker_mem_mb_after_rank_10000`,
  name === 'chromium' ? 'chromium_worker_heap_mb_model' : 'firefox_worker_explicit_mb_model',
  name === 'chromium' ? 'chromium_worker_heap_mb_after_rank_10000' : 'firefox_worker_explicit_mb_after_rank_10000',
  `${name}_rank_10000_ms`,
];

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

/** Opens the ESM page, starts LocalRank, and times createLocalRank() -> the first rank() served by the model. */
async function visit(page, url, options, candidates) {
  await page.goto(url);
  await page.waitForFunction(() => window.__pageReady === true);
  const r = await page.evaluate(
    async (opts, items) => {
      window.start(opts); // sets window.__createdAt just before createLocalRank()
      const lr = window.lr;
      const t0 = window.__createdAt;
      await new Promise((resolve, reject) => {
        const check = () => {
          if (window.__events.some((e) => e.type === 'encoder' && e.payload.kind === 'model')) return resolve();
          const failed = window.__events.find((e) => e.type === 'error');
          if (failed) return reject(new Error(`error event: ${JSON.stringify(failed.payload)}`));
          setTimeout(check, 10);
        };
        check();
      });
      const ranked = await lr.rank(items, { k: 10 });
      return { modelMs: performance.now() - t0, kind: ranked.encoder.kind };
    },
    options,
    candidates,
  );
  if (r.kind !== 'model') throw new Error(`the rank after the model event used ${r.kind}`);
  return r.modelMs;
}

/** Rounds of: fresh profile, first visit, reload, second visit. */
async function visits(puppeteer, name, ctx) {
  const first = [];
  const second = [];
  for (let round = 0; round < ctx.rounds; round++) {
    const dir = mkdtempSync(join(tmpdir(), `localrank-bench-${name}-`));
    const browser = await puppeteer.launch(launchOptions(name, { userDataDir: dir, protocolTimeout: 600_000 }));
    try {
      const page = await browser.newPage();
      ctx.watch(page, `${name} visit ${round + 1}`);
      const url = `${ctx.server.url}/e2e/pages/esm.html`;
      first.push(await visit(page, url, ctx.lrOptions, ctx.items));
      second.push(await visit(page, url, ctx.lrOptions, ctx.items));
      ctx.log(`[${name}] round ${round + 1}: first visit ${first.at(-1).toFixed(0)} ms, second visit (reload, same profile) ${second.at(-1).toFixed(0)} ms`);
    } finally {
      await browser.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return { first: median(first), second: median(second) };
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
 * Runs both parts in Chromium and Firefox and returns the figures by key (browserVisitKeys); a browser that
 * is missing or fails is reported through `fail` and its keys stay null.
 */
export async function benchBrowserVisits({ server, model, log, fail, watch, rounds = 3, candidates = 10_000 }) {
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
  const ctx = {
    server,
    log,
    watch,
    rounds,
    // Default storage (IndexedDB) and embedding cache, as a host would start it.
    lrOptions: { namespace: 'bench-visits', model: { id: model.id, baseUrl: model.urlPrefix, dtype: 'q8', device: 'wasm' } },
    items: productTexts(40, 7).map((t, i) => textToItem(t, i, 'item')),
    manyItems: productTexts(candidates, 11).map((t, i) => textToItem(t, i, 'c')),
  };
  for (const name of ['chromium', 'firefox']) {
    log();
    log(`== ${name === 'chromium' ? 'Chromium' : 'Firefox ESR'} (puppeteer-core): first and second visit, worker memory ==`);
    if (!existsSync(executableOf(name))) {
      fail(`${name} visits and memory`, new Error(`${executableOf(name)} not found (apt-get install ${name === 'firefox' ? 'firefox-esr' : 'chromium'})`));
      continue;
    }
    try {
      const v = await visits(puppeteer, name, ctx);
      result[`${name}_first_visit_ms`] = v.first;
      result[`${name}_second_visit_ms`] = v.second;
      log(`[${name}] median of ${rounds}: first visit ${v.first.toFixed(0)} ms, second visit ${v.second.toFixed(0)} ms (createLocalRank() to the first rank() served by the model)`);
    } catch (error) {
      fail(`${name} first and second visit`, error);
    }
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
  return result;
}
