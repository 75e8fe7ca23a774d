import { LocalRankError } from '../../errors.js';
import type { EventType, Item, StoredEvent } from '../../types.js';
import { applyAffinities, createAffinities, decayedValue } from './affinity.js';
import { decodeSparseVector, decodeVector, encodeSparseVector, encodeVector } from './codec.js';
import { cloneLearner, learnerFromJSON, learnerToJSON } from '../learning/learner.js';
import { createNegatives, recordDismissal, recordEngagement, recordImpression } from './negatives.js';
import type { AffinityKind, Decayed, InterestSpace, SpaceJSON, Summary, SummaryConfig, SummaryJSON } from './types.js';
import { AFFINITY_KINDS, DAY_MS, DEFAULT_SUMMARY_CONFIG, isSparseSpace, MINUTE_MS, SUMMARY_FORMAT, SUMMARY_VERSION } from './types.js';

const EVENT_TYPES: readonly EventType[] = ['view', 'click', 'add_to_cart', 'purchase', 'search', 'rate', 'dismiss', 'impression'];

/** An event as `applyEvent` takes it: stored, with the engine's sequence number. */
export type SequencedEvent = StoredEvent & { seq: number };

export function createSummary(): Summary {
  const counts = Object.fromEntries(EVENT_TYPES.map((t) => [t, 0])) as Record<EventType, number>;
  return {
    version: SUMMARY_VERSION,
    appliedSeq: -1,
    updatedAt: 0,
    counts,
    affinities: createAffinities(),
    negatives: createNegatives(),
    purchased: new Set(),
    seen: new Set(),
    recentSearches: [],
    spaces: new Map(),
    learner: null,
  };
}

/**
 * Signed weight of an event before decay, as profile.ts's `eventWeight`:
 * the type's weight; for `rate`, `value - 3 + weights.rate` (neutral 3 of 5).
 */
export function eventWeight(event: Pick<StoredEvent, 'type' | 'value'>, config: Pick<SummaryConfig, 'eventWeights'>): number {
  if (event.type === 'rate') return (event.value ?? 3) - 3 + config.eventWeights.rate;
  return config.eventWeights[event.type];
}

function touch(set: Set<string>, id: string, max: number): void {
  set.delete(id);
  set.add(id);
  while (set.size > Math.max(0, max)) {
    const first = set.values().next();
    if (first.done) break;
    set.delete(first.value);
  }
}

/**
 * Folds one event into the summary, in place (vectors excepted: the engine
 * calls `applyToSpace` for each encoder space). Returns false, changing
 * nothing, when `event.seq <= summary.appliedSeq` (already applied).
 *
 * - counts by type; `updatedAt` = latest timestamp;
 * - search: the trimmed query goes to the front of `recentSearches`
 *   (distinct, case-insensitive, at most `maxSearches`);
 * - impression: exposure of the item by position propensity (negatives.ts);
 * - any other item event: the item moves to the end of `seen`; a purchase
 *   also to the end of `purchased` (both at most `maxSetSize`, least recent
 *   evicted); affinities get the signed event weight (when `item` is given
 *   and its id is the event's); a positive weight counts as an engagement, a
 *   negative one as a dismissal in the negatives.
 */
export function applyEvent(summary: Summary, event: SequencedEvent, item: Item | undefined, config: SummaryConfig = DEFAULT_SUMMARY_CONFIG): boolean {
  if (!Number.isFinite(event.seq)) throw new LocalRankError('INVALID_ARGUMENT', 'event.seq must be a finite number', 'event.seq');
  if (event.seq <= summary.appliedSeq) return false;
  summary.appliedSeq = event.seq;
  const at = event.timestamp;
  if (!Number.isFinite(at)) return true;
  summary.counts[event.type] = (summary.counts[event.type] ?? 0) + 1;
  summary.updatedAt = Math.max(summary.updatedAt, at);

  if (event.type === 'search') {
    const q = event.query?.trim();
    if (q) {
      const key = q.toLowerCase();
      summary.recentSearches = [q, ...summary.recentSearches.filter((s) => s.toLowerCase() !== key)].slice(0, Math.max(0, config.maxSearches));
    }
    return true;
  }
  const itemId = event.itemId;
  if (itemId === undefined) return true;
  if (event.type === 'impression') {
    recordImpression(summary.negatives, itemId, event.position, at, config);
    return true;
  }
  touch(summary.seen, itemId, config.maxSetSize);
  if (event.type === 'purchase') touch(summary.purchased, itemId, config.maxSetSize);
  const w = eventWeight(event, config);
  if (!Number.isFinite(w) || w === 0) return true;
  if (item && item.id === itemId) applyAffinities(summary.affinities, item, w, at, config);
  if (w > 0) recordEngagement(summary.negatives, itemId, at, config);
  else recordDismissal(summary.negatives, itemId, -w, at, config);
  return true;
}

