import { describe, expect, it } from 'vitest';
import { LocalRankError } from '../src/errors.js';
import { AFFINITY_KINDS, DAY_MS, resolveSummaryConfig } from '../src/engine/summary/types.js';
import type { Summary, SummaryJSON } from '../src/engine/summary/types.js';
import { decodeVector, encodeVector, fromHalfBits, toHalfBits } from '../src/engine/summary/codec.js';
import { affinityValue } from '../src/engine/summary/affinity.js';
import { applyToSpace, getSpace, readInterests, readSession } from '../src/engine/summary/interests.js';
import { negativeScore } from '../src/engine/summary/negatives.js';
import { applyEvent, cloneSummary, createSummary, eventWeight, fromJSON, summaryBytes, toJSON, utf8Length } from '../src/engine/summary/summary.js';
import type { SequencedEvent } from '../src/engine/summary/summary.js';
import type { EventType, Item } from '../src/types.js';
import { mulberry32 as rng } from '../src/engine/ranking/random.js';

const T0 = Date.UTC(2025, 0, 1);
const config = resolveSummaryConfig();


let seq = 0;
const ev = (type: EventType, extra: Partial<SequencedEvent> = {}): SequencedEvent => ({ id: `e${seq}`, seq: ++seq, type, timestamp: T0 + seq * 60_000, ...extra });

describe('applyEvent', () => {
  it('counts by type, keeps seen (no impressions) and purchased, ignores replays', () => {
    const s = createSummary();
    applyEvent(s, ev('impression', { itemId: 'a', position: 0 }), undefined, config);
    applyEvent(s, ev('view', { itemId: 'b' }), undefined, config);
    applyEvent(s, ev('purchase', { itemId: 'c' }), undefined, config);
    applyEvent(s, ev('dismiss', { itemId: 'd' }), undefined, config);
    const last = ev('click', { itemId: 'b' });
    expect(applyEvent(s, last, undefined, config)).toBe(true);
    expect(applyEvent(s, last, undefined, config)).toBe(false);
    expect(applyEvent(s, { ...last, seq: last.seq - 3 }, undefined, config)).toBe(false);
    expect(s.counts).toMatchObject({ impression: 1, view: 1, purchase: 1, dismiss: 1, click: 1, search: 0 });
    expect([...s.seen]).toEqual(['c', 'd', 'b']); // b moved to the end by its click
    expect([...s.purchased]).toEqual(['c']);
    expect(s.appliedSeq).toBe(last.seq);
    expect(s.updatedAt).toBe(last.timestamp);
  });

  it('bounds the sets, keeping the most recent', () => {
    const cfg = resolveSummaryConfig({ maxSetSize: 3 });
    const s = createSummary();
    for (const id of ['a', 'b', 'c', 'd']) applyEvent(s, ev('purchase', { itemId: id }), undefined, cfg);
    expect([...s.purchased]).toEqual(['b', 'c', 'd']);
    applyEvent(s, ev('view', { itemId: 'b' }), undefined, cfg); // refresh b in seen
    applyEvent(s, ev('view', { itemId: 'e' }), undefined, cfg);
    expect([...s.seen]).toEqual(['d', 'b', 'e']);
    expect([...s.purchased]).toEqual(['b', 'c', 'd']);
    const big = createSummary();
    for (let i = 0; i < 1200; i++) applyEvent(big, ev(i % 2 ? 'purchase' : 'view', { itemId: `i${i}` }), undefined, config);
    expect(big.seen.size).toBe(500);
    expect(big.purchased.size).toBe(500);
    expect([...big.seen][0]).toBe('i700');
  });

  it('keeps the last 20 distinct searches, newest first', () => {
    const s = createSummary();
    for (let i = 0; i < 25; i++) applyEvent(s, ev('search', { query: `q${i}` }), undefined, config);
    expect(s.recentSearches).toHaveLength(20);
    expect(s.recentSearches[0]).toBe('q24');
    expect(s.recentSearches[19]).toBe('q5');
    applyEvent(s, ev('search', { query: '  Q10 ' }), undefined, config);
    expect(s.recentSearches).toHaveLength(20);
    expect(s.recentSearches[0]).toBe('Q10');
    expect(s.recentSearches.filter((q) => q.toLowerCase() === 'q10')).toHaveLength(1);
  });

  it('weights ratings by their distance from 3 and uses the item only when the ids match', () => {
    expect(eventWeight({ type: 'rate', value: 5 }, config)).toBe(2);
    expect(eventWeight({ type: 'rate', value: 1 }, config)).toBe(-2);
    expect(eventWeight({ type: 'purchase' }, config)).toBe(6);
    const s = createSummary();
    applyEvent(s, ev('rate', { itemId: 'x', value: 5 }), { id: 'x', title: 'X', brand: 'B' }, config);
    applyEvent(s, ev('view', { itemId: 'y' }), { id: 'other', title: 'O', brand: 'C' }, config);
    expect(s.affinities.brand.get('B')!.w).toBe(2);
    expect(s.affinities.brand.has('C')).toBe(false);
  });
});

