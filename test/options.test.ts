import { describe, expect, it } from 'vitest';
import { LocalRankError } from '../src/errors.ts';
import { resolveOptions } from '../src/engine/options.ts';
import type { LocalRankOptions } from '../src/types.ts';

const DEFAULT_WEIGHTS = { view: 1, click: 2, add_to_cart: 4, purchase: 6, search: 1.5, rate: 0, dismiss: -3, impression: 0 };

function rejects(options: unknown, field: string): void {
  let error: unknown;
  try {
    resolveOptions(options as LocalRankOptions);
  } catch (e) {
    error = e;
  }
  expect(error, `${JSON.stringify(options)} should be rejected`).toBeInstanceOf(LocalRankError);
  const e = error as LocalRankError;
  expect({ code: e.code, field: e.field }).toEqual({ code: 'INVALID_ARGUMENT', field });
}

describe('resolveOptions', () => {
  it('fills in every default', () => {
    const expected = {
      namespace: 'default',
      storage: 'indexeddb',
      model: { id: 'Xenova/all-MiniLM-L6-v2', device: 'auto', batchSize: 32 },
      eventWeights: DEFAULT_WEIGHTS,
      halfLifeDays: 14,
      embeddingCacheSize: 5000,
      maxEvents: 2000,
      encryptAtRest: false,
      offers: null,
      interestReports: null,
      learning: { ips: true, positionBias: 'default' },
      cf: { regularization: 0.1, alpha: 2 },
      lowMemory: { smallerDtypeBelowGb: 4, lexicalBelowGb: 1 },
    };
    expect(resolveOptions(undefined)).toEqual(expected);
    expect(resolveOptions({})).toEqual(expected);
    expect('runtimeUrl' in resolveOptions({})).toBe(false);
  });

  it('keeps valid values', () => {
    const config = resolveOptions({
      namespace: 'shop_EU-2',
      storage: 'memory',
      model: { id: 'my-model', baseUrl: 'https://cdn.example/models/', dtype: 'fp16', device: 'webgpu', batchSize: 8, version: 'v2' },
      runtimeUrl: 'https://cdn.example/ort/',
      halfLifeDays: 0.5,
      embeddingCacheSize: 0,
      maxEvents: 10,
      encryptAtRest: true,
      offers: { experiment: 'spring', split: 0.2 },
      interestReports: { categories: ['Shoes', 'other', 'Kitchen'] },
      learning: { ips: false, positionBias: 'estimated' },
      lowMemory: { smallerDtypeBelowGb: 2, lexicalBelowGb: 0 },
    });
    expect(config).toEqual({
      namespace: 'shop_EU-2',
      storage: 'memory',
      model: { id: 'my-model', baseUrl: 'https://cdn.example/models/', dtype: 'fp16', device: 'webgpu', batchSize: 8, version: 'v2' },
      runtimeUrl: 'https://cdn.example/ort/',
      eventWeights: DEFAULT_WEIGHTS,
      halfLifeDays: 0.5,
      embeddingCacheSize: 0,
      maxEvents: 10,
      encryptAtRest: true,
      offers: { experiment: 'spring', split: 0.2 },
      // "other" is always the last bucket.
      interestReports: { categories: ['Shoes', 'Kitchen', 'other'] },
      learning: { ips: false, positionBias: 'estimated' },
      cf: { regularization: 0.1, alpha: 2 },
      lowMemory: { smallerDtypeBelowGb: 2, lexicalBelowGb: 0 },
    });
  });

  it('lowMemory: false ignores the device memory; a partial one keeps the other default', () => {
    expect(resolveOptions({ lowMemory: false }).lowMemory).toBeNull();
    expect(resolveOptions({ lowMemory: { lexicalBelowGb: 2 } }).lowMemory).toEqual({ smallerDtypeBelowGb: 4, lexicalBelowGb: 2 });
  });

  it('rejects a bad lowMemory', () => {
    rejects({ lowMemory: true }, 'options.lowMemory');
    rejects({ lowMemory: [] }, 'options.lowMemory');
    for (const value of [-1, Number.NaN, Infinity, '2']) {
      rejects({ lowMemory: { smallerDtypeBelowGb: value } }, 'options.lowMemory.smallerDtypeBelowGb');
      rejects({ lowMemory: { lexicalBelowGb: value } }, 'options.lowMemory.lexicalBelowGb');
    }
  });

  it('model: false turns the model off', () => {
    expect(resolveOptions({ model: false }).model).toBe(false);
  });

  it('fills model defaults around a partial model', () => {
    expect(resolveOptions({ model: { dtype: 'q8' } }).model).toEqual({ id: 'Xenova/all-MiniLM-L6-v2', device: 'auto', batchSize: 32, dtype: 'q8' });
  });

  it('merges event weights over the defaults', () => {
    const weights = resolveOptions({ eventWeights: { click: 5, dismiss: 0 } }).eventWeights;
    expect(weights).toEqual({ ...DEFAULT_WEIGHTS, click: 5, dismiss: 0 });
  });

  it('does not share the default weights object between configs', () => {
    const a = resolveOptions({});
    a.eventWeights.view = 99;
    expect(resolveOptions({}).eventWeights.view).toBe(1);
  });

  it('rejects a bad namespace', () => {
    for (const namespace of ['', 'a b', 'a/b', 'ü', 'x'.repeat(65), 42]) rejects({ namespace }, 'options.namespace');
    expect(resolveOptions({ namespace: 'x'.repeat(64) }).namespace).toHaveLength(64);
  });

  it('rejects a bad storage', () => {
    rejects({ storage: 'localStorage' }, 'options.storage');
    rejects({ storage: true }, 'options.storage');
  });

  it('rejects a bad model', () => {
    rejects({ model: 'Xenova/all-MiniLM-L6-v2' }, 'options.model');
    rejects({ model: true }, 'options.model');
    rejects({ model: { id: '' } }, 'options.model.id');
    rejects({ model: { id: 7 } }, 'options.model.id');
    rejects({ model: { id: 'm'.repeat(257) } }, 'options.model.id');
    rejects({ model: { dtype: 'int4' } }, 'options.model.dtype');
    rejects({ model: { device: 'cuda' } }, 'options.model.device');
    rejects({ model: { device: 'cpu' } }, 'options.model.device');
    rejects({ model: { baseUrl: '' } }, 'options.model.baseUrl');
    rejects({ model: { baseUrl: 5 } }, 'options.model.baseUrl');
    for (const version of ['', 3, 'v'.repeat(257)]) rejects({ model: { version } }, 'options.model.version');
    for (const batchSize of [0, -1, 1.5, Number.NaN, Infinity, '8']) rejects({ model: { batchSize } }, 'options.model.batchSize');
  });

  it('rejects bad event weights', () => {
    rejects({ eventWeights: 'heavy' }, 'options.eventWeights');
    rejects({ eventWeights: null }, 'options.eventWeights');
    rejects({ eventWeights: { like: 1 } }, 'options.eventWeights.like');
    rejects({ eventWeights: { view: Number.NaN } }, 'options.eventWeights.view');
    rejects({ eventWeights: { click: Infinity } }, 'options.eventWeights.click');
    rejects({ eventWeights: { purchase: '6' } }, 'options.eventWeights.purchase');
  });

  it('rejects a bad runtimeUrl', () => {
    rejects({ runtimeUrl: '' }, 'options.runtimeUrl');
    rejects({ runtimeUrl: 12 }, 'options.runtimeUrl');
  });

  it('rejects a bad halfLifeDays', () => {
    for (const halfLifeDays of [0, -1, Number.NaN, Infinity, '14']) rejects({ halfLifeDays }, 'options.halfLifeDays');
  });

  it('rejects a bad embeddingCacheSize (0 is allowed)', () => {
    for (const embeddingCacheSize of [-1, 1.5, Number.NaN, Infinity, '10']) rejects({ embeddingCacheSize }, 'options.embeddingCacheSize');
  });

  it('rejects a bad maxEvents', () => {
    for (const maxEvents of [0, -5, 2.5, Number.NaN, Infinity]) rejects({ maxEvents }, 'options.maxEvents');
  });

  it('rejects options that are not an object', () => {
    for (const options of ['fast', 42, true]) {
      expect(() => resolveOptions(options as never)).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
  });
});
