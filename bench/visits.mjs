// First and second visit: `node bench/visits.mjs [--runs N] [--mbps M]` (after `npm run build`).
//
// Time from createLocalRank() to the first ranking the model serves, on the ESM
// build in headless Chromium: a first visit on a fresh persistent profile, then
// a second visit after a browser restart on that profile (model and runtime
// files from LocalRank's cache). Also counts the requests for model and runtime
// files per visit. Uses ../shared/models' distilled MiniLM when present (12 MB
// q8), else the committed fixture model. With --mbps the asset server sends at
// most M megabits per second (the first visit's downloads then dominate).
// Human-readable lines first; the last line of stdout is one JSON object.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_FLAGS } from '../scripts/chromium.mjs';
import { startServer, SHARED_MODELS } from '../scripts/serve.mjs';
import { median } from './measure.mjs';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, mbps: { type: 'string' } } });
const RUNS = Number(values.runs);
const BYTES_PER_MS = values.mbps ? (Number(values.mbps) * 1e6) / 8 / 1000 : null;

const shared = existsSync(join(SHARED_MODELS, 'localrank-minilm-distilled/onnx/model_quantized.onnx'));
const MODEL = shared ? { id: 'localrank-minilm-distilled', baseUrl: '/shared-models/' } : { id: 'localrank-tiny-bert', baseUrl: '/models/' };

const upstream = await startServer();
/** The link: with --mbps, a proxy in front of the server paces all response bodies through one shared budget. */
const { url, close } = BYTES_PER_MS ? await pacedProxy(upstream.url) : upstream;

function pacedProxy(target) {
  let free = 0; // when the link is next idle (ms, performance.now())
  const server = createServer((req, res) => {
    const forward = request(`${target}${req.url}`, { method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      let written = Promise.resolve(); // this response's chunks, in order
      const until = (at) => new Promise((r) => setTimeout(r, Math.max(0, at - performance.now())));
      up.on('data', (chunk) => {
        free = Math.max(free, performance.now()) + chunk.length / BYTES_PER_MS;
        const at = free;
        up.pause();
        written = written.then(() => until(at)).then(() => {
          res.write(chunk);
          up.resume();
        });
      });
      up.on('end', () => (written = written.then(() => res.end())));
    });
    req.pipe(forward);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${server.address().port}`,
        close: async () => {
          await new Promise((r) => server.close(() => r()));
          await upstream.close();
        },
      }),
    ),
  );
}

const modelOrRuntime = (u) => u.includes('/models/') || u.includes('/shared-models/') || /\/ort-wasm[^/]*$/.test(new URL(u).pathname);

async function visit(context) {
  const page = await context.newPage();
  const requests = [];
  context.on('request', (r) => requests.push(r.url()));
  await page.goto(`${url}/e2e/pages/esm.html`);
  await page.waitForFunction(() => window.__pageReady === true);
  const ms = await page.evaluate(async (model) => {
    window.start({ namespace: 'bench-visits', storage: 'memory', model: { ...model, device: 'wasm' } });
    const lr = window.lr;
    await new Promise((resolve, reject) => {
      const check = () => {
        const events = window.__events;
        if (events.some((e) => e.type === 'encoder' && e.payload.kind === 'model')) resolve();
        else if (events.some((e) => e.type === 'error')) reject(new Error(JSON.stringify(events.find((e) => e.type === 'error').payload)));
        else setTimeout(check, 5);
      };
      check();
    });
    const ranked = await lr.rank([{ id: 'a', title: 'Trail running shoes' }, { id: 'b', title: 'Cast iron pan' }]);
    if (ranked.encoder.kind !== 'model') throw new Error(`ranked by ${ranked.encoder.id}`);
    return performance.now() - window.__createdAt;
  }, MODEL);
  await page.close();
  return { ms, fileRequests: requests.filter(modelOrRuntime).length };
}

const first = [];
const second = [];
console.log(`model ${MODEL.id}, ${RUNS} runs${BYTES_PER_MS ? `, ${values.mbps} Mbit/s` : ', loopback'}, load average ${loadavg()[0].toFixed(1)}`);
for (let i = 0; i < RUNS; i++) {
  const dir = mkdtempSync(join(tmpdir(), 'localrank-visits-'));
  try {
    let context = await chromium.launchPersistentContext(dir, { executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
    const a = await visit(context);
    await context.close();
    context = await chromium.launchPersistentContext(dir, { executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
    const b = await visit(context);
    await context.close();
    first.push(a);
    second.push(b);
    console.log(`run ${i + 1}: first visit ${a.ms.toFixed(0)} ms (${a.fileRequests} model/runtime requests), second ${b.ms.toFixed(0)} ms (${b.fileRequests})`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
await close();
const result = {
  model: MODEL.id,
  mbps: values.mbps ? Number(values.mbps) : null,
  first_visit_model_rank_ms: median(first.map((v) => v.ms)),
  second_visit_model_rank_ms: median(second.map((v) => v.ms)),
  second_visit_file_requests: Math.max(...second.map((v) => v.fileRequests)),
};
console.log(`median: first visit ${result.first_visit_model_rank_ms.toFixed(0)} ms, second visit ${result.second_visit_model_rank_ms.toFixed(0)} ms`);
console.log(JSON.stringify(result));
