import type { KeyValueStore } from './kv.js';

/**
 * A lock shared by every tab (and worker) of the origin, so read-modify-write
 * of the profile never loses another tab's events. Web Locks where the browser
 * has them; elsewhere a lease record in IndexedDB taken in a readwrite
 * transaction (IndexedDB serialises those across tabs); in Node an in-process
 * queue.
 */
export type WithLock = <T>(name: string, fn: () => Promise<T>) => Promise<T>;

interface LockManagerLike {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

export function webLocks(): WithLock | undefined {
  const locks = (globalThis.navigator as (Navigator & { locks?: LockManagerLike }) | undefined)?.locks;
  return locks ? <T>(name: string, fn: () => Promise<T>) => locks.request<T>(name, fn) : undefined;
}

/** One queue per name inside this context. */
export function inProcessLock(): WithLock {
  const tails = new Map<string, Promise<unknown>>();
  return <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const previous = tails.get(name) ?? Promise.resolve();
    const run: Promise<T> = previous.then(
      () => fn(),
      () => fn(),
    );
    tails.set(name, run.catch(() => undefined));
    return run;
  };
}

const LEASE_MS = 5_000;
const RETRY_MS = 15;

/**
 * The fallback: a lease record `{ owner, until }` claimed with compare-and-set
 * on the unencrypted store (a lease holds nothing personal). A holder that dies
 * leaves a lease that expires after LEASE_MS.
 */
export function leaseLock(store: KeyValueStore, now: () => number = Date.now): WithLock {
  const local = inProcessLock();
  const owner = Math.random().toString(36).slice(2);
  // The claim is one readwrite transaction, which IndexedDB serialises across tabs.
  const claim = async (key: string): Promise<boolean> => {
    const lease = await store.update<{ owner: string; until: number }>(key, (current) =>
      current && current.owner !== owner && current.until > now() ? current : { owner, until: now() + LEASE_MS },
    );
    return lease.owner === owner;
  };
  return (name, fn) =>
    local(name, async () => {
      const key = `lease:${name}`;
      while (!(await claim(key))) await new Promise((r) => setTimeout(r, RETRY_MS + Math.random() * RETRY_MS));
      try {
        return await fn();
      } finally {
        await store.delMany([key]);
      }
    });
}
