import { describe, expect, it } from 'vitest';
import { EVENT_TYPES, validateArray, validateEvent, validateItem } from '../src/engine/validate.ts';
import type { ErrorCode } from '../src/types.ts';
import { caught } from './caught.js';

const NOW = Date.UTC(2024, 5, 15, 12, 0, 0);
const DAY = 24 * 3600 * 1000;
const known = (id: string): boolean => id === 'known' || id === 'k2';


function expectRejected(fn: () => unknown, code: ErrorCode, field: string): void {
  const error = caught(fn);
  expect({ code: error.code, field: error.field }).toEqual({ code, field });
  expect(error.message).toContain(field);
}

const item = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ id: 'sku-1', title: 'Trail Shoe', ...extra });

describe('validateItem', () => {
  it('rejects a non-object', () => {
    for (const raw of [null, undefined, 'sku-1', 42, ['sku-1']]) expectRejected(() => validateItem(raw), 'INVALID_ITEM', 'item');
    expectRejected(() => validateItem(null, 'items[3]'), 'INVALID_ITEM', 'items[3]');
  });

  it('requires a 1 to 256 character id', () => {
    expectRejected(() => validateItem({ title: 'x' }, 'items[0]'), 'INVALID_ITEM', 'items[0].id');
    expectRejected(() => validateItem(item({ id: '' })), 'INVALID_ITEM', 'item.id');
    expectRejected(() => validateItem(item({ id: 7 })), 'INVALID_ITEM', 'item.id');
    expectRejected(() => validateItem(item({ id: 'x'.repeat(257) })), 'INVALID_ITEM', 'item.id');
    expect(validateItem(item({ id: 'x'.repeat(256) })).id).toHaveLength(256);
  });

  it('requires a non-empty title of at most 512 characters', () => {
    expectRejected(() => validateItem({ id: 'a' }), 'INVALID_ITEM', 'item.title');
    expectRejected(() => validateItem(item({ title: '' })), 'INVALID_ITEM', 'item.title');
    expectRejected(() => validateItem(item({ title: ['x'] })), 'INVALID_ITEM', 'item.title');
    expectRejected(() => validateItem(item({ title: 'x'.repeat(513) })), 'INVALID_ITEM', 'item.title');
  });

  it('checks the optional text fields', () => {
    expectRejected(() => validateItem(item({ description: 5 })), 'INVALID_ITEM', 'item.description');
    expectRejected(() => validateItem(item({ description: 'x'.repeat(10_001) })), 'INVALID_ITEM', 'item.description');
    expect(validateItem(item({ description: 'x'.repeat(10_000) })).description).toHaveLength(10_000);
    expectRejected(() => validateItem(item({ category: {} })), 'INVALID_ITEM', 'item.category');
    expectRejected(() => validateItem(item({ brand: 'b'.repeat(513) })), 'INVALID_ITEM', 'item.brand');
  });

  it('checks tags', () => {
    expectRejected(() => validateItem(item({ tags: 'trail' })), 'INVALID_ITEM', 'item.tags');
    expectRejected(() => validateItem(item({ tags: ['ok', 3] })), 'INVALID_ITEM', 'item.tags[1]');
    expectRejected(() => validateItem(item({ tags: ['ok', ''] })), 'INVALID_ITEM', 'item.tags[1]');
    expectRejected(() => validateItem(item({ tags: new Array(65).fill('t') })), 'INVALID_ITEM', 'item.tags');
    expect(validateItem(item({ tags: new Array(64).fill('t') })).tags).toHaveLength(64);
  });

  it('rejects NaN, infinite and negative prices and popularity', () => {
    for (const bad of [Number.NaN, Infinity, -Infinity, -0.01, '10']) {
      expectRejected(() => validateItem(item({ price: bad })), 'INVALID_ITEM', 'item.price');
      expectRejected(() => validateItem(item({ popularity: bad })), 'INVALID_ITEM', 'item.popularity');
    }
    expect(validateItem(item({ price: 0, popularity: 0 }))).toMatchObject({ price: 0, popularity: 0 });
    expect(validateItem(item({ price: 19.99 })).price).toBe(19.99);
  });

  it('checks precomputed vectors', () => {
    expectRejected(() => validateItem(item({ vector: [0.1, 0.2] })), 'INVALID_ITEM', 'item.vector');
    expectRejected(() => validateItem(item({ vector: { values: [1] } })), 'INVALID_ITEM', 'item.vector.encoder');
    expectRejected(() => validateItem(item({ vector: { encoder: 'm', values: 'abc' } })), 'INVALID_ITEM', 'item.vector.values');
    expectRejected(() => validateItem(item({ vector: { encoder: 'm', values: [] } })), 'INVALID_ITEM', 'item.vector.values');
    expectRejected(() => validateItem(item({ vector: { encoder: 'm', values: [0.5, Number.NaN] } })), 'INVALID_ITEM', 'item.vector.values[1]');
    expectRejected(() => validateItem(item({ cfVector: new Array(4097).fill(0) })), 'INVALID_ITEM', 'item.cfVector');
    expectRejected(() => validateItem(item({ cfVector: [1, 2, Infinity] })), 'INVALID_ITEM', 'item.cfVector[2]');
  });

  it('checks attributes', () => {
    expectRejected(() => validateItem(item({ attributes: ['x'] })), 'INVALID_ITEM', 'item.attributes');
    expectRejected(() => validateItem(item({ attributes: { color: { r: 1 } } })), 'INVALID_ITEM', 'item.attributes.color');
    expectRejected(() => validateItem(item({ attributes: { size: Number.NaN } })), 'INVALID_ITEM', 'item.attributes.size');
    expectRejected(() => validateItem(item({ attributes: { ok: 1, list: [1] } })), 'INVALID_ITEM', 'item.attributes.list');
  });

  it('returns a clean copy: unknown fields dropped, vectors as Float32Array', () => {
    const raw = {
      id: 'sku-1',
      title: 'Trail Shoe',
      description: 'Grippy',
      category: 'Shoes > Running',
      brand: 'Acme',
      tags: ['trail', 'running'],
      price: 89,
      popularity: 12,
      vector: { encoder: 'model:x', values: [0.6, 0.8], extra: true },
      cfVector: [1, 2],
      attributes: { color: 'red', size: 42, waterproof: false, note: null },
      secret: 'do not keep',
      __internal: 1,
    };
    const clean = validateItem(raw);
    expect(clean).not.toBe(raw);
    expect(Object.keys(clean).sort()).toEqual(
      ['attributes', 'brand', 'category', 'cfVector', 'description', 'id', 'popularity', 'price', 'tags', 'title', 'vector'].sort(),
    );
    expect(Object.keys(clean.vector!).sort()).toEqual(['encoder', 'values']);
    expect(clean.vector!.values).toBeInstanceOf(Float32Array);
    expect(Array.from(clean.vector!.values)).toEqual([Math.fround(0.6), Math.fround(0.8)]);
    expect(clean.cfVector).toBeInstanceOf(Float32Array);
    expect(clean.attributes).toEqual({ color: 'red', size: 42, waterproof: false, note: null });
    expect(clean.tags).toEqual(['trail', 'running']);
    expect(clean.tags).not.toBe(raw.tags);
  });

  it('leaves absent optional fields absent', () => {
    expect(validateItem({ id: 'a', title: 'A', extra: 1 })).toEqual({ id: 'a', title: 'A' });
  });
});