/** A deep copy (vectors included). */
export function cloneSummary(summary: Summary): Summary {
  const copyMap = (m: Map<string, Decayed>): Map<string, Decayed> => new Map([...m].map(([k, d]) => [k, { ...d }]));
  const affinities = createAffinities();
  for (const kind of AFFINITY_KINDS) affinities[kind] = copyMap(summary.affinities[kind]);
  return {
    version: SUMMARY_VERSION,
    appliedSeq: summary.appliedSeq,
    updatedAt: summary.updatedAt,
    counts: { ...summary.counts },
    affinities,
    negatives: new Map([...summary.negatives].map(([k, e]) => [k, { exposure: { ...e.exposure }, clicks: { ...e.clicks }, dismissed: { ...e.dismissed } }])),
    purchased: new Set(summary.purchased),
    seen: new Set(summary.seen),
    recentSearches: [...summary.recentSearches],
    spaces: new Map(
      [...summary.spaces].map(([k, s]) => [
        k,
        {
          encoder: s.encoder,
          dimension: s.dimension,
          appliedSeq: s.appliedSeq,
          interests: s.interests.map((it) => ({ vector: Float32Array.from(it.vector), strength: { ...it.strength }, itemIds: [...it.itemIds] })),
          session: s.session ? { vector: Float32Array.from(s.session.vector), strength: { ...s.session.strength } } : null,
          profile: s.profile ? { vector: Float32Array.from(s.profile.vector), strength: { ...s.profile.strength } } : null,
        },
      ]),
    ),
    learner: summary.learner ? cloneLearner(summary.learner) : null,
  };
}

// ---------------------------------------------------------------------------
// Serialisation
// ---------------------------------------------------------------------------

/** 6 significant digits; -0 and underflow to 0. */
const round = (x: number): number => {
  const r = Number(x.toPrecision(6));
  return r === 0 ? 0 : r;
};

/** UTF-8 byte length of a string (what the stored record costs). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** Latest time any decayed value refers to: the reference time of the stored form. */
function referenceTime(summary: Summary): number {
  let ref = summary.updatedAt;
  const see = (d: Decayed): void => {
    if (Number.isFinite(d.t) && d.t > ref) ref = d.t;
  };
  for (const kind of AFFINITY_KINDS) summary.affinities[kind].forEach(see);
  for (const e of summary.negatives.values()) {
    see(e.exposure);
    see(e.clicks);
    see(e.dismissed);
  }
  for (const s of summary.spaces.values()) {
    s.interests.forEach((it) => see(it.strength));
    if (s.session) see(s.session.strength);
    if (s.profile) see(s.profile.strength);
  }
  return ref;
}

/**
 * The compact stored form (see `SummaryJSON`): decayed values rebased to one
 * reference time, 6 significant digits, vectors as base64 half floats. If the
 * UTF-8 JSON would exceed `config.maxBytes`, the copy (never `summary`) is
 * trimmed until it fits, largest list first, from its least valuable end
 * (least recent seen/purchased ids and searches, least active negatives,
 * weakest affinities); see fitBudget. With default caps and short ids (the
 * 10,000-event test: 52.8 KB) nothing is trimmed.
 */
