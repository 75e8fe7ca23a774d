import { afterEach, describe, expect, it } from 'vitest';
import { cacheStorage, deleteCache } from '../src/engine/cache-storage.ts';

/** Installs `caches` on the global the way a browser does: an accessor (Firefox's throws in opaque-origin workers). */
function defineCaches(get: () => unknown): void {
  Object.defineProperty(globalThis, 'caches', { configurable: true, get });
}

describe('cacheStorage', () => {
  afterEach(() => {
    delete (globalThis as { caches?: unknown }).caches;
  });

  it('is undefined where the global has no Cache API (Node)', () => {
    expect('caches' in globalThis).toBe(false);
    expect(cacheStorage()).toBeUndefined();
  });

  it('returns the Cache API where reading it works', () => {
    const storage = { delete: () => Promise.resolve(true) };
    defineCaches(() => storage);
    expect(cacheStorage()).toBe(storage);
  });

  it('is undefined, not an exception, where reading `caches` throws (Firefox, a worker of a sandboxed frame)', () => {
    defineCaches(() => {
      throw new Error('NS_ERROR_FAILURE');
    });
    expect(() => typeof caches).toThrow('NS_ERROR_FAILURE');
    expect(cacheStorage()).toBeUndefined();
  });
});

describe('deleteCache', () => {
  afterEach(() => {
    delete (globalThis as { caches?: unknown }).caches;
  });

  it('deletes the named cache', async () => {
    const deleted: string[] = [];
    defineCaches(() => ({ delete: (name: string) => (deleted.push(name), Promise.resolve(true)) }));
    await deleteCache('transformers-cache');
    expect(deleted).toEqual(['transformers-cache']);
  });

  it('does nothing where there is no Cache API, or reading it throws', async () => {
    await expect(deleteCache('transformers-cache')).resolves.toBeUndefined();
    defineCaches(() => {
      throw new Error('NS_ERROR_FAILURE');
    });
    await expect(deleteCache('transformers-cache')).resolves.toBeUndefined();
  });

  it('ignores a SecurityError (storage blocked: no cache can exist) and passes any other error on', async () => {
    const failing = (name: string) => ({ delete: () => Promise.reject(Object.assign(new Error('denied'), { name })) });
    defineCaches(() => failing('SecurityError'));
    await expect(deleteCache('transformers-cache')).resolves.toBeUndefined();
    defineCaches(() => failing('UnknownError'));
    await expect(deleteCache('transformers-cache')).rejects.toThrow('denied');
  });
});
