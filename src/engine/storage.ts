import { toLocalRankError } from '../errors.js';
import type { ErrorCode } from '../types.js';
import type { EmbeddingCache } from './encoder/cache.js';
import { createEmbeddingCache } from './encoder/cache.js';
import type { EngineConfig } from './options.js';
import { encryptingStore, loadOrCreateKey } from './store/codec.js';
import type { KeyValueStore } from './store/kv.js';
import { createMemoryStore } from './store/kv.js';
import type { WithLock } from './store/lock.js';
import { inProcessLock } from './store/lock.js';
import type { ProfileStore, StoreIssue, SummaryCodec } from './store/profile-store.js';
import { isQuotaError, openProfileStore } from './store/profile-store.js';
import { applyEvent, cloneSummary, createSummary, fromJSON, toJSON } from './summary/summary.js';
import type { Summary, SummaryConfig } from './summary/types.js';

/** What the engine needs to open storage; the worker passes IndexedDB, Web Locks and BroadcastChannel. */
export interface StorageDependencies {
  /** Opens a persistent store; called only when `storageWorks()` said yes. */
  openStore(name: string): KeyValueStore;
  storageWorks(): Promise<boolean>;
  /** The cross-tab lock over a namespace's raw store. Default: an in-process queue (Node, tests). */
  createLock?(raw: KeyValueStore): WithLock;
  /** A channel to the other tabs of the origin. Default: none. */
  broadcast?(name: string, onMessage: () => void): { post(): void; close(): void };
}

/** One namespace's storage: the profile (log + summary) and the embedding cache. */
export interface NamespaceStorage {
  /** Where the profile lives now: 'memory' also after a full IndexedDB moved it there. */
  readonly kind: 'indexeddb' | 'memory';
  encrypted: boolean;
  profile: ProfileStore<Summary>;
  cache: EmbeddingCache;
  /** Small device-level facts worth remembering between visits (the backend probe's outcome); nothing personal. */
  settings: KeyValueStore;
  /** Deletes the databases (closing connections first). */
  destroy(): Promise<void>;
  close(): void;
}

export type ReportDegraded = (code: ErrorCode, reason: string) => void;

export function summaryCodec(config: SummaryConfig): SummaryCodec<Summary> {
  return {
    create: createSummary,
    clone: cloneSummary,
    apply: (summary, event, item) => void applyEvent(summary, event, item, config),
    toJSON: (summary) => toJSON(summary, config),
    fromJSON,
  };
}

function describeIssue(issue: StoreIssue): [ErrorCode, string] | null {
  switch (issue.kind) {
    case 'quarantined':
      return ['STORAGE_CORRUPTED', `Stored record "${issue.key}" was unreadable (${issue.reason}); it was set aside and the profile rebuilt from the rest`];
    case 'rebuilt-summary':
      return ['STORAGE_CORRUPTED', `The stored summary was rebuilt from ${issue.events} logged events`];
    case 'evicted-for-quota':
      return ['STORAGE_FULL', `Storage is full: the ${issue.events} oldest events were dropped to keep the summary`];
    case 'spilled-to-memory':
      return [
        'STORAGE_FULL',
        `Storage is full even after freeing the embedding cache and old events: the profile (${issue.events} events) lives in memory for this page, and what happens now is not saved`,
      ];
    case 'migrated':
      return null;
  }
}

/**
 * Opens a namespace: IndexedDB when it works (else memory, and says so),
 * encryption when asked (never plaintext instead), the cross-tab lock, and the
 * profile store. Unreadable storage never stops ranking: it falls back to memory.
 */
export async function openNamespaceStorage(
  config: EngineConfig,
  summaryConfig: SummaryConfig,
  deps: StorageDependencies,
  degraded: ReportDegraded,
): Promise<NamespaceStorage> {
  const name = `localrank:${config.namespace}`;
  const codec = summaryCodec(summaryConfig);
  const onIssue = (issue: StoreIssue): void => {
    const described = describeIssue(issue);
    if (described) degraded(...described);
  };

  const inMemory = async (): Promise<NamespaceStorage> => {
    const raw = createMemoryStore();
    const cacheStore = createMemoryStore();
    const cache = createEmbeddingCache(cacheStore, config.embeddingCacheSize);
    const profile = await openProfileStore({ store: raw, lock: inProcessLock(), lockName: name, maxEvents: config.maxEvents, codec, onIssue });
    return { kind: 'memory', encrypted: false, profile, cache, settings: createMemoryStore(), destroy: () => Promise.all([raw.destroy(), cacheStore.destroy()]).then(() => undefined), close: () => undefined };
  };

  if (config.storage === 'memory') return inMemory();
  const works = await deps.storageWorks().catch((error: unknown) => (isQuotaError(error) ? 'full' : false));
  if (works === 'full') {
    degraded('STORAGE_FULL', 'Storage is full: IndexedDB cannot even be opened, so the profile lives in memory for this page, and what happens now is not saved');
    return inMemory();
  }
  if (!works) {
    degraded('STORAGE_UNAVAILABLE', 'IndexedDB is not available here: the profile lives in memory and is lost on reload');
    return inMemory();
  }

  let channel: { post(): void; close(): void } | undefined;
  try {
    const raw = deps.openStore(name);
    const cacheStore = deps.openStore(`${name}:embeddings`);
    let store = raw;
    if (config.encryptAtRest) {
      if (typeof crypto === 'undefined' || !crypto.subtle) {
        degraded('STORAGE_UNAVAILABLE', 'encryptAtRest needs WebCrypto (a secure context): the profile lives in memory instead of unencrypted on disk');
        return inMemory();
      }
      store = encryptingStore(raw, await loadOrCreateKey(raw));
    }
    const cache = createEmbeddingCache(cacheStore, config.embeddingCacheSize);
    const settings = deps.openStore(`${name}:settings`);
    let profile!: ProfileStore<Summary>;
    channel = deps.broadcast?.(name, () => profile?.invalidate());
    profile = await openProfileStore({
      store,
      lock: deps.createLock?.(raw) ?? inProcessLock(),
      lockName: name,
      maxEvents: config.maxEvents,
      codec,
      onIssue,
      notify: () => channel?.post(),
      // Under quota pressure the embedding cache goes first: it can be recomputed.
      freeSpace: async () => {
        await cache.clear();
        return true;
      },
    });
    return {
      get kind() {
        return profile.spilled ? 'memory' : 'indexeddb';
      },
      encrypted: config.encryptAtRest,
      profile,
      cache,
      settings,
      destroy: () => Promise.all([raw.destroy(), cacheStore.destroy(), settings.destroy()]).then(() => undefined),
      close: () => channel?.close(),
    };
  } catch (error) {
    channel?.close();
    const e = toLocalRankError(error, 'STORAGE_FAILED');
    degraded(e.code === 'STORAGE_CORRUPTED' ? e.code : 'STORAGE_FAILED', `Stored profile could not be opened (${e.message}); using memory`);
    return inMemory();
  }
}