export function toJSON(summary: Summary, config: Pick<SummaryConfig, 'halfLifeDays' | 'sessionHalfLifeMinutes' | 'negativeHalfLifeDays' | 'maxBytes'> = DEFAULT_SUMMARY_CONFIG): SummaryJSON {
  const ref = referenceTime(summary);
  const h = config.halfLifeDays * DAY_MS;
  const hs = config.sessionHalfLifeMinutes * MINUTE_MS;
  const hn = config.negativeHalfLifeDays * DAY_MS;
  const at = (d: Decayed, halfLife: number): number => round(decayedValue(d, ref, halfLife));

  const affinities = {} as Record<AffinityKind, Array<[string, number]>>;
  for (const kind of AFFINITY_KINDS) {
    affinities[kind] = [...summary.affinities[kind]]
      .map(([k, d]): [string, number] => [k, at(d, h)])
      .sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]) || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }
  // Most activity (exposure + clicks + dismissed, as stored) first, so trimming cuts the least active.
  const negatives = [...summary.negatives]
    .map(([id, e]): [string, number, number, number] => [id, at(e.exposure, hn), at(e.clicks, hn), at(e.dismissed, hn)])
    .sort((a, b) => b[1] + b[2] + b[3] - (a[1] + a[2] + a[3]) || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const counts: SummaryJSON['counts'] = {};
  for (const type of EVENT_TYPES) if (summary.counts[type] > 0) counts[type] = summary.counts[type];
  const spaces: SpaceJSON[] = [...summary.spaces.values()]
    .sort((a, b) => b.appliedSeq - a.appliedSeq)
    .map((s) => {
      const encode = (vector: Float32Array): { v: string; i?: string } => (isSparseSpace(s.dimension) ? encodeSparseVector(vector) : { v: encodeVector(vector) });
      const session = s.session ? { ...encode(s.session.vector), w: at(s.session.strength, hs) } : null;
      return {
        encoder: s.encoder,
        dimension: s.dimension,
        seq: s.appliedSeq,
        interests: s.interests
          .map((it) => ({ ...encode(it.vector), w: at(it.strength, h), items: [...it.itemIds] }))
          .sort((a, b) => b.w - a.w),
        session: session && session.w > 0 ? session : null,
        profile: s.profile ? { ...encode(s.profile.vector), w: at(s.profile.strength, h) } : null,
      };
    });
  const json: SummaryJSON = {
    format: SUMMARY_FORMAT,
    version: SUMMARY_VERSION,
    t: ref,
    seq: summary.appliedSeq,
    updatedAt: summary.updatedAt,
    counts,
    affinities,
    negatives,
    purchased: [...summary.purchased],
    seen: [...summary.seen],
    searches: [...summary.recentSearches],
    spaces,
  };
  // A few hundred bytes, never trimmed.
  if (summary.learner) json.learner = learnerToJSON(summary.learner);
  return fitBudget(json, config.maxBytes);
}

function jsonBytes(json: SummaryJSON): number {
  return utf8Length(JSON.stringify(json));
}

/**
 * Cuts the stored copy until it fits: each round, the largest trimmable list
 * (seen, purchased, searches, negatives, each affinity kind) loses about the
 * overshoot's worth of entries (at least 1, at most 20 %) from its least
 * valuable end. Only when those lists are empty do representatives go, then
 * whole spaces (least recently updated first).
 */
function fitBudget(json: SummaryJSON, maxBytes: number): SummaryJSON {
  type List = { size: number; length: number; cut(n: number): void };
  for (let round = 0; round < 1000; round++) {
    const total = jsonBytes(json);
    if (total <= maxBytes) break;
    const lists: List[] = [];
    const add = (a: unknown[], fromStart: boolean, set: (next: unknown[]) => void): void => {
      if (a.length === 0) return;
      lists.push({ size: utf8Length(JSON.stringify(a)), length: a.length, cut: (n) => set(fromStart ? a.slice(n) : a.slice(0, a.length - n)) });
    };
    add(json.seen, true, (next) => (json.seen = next as string[]));
    add(json.purchased, true, (next) => (json.purchased = next as string[]));
    add(json.searches, false, (next) => (json.searches = next as string[]));
    add(json.negatives, false, (next) => (json.negatives = next as SummaryJSON['negatives']));
    for (const kind of AFFINITY_KINDS) add(json.affinities[kind], false, (next) => (json.affinities[kind] = next as Array<[string, number]>));
    const largest = lists.sort((a, b) => b.size - a.size)[0];
    if (largest) {
      const perEntry = largest.size / largest.length;
      const needed = Math.ceil((total - maxBytes) / perEntry);
      largest.cut(Math.max(1, Math.min(needed, Math.ceil(largest.length * 0.2))));
      continue;
    }
    if (json.spaces.some((sp) => sp.interests.some((it) => it.items.length > 0))) {
      for (const sp of json.spaces) for (const it of sp.interests) it.items = it.items.slice(0, -1);
      continue;
    }
    if (json.spaces.length === 0) break;
    json.spaces = json.spaces.slice(0, -1);
  }
  return json;
}

