import { describe, expect, it } from 'vitest';
import type { CacheLike, FileGroup } from '../src/engine/encoder/file-cache.ts';
import { createModelFileCache } from '../src/engine/encoder/file-cache.ts';
import { loadRuntime } from '../src/engine/encoder/runtime.ts';

// Node has no Cache API: a Map-backed stand-in with the same semantics for what the module uses
// (the real one is exercised in Chromium by e2e/model-cache.test.ts).
class MemoryCache implements CacheLike {
  readonly entries = new Map<string, { body: Uint8Array; headers: Headers }>();
  failPut: unknown = null;
  async match(request: RequestInfo | URL): Promise<Response | undefined> {
    const e = this.entries.get(String(request instanceof Request ? request.url : request));
    return e && new Response(e.body.slice(), { headers: e.headers });
  }
  async put(request: RequestInfo | URL, response: Response): Promise<void> {
    if (this.failPut) throw this.failPut;
    this.entries.set(String(request), { body: new Uint8Array(await response.arrayBuffer()), headers: new Headers(response.headers) });
  }
  async delete(request: RequestInfo | URL): Promise<boolean> {
    return this.entries.delete(String(request));
  }
  async keys(): Promise<readonly Request[]> {
    return [...this.entries.keys()].map((url) => new Request(url));
  }
}

const MODEL = 'https://assets.example/models/tiny/';
const RUNTIME = 'https://assets.example/ort/';
const bytes = (...values: number[]): Uint8Array<ArrayBuffer> => Uint8Array.from(values);

function setup(groups: FileGroup[] = [{ prefix: MODEL, version: 'v1' }, { prefix: RUNTIME, version: 'ort@1' }], store = new MemoryCache()) {
  const warnings: string[] = [];
  const cache = createModelFileCache({ groups, onWarning: (w) => warnings.push(w), open: async () => store });
  return { cache, store, warnings };
}

