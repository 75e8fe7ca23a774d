import { describe, expect, it } from 'vitest';
import { readConfig } from '../src/dom/read-config.ts';
import { readSlot } from '../src/dom/read-slot.ts';
import { reader } from './dom-reader.ts';

const config = (attributes: Record<string, string>) => readConfig(reader(attributes), Object.keys(attributes));

describe('readConfig (the script tag)', () => {
  it('starts nothing without data-lr-* attributes', () => {
    expect(config({ src: 'x.js', defer: '' })).toEqual({ auto: false, options: {}, problems: [] });
  });

  it('maps each attribute to its option', () => {
    const result = config({
      'data-lr-namespace': 'shop',
      'data-lr-model': 'all-MiniLM-L6-v2',
      'data-lr-model-base': 'https://assets.example/models/',
      'data-lr-model-device': 'wasm',
      'data-lr-model-dtype': 'q8',
      'data-lr-model-version': '2024-06-01',
      'data-lr-runtime': 'https://assets.example/ort/',
      'data-lr-storage': 'memory',
      'data-lr-encrypt': '',
      'data-lr-currency': 'EUR',
    });
    expect(result).toEqual({
      auto: true,
      options: {
        namespace: 'shop',
        model: { id: 'all-MiniLM-L6-v2', baseUrl: 'https://assets.example/models/', device: 'wasm', dtype: 'q8', version: '2024-06-01' },
        runtimeUrl: 'https://assets.example/ort/',
        storage: 'memory',
        encryptAtRest: true,
      },
      currency: 'EUR',
      problems: [],
    });
  });

  it('data-lr-model="off" means lexical only; any one attribute starts the instance with the library defaults for the rest', () => {
    expect(config({ 'data-lr-model': 'off' })).toEqual({ auto: true, options: { model: false }, problems: [] });
    expect(config({ 'data-lr-model': 'None' }).options.model).toBe(false);
    expect(config({ 'data-lr-namespace': 'x' }).options).toEqual({ namespace: 'x' });
    expect(config({ 'data-lr-auto': '' })).toEqual({ auto: true, options: {}, problems: [] });
  });

  it('data-lr-auto="off" keeps the tag inert even with other attributes', () => {
    expect(config({ 'data-lr-auto': 'off', 'data-lr-namespace': 'x' }).auto).toBe(false);
  });

  it('reports unknown attributes and unreadable flags, and ignores them', () => {
    const result = config({ 'data-lr-namepsace': 'typo', 'data-lr-encrypt': 'maybe' });
    expect(result.options).toEqual({});
    expect(result.problems).toEqual([
      'unknown attribute data-lr-namepsace on the LocalRank script tag; ignored',
      'data-lr-encrypt="maybe" is not on/off; ignored',
    ]);
  });

  it('passes values on as written, for the library to check (blank values count as absent)', () => {
    expect(config({ 'data-lr-namespace': 'has spaces', 'data-lr-storage': '  ' }).options).toEqual({ namespace: 'has spaces' });
  });
});

describe('readSlot', () => {
  const slot = (attributes: Record<string, string>, pageItem?: string) => {
    const problems: string[] = [];
    return { config: readSlot(reader(attributes), pageItem, problems), problems };
  };

  it('reads kind, k, list id and exclusions', () => {
    expect(slot({ 'data-lr-slot': 'for-you', 'data-lr-k': '3', 'data-lr-exclude': 'seen, purchased' })).toEqual({
      config: { kind: 'for-you', k: 3, listId: 'for-you', excludeSeen: true, excludePurchased: true },
      problems: [],
    });
    expect(slot({ 'data-lr-slot': 'recently-viewed', 'data-lr-list': 'sidebar' }).config).toEqual({
      kind: 'recently-viewed',
      k: undefined,
      listId: 'sidebar',
      excludeSeen: false,
      excludePurchased: false,
    });
  });

  it('anchors a similar slot on data-lr-item-ref, else on the page item, else refuses it', () => {
    expect(slot({ 'data-lr-slot': 'similar', 'data-lr-item-ref': 'a' }, 'page').config?.anchor).toBe('a');
    expect(slot({ 'data-lr-slot': 'similar' }, 'page').config?.anchor).toBe('page');
    const none = slot({ 'data-lr-slot': 'similar' });
    expect(none.config).toBeUndefined();
    expect(none.problems[0]).toContain('data-lr-item-ref');
  });

  it('refuses unknown kinds and reports bad k and exclusions', () => {
    expect(slot({ 'data-lr-slot': 'bestsellers' }).config).toBeUndefined();
    for (const k of ['0', '2.5', '101', 'many']) {
      const result = slot({ 'data-lr-slot': 'for-you', 'data-lr-k': k });
      expect(result.config?.k).toBeUndefined();
      expect(result.problems).toHaveLength(1);
    }
    expect(slot({ 'data-lr-slot': 'for-you', 'data-lr-exclude': 'cheap' }).problems[0]).toContain('"cheap"');
  });
});
