/**
 * Model and runtime files kept between visits, in the Cache API. Each entry
 * records the SHA-256 and size of its bytes when stored, checked when read (a
 * corrupted or truncated entry is evicted, never returned), and the version of
 * its group of files (a model's folder, the runtime's folder): an entry of
 * another version is stale, and storing a new version evicts the old one.
 * Every failure (no Cache API, no room, a bad entry) degrades to the network
 * with one warning; nothing here throws.
 */

import { cacheStorage, deleteCache } from '../cache-storage.js';

export const MODEL_CACHE_NAME = 'localrank-models';
/** Where transformers.js kept files before LocalRank had its own store; forget({ models: true }) deletes it too. */
const LEGACY_CACHE_NAME = 'transformers-cache';

const SHA256 = 'x-localrank-sha256';
const SIZE = 'x-localrank-size';
const GROUP = 'x-localrank-group';
const VERSION = 'x-localrank-version';

/** Files that are replaced together. */
export interface FileGroup {
  /** Absolute URL of the folder: every file of the group has a URL under it. */
  prefix: string;
  /** Entries stored under another version are stale; storing this version evicts them. */
  version: string;
}

/** The part of the Cache API this module uses (a test may pass a stand-in). */
export type CacheLike = Pick<Cache, 'match' | 'put' | 'delete' | 'keys'>;

export interface FileCacheOptions {
  groups: readonly FileGroup[];
  /** Called at most once per cache, with what failed and what it means, in words. */
  onWarning: (reason: string) => void;
  /** Opens the store; default the Cache API's `localrank-models`. */
  open?: () => Promise<CacheLike>;
}

export interface ModelFileCache {
  /** The checked bytes of a cached file; undefined when not cached, stale, corrupted, or there is no cache. */
  read(url: string): Promise<Uint8Array | undefined>;
  /** Stores a file of one of the groups (others are ignored). */
  write(url: string, bytes: Uint8Array): Promise<void>;
  /** The interface transformers.js calls through `env.customCache`. */
  readonly transformers: {
    match(key: string): Promise<Response | undefined>;
    put(key: string, response: Response): Promise<void>;
  };
}

const fileName = (url: string): string => url.slice(url.lastIndexOf('/') + 1) || url;
/**
 * Firefox's Cache API rejects a put over the origin's limit with an XPCOM exception, not an Error: named
 * NS_ERROR_FILE_NO_DEVICE_SPACE, with an empty message (Chromium rejects with a QuotaExceededError).
 */
const QUOTA_ERROR_NAMES = ['QuotaExceededError', 'NS_ERROR_FILE_NO_DEVICE_SPACE'];
const nameOf = (error: unknown): unknown => (error as { name?: unknown } | null | undefined)?.name;
const messageOf = (error: unknown): string => {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  const name = nameOf(error);
  return typeof name === 'string' && name.startsWith('NS_ERROR_') ? name : String(error);
};
const isQuotaError = (error: unknown): boolean => QUOTA_ERROR_NAMES.includes(nameOf(error) as string) || (error instanceof Error && /quota/i.test(error.message));

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Why the default store cannot be used here, or null when it can. */
function unavailable(): string | null {
  if (!cacheStorage()) return 'the Cache API is not available here (it needs a secure context: https or localhost)';
  if (typeof crypto === 'undefined' || !crypto.subtle) return 'WebCrypto is not available here (it needs a secure context) to check cached files';
  return null;
}