describe('validateEvent', () => {
  const ev = (raw: unknown, field = 'events[0]') => validateEvent(raw, field, known, NOW);

  it('rejects a non-object event', () => {
    expectRejected(() => ev(null), 'INVALID_EVENT', 'events[0]');
    expectRejected(() => ev('view', 'events[4]'), 'INVALID_EVENT', 'events[4]');
  });

  it('rejects unknown and missing types', () => {
    expectRejected(() => ev({ type: 'like', itemId: 'known' }), 'INVALID_EVENT', 'events[0].type');
    expectRejected(() => ev({ itemId: 'known' }), 'INVALID_EVENT', 'events[0].type');
    expectRejected(() => ev({ type: 'VIEW', itemId: 'known' }, 'events[2]'), 'INVALID_EVENT', 'events[2].type');
  });

  it('accepts every documented type', () => {
    expect([...EVENT_TYPES].sort()).toEqual(['add_to_cart', 'click', 'dismiss', 'impression', 'purchase', 'rate', 'search', 'view']);
  });

  it('defaults the timestamp to now', () => {
    expect(ev({ type: 'view', itemId: 'known' }).timestamp).toBe(NOW);
  });

  it('rejects timestamps in seconds, in the future, or not finite', () => {
    const seconds = Math.floor(NOW / 1000);
    expectRejected(() => ev({ type: 'view', itemId: 'known', timestamp: seconds }), 'INVALID_EVENT', 'events[0].timestamp');
    expectRejected(() => ev({ type: 'view', itemId: 'known', timestamp: NOW + 2 * DAY }), 'INVALID_EVENT', 'events[0].timestamp');
    expectRejected(() => ev({ type: 'view', itemId: 'known', timestamp: Number.NaN }), 'INVALID_EVENT', 'events[0].timestamp');
    expectRejected(() => ev({ type: 'view', itemId: 'known', timestamp: String(NOW) }), 'INVALID_EVENT', 'events[0].timestamp');
    expectRejected(() => ev({ type: 'view', itemId: 'known', timestamp: Date.UTC(1999, 11, 31) }), 'INVALID_EVENT', 'events[0].timestamp');
    // Clock skew of an hour and old but plausible timestamps are fine.
    expect(ev({ type: 'view', itemId: 'known', timestamp: NOW + 3600_000 }).timestamp).toBe(NOW + 3600_000);
    expect(ev({ type: 'view', itemId: 'known', timestamp: NOW - 400 * DAY }).timestamp).toBe(NOW - 400 * DAY);
  });

  it('requires a query for search, and no item', () => {
    expectRejected(() => ev({ type: 'search' }), 'INVALID_EVENT', 'events[0].query');
    expectRejected(() => ev({ type: 'search', query: '' }), 'INVALID_EVENT', 'events[0].query');
    expectRejected(() => ev({ type: 'search', query: 42 }), 'INVALID_EVENT', 'events[0].query');
    expectRejected(() => ev({ type: 'search', query: 'q'.repeat(513) }), 'INVALID_EVENT', 'events[0].query');
    expect(ev({ type: 'search', query: 'trail shoes' })).toEqual({ type: 'search', query: 'trail shoes', timestamp: NOW });
  });

  it('requires an itemId for item events', () => {
    expectRejected(() => ev({ type: 'view' }), 'INVALID_EVENT', 'events[0].itemId');
    expectRejected(() => ev({ type: 'click', itemId: '' }), 'INVALID_EVENT', 'events[0].itemId');
    expectRejected(() => ev({ type: 'purchase', itemId: 12 }), 'INVALID_EVENT', 'events[0].itemId');
    expectRejected(() => ev({ type: 'view', itemId: 'x'.repeat(257) }), 'INVALID_EVENT', 'events[0].itemId');
  });

  it('rejects an item the engine does not know with UNKNOWN_ITEM', () => {
    expectRejected(() => ev({ type: 'view', itemId: 'nope' }, 'events[7]'), 'UNKNOWN_ITEM', 'events[7].itemId');
  });

  it('accepts an unknown item passed inline, and checks it', () => {
    const out = ev({ type: 'view', item: { id: 'new-1', title: 'New Thing', junk: 1 } });
    expect(out).toEqual({ type: 'view', itemId: 'new-1', item: { id: 'new-1', title: 'New Thing' }, timestamp: NOW });
    expect(ev({ type: 'view', itemId: 'new-1', item: { id: 'new-1', title: 'New Thing' } }).itemId).toBe('new-1');
    expectRejected(() => ev({ type: 'view', itemId: 'other', item: { id: 'new-1', title: 'x' } }), 'INVALID_EVENT', 'events[0].itemId');
    expectRejected(() => ev({ type: 'view', item: { id: 'new-1' } }), 'INVALID_ITEM', 'events[0].item.title');
    expectRejected(() => ev({ type: 'view', item: 'new-1' }), 'INVALID_ITEM', 'events[0].item');
  });

  it('requires a finite value for rate', () => {
    expectRejected(() => ev({ type: 'rate', itemId: 'known' }), 'INVALID_EVENT', 'events[0].value');
    expectRejected(() => ev({ type: 'rate', itemId: 'known', value: Number.NaN }), 'INVALID_EVENT', 'events[0].value');
    expectRejected(() => ev({ type: 'rate', itemId: 'known', value: '5' }), 'INVALID_EVENT', 'events[0].value');
    expect(ev({ type: 'rate', itemId: 'known', value: 4 })).toEqual({ type: 'rate', itemId: 'known', value: 4, timestamp: NOW });
  });

  it('requires a listId and an integer position >= 0 for impression', () => {
    expectRejected(() => ev({ type: 'impression', itemId: 'known', position: 0 }), 'INVALID_EVENT', 'events[0].listId');
    expectRejected(() => ev({ type: 'impression', itemId: 'known', listId: '' , position: 0 }), 'INVALID_EVENT', 'events[0].listId');
    expectRejected(() => ev({ type: 'impression', itemId: 'known', listId: 'home' }), 'INVALID_EVENT', 'events[0].position');
    expectRejected(() => ev({ type: 'impression', itemId: 'known', listId: 'home', position: 1.5 }), 'INVALID_EVENT', 'events[0].position');
    expectRejected(() => ev({ type: 'impression', itemId: 'known', listId: 'home', position: -1 }), 'INVALID_EVENT', 'events[0].position');
    expectRejected(() => ev({ type: 'impression', itemId: 'known', listId: 'home', position: Infinity }), 'INVALID_EVENT', 'events[0].position');
    expect(ev({ type: 'impression', itemId: 'known', listId: 'home', position: 0 })).toEqual({
      type: 'impression',
      itemId: 'known',
      listId: 'home',
      position: 0,
      timestamp: NOW,
    });
  });

  it('allows click without a list, but checks list fields when given', () => {
    expect(ev({ type: 'click', itemId: 'known' })).toEqual({ type: 'click', itemId: 'known', timestamp: NOW });
    expectRejected(() => ev({ type: 'click', itemId: 'known', position: 2.5 }), 'INVALID_EVENT', 'events[0].position');
    expectRejected(() => ev({ type: 'click', itemId: 'known', listId: 5 }), 'INVALID_EVENT', 'events[0].listId');
    expect(ev({ type: 'click', itemId: 'known', listId: 'l', position: 3 })).toMatchObject({ listId: 'l', position: 3 });
  });

  it('returns a clean copy without unknown or irrelevant fields', () => {
    const raw = { type: 'view', itemId: 'known', timestamp: NOW - 1000, query: 'ignored', value: 5, listId: 'x', position: 2, userId: 'u1' };
    expect(ev(raw)).toEqual({ type: 'view', itemId: 'known', timestamp: NOW - 1000 });
    expect(ev({ type: 'search', query: 'q', itemId: 'known', extra: true })).toEqual({ type: 'search', query: 'q', timestamp: NOW });
  });
});

describe('validateArray', () => {
  it('requires an array of bounded length', () => {
    expectRejected(() => validateArray('x', 'items', 10), 'INVALID_ARGUMENT', 'items');
    expectRejected(() => validateArray({ length: 1 }, 'candidates', 10), 'INVALID_ARGUMENT', 'candidates');
    expectRejected(() => validateArray([1, 2, 3], 'events', 2), 'INVALID_ARGUMENT', 'events');
    const list = [1, 2];
    expect(validateArray(list, 'events', 2)).toBe(list);
  });
});
