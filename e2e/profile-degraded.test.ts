import { expect, it } from 'vitest';
import { forEachBrowser, launchBrowser, profileDir, sleep, startEsm, waitForEvent, watch } from './browsers.js';
import type { Frame, Page } from './browsers.js';

const ITEMS = [
  { id: 'shoe-1', title: 'Trail running shoes', category: 'Shoes > Running', popularity: 10 },
  { id: 'shoe-2', title: 'Running shoes for trail runners', category: 'Shoes > Running', popularity: 5 },
  { id: 'knife-1', title: 'Stainless steel chef knife', category: 'Kitchen > Knives', popularity: 50 },
];

/** What the page sees of the storage APIs: each either works or fails (and how). */
const probeStorage = (target: Page | Frame) =>
  target.evaluate(async () => {
    const outcome = async (f: () => Promise<unknown>): Promise<string> => {
      try {
        await f();
        return 'ok';
      } catch (e) {
        return `fails: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
      }
    };
    return {
      indexedDB: await outcome(
        () =>
          new Promise((resolve, reject) => {
            const r = indexedDB.open('localrank-degraded-probe');
            r.onsuccess = () => {
              r.result.close();
              indexedDB.deleteDatabase('localrank-degraded-probe');
              resolve(true);
            };
            r.onerror = () => reject(r.error);
          }),
      ),
      caches: await outcome(() => caches.keys()),
      locks: await outcome(() => (navigator as any).locks.request('localrank-degraded-probe', async () => true)),
    };
  });

/** The flow both variants run: track, rank, profile, export, forget, all through the public API. */
const flow = (target: Page | Frame) =>
  target.evaluate(async (items) => {
    const lr = (window as any).lr;
    await lr.ready;
    await lr.upsertItems(items);
    const tracked = await lr.track([
      { type: 'click', itemId: 'shoe-1' },
      { type: 'search', query: 'trail' },
      { type: 'view', itemId: 'nope' },
    ]);
    const ranked = await lr.rank(['knife-1', 'shoe-2']);
    const profile = await lr.profile();
    const exported = await lr.export();
    // Also asks to delete the model cache, which these pages may not open either.
    await lr.forget({ models: true });
    const afterForget = await lr.profile();
    return {
      tracked: { accepted: tracked.accepted, rejected: tracked.rejected.map((r: any) => r.error.code) },
      order: ranked.items.map((i: { id: string }) => i.id),
      coldStart: ranked.coldStart,
      storage: profile.storage,
      recentSearches: profile.recentSearches,
      exportedEvents: exported.events.length,
      eventsAfterForget: afterForget.storage.events,
    };
  }, ITEMS);

forEachBrowser('no IndexedDB: an in-memory profile, a degraded event, the API keeps working', (env) => {
  it('a browser profile that blocks site data (indexedDB.open fails in page and worker) still tracks and ranks', async () => {
    // The browser's "block all cookies and site data" setting.
    const profile = profileDir();
    const blocked = await launchBrowser(env.name, { blockSiteData: true, userDataDir: profile.dir });
    try {
      const page = await blocked.newPage();
      const log = watch(page);
      await page.goto(`${env.server.url}/e2e/pages/esm.html`);
      const storage = await probeStorage(page);
      expect(storage.indexedDB).toMatch(/^fails: /);
      expect(storage.caches).toMatch(/^fails: /);

      await startEsm(page, env.server, { namespace: 'blocked', model: false });
      const degraded = await waitForEvent(page, 'degraded', "(e) => e.code === 'STORAGE_UNAVAILABLE'", 30_000);
      expect(degraded).toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
      // The capability ladder saw it in the worker: no IndexedDB, no Cache API (site data blocked), the profile in memory.
      const environment = await waitForEvent(page, 'environment');
      expect(environment).toMatchObject({ capabilities: { worker: 'module', indexedDB: false, cacheApi: false }, path: { thread: 'worker', storage: 'memory' } });
      expect(typeof (degraded as { reason: unknown }).reason).toBe('string');
      const result = await flow(page);
      expect(result.tracked).toEqual({ accepted: 2, rejected: ['UNKNOWN_ITEM'] });
      expect(result.order).toEqual(['shoe-2', 'knife-1']);
      expect(result.coldStart).toBe(false);
      expect(result.storage).toMatchObject({ kind: 'memory', encrypted: false, events: 2 });
      expect(result.recentSearches).toEqual(['trail']);
      expect(result.exportedEvents).toBe(2);
      expect(result.eventsAfterForget).toBe(0);

      // encryptAtRest cannot store a key either: still memory, still working.
      await startEsm(page, env.server, { namespace: 'blocked-sealed', model: false, encryptAtRest: true });
      const sealed = await page.evaluate(async () => {
        const lr = (window as any).lr;
        await lr.ready;
        const t = await lr.track({ type: 'search', query: 'tent' });
        return { accepted: t.accepted, storage: (await lr.profile()).storage };
      });
      expect(sealed.accepted).toBe(1);
      expect(sealed.storage.kind).toBe('memory');

      const errors = (await page.evaluate(() => (window as any).__events.filter((e: any) => e.type === 'error').map((e: any) => e.payload))) as unknown[];
      expect(errors).toEqual([]);
      expect(log.pageErrors).toEqual([]);
    } finally {
      await blocked.close();
      profile.cleanup();
    }
  });

  it('the script-tag build in a sandboxed iframe (opaque origin: IndexedDB throws SecurityError) still tracks and ranks', async () => {
    const { page, log, close } = await env.open();
    await page.goto(`${env.server.url}/e2e/pages/profile-sandboxed.html`);
    const frame = await (async () => {
      for (let i = 0; i < 100; i++) {
        const f = page.frames().find((x) => x.url().endsWith('/e2e/pages/profile-iife-inner.html'));
        if (f) return f;
        await sleep(50);
      }
      throw new Error('the sandboxed frame did not load');
    })();
    await frame.waitForFunction(() => (window as any).__pageReady === true);
    expect(await frame.evaluate(() => origin)).toBe('null');
    const storage = await probeStorage(frame);
    expect(storage.indexedDB).toMatch(/^fails: SecurityError/);

    await frame.evaluate(() => (window as any).start({ namespace: 'sandboxed', model: false }));
    // The degraded event, or the error that says the worker could not run here (fails fast, with its message).
    const first = await frame.waitForFunction(
      () => (window as any).__events.find((e: any) => e.type === 'degraded' || (e.type === 'error' && e.payload.code === 'WORKER_UNAVAILABLE')),
      { timeout: 30_000 },
    );
    const seen = (await frame.evaluate(() => (window as any).__events.map((e: any) => ({ type: e.type, ...e.payload })))) as unknown[];
    expect({ first: await first.jsonValue(), seen }).toMatchObject({ first: { type: 'degraded', payload: { code: 'STORAGE_UNAVAILABLE' } } });
    const result = await flow(frame);
    expect(result.tracked).toEqual({ accepted: 2, rejected: ['UNKNOWN_ITEM'] });
    expect(result.order).toEqual(['shoe-2', 'knife-1']);
    expect(result.storage).toMatchObject({ kind: 'memory', encrypted: false, events: 2 });
    expect(result.eventsAfterForget).toBe(0);
    const inFrame = await frame.evaluate(() => ({
      errors: (window as any).__errors as string[],
      errorEvents: (window as any).__events.filter((e: any) => e.type === 'error').map((e: any) => e.payload),
    }));
    expect(inFrame).toEqual({ errors: [], errorEvents: [] });
    expect(log.pageErrors).toEqual([]);
    await close();
  });
});