export function createModelFileCache(options: FileCacheOptions): ModelFileCache {
  let warned = false;
  const warn = (reason: string): void => {
    if (warned) return;
    warned = true;
    options.onWarning(reason);
  };
  // The longest prefix wins, so a model folder nested in another group's folder is its own group.
  const groups = [...options.groups].sort((a, b) => b.prefix.length - a.prefix.length);
  const groupOf = (url: string): FileGroup | undefined => groups.find((g) => url.startsWith(g.prefix));
  /** Digests checked in this cache's lifetime: transformers.js reads each file twice (size, then bytes). */
  const checked = new Map<string, string>();
  const evicted = new Set<FileGroup>();

  let store: Promise<CacheLike | null> | undefined;
  const open = (): Promise<CacheLike | null> =>
    (store ??= (async () => {
      if (!options.open) {
        const missing = unavailable();
        if (missing) {
          warn(`${missing}: model and runtime files load from the network on every visit`);
          return null;
        }
      }
      try {
        return await (options.open ?? (() => cacheStorage()!.open(MODEL_CACHE_NAME)))();
      } catch (error) {
        warn(`the model cache could not be opened (${messageOf(error)}): model and runtime files load from the network on every visit`);
        return null;
      }
    })());

  const remove = (cache: CacheLike, url: string): Promise<unknown> => cache.delete(url).catch(() => false);

  /** Deletes the group's entries of other versions (before storing, so they free their room first). */
  async function evictOtherVersions(cache: CacheLike, group: FileGroup): Promise<void> {
    if (evicted.has(group)) return;
    evicted.add(group);
    for (const request of await cache.keys()) {
      if (!request.url.startsWith(group.prefix)) continue;
      const entry = await cache.match(request);
      if (entry && entry.headers.get(GROUP) === encodeURIComponent(group.prefix) && entry.headers.get(VERSION) !== encodeURIComponent(group.version)) {
        await remove(cache, request.url);
      }
    }
  }

  async function read(url: string): Promise<Uint8Array | undefined> {
    const group = groupOf(url);
    if (!group) return undefined;
    const cache = await open();
    if (!cache) return undefined;
    let entry: Response | undefined;
    try {
      entry = await cache.match(url);
    } catch (error) {
      warn(`the model cache could not be read (${messageOf(error)}): ${fileName(url)} loads from the network`);
      return undefined;
    }
    if (!entry) return undefined;
    if (entry.headers.get(VERSION) !== encodeURIComponent(group.version)) {
      await remove(cache, url); // another version of the files: the new one replaces it
      return undefined;
    }
    const expected = entry.headers.get(SHA256);
    let problem: string;
    try {
      const bytes = new Uint8Array(await entry.arrayBuffer());
      if (String(bytes.byteLength) !== entry.headers.get(SIZE)) {
        problem = `${bytes.byteLength} bytes instead of ${entry.headers.get(SIZE)}`;
      } else if (expected !== null && (checked.get(url) === expected || (await sha256(bytes)) === expected)) {
        checked.set(url, expected);
        return bytes;
      } else {
        problem = 'its SHA-256 does not match the one recorded';
      }
    } catch (error) {
      problem = `it cannot be read (${messageOf(error)})`;
    }
    checked.delete(url);
    await remove(cache, url);
    warn(`the cached ${fileName(url)} is corrupted (${problem}): evicted and fetched again`);
    return undefined;
  }

  async function write(url: string, bytes: Uint8Array): Promise<void> {
    const group = groupOf(url);
    if (!group) return;
    const cache = await open();
    if (!cache) return;
    try {
      await evictOtherVersions(cache, group);
      const digest = await sha256(bytes);
      const headers = {
        'content-length': String(bytes.byteLength),
        [SIZE]: String(bytes.byteLength),
        [SHA256]: digest,
        [GROUP]: encodeURIComponent(group.prefix),
        [VERSION]: encodeURIComponent(group.version),
      };
      await cache.put(url, new Response(bytes as Uint8Array<ArrayBuffer>, { headers }));
      checked.set(url, digest);
    } catch (error) {
      const what = isQuotaError(error) ? `no room to cache ${fileName(url)}` : `${fileName(url)} could not be cached`;
      warn(`${what} (${messageOf(error)}): it loads from the network again on the next visit`);
    }
  }

  return {
    read,
    write,
    transformers: {
      async match(key) {
        const bytes = await read(key);
        // The size is what transformers.js reads for its progress totals.
        return bytes && new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { 'content-length': String(bytes.byteLength) } });
      },
      async put(key, response) {
        if (!groupOf(key)) return;
        let bytes: Uint8Array;
        try {
          bytes = new Uint8Array(await response.arrayBuffer());
        } catch {
          return;
        }
        await write(key, bytes);
      },
    },
  };
}

/** Deletes the cached model and runtime files (and transformers.js's store of earlier releases). */
export async function deleteModelFileCaches(): Promise<void> {
  // Where the Cache API is denied (site data blocked, an opaque origin) nothing was cached: nothing to delete.
  await Promise.all([deleteCache(MODEL_CACHE_NAME), deleteCache(LEGACY_CACHE_NAME)]);
}
