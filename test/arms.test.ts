import { describe, expect, it } from 'vitest';
import { assignArm, newLocalId } from '../src/engine/offers/arms.js';
import { mulberry32 } from '../src/engine/ranking/random.js';
import { caught } from './caught.js';

/** A reproducible byte source for ids (tests only). */
function seededBytes(seed: number): (bytes: Uint8Array) => void {
  const rng = mulberry32(seed);
  return (bytes) => {
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(rng() * 256);
  };
}


const N = 10_000;

describe('newLocalId', () => {
  it('is 128 bits of hex from crypto.getRandomValues by default, never repeating', () => {
    const ids = Array.from({ length: 1000 }, () => newLocalId());
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('encodes the bytes of the random source in order', () => {
    expect(newLocalId((b) => b.forEach((_, i) => (b[i] = i * 17)))).toBe('00112233445566778899aabbccddeeff');
  });
});

describe('assignArm', () => {
  it('is stable: the same experiment and id always give the same arm', () => {
    const ids = Array.from({ length: 200 }, () => newLocalId());
    const first = ids.map((id) => assignArm('spring-sale', id));
    const again = ids.map((id) => assignArm('spring-sale', `${id}`)); // a fresh string, as after a reload
    expect(again).toEqual(first);
  });

  for (const split of [0.5, 0.2]) {
    it(`10,000 random ids: the treatment share is within 4 standard deviations of split ${split}`, () => {
      const next = seededBytes(split === 0.5 ? 1 : 2);
      let treated = 0;
      for (let i = 0; i < N; i++) if (assignArm('exp', newLocalId(next), split) === 'treatment') treated++;
      const sd = Math.sqrt((split * (1 - split)) / N);
      expect(Math.abs(treated / N - split)).toBeLessThan(4 * sd);
    });
  }

  it('sequential, structured ids are balanced too (the hash mixes)', () => {
    for (const split of [0.5, 0.2]) {
      let treated = 0;
      for (let i = 0; i < N; i++) if (assignArm('exp', `user-${i}`, split) === 'treatment') treated++;
      expect(Math.abs(treated / N - split)).toBeLessThan(4 * Math.sqrt((split * (1 - split)) / N));
    }
  });

  it('different experiments give independent assignments (agreement ~ 50%)', () => {
    const next = seededBytes(3);
    const ids = Array.from({ length: N }, () => newLocalId(next));
    const pairs: Array<[string, string]> = [
      ['exp-a', 'exp-b'],
      ['a', 'b'],
      ['spring', 'summer'],
    ];
    for (const [x, y] of pairs) {
      let agree = 0;
      for (const id of ids) if (assignArm(x, id) === assignArm(y, id)) agree++;
      // Independent fair arms agree with probability 1/2; sd = sqrt(0.25 / N).
      expect(Math.abs(agree / N - 0.5), `${x} vs ${y}`).toBeLessThan(4 * Math.sqrt(0.25 / N));
    }
  });

  it('the separator matters: ("ab", "c") and ("a", "bc") are different inputs', () => {
    let differ = 0;
    for (let i = 0; i < 1000; i++) if (assignArm(`e${i}`, 'xid') !== assignArm(`e${i}x`, 'id')) differ++;
    expect(differ).toBeGreaterThan(400);
  });

  it.each<[string, () => unknown, string]>([
    ['empty experiment', () => assignArm('', 'id'), 'experiment'],
    ['65-character experiment', () => assignArm('x'.repeat(65), 'id'), 'experiment'],
    ['empty local id', () => assignArm('e', ''), 'localId'],
    ['split 0', () => assignArm('e', 'id', 0), 'split'],
    ['split 1', () => assignArm('e', 'id', 1), 'split'],
    ['split NaN', () => assignArm('e', 'id', NaN), 'split'],
  ])('%s: INVALID_ARGUMENT naming %s', (_, fn, field) => {
    const error = caught(fn);
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.field).toBe(field);
  });

  it('accepts a 64-character experiment name', () => {
    expect(['control', 'treatment']).toContain(assignArm('x'.repeat(64), 'id'));
  });
});
