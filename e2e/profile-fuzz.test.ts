import { expect, it } from 'vitest';
import { forEachBrowser, startEsm } from './browsers.js';
import { schemaErrors } from './profile-helpers.js';

const SEED = 0x5eed1234;
const MALFORMED_TARGET = 10_000;
const KNOWN = 40;

interface FuzzOutcome {
  calls: number;
  singleCalls: number;
  malformed: number;
  valid: number;
  /** Malformed events by generator. */
  byKind: Record<string, number>;
  /** Calls whose `rejected` indexes differ from the malformed ones (first few). */
  mismatches: Array<{ call: number; kind?: string; index: number; problem: string; event?: string }>;
  /** Rejections whose error is not a typed event error naming the event's field (first few). */
  badErrors: Array<{ kind: string; code: string; field: string | undefined; index: number }>;
  /** Calls that threw instead of returning a TrackResult. */
  thrown: string[];
  /** Expected stored form of each valid event, by identity key. */
  expected: Record<string, Record<string, unknown>>;
  /** Keys of valid events sent without a timestamp (stored with "now"). */
  untimed: string[];
  codes: Record<string, number>;
  ms: number;
}

/**
 * Runs in the page. A seeded PRNG builds calls of random sizes (single
 * events, small and large batches) mixing valid events with malformed ones of
 * many kinds, sends them through `track()` and checks each call's `rejected`
 * indexes against the malformed positions. Returns the bookkeeping; the test
 * checks the stored data against it.
 */
