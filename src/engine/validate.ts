import { LocalRankError } from '../errors.js';
import type { EventType, Item, TrackEvent } from '../types.js';

/** Input checks: every field a host passes is checked here, and errors name the field. */

export const EVENT_TYPES: readonly EventType[] = ['view', 'click', 'add_to_cart', 'purchase', 'search', 'rate', 'dismiss', 'impression'];
const MAX_ID = 256;
const MAX_TEXT = 10_000;
const MAX_SHORT = 512;
const MAX_TAGS = 64;
const MAX_COMPLEMENTS = 1_000;
/** Lists are at most as long as a ranking can be (100,000 candidates). */
const MAX_POSITION = 99_999;
/** Timestamps before 2000 or more than a day ahead are almost certainly unit mistakes (seconds, not ms). */
const MIN_TIMESTAMP = Date.UTC(2000, 0, 1);
const FUTURE_SLACK_MS = 24 * 3600 * 1000;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function fail(code: 'INVALID_ITEM' | 'INVALID_EVENT' | 'INVALID_ARGUMENT', field: string, problem: string): never {
  throw new LocalRankError(code, `${field} ${problem}`, field);
}

function checkString(code: 'INVALID_ITEM' | 'INVALID_EVENT', field: string, v: unknown, max: number, required: boolean): string | undefined {
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'string') fail(code, field, 'must be a string');
  if (required && v.length === 0) fail(code, field, 'must not be empty');
  if (v.length > max) fail(code, field, `must be at most ${max} characters`);
  return v;
}

function checkNumber(code: 'INVALID_ITEM' | 'INVALID_EVENT', field: string, v: unknown, min = -Infinity): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(code, field, 'must be a finite number');
  if (v < min) fail(code, field, `must be >= ${min}`);
  return v;
}

function checkVector(code: 'INVALID_ITEM', field: string, v: unknown): Float32Array {
  if (!(v instanceof Float32Array || v instanceof Float64Array || Array.isArray(v))) fail(code, field, 'must be an array of numbers');
  const arr = Float32Array.from(v as ArrayLike<number>);
  if (arr.length === 0 || arr.length > 4096) fail(code, field, 'must have 1 to 4096 values');
  for (let i = 0; i < arr.length; i++) if (!Number.isFinite(arr[i]!)) fail(code, `${field}[${i}]`, 'must be a finite number');
  return arr;
}

/** Validates one item and returns a clean copy (unknown fields dropped, vectors as Float32Array). */
export function validateItem(raw: unknown, field = 'item'): Item {
  const code = 'INVALID_ITEM';
  if (!isRecord(raw)) fail(code, field, 'must be an object');
  const item: Item = {
    id: checkString(code, `${field}.id`, raw['id'], MAX_ID, true)!,
    title: checkString(code, `${field}.title`, raw['title'], MAX_SHORT, true)!,
  };
  const description = checkString(code, `${field}.description`, raw['description'], MAX_TEXT, false);
  if (description !== undefined) item.description = description;
  const category = checkString(code, `${field}.category`, raw['category'], MAX_SHORT, false);
  if (category !== undefined) item.category = category;
  const brand = checkString(code, `${field}.brand`, raw['brand'], MAX_SHORT, false);
  if (brand !== undefined) item.brand = brand;
  if (raw['tags'] !== undefined) {
    const tags = raw['tags'];
    if (!Array.isArray(tags)) fail(code, `${field}.tags`, 'must be an array of strings');
    if (tags.length > MAX_TAGS) fail(code, `${field}.tags`, `must have at most ${MAX_TAGS} entries`);
    item.tags = tags.map((t, i) => checkString(code, `${field}.tags[${i}]`, t, MAX_SHORT, true)!);
  }
  const price = checkNumber(code, `${field}.price`, raw['price'], 0);
  if (price !== undefined) item.price = price;
  const popularity = checkNumber(code, `${field}.popularity`, raw['popularity'], 0);
  if (popularity !== undefined) item.popularity = popularity;
  if (raw['vector'] !== undefined) {
    const vector = raw['vector'];
    if (!isRecord(vector)) fail(code, `${field}.vector`, 'must be { encoder, values }');
    item.vector = {
      encoder: checkString(code, `${field}.vector.encoder`, vector['encoder'], MAX_SHORT, true)!,
      values: checkVector(code, `${field}.vector.values`, vector['values']),
    };
  }
  if (raw['cfVector'] !== undefined) item.cfVector = checkVector(code, `${field}.cfVector`, raw['cfVector']);
  if (raw['complements'] !== undefined) {
    const complements = raw['complements'];
    if (!isRecord(complements)) fail(code, `${field}.complements`, 'must be an object of item id to strength');
    const entries = Object.entries(complements);
    if (entries.length > MAX_COMPLEMENTS) fail(code, `${field}.complements`, `must have at most ${MAX_COMPLEMENTS} entries`);
    const clean: Record<string, number> = {};
    for (const [id, strength] of entries) {
      if (id.length === 0 || id.length > MAX_ID) fail(code, `${field}.complements`, `keys must be item ids of 1 to ${MAX_ID} characters`);
      clean[id] = checkNumber(code, `${field}.complements.${id}`, strength, 0) ?? fail(code, `${field}.complements.${id}`, 'must be a finite number');
    }
    item.complements = clean;
  }
  if (raw['attributes'] !== undefined) {
    const attributes = raw['attributes'];
    if (!isRecord(attributes)) fail(code, `${field}.attributes`, 'must be an object');
    const clean: Record<string, string | number | boolean | null> = {};
    for (const [k, v] of Object.entries(attributes)) {
      const ok = v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
      if (!ok) fail(code, `${field}.attributes.${k}`, 'must be a string, finite number, boolean or null');
      clean[k] = v as string | number | boolean | null;
    }
    item.attributes = clean;
  }
  return item;
}

