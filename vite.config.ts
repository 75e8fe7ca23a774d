import { readFileSync } from 'node:fs';
import { defineConfig } from 'vite';
import type { Plugin } from 'vite';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

/**
 * Library mode writes the worker reference as `new URL(new URL("x.js", import.meta.url).href, "" + import.meta.url)`,
 * which consumer bundlers do not recognise. Rewrite it to the standard
 * `new URL("./engine.worker.js", import.meta.url)` so Vite, webpack and esbuild
 * users get the worker re-emitted by their own build.
 */
function standardWorkerUrl(): Plugin {
  return {
    name: 'localrank:standard-worker-url',
    renderChunk(code) {
      const rewritten = code.replace(
        /new URL\(\s*(?:\/\*\s*@vite-ignore\s*\*\/\s*)?new URL\("(?:\.\/)?engine\.worker\.js",\s*import\.meta\.url\)\.href,\s*""\s*\+\s*import\.meta\.url\s*\)/g,
        'new URL("./engine.worker.js", import.meta.url)',
      );
      return rewritten === code ? null : { code: rewritten, map: null };
    },
  };
}

/**
 * ONNX Runtime's ESM build finds its own URL with `new URL('ort.webgpu.min.mjs', import.meta.url)`
 * (used only under Node, for its proxy worker). webpack resolves that as an asset at the
 * consumer's build, and the package does not ship the file, so the consumer's build fails.
 * `import.meta.url + ''` is the same value at run time and no asset reference for a bundler.
 */
function ortSelfUrlNotAnAsset(): Plugin {
  return {
    name: 'localrank:ort-self-url-not-an-asset',
    renderChunk(code) {
      const rewritten = code.replace(/new URL\((`|"|')ort\.webgpu\.min\.mjs\1,\s*import\.meta\.url\)/g, 'new URL($1ort.webgpu.min.mjs$1, import.meta.url + "")');
      return rewritten === code ? null : { code: rewritten, map: null };
    },
  };
}

// `vite build` makes the ESM package (dist/localrank.js + dist/engine.worker.js);
// `vite build --mode iife` makes the script-tag bundle with the worker inlined;
// `vite build --mode cli` makes the Node command line (dist/cli.js, run by bin/localrank.mjs);
// `vite build --mode page-engine` makes dist/localrank.page-engine.js, the script tag's engine for pages without workers.
export default defineConfig(({ mode }) => {
  if (mode === 'cli') {
    return {
      define: { __LOCALRANK_VERSION__: JSON.stringify(pkg.version) },
      build: {
        outDir: 'dist',
        emptyOutDir: false,
        sourcemap: true,
        target: 'node20',
        // SSR build: Node resolution, dependencies (transformers.js on onnxruntime-node) stay imports.
        ssr: 'src/cli/main.ts',
        rollupOptions: { output: { entryFileNames: 'cli.js' } },
      },
    };
  }
  if (mode === 'page-engine') {
    // The engine for the page, where no worker can start, as one self-contained module: the script-tag
    // build imports it from next to itself only then (the npm build has its own lazily loaded chunk).
    return {
      base: './',
      define: { __LOCALRANK_VERSION__: JSON.stringify(pkg.version) },
      build: {
        outDir: 'dist',
        emptyOutDir: false,
        sourcemap: true,
        target: 'es2022',
        lib: { entry: 'src/engine/engine-api.ts', formats: ['es'], fileName: () => 'localrank.page-engine.js' },
      },
    };
  }
  const iife = mode === 'iife';
  return {
    base: './',
    define: { __LOCALRANK_VERSION__: JSON.stringify(pkg.version) },
    resolve: {
      // ORT's "extern wasm" build: the .wasm is fetched from runtimeUrl, never inlined as base64.
      conditions: ['onnxruntime-web-use-extern-wasm', 'module', 'browser', 'production'],
    },
    worker: {
      // The script-tag build inlines a classic worker: Chromium refuses module workers from
      // blob:null URLs, which is what a sandboxed (opaque-origin) frame gets.
      format: iife ? 'iife' : 'es',
      plugins: () => [ortSelfUrlNotAnAsset()],
      rollupOptions: { output: { entryFileNames: 'engine.worker.js', inlineDynamicImports: true } },
    },
    build: {
      outDir: 'dist',
      emptyOutDir: !iife,
      sourcemap: true,
      target: 'es2022',
      assetsDir: '',
      lib: iife
        ? { entry: 'src/iife.ts', formats: ['iife'], name: 'LocalRankBundle', fileName: () => 'localrank.iife.js' }
        : { entry: { localrank: 'src/index.ts', aggregate: 'src/aggregate.ts', eval: 'src/eval/index.ts' }, formats: ['es'], fileName: (_format, name) => `${name}.js` },
      rollupOptions: iife ? {} : { external: ['comlink'] },
    },
    plugins: iife ? [] : [standardWorkerUrl()],
  };
});
