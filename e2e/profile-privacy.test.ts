import { expect, it } from 'vitest';
import { FIXTURE_MODEL, forEachBrowser, sleep, startEsm, waitForEvent } from './browsers.js';
import type { Page } from './browsers.js';
import { cacheNames, databaseNames, dumpRawIndexedDb, schemaErrors } from './profile-helpers.js';

/** Distinctive, ASCII-only (so UTF-8, latin1 and UTF-16 code units agree): any leak is a plain substring. */
const ITEMS = [
  { id: 'p-1', title: 'Quixotic Zanzibar Umbrella', category: 'Garden > Shade', brand: 'Vexillum', tags: ['parasol'], price: 89 },
  { id: 'p-2', title: 'Flamboyant Xylophone Mallets', category: 'Music > Percussion', brand: 'Jocund', price: 24 },
  { id: 'p-3', title: 'Obsidian Hovercraft Polish', category: 'Vehicles > Care', brand: 'Brontide', price: 12 },
];
const INLINE = { id: 'p-4', title: 'Mauve Pterodactyl Kite', category: 'Toys > Outdoor', price: 33 };
const QUERY = 'gossamer walrus hammock';
const SECRETS = [...ITEMS.map((i) => i.title), INLINE.title, QUERY];

/** Secrets found in the raw records of the namespace's databases (keys included). */
async function leaks(page: Page, namespace: string): Promise<{ found: string[]; records: number; unsealed: string[]; unsealedElsewhere: string[]; cryptoKeys: number; databases: string[] }> {
  const dbs = await dumpRawIndexedDb(page, `localrank:${namespace}`);
  const text = dbs.flatMap((d) => d.records.map((r) => `${r.key}\n${r.text}`)).join('\n').toLowerCase();
  return {
    found: SECRETS.filter((s) => text.includes(s.toLowerCase()) || text.includes(s.toLowerCase().split(' ')[1]!)),
    records: dbs.reduce((n, d) => n + d.records.length, 0),
    // The profile database must be sealed record by record; the embedding cache (vectors under text hashes) is reported apart.
    unsealed: dbs.filter((d) => d.name === `localrank:${namespace}`).flatMap((d) => d.records.filter((r) => !r.sealed && !r.cryptoKey).map((r) => `${d.name}/${r.store}/${r.key}`)),
    unsealedElsewhere: dbs.filter((d) => d.name !== `localrank:${namespace}`).flatMap((d) => d.records.filter((r) => !r.sealed && !r.cryptoKey).map((r) => `${d.name}/${r.store}/${r.key}`)),
    cryptoKeys: dbs.reduce((n, d) => n + d.records.filter((r) => r.cryptoKey).length, 0),
    databases: dbs.map((d) => d.name),
  };
}

const track = (page: Page) =>
  page.evaluate(
    async ([items, inline, query]) => {
      const lr = (window as any).lr;
      await lr.ready;
      await lr.upsertItems(items);
      const result = await lr.track([
        { type: 'view', itemId: 'p-1' },
        { type: 'click', itemId: 'p-2', listId: 'home', position: 1 },
        { type: 'purchase', itemId: 'p-3' },
        { type: 'add_to_cart', item: inline },
        { type: 'search', query },
      ]);
      const ranked = await lr.rank(['p-1', 'p-2', 'p-3', 'p-4']);
      return { result, ranked: ranked.items.length };
    },
    [ITEMS, INLINE, QUERY] as const,
  );