describe('model file cache', () => {
  it('reads back what it stored, with its digest, size and version recorded', async () => {
    const { cache, store, warnings } = setup();
    await cache.write(`${MODEL}onnx/model.onnx`, bytes(1, 2, 3));
    const headers = store.entries.get(`${MODEL}onnx/model.onnx`)!.headers;
    // SHA-256 of 01 02 03, as `sha256sum` gives it.
    expect(headers.get('x-localrank-sha256')).toBe('039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81');
    expect(headers.get('x-localrank-size')).toBe('3');
    expect(headers.get('x-localrank-version')).toBe('v1');
    // A fresh cache object (a later visit) checks the digest again.
    expect(await setup(undefined, store).cache.read(`${MODEL}onnx/model.onnx`)).toEqual(bytes(1, 2, 3));
    expect(await cache.read(`${MODEL}config.json`)).toBeUndefined();
    expect(warnings).toEqual([]);
  });

  it('evicts a corrupted or truncated entry, returns nothing for it, and warns once', async () => {
    const { cache: writer, store } = setup();
    await writer.write(`${MODEL}onnx/model.onnx`, bytes(1, 2, 3, 4));
    await writer.write(`${MODEL}config.json`, bytes(123, 125));
    store.entries.get(`${MODEL}onnx/model.onnx`)!.body[2] = 9; // a flipped byte, same size
    const truncated = store.entries.get(`${MODEL}config.json`)!;
    truncated.body = truncated.body.slice(0, 1);

    const { cache, warnings } = setup(undefined, store);
    expect(await cache.read(`${MODEL}onnx/model.onnx`)).toBeUndefined();
    expect(await cache.read(`${MODEL}config.json`)).toBeUndefined();
    expect([...store.entries.keys()]).toEqual([]);
    expect(warnings).toHaveLength(1);
    expect(warnings).toEqual(['the cached model.onnx is corrupted (its SHA-256 does not match the one recorded): evicted and fetched again']);
    // Stored again, it reads back.
    await cache.write(`${MODEL}config.json`, bytes(123, 125));
    expect(await setup(undefined, store).cache.read(`${MODEL}config.json`)).toEqual(bytes(123, 125));
  });

  it('a truncated entry is named as such', async () => {
    const { cache: writer, store } = setup();
    await writer.write(`${MODEL}config.json`, bytes(123, 125));
    const entry = store.entries.get(`${MODEL}config.json`)!;
    entry.body = entry.body.slice(0, 1);
    const { cache, warnings } = setup(undefined, store);
    expect(await cache.read(`${MODEL}config.json`)).toBeUndefined();
    expect(warnings[0]).toContain('the cached config.json is corrupted (1 bytes instead of 2)');
  });

  it('a new version replaces the old: old entries are not served, and storing the new one evicts the group’s others', async () => {
    const other = 'https://assets.example/models/tiny/nested/';
    const { cache: v1, store } = setup([{ prefix: MODEL, version: 'v1' }, { prefix: RUNTIME, version: 'ort@1' }, { prefix: other, version: 'x' }]);
    await v1.write(`${MODEL}config.json`, bytes(1));
    await v1.write(`${MODEL}onnx/model.onnx`, bytes(2));
    await v1.write(`${other}config.json`, bytes(3)); // another group nested in the folder: not the same model
    await v1.write(`${RUNTIME}ort.wasm`, bytes(4));

    const { cache: v2, warnings } = setup([{ prefix: MODEL, version: 'v2' }, { prefix: RUNTIME, version: 'ort@1' }, { prefix: other, version: 'x' }], store);
    expect(await v2.read(`${MODEL}config.json`)).toBeUndefined();
    expect(store.entries.has(`${MODEL}config.json`)).toBe(false); // a stale entry read is dropped at once
    await v2.write(`${MODEL}config.json`, bytes(5));
    expect([...store.entries.keys()].sort()).toEqual([`${MODEL}config.json`, `${other}config.json`, `${RUNTIME}ort.wasm`].sort());
    expect(await v2.read(`${MODEL}config.json`)).toEqual(bytes(5));
    expect(await v2.read(`${RUNTIME}ort.wasm`)).toEqual(bytes(4));
    expect(warnings).toEqual([]);
  });

  it('ignores files outside its groups (transformers.js also asks for relative paths)', async () => {
    const { cache, store } = setup();
    await cache.transformers.put('https://elsewhere.example/x.onnx', new Response(bytes(1)));
    await cache.transformers.put('/models/tiny/config.json', new Response(bytes(1)));
    expect(store.entries.size).toBe(0);
    expect(await cache.transformers.match('/models/tiny/config.json')).toBeUndefined();
  });

  it('serves transformers.js with the size it reads for progress', async () => {
    const { cache } = setup();
    await cache.transformers.put(`${MODEL}tokenizer.json`, new Response(bytes(7, 8, 9)));
    const hit = await cache.transformers.match(`${MODEL}tokenizer.json`);
    expect(hit?.headers.get('content-length')).toBe('3');
    expect(new Uint8Array(await hit!.arrayBuffer())).toEqual(bytes(7, 8, 9));
  });

  it('a full store (quota exceeded) degrades: nothing stored, nothing thrown, one warning for several files', async () => {
    const store = new MemoryCache();
    store.failPut = new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    const { cache, warnings } = setup(undefined, store);
    await cache.write(`${MODEL}onnx/model.onnx`, bytes(1));
    await cache.write(`${RUNTIME}ort.wasm`, bytes(2));
    expect(await cache.read(`${MODEL}onnx/model.onnx`)).toBeUndefined();
    expect(warnings).toEqual(['no room to cache model.onnx (QuotaExceededError: The quota has been exceeded.): it loads from the network again on the next visit']);
  });

  it("Firefox's full store (an XPCOM exception, not an Error) is also a full store", async () => {
    const store = new MemoryCache();
    // What Firefox's Cache.put rejects with over the origin's limit, as it reaches a worker.
    store.failPut = { name: 'NS_ERROR_FILE_NO_DEVICE_SPACE', message: '', result: 0x80520010, toString: () => '[Exception... "File error: No device space"  nsresult: "0x80520010 (NS_ERROR_FILE_NO_DEVICE_SPACE)"]' };
    const { cache, warnings } = setup(undefined, store);
    await cache.write(`${RUNTIME}ort.wasm`, bytes(2));
    expect(warnings).toEqual(['no room to cache ort.wasm (NS_ERROR_FILE_NO_DEVICE_SPACE): it loads from the network again on the next visit']);
  });

  it('a store that cannot be opened degrades with one warning', async () => {
    const warnings: string[] = [];
    const cache = createModelFileCache({
      groups: [{ prefix: MODEL, version: '' }],
      onWarning: (w) => warnings.push(w),
      open: () => Promise.reject(new DOMException('An attempt was made to break through the security policy of the user agent.', 'SecurityError')),
    });
    expect(await cache.read(`${MODEL}config.json`)).toBeUndefined();
    await cache.write(`${MODEL}config.json`, bytes(1));
    expect(warnings).toEqual([
      'the model cache could not be opened (SecurityError: An attempt was made to break through the security policy of the user agent.): model and runtime files load from the network on every visit',
    ]);
  });

  it('without the Cache API (an insecure context) it says so, once', async () => {
    expect(typeof (globalThis as { caches?: unknown }).caches).toBe('undefined'); // Node, like an http: page
    const warnings: string[] = [];
    const cache = createModelFileCache({ groups: [{ prefix: MODEL, version: '' }], onWarning: (w) => warnings.push(w) });
    expect(await cache.read(`${MODEL}config.json`)).toBeUndefined();
    await cache.write(`${MODEL}config.json`, bytes(1));
    expect(warnings).toEqual(['the Cache API is not available here (it needs a secure context: https or localhost): model and runtime files load from the network on every visit']);
  });
});

