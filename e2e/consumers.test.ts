// Real consumers of the published package: `npm pack` makes the tarball a user would
// install, a temporary app installs it with npm, and a Vite app and a webpack 5 app
// (fixtures in e2e/consumers/) import `localrank`, build and rank in Chromium.
// webpack rather than esbuild: webpack 5 re-emits `new Worker(new URL('./x.js', import.meta.url))`
// from a dependency as the app's own chunk, which is how the package starts its worker;
// esbuild leaves the URL alone, so its users copy the worker by hand.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { build as viteBuild } from 'vite';
import webpack from 'webpack';
import type { Configuration, Stats } from 'webpack';
import type { RunningServer } from '../scripts/serve.mjs';
import { launch, serve, waitForEvent, watch } from './harness.js';

const run = promisify(execFile);
const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const FIXTURES = join(ROOT, 'e2e/consumers');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
// A string only `localrank/aggregate` contains: the tree-shaking check looks for it in app bundles.
const AGGREGATE_MARKER = 'estimateShares needs a non-empty array of reports';

/** The environment of a user's shell: without the npm_* variables of the `npm test` running us (they would point npm at this repository). */
function userEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
  return { ...env, ONNXRUNTIME_NODE_INSTALL: 'skip' };
}

function webpackBuild(config: Configuration): Promise<Stats> {
  return new Promise((done, fail) => {
    webpack(config, (error, stats) => (error || !stats ? fail(error ?? new Error('webpack gave no stats')) : done(stats)));
  });
}

const jsFiles = (dir: string): string[] => readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js')).map((f) => join(dir, f));
const containsMarker = (dir: string): boolean => jsFiles(dir).some((f) => readFileSync(f, 'utf8').includes(AGGREGATE_MARKER));

let temp: string;
let app: string; // the consumer's project folder, with node_modules/localrank installed from the tarball
let browser: Browser;
const timings: Record<string, number> = {};