forEachBrowser('privacy of the stored profile', (env) => {
  it('control: without encryptAtRest the raw records do hold the titles and the query (the dump sees them)', async () => {
    const { page, close } = await env.open();
    await startEsm(page, env.server, { namespace: 'plain', model: false });
    expect((await track(page)).result.accepted).toBe(5);
    const plain = await leaks(page, 'plain');
    expect(plain.databases).toContain('localrank:plain');
    expect(plain.found.sort()).toEqual([...SECRETS].sort());
    await close();
  });

  it('with encryptAtRest no tracked title or query is in the raw IndexedDB records, and the profile reads back after a reload', async () => {
    const { page, log, close } = await env.open();
    const options = { namespace: 'sealed', model: false, encryptAtRest: true };
    await startEsm(page, env.server, options);
    const { result } = await track(page);
    expect(result).toEqual({ accepted: 5, rejected: [] });
    const before = await page.evaluate(async () => {
      const lr = (window as any).lr;
      return { profile: await lr.profile(), exported: await lr.export() };
    });
    expect(before.profile.storage).toMatchObject({ kind: 'indexeddb', encrypted: true, events: 5 });

    const raw = await leaks(page, 'sealed');
    expect(raw.databases).toContain('localrank:sealed');
    expect(raw.records).toBeGreaterThan(0);
    expect(raw.found).toEqual([]);
    // Every value is { iv, data } but the key itself, which is a non-extractable CryptoKey.
    expect(raw.unsealed).toEqual([]);
    expect(raw.cryptoKeys).toBeGreaterThanOrEqual(1);
    const dump = await dumpRawIndexedDb(page, 'localrank:sealed');
    const keyRecords = dump.flatMap((d) => d.records).filter((r) => r.cryptoKey);
    expect(keyRecords.map((r) => r.key)).toEqual(keyRecords.map(() => 'crypto-key'));
    for (const r of keyRecords) expect(r.text).toContain('extractable=false');
    if (raw.unsealedElsewhere.length > 0) console.log(`[privacy] records stored unsealed outside the profile database: ${raw.unsealedElsewhere.slice(0, 10).join(', ')}`);

    // Reload: everything reads back through the stored key.
    await page.reload();
    await startEsm(page, env.server, options);
    const after = await page.evaluate(async () => {
      const lr = (window as any).lr;
      await lr.ready;
      return { profile: await lr.profile(), exported: await lr.export(), ranked: await lr.rank(['p-1', 'p-4']) };
    });
    expect(after.profile.storage).toMatchObject({ kind: 'indexeddb', encrypted: true, events: 5 });
    expect(after.profile.recentSearches).toEqual([QUERY]);
    expect(after.profile.recentItems.map((r: { title: string }) => r.title).sort()).toEqual([INLINE.title, ...ITEMS.map((i) => i.title)].sort());
    expect(after.profile.counts).toEqual(before.profile.counts);
    expect(after.exported.events).toEqual(before.exported.events);
    expect(after.exported.items).toEqual(before.exported.items);
    expect(after.exported.summary).toEqual(before.exported.summary);
    expect(schemaErrors(after.exported)).toEqual([]);
    expect(after.ranked.items).toHaveLength(2);
    // Still nothing readable after the reload wrote again.
    expect((await leaks(page, 'sealed')).found).toEqual([]);
    expect(log.pageErrors).toEqual([]);
    await close();
  });

  it('forget() leaves no LocalRank database; forget({ models: true }) also leaves no model cache', async () => {
    const { page, log, close } = await env.open();
    await startEsm(page, env.server, { namespace: 'erase', model: { id: FIXTURE_MODEL, baseUrl: '/models/', device: 'wasm' }, encryptAtRest: true });
    await waitForEvent(page, 'encoder', "(e) => e.kind === 'model'");
    const tracked = await track(page);
    expect(tracked.result.accepted).toBe(5);
    const before = { databases: await databaseNames(page), caches: await cacheNames(page) };
    expect(before.databases).toContain('localrank:erase');
    expect(before.caches).toEqual(['localrank-models']);
    // The model's embedding cache is sealed too.
    const sealed = await leaks(page, 'erase');
    expect(sealed.found).toEqual([]);
    expect(sealed.unsealed).toEqual([]);
    if (sealed.unsealedElsewhere.length > 0) console.log(`[privacy] embedding-cache records stored unsealed (no text in them): ${sealed.unsealedElsewhere.length}, e.g. ${sealed.unsealedElsewhere.slice(0, 3).join(', ')}`);

    await page.evaluate(() => (window as any).lr.forget());
    const afterForget = { databases: await databaseNames(page), caches: await cacheNames(page) };
    expect(afterForget.databases.filter((n) => n.startsWith('localrank'))).toEqual([]);
    // The model cache is kept unless asked for; LocalRank made no other cache.
    expect(afterForget.caches).toEqual(['localrank-models']);
    const emptied = await page.evaluate(async () => {
      const lr = (window as any).lr;
      return { profile: await lr.profile(), exported: await lr.export() };
    });
    expect(emptied.profile.storage.events).toBe(0);
    expect(emptied.profile.recentSearches).toEqual([]);
    expect(emptied.exported.events).toEqual([]);
    expect(emptied.exported.items).toEqual([]);
    // Nothing recreates the databases behind our back (late writes, cache flushes).
    await sleep(750);
    expect((await databaseNames(page)).filter((n) => n.startsWith('localrank'))).toEqual([]);

    await page.evaluate(() => (window as any).lr.forget({ models: true }));
    expect((await databaseNames(page)).filter((n) => n.startsWith('localrank'))).toEqual([]);
    expect(await cacheNames(page)).toEqual([]);
    await sleep(750);
    expect((await databaseNames(page)).filter((n) => n.startsWith('localrank'))).toEqual([]);
    expect(await cacheNames(page)).toEqual([]);

    // The instance keeps working afterwards.
    const again = await page.evaluate(async () => {
      const lr = (window as any).lr;
      const t = await lr.track({ type: 'view', item: { id: 'p-9', title: 'After forget' } });
      const r = await lr.rank([{ id: 'p-9', title: 'After forget' }, { id: 'p-10', title: 'Something else' }]);
      return { accepted: t.accepted, ranked: r.items.length, events: (await lr.profile()).storage.events };
    });
    expect(again).toEqual({ accepted: 1, ranked: 2, events: 1 });
    expect(log.pageErrors).toEqual([]);
    await close();
  });
});