describe('runtime files through the cache', () => {
  const files = { mjs: `${RUNTIME}ort-wasm-simd-threaded.mjs`, wasm: `${RUNTIME}ort-wasm-simd-threaded.wasm` };
  const served: Record<string, Uint8Array> = {
    [files.mjs]: new TextEncoder().encode('export default function factory() {}'),
    [files.wasm]: bytes(0, 97, 115, 109),
  };

  function network() {
    const requests: string[] = [];
    const fetchFile = async (url: string): Promise<Response> => {
      requests.push(url);
      const body = served[url];
      return body ? new Response(body.slice()) : new Response('not found', { status: 404, statusText: 'Not Found' });
    };
    return { requests, fetchFile };
  }

  it('fetches the wasm and the factory once, then serves both from the cache; the factory is imported from a blob: URL', async () => {
    const store = new MemoryCache();
    const first = network();
    const imports: string[] = [];
    const load = async (url: string) => void imports.push(url);
    const one = await loadRuntime(files, setup(undefined, store).cache, first.fetchFile, load);
    expect(first.requests.sort()).toEqual([files.mjs, files.wasm].sort());
    expect(new Uint8Array(one.wasmBinary)).toEqual(served[files.wasm]);
    expect(one.factoryUrl).toMatch(/^blob:/);
    expect(imports).toEqual([one.factoryUrl]);

    const second = network();
    const two = await loadRuntime(files, setup(undefined, store).cache, second.fetchFile, load);
    expect(second.requests).toEqual([]);
    expect(new Uint8Array(two.wasmBinary)).toEqual(served[files.wasm]);
    expect(two.factoryUrl).toMatch(/^blob:/);
  });

  it('where blob: scripts are refused (a CSP), the factory comes from its URL, and later loads do not try blob: again', async () => {
    const store = new MemoryCache();
    const attempts: string[] = [];
    const refuse = async (url: string) => {
      attempts.push(url);
      throw new TypeError('Failed to fetch dynamically imported module');
    };
    const one = await loadRuntime(files, setup(undefined, store).cache, network().fetchFile, refuse);
    expect(one.factoryUrl).toBe(files.mjs);
    expect(attempts).toHaveLength(1);
    const later = network();
    const two = await loadRuntime(files, setup(undefined, store).cache, later.fetchFile, refuse);
    expect(two.factoryUrl).toBe(files.mjs);
    expect(attempts).toHaveLength(1);
    expect(later.requests).toEqual([]); // the wasm and the factory's copy are cached; ORT imports the factory by URL
  });

  it('a page served in place of the wasm (a single-page app fallback) rejects and is not cached', async () => {
    const store = new MemoryCache();
    const fallback = async (url: string): Promise<Response> => (url === files.wasm ? new Response('<!doctype html><title>Shop</title>') : new Response(served[url]!.slice()));
    await expect(loadRuntime(files, setup(undefined, store).cache, fallback, async () => undefined)).rejects.toThrow(`${files.wasm} is not WebAssembly (it starts with "<!doctype html><")`);
    expect(store.entries.has(files.wasm)).toBe(false);
  });

  it('a runtime file the server does not have rejects, naming it', async () => {
    const missing = { ...files, wasm: `${RUNTIME}missing.wasm` };
    await expect(loadRuntime(missing, setup().cache, network().fetchFile, async () => undefined)).rejects.toThrow(`${RUNTIME}missing.wasm answered 404 Not Found`);
  });
});