describe('half-float codec', () => {
  it('encodes known values exactly', () => {
    expect(toHalfBits(1)).toBe(0x3c00);
    expect(toHalfBits(-2)).toBe(0xc000);
    expect(toHalfBits(0.1)).toBe(0x2e66);
    expect(toHalfBits(1 / 3)).toBe(0x3555);
    expect(toHalfBits(65504)).toBe(0x7bff);
    expect(toHalfBits(65520)).toBe(0x7c00); // rounds to Infinity
    expect(toHalfBits(2 ** -14)).toBe(0x0400);
    expect(toHalfBits(2 ** -24)).toBe(0x0001);
    expect(toHalfBits(2 ** -25)).toBe(0x0000); // tie to even
    expect(toHalfBits(-0)).toBe(0x8000);
    expect(fromHalfBits(0x2e66)).toBe(0.0999755859375);
    expect(fromHalfBits(0x7c00)).toBe(Infinity);
    expect(fromHalfBits(0x7e00)).toBeNaN();
  });

  it('rounds to the nearest half float (checked against both neighbours)', () => {
    const r = rng(11);
    for (let i = 0; i < 5000; i++) {
      const x = Math.fround((r() * 2 - 1) * (i % 3 === 0 ? 1e-4 : 1));
      const bits = toHalfBits(x);
      const y = fromHalfBits(bits);
      expect(Math.abs(y - x)).toBeLessThanOrEqual(2 ** -12);
      for (const n of [bits - 1, bits + 1]) {
        if ((n & 0x7fff) >= 0x7c00 || n < 0 || n > 0xffff || (n & 0x8000) !== (bits & 0x8000)) continue;
        expect(Math.abs(fromHalfBits(n) - x)).toBeGreaterThanOrEqual(Math.abs(y - x));
      }
    }
  });

  it('round-trips vectors through base64 with 2 bytes per dimension', () => {
    const r = rng(5);
    const v = Float32Array.from({ length: 384 }, () => r() * 2 - 1);
    const b64 = encodeVector(v);
    expect(b64).toHaveLength(1024);
    const back = decodeVector(b64, 384);
    for (let i = 0; i < v.length; i++) expect(Math.abs(back[i]! - v[i]!)).toBeLessThanOrEqual(2 ** -12);
    expect(() => decodeVector(b64, 512)).toThrow(/384 values, expected 512/);
    expect(() => decodeVector('***', 2)).toThrow(/base64/);
    expect(() => decodeVector(encodeVector([1, Infinity]), 2)).toThrow(/non-finite/);
  });
});

/** A summary touching every part: affinities, negatives, sets, searches, two spaces. */
function richSummary(): { s: Summary; last: number } {
  const r = rng(42);
  const s = createSummary();
  const items: Item[] = Array.from({ length: 40 }, (_, i) => ({
    id: `item-${i}`,
    title: `Item ${i}`,
    category: ['Shoes > Running', 'Shoes > Hiking > Boots', 'Kitchen > Knives'][i % 3]!,
    brand: ['Nike', 'Salomon', 'Wüsthof'][i % 3]!,
    tags: [`t${i % 5}`, `t${i % 7}`],
    price: 10 + i * 7,
  }));
  const vec = (dim: number): number[] => {
    const v = Array.from({ length: dim }, () => r() * 2 - 1);
    const n = Math.hypot(...v);
    return v.map((x) => x / n);
  };
  const vectors = new Map(items.map((it) => [it.id, { a: vec(8), b: vec(12) }]));
  const types: EventType[] = ['view', 'click', 'impression', 'impression', 'add_to_cart', 'purchase', 'dismiss', 'search', 'rate'];
  let t = T0;
  for (let k = 1; k <= 400; k++) {
    t += Math.floor(r() * 6 * 3600_000);
    const type = types[Math.floor(r() * types.length)]!;
    const item = items[Math.floor(r() * items.length)]!;
    const e: SequencedEvent =
      type === 'search'
        ? { id: `e${k}`, seq: k, type, query: `query ${Math.floor(r() * 30)}`, timestamp: t }
        : { id: `e${k}`, seq: k, type, itemId: item.id, timestamp: t, ...(type === 'impression' ? { position: Math.floor(r() * 12) } : {}), ...(type === 'rate' ? { value: 1 + Math.floor(r() * 5) } : {}) };
    applyEvent(s, e, type === 'search' ? undefined : item, config);
    if (type !== 'search') {
      const w = eventWeight(e, config);
      applyToSpace(getSpace(s.spaces, 'enc:a', 8, config), { seq: k, itemId: item.id, vector: vectors.get(item.id)!.a, weight: w, timestamp: t }, config);
      applyToSpace(getSpace(s.spaces, 'enc:b', 12, config), { seq: k, itemId: item.id, vector: vectors.get(item.id)!.b, weight: w, timestamp: t }, config);
    }
  }
  return { s, last: t };
}