/**
 * Validates one event. `knownItem` tells whether an `itemId` refers to an item
 * the engine has (upserted, or snapshotted by an earlier event).
 */
export function validateEvent(raw: unknown, field: string, knownItem: (id: string) => boolean, now: number): TrackEvent & { timestamp: number } {
  const code = 'INVALID_EVENT';
  if (!isRecord(raw)) fail(code, field, 'must be an object');
  const type = raw['type'];
  if (typeof type !== 'string' || !EVENT_TYPES.includes(type as EventType)) fail(code, `${field}.type`, `must be one of ${EVENT_TYPES.join(', ')}`);
  const timestamp = checkNumber(code, `${field}.timestamp`, raw['timestamp']) ?? now;
  if (timestamp < MIN_TIMESTAMP || timestamp > now + FUTURE_SLACK_MS) fail(code, `${field}.timestamp`, 'must be milliseconds since the epoch, not in the future');
  const event: TrackEvent & { timestamp: number } = { type: type as EventType, timestamp };

  if (type === 'search') {
    event.query = checkString(code, `${field}.query`, raw['query'], MAX_SHORT, true)!;
  } else {
    const item = raw['item'] === undefined ? undefined : validateItem(raw['item'], `${field}.item`);
    const itemId = checkString(code, `${field}.itemId`, raw['itemId'] ?? item?.id, MAX_ID, true)!;
    if (item && item.id !== itemId) fail(code, `${field}.itemId`, 'must equal item.id');
    if (!item && !knownItem(itemId)) {
      throw new LocalRankError('UNKNOWN_ITEM', `${field}.itemId "${itemId}" is not a known item: upsert it first or pass the item inline`, `${field}.itemId`);
    }
    event.itemId = itemId;
    if (item) event.item = item;
  }
  if (type === 'rate') {
    const value = checkNumber(code, `${field}.value`, raw['value']);
    if (value === undefined) fail(code, `${field}.value`, 'is required for rate events');
    event.value = value;
  }
  if (type === 'impression' || type === 'click') {
    const listId = checkString(code, `${field}.listId`, raw['listId'], MAX_ID, type === 'impression');
    if (listId !== undefined) event.listId = listId;
    const position = checkNumber(code, `${field}.position`, raw['position'], 0);
    if (type === 'impression' && position === undefined) fail(code, `${field}.position`, 'is required for impression events');
    if (position !== undefined) {
      if (!Number.isInteger(position)) fail(code, `${field}.position`, 'must be an integer');
      if (position > MAX_POSITION) fail(code, `${field}.position`, `must be at most ${MAX_POSITION}`);
      event.position = position;
    }
  }
  return event;
}

export function validateArray(raw: unknown, field: string, max: number): unknown[] {
  if (!Array.isArray(raw)) fail('INVALID_ARGUMENT', field, 'must be an array');
  if (raw.length > max) fail('INVALID_ARGUMENT', field, `must have at most ${max} entries`);
  return raw;
}
