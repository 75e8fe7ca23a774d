import type { ModelFileCache } from './file-cache.js';

/**
 * ONNX Runtime Web's two files, through the model file cache: the `.wasm`,
 * handed to ORT as bytes, and the factory module (`.mjs`), which ORT can only
 * import from a URL. The factory is imported from a `blob:` URL of the cached
 * copy (no request), or from its own URL where the page's Content Security
 * Policy refuses `blob:` scripts; that refusal is remembered in the cache, so
 * the policy reports it once, not on every visit.
 */

export interface RuntimeFiles {
  /** Absolute URL of the factory module. */
  mjs: string;
  /** Absolute URL of the WebAssembly binary. */
  wasm: string;
}

export interface LoadedRuntime {
  wasmBinary: ArrayBuffer;
  /** What ORT should import: a `blob:` URL of the checked copy, or `files.mjs`. */
  factoryUrl: string;
}

export type Fetch = (url: string) => Promise<Response>;
/** `import()` of a URL; injected so a test can refuse `blob:` as a CSP would. */
export type ImportModule = (url: string) => Promise<unknown>;

// The URL is only known at run time: neither this build nor a consumer's bundler may resolve it.
const importModule: ImportModule = (url) => import(/* webpackIgnore: true */ /* @vite-ignore */ url);

/** A marker entry under the runtime's folder (versioned with it): this environment refused the blob: import. */
const blobRefusedMarker = (files: RuntimeFiles): string => `${files.mjs}?localrank=blob-import-refused`;

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];

/** A server that answers a missing file with a page (a single-page app's fallback) must not get that page cached. */
function expectWasm(url: string, bytes: Uint8Array): void {
  if (WASM_MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new Error(`${url} is not WebAssembly (it starts with ${JSON.stringify(new TextDecoder().decode(bytes.subarray(0, 16)))})`);
  }
}

async function cachedOrFetched(url: string, cache: ModelFileCache, fetchFile: Fetch, check?: (url: string, bytes: Uint8Array) => void): Promise<Uint8Array> {
  const cached = await cache.read(url);
  if (cached) return cached;
  const response = await fetchFile(url);
  if (!response.ok) throw new Error(`${url} answered ${response.status} ${response.statusText}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  check?.(url, bytes);
  await cache.write(url, bytes);
  return bytes;
}

export async function loadRuntime(files: RuntimeFiles, cache: ModelFileCache, fetchFile: Fetch, load: ImportModule = importModule): Promise<LoadedRuntime> {
  const [wasm, factory, refused] = await Promise.all([
    cachedOrFetched(files.wasm, cache, fetchFile, expectWasm),
    cachedOrFetched(files.mjs, cache, fetchFile),
    cache.read(blobRefusedMarker(files)),
  ]);
  const wasmBinary = wasm.byteOffset === 0 && wasm.byteLength === wasm.buffer.byteLength ? (wasm.buffer as ArrayBuffer) : (wasm.slice().buffer as ArrayBuffer);
  if (refused) return { wasmBinary, factoryUrl: files.mjs };
  const blobUrl = URL.createObjectURL(new Blob([factory as Uint8Array<ArrayBuffer>], { type: 'text/javascript' }));
  try {
    // Imported here first: after a refused import inside ORT, every session in this worker would fail.
    // ORT's own import of the same URL then comes from the module map (so the URL is not revoked).
    await load(blobUrl);
    return { wasmBinary, factoryUrl: blobUrl };
  } catch {
    URL.revokeObjectURL(blobUrl);
    await cache.write(blobRefusedMarker(files), new Uint8Array(0));
    return { wasmBinary, factoryUrl: files.mjs };
  }
}