describe('toJSON / fromJSON', () => {
  it('round-trips: every value read at any time is the same, vectors within half-float tolerance', () => {
    const { s, last } = richSummary();
    const json = JSON.parse(JSON.stringify(toJSON(s))) as unknown;
    const back = fromJSON(json);
    expect(back.appliedSeq).toBe(s.appliedSeq);
    expect(back.updatedAt).toBe(s.updatedAt);
    expect(back.counts).toEqual(s.counts);
    expect([...back.seen]).toEqual([...s.seen]);
    expect([...back.purchased]).toEqual([...s.purchased]);
    expect(back.recentSearches).toEqual(s.recentSearches);
    const rel = (a: number, b: number): void => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-5 * Math.max(1e-12, Math.abs(b)));
    for (const now of [last, last + 3 * DAY_MS, last + 30 * DAY_MS]) {
      for (const kind of AFFINITY_KINDS) {
        expect([...back.affinities[kind].keys()].sort()).toEqual([...s.affinities[kind].keys()].sort());
        for (const key of s.affinities[kind].keys()) rel(affinityValue(back.affinities, kind, key, now, config), affinityValue(s.affinities, kind, key, now, config));
      }
      expect([...back.negatives.keys()].sort()).toEqual([...s.negatives.keys()].sort());
      for (const id of s.negatives.keys()) expect(negativeScore(back.negatives, id, now, config)).toBeCloseTo(negativeScore(s.negatives, id, now, config), 5);
      for (const [enc, space] of s.spaces) {
        const other = back.spaces.get(enc)!;
        expect(other.dimension).toBe(space.dimension);
        expect(other.appliedSeq).toBe(space.appliedSeq);
        const a = readInterests(space, now, config);
        const b = readInterests(other, now, config);
        expect(b).toHaveLength(a.length);
        a.forEach((ia, i) => {
          rel(b[i]!.strength, ia.strength);
          expect(b[i]!.itemIds).toEqual(ia.itemIds);
          ia.vector.forEach((x, j) => expect(Math.abs(b[i]!.vector[j]! - x)).toBeLessThanOrEqual(2 ** -12));
        });
        const sa = readSession(space, now, config);
        const sb = readSession(other, now, config);
        expect(sa).not.toBeNull();
        expect(sb).not.toBeNull();
        rel(sb!.strength, sa!.strength);
        sa!.vector.forEach((x, j) => expect(Math.abs(sb!.vector[j]! - x)).toBeLessThanOrEqual(2 ** -12));
      }
    }
    expect(s.spaces.get('enc:a')!.interests.length).toBeGreaterThan(1);
    // Re-serialising what was read gives the same record.
    expect(toJSON(back)).toEqual(json);
    // The live summary was not touched by toJSON.
    expect(toJSON(s)).toEqual(json);
  });

  it('accepts the JSON text too', () => {
    const { s } = richSummary();
    const text = JSON.stringify(toJSON(s));
    expect(toJSON(fromJSON(text))).toEqual(JSON.parse(text));
    expect(summaryBytes(s)).toBe(utf8Length(text));
    expect(utf8Length('aé€😀')).toBe(new TextEncoder().encode('aé€😀').length);
  });

  it('cloneSummary is deep', () => {
    const { s, last } = richSummary();
    const c = cloneSummary(s);
    expect(toJSON(c)).toEqual(toJSON(s));
    applyEvent(c, { id: 'z', seq: s.appliedSeq + 1, type: 'purchase', itemId: 'item-1', timestamp: last }, { id: 'item-1', title: 'I', brand: 'Nike' }, config);
    c.spaces.get('enc:a')!.interests[0]!.vector[0] = 42;
    expect(toJSON(c)).not.toEqual(toJSON(s));
    expect(s.spaces.get('enc:a')!.interests[0]!.vector[0]).not.toBe(42);
  });

  const expectCorrupt = (input: unknown, message: RegExp): void => {
    let caught: unknown;
    try {
      fromJSON(input);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(LocalRankError);
    expect((caught as LocalRankError).code).toBe('STORAGE_CORRUPTED');
    expect((caught as LocalRankError).message).toMatch(message);
  };

  it('rejects malformed input with a clear STORAGE_CORRUPTED error', () => {
    const good = (): SummaryJSON => JSON.parse(JSON.stringify(toJSON(richSummary().s))) as SummaryJSON;
    expectCorrupt('{not json', /not valid JSON/);
    expectCorrupt(null, /must be an object/);
    expectCorrupt(42, /must be an object/);
    expectCorrupt([], /must be an object/);
    expectCorrupt({ ...good(), format: 'other' }, /format/);
    expectCorrupt({ ...good(), version: 2 }, /version 2 is not supported \(expected 1\)/);
    expectCorrupt({ ...good(), version: undefined }, /version null is not supported/);
    const { counts: _c, ...noCounts } = good();
    expectCorrupt(noCounts, /counts must be an object/);
    const { spaces: _s, ...noSpaces } = good();
    expectCorrupt(noSpaces, /spaces must be an array/);
    expectCorrupt({ ...good(), t: Number.NaN }, /t must be a finite number/);
    expectCorrupt({ ...good(), seq: 1.5 }, /seq must be a whole number/);
    const nanAffinity = good();
    nanAffinity.affinities.brand = [['Nike', Number.NaN]];
    expectCorrupt(nanAffinity, /affinities\.brand\[0\]\[1\] must be a finite number/);
    const badPrice = good();
    badPrice.affinities.price = [['cheap', 1]];
    expectCorrupt(badPrice, /price band/);
    const badCount = good();
    (badCount.counts as Record<string, number>)['teleport'] = 1;
    expectCorrupt(badCount, /counts\.teleport is not an event type/);
    const negExposure = good();
    negExposure.negatives = [['x', -1, 0, 0]];
    expectCorrupt(negExposure, /negatives\[0\]\[1\] must be >= 0/);
    const shortRow = good();
    shortRow.negatives = [['x', 1, 0] as unknown as [string, number, number, number]];
    expectCorrupt(shortRow, /negatives\[0\] must be \[itemId/);
    const badSeen = good();
    (badSeen as unknown as { seen: unknown[] }).seen = ['a', 3];
    expectCorrupt(badSeen, /seen\[1\] must be a string/);
    const badVector = good();
    badVector.spaces[0]!.interests[0]!.v = encodeVector([1, 0, 0]);
    expectCorrupt(badVector, /spaces\[0\]\.interests\[0\]\.v has 3 values, expected/);
    const zeroVector = good();
    zeroVector.spaces[0]!.interests[0]!.v = encodeVector(new Array(zeroVector.spaces[0]!.dimension).fill(0));
    expectCorrupt(zeroVector, /zero vector/);
    const missingSession = good();
    delete (missingSession.spaces[0] as Partial<SummaryJSON['spaces'][0]>).session;
    expectCorrupt(missingSession, /session must be an object or null/);
    const dupSpace = good();
    dupSpace.spaces.push(dupSpace.spaces[0]!);
    expectCorrupt(dupSpace, /repeats the encoder/);
    // And the good one passes.
    expect(() => fromJSON(good())).not.toThrow();
  });
});

describe('size budget', () => {
  it('trims the stored copy (largest lists first, least valuable end) when long ids would exceed maxBytes', () => {
    const s = createSummary();
    const long = (i: number): string => `${'x'.repeat(240)}-${String(i).padStart(6, '0')}`;
    for (let i = 0; i < 1000; i++) {
      applyEvent(s, { id: `a${i}`, seq: 2 * i, type: 'purchase', itemId: long(i), timestamp: T0 + i * 1000 }, { id: long(i), title: 'T', brand: `B${i % 10}` }, config);
      applyEvent(s, { id: `b${i}`, seq: 2 * i + 1, type: 'impression', itemId: long(i), position: 0, timestamp: T0 + i * 1000 }, undefined, config);
    }
    expect(s.seen.size).toBe(500);
    const json = toJSON(s);
    const bytes = utf8Length(JSON.stringify(json));
    expect(bytes).toBeLessThanOrEqual(64 * 1024);
    expect(bytes).toBeGreaterThan(40 * 1024); // trimmed to fit, not emptied
    expect(json.seen.length).toBeLessThan(500);
    // The big lists were cut, the small ones kept.
    expect(json.affinities.brand).toHaveLength(10);
    // The most recent ids survive.
    expect(json.seen[json.seen.length - 1]).toBe(long(999));
    expect(json.purchased[json.purchased.length - 1]).toBe(long(999));
    // The live summary keeps everything; the trimmed copy is a valid record.
    expect(s.seen.size).toBe(500);
    expect(fromJSON(json).seen.size).toBe(json.seen.length);
    expect(summaryBytes(s)).toBe(bytes);
  });
});
