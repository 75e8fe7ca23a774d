import { expect, it } from 'vitest';
import { FIXTURE_MODEL, forEachBrowser, launchBrowser, privatePage, profileDir, startEsm, waitForEvent } from './browsers.js';
import type { Browser } from './browsers.js';

const ITEMS = [
  { id: 'shoe-1', title: 'Trail running shoes', category: 'Shoes > Running' },
  { id: 'knife-1', title: 'Stainless steel chef knife', category: 'Kitchen > Knives' },
];

forEachBrowser('IndexedDB state', (env) => {
  it('survives a reload and a browser restart', async () => {
    const profile = profileDir();
    const browsers: Browser[] = [];
    try {
      const first = await launchBrowser(env.name, { userDataDir: profile.dir });
      browsers.push(first);
      const page = await first.newPage();
      await startEsm(page, env.server, { namespace: 'persist', model: false });
      const tracked = await page.evaluate(async (items) => {
        const lr = (window as any).lr;
        await lr.upsertItems(items);
        return lr.track([{ type: 'view', itemId: 'shoe-1' }, { type: 'search', query: 'trail' }]);
      }, ITEMS);
      expect(tracked.accepted).toBe(2);

      // Reload: the host has not upserted anything yet, the profile comes from IndexedDB.
      await page.reload();
      await startEsm(page, env.server, { namespace: 'persist', model: false });
      const afterReload = await page.evaluate(async () => {
        const lr = (window as any).lr;
        const profile = await lr.profile();
        // The item snapshot stored with the event is enough to rank against it by id.
        const ranked = await lr.rank(['shoe-1']);
        return { profile, ranked };
      });
      expect(afterReload.profile.storage).toMatchObject({ kind: 'indexeddb', encrypted: false, events: 2 });
      expect(afterReload.profile.recentItems[0]).toMatchObject({ id: 'shoe-1', title: 'Trail running shoes', type: 'view' });
      expect(afterReload.profile.recentSearches).toEqual(['trail']);
      expect(afterReload.ranked.items[0].id).toBe('shoe-1');
      await first.close();

      // Browser restart on the same profile directory.
      const second = await launchBrowser(env.name, { userDataDir: profile.dir });
      browsers.push(second);
      const page2 = await second.newPage();
      await startEsm(page2, env.server, { namespace: 'persist', model: false });
      const exported = await page2.evaluate(() => (window as any).lr.export());
      expect(exported.format).toBe('localrank-export');
      expect(exported.events.map((e: { type: string }) => e.type)).toEqual(['view', 'search']);
      expect(exported.items.map((i: { id: string }) => i.id)).toEqual(['shoe-1']);

      // forget() erases it, durably.
      await page2.evaluate(() => (window as any).lr.forget());
      await page2.reload();
      await startEsm(page2, env.server, { namespace: 'persist', model: false });
      const afterForget = await page2.evaluate(async () => ({ profile: await (window as any).lr.profile(), exported: await (window as any).lr.export() }));
      expect(afterForget.profile.storage.events).toBe(0);
      expect(afterForget.exported.events).toEqual([]);
      expect(afterForget.exported.items).toEqual([]);

      // Another namespace on the same origin sees nothing of another's events.
      await page2.evaluate(() => (window as any).lr.track({ type: 'search', query: 'kept elsewhere' }));
      await startEsm(page2, env.server, { namespace: 'other', model: false });
      const other = await page2.evaluate(() => (window as any).lr.profile());
      expect(other.storage.events).toBe(0);
    } finally {
      await Promise.all(browsers.filter((b) => b.connected).map((b) => b.close()));
      profile.cleanup();
    }
  });

  it('in a private window the profile and the model work for the session, and nothing is left after a restart', async () => {
    const profile = profileDir();
    const browsers: Browser[] = [];
    try {
      const inPrivate = await launchBrowser(env.name, { userDataDir: profile.dir, privateBrowsing: true });
      browsers.push(inPrivate);
      const page = await privatePage(env.name, inPrivate);
      const options = { namespace: 'private', model: { id: FIXTURE_MODEL, baseUrl: '/models/', device: 'wasm' } };
      await startEsm(page, env.server, options);
      await waitForEvent(page, 'encoder', "(e) => e.kind === 'model'");
      const tracked = await page.evaluate(async (items) => {
        const lr = (window as any).lr;
        await lr.upsertItems(items);
        return (await lr.track([{ type: 'view', itemId: 'shoe-1' }, { type: 'search', query: 'trail' }])).accepted;
      }, ITEMS);
      expect(tracked).toBe(2);
      // The session keeps it across a reload (the browser holds private storage in memory).
      await page.reload();
      await startEsm(page, env.server, options);
      await waitForEvent(page, 'encoder', "(e) => e.kind === 'model'");
      const during = await page.evaluate(async (knife) => {
        const lr = (window as any).lr;
        // The viewed item's snapshot came back with the profile; the other candidate is passed whole.
        return { storage: (await lr.profile()).storage, ranked: await lr.rank([knife, 'shoe-1']), caches: await caches.keys() };
      }, ITEMS[1]!);
      expect(during.storage).toMatchObject({ kind: 'indexeddb', events: 2 });
      expect(during.ranked.encoder.kind).toBe('model');
      expect(during.ranked.items[0].id).toBe('shoe-1');
      expect(during.caches).toContain('localrank-models');
      await inPrivate.close();

      // A normal window on the same profile directory: no profile, no model files, no databases.
      const normal = await launchBrowser(env.name, { userDataDir: profile.dir });
      browsers.push(normal);
      const page2 = await normal.newPage();
      await page2.goto(`${env.server.url}/e2e/pages/esm.html`);
      // Looked at before LocalRank starts (which opens its database).
      const left = await page2.evaluate(async () => ({ caches: await caches.keys(), databases: (await indexedDB.databases()).map((d) => d.name) }));
      expect(left).toEqual({ caches: [], databases: [] });
      await startEsm(page2, env.server, { namespace: 'private', model: false });
      expect(await page2.evaluate(async () => (await (window as any).lr.profile()).storage.events)).toBe(0);
    } finally {
      await Promise.all(browsers.filter((b) => b.connected).map((b) => b.close()));
      profile.cleanup();
    }
  });
}, { launch: false });