async function timed<T>(name: string, step: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await step();
  } finally {
    timings[name] = Math.round(performance.now() - start);
  }
}

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'dist/localrank.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  browser = await launch();
  temp = mkdtempSync(join(tmpdir(), 'localrank-consumers-'));
  const { stdout } = await timed('npm pack', () => run('npm', ['pack', '--json', '--pack-destination', temp], { cwd: ROOT, env: userEnv() }));
  const tarball = join(temp, (JSON.parse(stdout) as Array<{ filename: string }>)[0]!.filename);

  // One install serves both apps (each is a folder of the same project).
  app = join(temp, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer-app', private: true, type: 'module' }));
  await timed('npm install', () => run('npm', ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund'], { cwd: app, env: userEnv() }));
  cpSync(join(FIXTURES, 'vite-app'), join(app, 'vite-app'), { recursive: true });
  cpSync(join(FIXTURES, 'webpack-app'), join(app, 'webpack-app'), { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (temp) rmSync(temp, { recursive: true, force: true });
  console.info(`consumer apps, ms: ${JSON.stringify(timings)}`);
});

/** What the README tells a user to copy: the package's ONNX Runtime files, to a folder the app serves. */
function copyRuntime(to: string): void {
  cpSync(join(app, 'node_modules/localrank/dist/ort'), to, { recursive: true });
}

async function buildViteApp(): Promise<string> {
  const root = join(app, 'vite-app');
  copyRuntime(join(root, 'public/localrank-ort'));
  await timed('vite build', () => viteBuild({ root, configFile: false, logLevel: 'warn' }));
  return join(root, 'dist');
}

async function buildWebpackApp(): Promise<string> {
  const root = join(app, 'webpack-app');
  const config = ((await import(pathToFileURL(join(root, 'webpack.config.js')).href)) as { default: Configuration }).default;
  const stats = await timed('webpack build', () => webpackBuild(config));
  expect(stats.hasErrors(), stats.toString('errors-only')).toBe(false);
  const out = join(root, 'dist');
  cpSync(join(root, 'index.html'), join(out, 'index.html'));
  copyRuntime(join(out, 'localrank-ort'));
  return out;
}

/**
 * Serves a built app at the root of its own origin (the fixture model at /models/), ranks with
 * the model encoder, and checks where the worker and the runtime came from.
 */
async function rankInBuiltApp(out: string): Promise<void> {
  const server: RunningServer = await serve({ '/': out });
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const log = watch(context, page);
    const workers: string[] = [];
    page.on('worker', (w) => workers.push(w.url()));
    await page.goto(`${server.url}/index.html`);
    const encoder = await waitForEvent(page, 'encoder', "(e) => e.kind === 'model'");
    expect(encoder).toMatchObject({ id: 'model:localrank-tiny-bert', kind: 'model', device: 'wasm' });

    const result = await page.evaluate(async () => {
      const lr = (window as any).lr;
      await lr.upsertItems([
        { id: 'shoe-1', title: 'Trail running shoes', category: 'Shoes > Running' },
        { id: 'shoe-2', title: 'Running shoes for trail runners', category: 'Shoes > Running' },
        { id: 'pan-1', title: 'Cast iron frying pan', category: 'Kitchen > Cookware' },
      ]);
      await lr.track({ type: 'view', itemId: 'shoe-1' });
      return lr.rank(['pan-1', 'shoe-2']);
    });
    expect(result.encoder.kind).toBe('model');
    expect(result.items.map((i: { id: string }) => i.id)).toEqual(['shoe-2', 'pan-1']);

    // The worker is the app's own built file, served by the app, not a path into node_modules.
    expect(workers).toHaveLength(1);
    const workerPath = new URL(workers[0]!).pathname;
    expect(workers[0]!.startsWith(`${server.url}/`)).toBe(true);
    expect(existsSync(join(out, workerPath))).toBe(true);
    expect(log.requests.filter((u) => u.includes('node_modules'))).toEqual([]);
    // The runtime came from where the app put it.
    const runtime = log.requests.filter((u) => /ort-wasm-simd-threaded/.test(u));
    expect(runtime.sort()).toEqual([`${server.url}/localrank-ort/ort-wasm-simd-threaded.mjs`, `${server.url}/localrank-ort/ort-wasm-simd-threaded.wasm`]);
    // Nothing left the host (blob: URLs are in-memory), and nothing went wrong on the page.
    expect(log.requests.filter((u) => !u.startsWith(`${server.url}/`) && !u.startsWith(`blob:${server.url}/`))).toEqual([]);
    expect(log.pageErrors).toEqual([]);
    expect(log.consoleErrors).toEqual([]);
    expect(await page.evaluate(() => (window as any).__events.filter((e: { type: string }) => e.type === 'error' || e.type === 'degraded'))).toEqual([]);
  } finally {
    await context.close();
    await server.close();
  }
}

describe('apps that install the packed package from npm', () => {
  it('a Vite app (no Vite config) builds, re-emits the worker as its own asset, and ranks with the model in Chromium', async () => {
    const out = await buildViteApp();
    await rankInBuiltApp(out);
  });

  it('a webpack 5 app (no loader or plugin) builds, re-emits the worker as its own chunk, and ranks with the model in Chromium', async () => {
    const out = await buildWebpackApp();
    await rankInBuiltApp(out);
  });

  it('tree-shakes: an app importing only createLocalRank has no code of localrank/aggregate; one importing estimateShares has it', async () => {
    expect(readFileSync(join(app, 'node_modules/localrank/dist/aggregate.js'), 'utf8')).toContain(AGGREGATE_MARKER);
    const root = join(app, 'vite-app');
    const only = join(temp, 'only-create');
    await viteBuild({ root, configFile: false, logLevel: 'warn', build: { outDir: only, emptyOutDir: true, copyPublicDir: false } });
    expect(containsMarker(only)).toBe(false);

    // The same check finds the marker when the app does use the aggregate helper.
    writeFileSync(join(root, 'with-aggregate.js'), "import { estimateShares } from 'localrank/aggregate';\nwindow.estimateShares = estimateShares;\n");
    writeFileSync(join(root, 'with-aggregate.html'), '<!doctype html><script type="module" src="./main.ts"></script><script type="module" src="./with-aggregate.js"></script>');
    const both = join(temp, 'with-aggregate');
    await viteBuild({ root, configFile: false, logLevel: 'warn', build: { outDir: both, emptyOutDir: true, copyPublicDir: false, rollupOptions: { input: join(root, 'with-aggregate.html') } } });
    expect(containsMarker(both)).toBe(true);
  });

  it("resolves the package's types for a TypeScript consumer (tsc, moduleResolution bundler, skipLibCheck off)", async () => {
    const check = await timed('tsc', () => run(process.execPath, [TSC, '-p', join(app, 'vite-app/tsconfig.json')], { cwd: app }).then(() => 'ok', (e: { stdout?: string }) => e.stdout ?? String(e)));
    expect(check).toBe('ok');
  });
});