/** UTF-8 size in bytes of the stored form: `JSON.stringify(toJSON(summary, config))`. */
export function summaryBytes(summary: Summary, config?: Parameters<typeof toJSON>[1]): number {
  return utf8Length(JSON.stringify(toJSON(summary, config)));
}

// ---------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------

const corrupt = (path: string, problem: string): never => {
  throw new LocalRankError('STORAGE_CORRUPTED', `Stored behaviour summary is invalid: ${path} ${problem}`, path);
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function num(v: unknown, path: string, { integer = false, min = -Infinity } = {}): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) return corrupt(path, 'must be a finite number');
  if (integer && !Number.isInteger(v)) corrupt(path, 'must be a whole number');
  if (v < min) corrupt(path, `must be >= ${min}`);
  return v;
}

function str(v: unknown, path: string): string {
  if (typeof v !== 'string') return corrupt(path, 'must be a string');
  return v;
}

function arr(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) return corrupt(path, 'must be an array');
  return v;
}

function strings(v: unknown, path: string): string[] {
  return arr(v, path).map((s, i) => str(s, `${path}[${i}]`));
}

/** A stored vector: `v` dense, or `v` and `i` for a sparse one (see codec.ts). */
function vector(stored: Record<string, unknown>, dimension: number, path: string): Float32Array {
  const b64 = str(stored['v'], `${path}.v`);
  const indices = stored['i'] === undefined ? undefined : str(stored['i'], `${path}.i`);
  let out: Float32Array;
  try {
    out = indices === undefined ? decodeVector(b64, dimension) : decodeSparseVector(b64, indices, dimension);
  } catch (error) {
    return corrupt(`${path}.v`, (error as Error).message);
  }
  if (!out.some((x) => x !== 0)) corrupt(`${path}.v`, 'is a zero vector');
  // Not re-normalised: the decoded half floats re-encode to the same bits, so toJSON(fromJSON(j)) equals j.
  return out;
}

/**
 * Reads the stored form (an object, or its JSON text) back into a summary.
 * Decayed values come back as `{ w: value at t, t }` with the stored reference
 * time: every value read at any time equals the original within rounding.
 * Throws a `LocalRankError` with code `STORAGE_CORRUPTED`, naming the bad
 * field, on anything malformed: not JSON, wrong format or version, a missing
 * field, a wrong type, a non-finite number, a vector of the wrong size.
 */