async function fuzz(args: { seed: number; malformedTarget: number; known: number }): Promise<FuzzOutcome> {
  const { seed, malformedTarget, known } = args;
  const lr = (window as any).lr;
  await lr.ready;
  let s = seed >>> 0;
  const rand = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(rand() * n);
  const pick = <T,>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const now = Date.now();
  const DAY = 24 * 3600 * 1000;
  const TYPES = ['view', 'click', 'add_to_cart', 'purchase', 'search', 'rate', 'dismiss', 'impression'];
  const ITEM_TYPES = TYPES.filter((t) => t !== 'search');
  const knownId = (): string => `k-${int(known)}`;
  // Mostly a few KB over the limits; one in twenty 0.1 to 1 million characters.
  const bigString = (): string => 'Z'.repeat(rand() < 0.05 ? 100_000 + int(900_000) : 513 + int(5_000));
  let ghost = 0;
  const ghostId = (): string => `ghost-${ghost++}`;

  // -------------------------------------------------------------------------
  // Valid events: every one is identifiable in the export. Searches have a
  // unique query; item events a unique explicit timestamp.
  let validN = 0;
  const expected: Record<string, Record<string, unknown>> = {};
  const untimed: string[] = [];
  const junkExtras = (): Record<string, unknown> => {
    const r = int(6);
    if (r === 0) return { extra: { deep: [1, { x: null, y: [[['z']]] }] } };
    if (r === 1) return JSON.parse('{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}}');
    if (r === 2) return { sessionId: 'abc', itemIdx: 4, weight: 1e308 };
    return {};
  };
  const validEvent = (): unknown => {
    const n = validN++;
    const type = pick(TYPES);
    if (type === 'search') {
      const query = `valid query ${n} ${pick(['trail shoes', 'chef knife', 'tent', 'ünïcödé ☂', 'a'])}`;
      const e: Record<string, unknown> = { ...junkExtras(), type, query };
      const key = `search|${query}`;
      if (rand() < 0.3) untimed.push(key);
      else e['timestamp'] = now - 60_000 - n * 1000 - int(999);
      expected[key] = { type, query, ...(e['timestamp'] !== undefined ? { timestamp: e['timestamp'] } : {}) };
      return e;
    }
    const timestamp = now - 60_000 - n * 1000 - int(999);
    let itemId: string;
    const e: Record<string, unknown> = { ...junkExtras(), type, timestamp };
    if (rand() < 0.25) {
      itemId = `inline-${n}`;
      e['item'] = {
        id: itemId,
        title: `Inline item ${n}`,
        ...(rand() < 0.5 ? { category: pick(['Shoes > Running', 'Kitchen', 'Garden > Tools > Hand']), brand: pick(['Acme', 'Zeta']), tags: ['x', 'y'], price: int(500), popularity: int(100) } : {}),
        ...(rand() < 0.2 ? { attributes: { colour: 'red', size: 42, sale: true, note: null } } : {}),
      };
      if (rand() < 0.5) e['itemId'] = itemId;
    } else {
      itemId = knownId();
      e['itemId'] = itemId;
    }
    const stored: Record<string, unknown> = { type, itemId, timestamp };
    if (type === 'rate') stored['value'] = e['value'] = pick([1, 2, 3, 4, 5, 4.5, 0, -2, 10]);
    if (type === 'impression' || (type === 'click' && rand() < 0.5)) {
      stored['listId'] = e['listId'] = pick(['home', 'search-results', 'related']);
      stored['position'] = e['position'] = int(50);
    }
    expected[`${type}|${itemId}|${timestamp}`] = stored;
    return e;
  };

  // -------------------------------------------------------------------------
  // Malformed events, by kind. Each is invalid by the documented rules.
  const okTs = (): number => now - int(30 * DAY);
  const anItem = (id: string): Record<string, unknown> => ({ id, title: `Title ${id}` });
  const malformedKinds: Array<[string, () => unknown]> = [
    ['non-object', () => pick([null, undefined, 42, 0, -1, NaN, Infinity, 'view', '', true, false, [], [{ type: 'view', itemId: 'k-1' }], 10n, new Date(), /re/])],
    ['map-or-set', () => pick([new Map([['type', 'view'], ['itemId', 'k-1']]), new Set(['view'])])],
    ['missing-type', () => ({ itemId: knownId(), timestamp: okTs() })],
    ['unknown-type', () => ({ type: pick(['teleport', 'VIEW', 'View', 'view ', ' click', 'purchase\u0000', 'like', 'share', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf']), itemId: knownId() })],
    ['type-not-string', () => ({ type: pick<unknown>([1, null, true, {}, ['view'], { toString: 'view' }, [[['view']]]]), itemId: knownId() })],
    ['timestamp-not-finite', () => ({ type: pick(ITEM_TYPES.filter((t) => t !== 'rate' && t !== 'impression')), itemId: knownId(), timestamp: pick([NaN, Infinity, -Infinity]) })],
    ['timestamp-seconds', () => ({ type: 'view', itemId: knownId(), timestamp: Math.floor(now / 1000) - int(1000) })],
    ['timestamp-out-of-range', () => ({ type: 'search', query: 'x', timestamp: pick([-1, 0, 1, -now, now + 30 * DAY, 1e20, Number.MAX_VALUE, -Number.MAX_VALUE, 946684799999]) })],
    ['timestamp-wrong-type', () => ({ type: 'view', itemId: knownId(), timestamp: pick([String(now), null, true, {}, [now], new Date(now), BigInt(now)]) })],
    ['search-bad-query', () => ({ type: 'search', timestamp: okTs(), ...pick([{}, { query: '' }, { query: 42 }, { query: null }, { query: ['q'] }, { query: { q: 'q' } }, { query: 'q'.repeat(513) }]) })],
    ['search-huge-query', () => ({ type: 'search', query: bigString() })],
    ['item-missing-id', () => ({ type: pick(ITEM_TYPES.filter((t) => t !== 'rate' && t !== 'impression')), timestamp: okTs() })],
    ['item-bad-id', () => ({ type: 'view', itemId: pick(['', 42, null, true, {}, ['k-1'], 'x'.repeat(257)]) })],
    ['item-huge-id', () => ({ type: 'click', itemId: bigString() })],
    ['item-unknown-id', () => ({ type: pick(ITEM_TYPES.filter((t) => t !== 'rate' && t !== 'impression')), itemId: ghostId() })],
    [
      'inline-item-invalid',
      () => {
        const id = ghostId();
        const item = pick<Record<string, unknown> | unknown>([
          null,
          'item',
          42,
          [],
          {},
          { id },
          { id, title: '' },
          { id, title: 42 },
          { id, title: 'x'.repeat(513) },
          { id, title: 'T', price: NaN },
          { id, title: 'T', price: -1 },
          { id, title: 'T', price: Infinity },
          { id, title: 'T', price: '12' },
          { id, title: 'T', popularity: -5 },
          { id, title: 'T', tags: 'a,b' },
          { id, title: 'T', tags: [1, 2] },
          { id, title: 'T', tags: [''] },
          { id, title: 'T', tags: Array.from({ length: 65 }, (_, i) => `t${i}`) },
          { id, title: 'T', attributes: { a: { nested: 1 } } },
          { id, title: 'T', attributes: { a: [1] } },
          { id, title: 'T', attributes: { a: NaN } },
          { id, title: 'T', attributes: 'x' },
          { id, title: 'T', vector: { encoder: 'x', values: [NaN, 1] } },
          { id, title: 'T', vector: { encoder: 'x', values: [] } },
          { id, title: 'T', vector: [1, 2] },
          { id, title: 'T', cfVector: 'abc' },
          { id, title: 'T', description: 'd'.repeat(10_001) },
          { id, title: 'T', category: 7 },
          { id, title: 'T', brand: { name: 'b' } },
          { id: 'x'.repeat(257), title: 'T' },
        ]);
        return { type: pick(['view', 'purchase', 'add_to_cart']), itemId: id, item };
      },
    ],
    ['inline-item-id-mismatch', () => ({ type: 'view', itemId: ghostId(), item: anItem(ghostId()) })],
    // A valid inline item on an otherwise invalid event must not become known: referenced later, it is unknown.
    ['inline-item-on-rejected-event', () => ({ type: 'view', item: anItem(`ghost-once-${int(50)}`), timestamp: NaN })],
    ['ref-to-rejected-inline-item', () => ({ type: 'view', itemId: `ghost-once-${int(50)}`, timestamp: okTs() })],
    ['rate-bad-value', () => ({ type: 'rate', itemId: knownId(), ...pick([{}, { value: NaN }, { value: Infinity }, { value: -Infinity }, { value: '5' }, { value: null }, { value: [5] }, { value: true }]) })],
    [
      'impression-bad',
      () => {
        const v = pick<Record<string, unknown>>([
          { position: 1 },
          { listId: 'home' },
          { listId: '', position: 1 },
          { listId: 42, position: 1 },
          { listId: 'x'.repeat(257), position: 1 },
          { listId: 'home', position: -1 },
          { listId: 'home', position: 1.5 },
          { listId: 'home', position: '3' },
          { listId: 'home', position: NaN },
          { listId: 'home', position: Infinity },
          { listId: 'home', position: null },
        ]);
        return { type: 'impression', itemId: knownId(), ...v };
      },
    ],
    ['click-bad-position', () => ({ type: 'click', itemId: knownId(), ...pick<Record<string, unknown>>([{ position: -1 }, { position: 2.5 }, { listId: 42 }, { listId: 'l', position: -3 }, { position: NaN }]) })],
    ['proto-smuggled-fields', () => JSON.parse(`{"__proto__": {"type": "view", "itemId": "k-${int(known)}"}}`)],
    ['constructor-junk', () => JSON.parse('{"constructor": {"prototype": {"type": "view"}}, "itemId": "k-1"}')],
    ['inherited-fields', () => Object.create({ type: 'view', itemId: 'k-1' })],
    ['nested-junk', () => ({ type: { type: { type: 'view' } }, itemId: { id: { id: 'k-1' } }, junk: Array.from({ length: 50 }, (_, i) => ({ i, a: [i, [i, [i]]] })) })],
    [
      'deep-nesting',
      () => {
        let o: Record<string, unknown> = { type: 'teleport' };
        for (let i = 0; i < 200; i++) o = { type: 'view', inner: o, timestamp: 'soon' };
        return o;
      },
    ],
  ];

  // -------------------------------------------------------------------------
  const SIZES = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 3, 4, 5, 7, 10, 16, 25, 40, 64, 100, 150, 250, 400, 700, 1200];
  let malformed = 0;
  let calls = 0;
  let singleCalls = 0;
  const byKind: Record<string, number> = {};
  const codes: Record<string, number> = {};
  const mismatches: FuzzOutcome['mismatches'] = [];
  const badErrors: FuzzOutcome['badErrors'] = [];
  const thrown: string[] = [];
  const show = (e: unknown): string => {
    try {
      const text = JSON.stringify(e, (_k, v) => (typeof v === 'bigint' ? `${v}n` : typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
      return (text ?? String(e)).slice(0, 200);
    } catch {
      return String(e).slice(0, 200);
    }
  };
  const t0 = performance.now();
  const inFlight: Array<Promise<void>> = [];
  while (malformed < malformedTarget) {
    const size = pick(SIZES);
    const pValid = pick([0, 0.1, 0.25, 0.5, 0.9]);
    const batch: unknown[] = [];
    const kinds: Array<string | null> = [];
    for (let i = 0; i < size; i++) {
      if (rand() < pValid) {
        batch.push(validEvent());
        kinds.push(null);
      } else {
        const [kind, make] = pick(malformedKinds);
        batch.push(make());
        kinds.push(kind);
        byKind[kind] = (byKind[kind] ?? 0) + 1;
        malformed++;
      }
    }
    // A single plain object may go as `track(event)` rather than `track([event])`.
    const single = batch.length === 1 && typeof batch[0] === 'object' && batch[0] !== null && !Array.isArray(batch[0]) && rand() < 0.5;
    if (single) singleCalls++;
    const call = calls++;
    const check = (result: { accepted: number; rejected: Array<{ index: number; error: { code: string; field?: string } }> }): void => {
      const expectedRejected = kinds.map((k, i) => (k === null ? -1 : i)).filter((i) => i >= 0);
      const got = result.rejected.map((r) => r.index);
      const gotSet = new Set(got);
      for (const i of expectedRejected) {
        if (!gotSet.has(i) && mismatches.length < 30) mismatches.push({ call, kind: kinds[i]!, index: i, problem: 'malformed event accepted', event: show(batch[i]) });
      }
      const expectedSet = new Set(expectedRejected);
      for (const i of got) {
        if (!expectedSet.has(i) && mismatches.length < 30) mismatches.push({ call, index: i, problem: 'valid event rejected', event: show(batch[i]) });
      }
      if (got.length !== gotSet.size && mismatches.length < 30) mismatches.push({ call, index: -1, problem: 'an index reported twice' });
      if (result.accepted !== batch.length - expectedRejected.length && mismatches.length < 30) {
        mismatches.push({ call, index: -1, problem: `accepted ${result.accepted}, expected ${batch.length - expectedRejected.length}` });
      }
      for (const r of result.rejected) {
        codes[r.error.code] = (codes[r.error.code] ?? 0) + 1;
        const typed = (r.error.code === 'INVALID_EVENT' || r.error.code === 'INVALID_ITEM' || r.error.code === 'UNKNOWN_ITEM') && typeof r.error.field === 'string' && r.error.field.startsWith(`events[${r.index}]`);
        if (!typed && badErrors.length < 30) badErrors.push({ kind: kinds[r.index] ?? 'valid', code: r.error.code, field: r.error.field, index: r.index });
      }
    };
    const p = (lr.track(single ? batch[0] : batch) as Promise<any>).then(check, (e: any) => {
      thrown.push(`call ${call} (${batch.length} events): ${e?.name} ${e?.code} ${e?.message}`.slice(0, 300));
    });
    inFlight.push(p);
    // Mostly sequential, sometimes a few calls in flight at once.
    if (rand() < 0.7 || inFlight.length > 4) await Promise.all(inFlight.splice(0));
  }
  await Promise.all(inFlight);
  return {
    calls,
    singleCalls,
    malformed,
    valid: validN,
    byKind,
    mismatches,
    badErrors,
    thrown,
    expected,
    untimed,
    codes,
    ms: performance.now() - t0,
  };
}

/** Identity of a stored event, as `fuzz` keys its expectations. */
const storedKey = (e: Record<string, unknown>): string => (e['type'] === 'search' ? `search|${e['query'] as string}` : `${e['type'] as string}|${e['itemId'] as string}|${e['timestamp'] as number}`);

forEachBrowser('fuzzing track() and upsertItems()', (env) => {
  it('10,000+ malformed events in batches with valid ones: every valid event stored, exactly the malformed ones rejected, nothing escapes, export validates', async () => {
    const { page, log, close } = await env.open();
    await startEsm(page, env.server, { namespace: 'fuzz', model: false, maxEvents: 20_000 });
    await page.evaluate(async (known) => {
      const lr = (window as any).lr;
      await lr.ready;
      await lr.upsertItems(
        Array.from({ length: known }, (_, i) => ({
          id: `k-${i}`,
          title: `Known item ${i}`,
          category: ['Shoes > Running', 'Kitchen > Knives', 'Garden'][i % 3],
          brand: ['Acme', 'Zeta', 'Orbit'][i % 3],
          tags: [`tag${i % 4}`],
          price: 10 + i * 7,
          popularity: i,
        })),
      );
    }, KNOWN);

    const outcome = await page.evaluate(fuzz, { seed: SEED, malformedTarget: MALFORMED_TARGET, known: KNOWN });
    console.log(
      `[fuzz] ${outcome.calls} calls (${outcome.singleCalls} single), ${outcome.malformed} malformed, ${outcome.valid} valid, ${outcome.ms.toFixed(0)} ms; rejections by code ${JSON.stringify(outcome.codes)}`,
    );
    console.log(`[fuzz] malformed by kind ${JSON.stringify(outcome.byKind)}`);
    expect(outcome.malformed).toBeGreaterThanOrEqual(MALFORMED_TARGET);
    expect(outcome.thrown).toEqual([]);
    expect(outcome.mismatches).toEqual([]);
    expect(outcome.badErrors).toEqual([]);
    expect(log.pageErrors).toEqual([]);

    // The stored log: every valid event, nothing else, as sent.
    const after = await page.evaluate(async () => {
      const lr = (window as any).lr;
      const exported = await lr.export();
      const json = JSON.stringify(exported);
      // The export must be plain JSON: a round trip changes nothing (no typed arrays, NaN, undefined, Map…).
      const plain = (v: unknown): boolean =>
        v === null ||
        typeof v === 'string' ||
        typeof v === 'boolean' ||
        (typeof v === 'number' && Number.isFinite(v)) ||
        (Array.isArray(v) && v.every(plain)) ||
        (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype && Object.values(v as object).every(plain));
      return {
        json,
        plain: plain(exported),
        profile: await lr.profile(),
        ranked: (await lr.rank(['k-1', 'k-2', 'k-3'])).items.length,
        polluted: ({} as any).polluted !== undefined || (Object.prototype as any).type !== undefined,
      };
    });
    expect(after.plain).toBe(true);
    expect(after.polluted).toBe(false);
    expect(after.ranked).toBe(3);
    const exported = JSON.parse(after.json) as { events: Array<Record<string, unknown>>; items: Array<{ id: string }>; summary: unknown };
    expect(schemaErrors(exported)).toEqual([]);

    const events = exported.events;
    expect(events).toHaveLength(outcome.valid);
    expect(after.profile.storage.events).toBe(outcome.valid);
    expect(new Set(events.map((e) => e['id'])).size).toBe(events.length);
    const untimed = new Set(outcome.untimed);
    const wrong: string[] = [];
    const seen = new Set<string>();
    for (const e of events) {
      const key = storedKey(e);
      const want = outcome.expected[key];
      if (!want) {
        wrong.push(`unexpected stored event ${JSON.stringify(e).slice(0, 200)}`);
        continue;
      }
      seen.add(key);
      const { id: _id, seq: _seq, ...got } = e;
      if (untimed.has(key)) {
        if (typeof got['timestamp'] !== 'number' || Math.abs((got['timestamp'] as number) - Date.now()) > 10 * 60_000) wrong.push(`${key}: default timestamp ${String(got['timestamp'])}`);
        delete got['timestamp'];
      }
      if (JSON.stringify(Object.entries(got).sort()) !== JSON.stringify(Object.entries(want).sort())) wrong.push(`${key}: stored ${JSON.stringify(got)}, sent ${JSON.stringify(want)}`);
    }
    const missing = Object.keys(outcome.expected).filter((k) => !seen.has(k));
    expect(wrong.slice(0, 20)).toEqual([]);
    expect(missing.slice(0, 20)).toEqual([]);
    // Nothing of a rejected event was kept: no ghost item, in the log or among the snapshots.
    expect(events.filter((e) => String(e['itemId']).startsWith('ghost')).length).toBe(0);
    expect(exported.items.filter((i) => i.id.startsWith('ghost'))).toEqual([]);
    const itemIds = new Set(exported.items.map((i) => i.id));
    expect(events.filter((e) => e['type'] !== 'search' && !itemIds.has(e['itemId'] as string)).length).toBe(0);
    const counts = (exported.summary as { counts?: Record<string, number> }).counts;
    if (counts) expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(outcome.valid);
    expect(log.pageErrors).toEqual([]);
    await close();
  });

  it('malformed items reject the whole upsertItems call with INVALID_ITEM naming the field, and change nothing stored', async () => {
    const { page, log, close } = await env.open();
    await startEsm(page, env.server, { namespace: 'fuzz-items', model: false });
    const outcome = await page.evaluate(async () => {
      const lr = (window as any).lr;
      await lr.ready;
      await lr.upsertItems([
        { id: 'a', title: 'Alpha tent', category: 'Outdoor > Tents', price: 100 },
        { id: 'b', title: 'Beta stove', category: 'Outdoor > Cooking', price: 40 },
      ]);
      await lr.track([{ type: 'view', itemId: 'a' }, { type: 'purchase', itemId: 'b' }, { type: 'search', query: 'tent' }]);
      const snapshot = async () => {
        const { exportedAt: _t, ...rest } = await lr.export();
        const profile = await lr.profile();
        return JSON.stringify({ rest, counts: profile.counts, recentItems: profile.recentItems, events: profile.storage.events });
      };
      // The interest space is caught up lazily (by rank() and profile()): settle it first, then the
      // snapshot must be stable on its own before the malformed calls.
      await lr.rank(['a', 'b']);
      await snapshot();
      const before = await snapshot();
      const stable = before === (await snapshot());
      const fresh = { id: 'new-1', title: 'Brand new item' };
      const bad: Array<[unknown[], string]> = [
        [[fresh, { id: 'a', title: 'Alpha tent', price: NaN }], 'items[1].price'],
        [[fresh, { id: 'a', title: 'Alpha tent', price: -3 }], 'items[1].price'],
        [[{ id: 'a' }], 'items[0].title'],
        [[fresh, { id: 'b', title: '' }], 'items[1].title'],
        [[fresh, { id: 42, title: 'x' }], 'items[1].id'],
        [[fresh, { id: 'x'.repeat(257), title: 'x' }], 'items[1].id'],
        [[fresh, null], 'items[1]'],
        [['a'], 'items[0]'],
        [[fresh, fresh, { id: 'a', title: 'A', tags: [1] }], 'items[2].tags[0]'],
        [[{ id: 'a', title: 'A', attributes: { deep: { x: 1 } } }], 'items[0].attributes.deep'],
        [[{ id: 'a', title: 'A', vector: { encoder: 'lexical:v1:256', values: [Infinity] } }], 'items[0].vector.values[0]'],
        [[{ id: 'a', title: 'A', popularity: '9' }], 'items[0].popularity'],
        [[{ id: 'a', title: 'A', description: 'd'.repeat(10_001) }], 'items[0].description'],
        [[JSON.parse('{"__proto__": {"id": "a", "title": "A"}}')], 'items[0].id'],
      ];
      const results = [];
      for (const [items, field] of bad) {
        const r = await lr.upsertItems(items).then(
          () => ({ code: 'resolved', field: undefined, isError: false }),
          (e: any) => ({ code: e.code, field: e.field, isError: e instanceof (window as any).LocalRankError }),
        );
        results.push({ expectedField: field, ...r });
      }
      const after = await snapshot();
      // The rejected calls added nothing to the catalogue, not even their valid items.
      const unknown = await lr.rank(['new-1']).then(
        () => 'known',
        (e: any) => e.code,
      );
      // And the stored snapshot of "a" is unchanged (title, price).
      const ranked = await lr.rank(['a', 'b']);
      return { results, stable, same: before === after, before, after, unknown, ranked: ranked.items.map((i: { id: string }) => i.id).sort() };
    });
    expect(outcome.stable).toBe(true);
    for (const r of outcome.results) expect({ code: r.code, field: r.field, isError: r.isError }).toEqual({ code: 'INVALID_ITEM', field: r.expectedField, isError: true });
    expect(outcome.after).toBe(outcome.before);
    expect(outcome.same).toBe(true);
    expect(outcome.unknown).toBe('UNKNOWN_ITEM');
    expect(outcome.ranked).toEqual(['a', 'b']);
    expect(log.pageErrors).toEqual([]);
    await close();
  });
});