export function fromJSON(input: unknown): Summary {
  let json: unknown = input;
  if (typeof input === 'string') {
    try {
      json = JSON.parse(input);
    } catch {
      corrupt('summary', 'is not valid JSON');
    }
  }
  if (!isObject(json)) return corrupt('summary', 'must be an object');
  if (json['format'] !== SUMMARY_FORMAT) corrupt('format', `must be "${SUMMARY_FORMAT}"`);
  if (json['version'] !== SUMMARY_VERSION) corrupt('version', `${JSON.stringify(json['version'] ?? null)} is not supported (expected ${SUMMARY_VERSION})`);
  const t = num(json['t'], 't');
  const summary = createSummary();
  summary.appliedSeq = num(json['seq'], 'seq', { integer: true, min: -1 });
  summary.updatedAt = num(json['updatedAt'], 'updatedAt', { min: 0 });

  const counts = json['counts'];
  if (!isObject(counts)) return corrupt('counts', 'must be an object');
  for (const [type, n] of Object.entries(counts)) {
    if (!(EVENT_TYPES as readonly string[]).includes(type)) corrupt(`counts.${type}`, 'is not an event type');
    summary.counts[type as EventType] = num(n, `counts.${type}`, { integer: true, min: 0 });
  }

  const affinities = json['affinities'];
  if (!isObject(affinities)) return corrupt('affinities', 'must be an object');
  for (const kind of AFFINITY_KINDS) {
    const path = `affinities.${kind}`;
    arr(affinities[kind], path).forEach((entry, i) => {
      const p = `${path}[${i}]`;
      const pair = arr(entry, p);
      if (pair.length !== 2) corrupt(p, 'must be [key, value]');
      const key = str(pair[0], `${p}[0]`);
      if (kind === 'price' && !/^\d{1,3}$/.test(key)) corrupt(`${p}[0]`, 'must be a price band number');
      if (summary.affinities[kind].has(key)) corrupt(`${p}[0]`, `repeats the key "${key}"`);
      summary.affinities[kind].set(key, { w: num(pair[1], `${p}[1]`), t });
    });
  }

  arr(json['negatives'], 'negatives').forEach((entry, i) => {
    const p = `negatives[${i}]`;
    const row = arr(entry, p);
    if (row.length !== 4) corrupt(p, 'must be [itemId, exposure, clicks, dismissed]');
    const id = str(row[0], `${p}[0]`);
    if (summary.negatives.has(id)) corrupt(`${p}[0]`, `repeats the item "${id}"`);
    summary.negatives.set(id, {
      exposure: { w: num(row[1], `${p}[1]`, { min: 0 }), t },
      clicks: { w: num(row[2], `${p}[2]`, { min: 0 }), t },
      dismissed: { w: num(row[3], `${p}[3]`, { min: 0 }), t },
    });
  });

  summary.purchased = new Set(strings(json['purchased'], 'purchased'));
  summary.seen = new Set(strings(json['seen'], 'seen'));
  summary.recentSearches = strings(json['searches'], 'searches');

  arr(json['spaces'], 'spaces').forEach((raw, i) => {
    const p = `spaces[${i}]`;
    if (!isObject(raw)) return corrupt(p, 'must be an object');
    const encoder = str(raw['encoder'], `${p}.encoder`);
    if (summary.spaces.has(encoder)) corrupt(`${p}.encoder`, `repeats the encoder "${encoder}"`);
    const dimension = num(raw['dimension'], `${p}.dimension`, { integer: true, min: 1 });
    if (dimension > 65_536) corrupt(`${p}.dimension`, 'must be at most 65536');
    const space: InterestSpace = { encoder, dimension, appliedSeq: num(raw['seq'], `${p}.seq`, { integer: true, min: -1 }), interests: [], session: null, profile: null };
    arr(raw['interests'], `${p}.interests`).forEach((it, j) => {
      const q = `${p}.interests[${j}]`;
      if (!isObject(it)) return corrupt(q, 'must be an object');
      space.interests.push({
        vector: vector(it, dimension, q),
        strength: { w: num(it['w'], `${q}.w`, { min: 0 }), t },
        itemIds: strings(it['items'], `${q}.items`),
      });
    });
    const session = raw['session'];
    if (session !== null) {
      if (!isObject(session)) return corrupt(`${p}.session`, 'must be an object or null');
      space.session = { vector: vector(session, dimension, `${p}.session`), strength: { w: num(session['w'], `${p}.session.w`, { min: 0 }), t } };
    }
    const profile = raw['profile'];
    if (profile !== undefined && profile !== null) {
      if (!isObject(profile)) return corrupt(`${p}.profile`, 'must be an object or null');
      space.profile = { vector: vector(profile, dimension, `${p}.profile`), strength: { w: num(profile['w'], `${p}.profile.w`, { min: 0 }), t } };
    }
    summary.spaces.set(encoder, space);
  });
  if (json['learner'] !== undefined) summary.learner = learnerFromJSON(json['learner']);
  return summary;
}
