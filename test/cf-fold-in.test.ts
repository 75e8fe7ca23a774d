import { describe, expect, it } from 'vitest';
import { Engine } from '../src/engine/engine.ts';
import { CfFactors } from '../src/engine/learning/cf-factors.ts';
import { choleskySolve, foldIn } from '../src/engine/learning/fold-in.ts';
import { resolveOptions } from '../src/engine/options.ts';
import { cfComponent } from '../src/engine/rank.ts';
import { LocalRankError } from '../src/errors.ts';
import type { Item } from '../src/types.ts';
import { rejected } from './caught.ts';

const T0 = Date.UTC(2024, 5, 1, 12, 0, 0);

/** Reference: naive Gaussian elimination with partial pivoting on the dense normal equations. */
function gaussSolve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r]![col]!) > Math.abs(m[pivot]![col]!)) pivot = r;
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    for (let r = col + 1; r < n; r++) {
      const f = m[r]![col]! / m[col]![col]!;
      for (let c = col; c <= n; c++) m[r]![c]! -= f * m[col]![c]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r]![n]!;
    for (let c = r + 1; c < n; c++) s -= m[r]![c]! * x[c]!;
    x[r] = s / m[r]![r]!;
  }
  return x;
}

/** A small deterministic generator (the test must not depend on Math.random). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

describe('fold-in (implicit-feedback closed form)', () => {
  it('equals a reference solve of (YᵀY + Yᵀ(C−I)Y + λI) x = YᵀC p built element by element', () => {
    const rand = lcg(7);
    const k = 6;
    const items = Array.from({ length: 30 }, () => Array.from({ length: k }, rand));
    const history = [
      { item: 3, weight: 2 },
      { item: 11, weight: 0.5 },
      { item: 17, weight: 6 },
      { item: 25, weight: -3 }, // dismissed: preference 0, confidence raised
    ];
    const settings = { regularization: 0.3, alpha: 1.5 };
    const conf = new Map(history.map((h) => [h.item, 1 + settings.alpha * Math.abs(h.weight)]));
    const pref = new Map(history.map((h) => [h.item, h.weight > 0 ? 1 : 0]));
    const a = Array.from({ length: k }, (_, r) => Array.from({ length: k }, (_, c) => (r === c ? settings.regularization : 0)));
    const b = new Array<number>(k).fill(0);
    items.forEach((y, i) => {
      const c = conf.get(i) ?? 1;
      const p = pref.get(i) ?? 0;
      for (let r = 0; r < k; r++) {
        b[r]! += c * p * y[r]!;
        for (let q = 0; q < k; q++) a[r]![q]! += c * y[r]! * y[q]!;
      }
    });
    const expected = gaussSolve(a, b);

    const factors = new CfFactors(4);
    items.forEach((y, slot) => {
      factors.grow(slot + 1);
      factors.set(slot, y);
    });
    const x = foldIn(factors.gram, k, history.map((h) => ({ factor: items[h.item]!, weight: h.weight })), settings);
    expect(x).not.toBeNull();
    for (let d = 0; d < k; d++) expect(x![d]).toBeCloseTo(expected[d]!, 9);
  });

  it('keeps YᵀY right when an item factor is replaced or removed', () => {
    const f = new CfFactors(2);
    f.set(0, [1, 2]);
    f.set(1, [3, 1]);
    f.set(0, [0, 1]); // replaced
    f.set(1, undefined); // removed
    expect([...f.gram]).toEqual([0, 0, 0, 1]);
    expect(f.size).toBe(1);
  });

  it('ignores factors of another dimension and reports them', () => {
    const f = new CfFactors(4);
    f.set(0, [1, 0, 0]);
    f.set(1, [1, 0]);
    f.set(2, new Array(300).fill(0.1));
    expect(f.dimension).toBe(3);
    expect(f.factor(1)).toBeUndefined();
    expect([...f.ignoredLengths(Int32Array.from([0, 1, 2]))]).toEqual([
      [2, 1],
      [300, 1],
    ]);
    // Replaced by a factor of the right length, or removed: no longer reported.
    f.set(1, [0, 1, 0]);
    expect([...f.ignoredLengths(Int32Array.from([0, 1, 2]))]).toEqual([[300, 1]]);
    f.set(2, undefined);
    expect(f.ignoredLengths(Int32Array.from([0, 1, 2])).size).toBe(0);
    f.set(3, [1]);
    expect([...f.ignoredLengths(Int32Array.from([3]))]).toEqual([[1, 1]]);
  });

  it('returns null without a positive interaction, and Cholesky rejects a matrix that is not positive definite', () => {
    const gram = Float64Array.from([1, 0, 0, 1]);
    expect(foldIn(gram, 2, [], { regularization: 0.1, alpha: 1 })).toBeNull();
    expect(foldIn(gram, 2, [{ factor: [1, 0], weight: -3 }], { regularization: 0.1, alpha: 1 })).toBeNull();
    expect(choleskySolve(Float64Array.from([1, 2, 2, 1]), [1, 1], 2)).toBeNull();
  });
});

describe('cfComponent', () => {
  it('maps fold-in scores linearly onto [0, 1], missing factors at the mean, a flat list to 0', () => {
    expect([...cfComponent(Float64Array.from([2, 0, NaN, 1]))]).toEqual([1, 0, 0.5, 0.5]);
    expect([...cfComponent(Float64Array.from([0.3, 0.3]))]).toEqual([0, 0]);
    expect([...cfComponent(Float64Array.from([NaN]))]).toEqual([0]);
  });
});

describe('options.cf', () => {
  it('defaults and validates', () => {
    expect(resolveOptions({}).cf).toEqual({ regularization: 0.1, alpha: 2 });
    expect(resolveOptions({ cf: { alpha: 0 } }).cf).toEqual({ regularization: 0.1, alpha: 0 });
    expect(() => resolveOptions({ cf: { regularization: 0 } })).toThrow(/cf.regularization/);
    expect(() => resolveOptions({ cf: { alpha: -1 } })).toThrow(/cf.alpha/);
    expect(() => resolveOptions({ cf: 3 as never })).toThrow(/options.cf must be/);
  });
});

// ---------------------------------------------------------------------------
// The cf component in the engine
// ---------------------------------------------------------------------------

function engine(): Engine {
  return new Engine({
    openStore: () => {
      throw new Error('memory only');
    },
    storageWorks: () => Promise.resolve(false),
    loadModel: () => Promise.reject(new Error('no model in this test')),
    deviceEnvironment: () => ({ isNode: true }),
    now: () => T0,
  });
}

/** Two taste groups the titles do not reveal (same words everywhere): only the factors tell them apart. */
function catalogue(): Item[] {
  const items: Item[] = [];
  for (let i = 0; i < 20; i++) {
    const group = i % 2 === 0 ? 'a' : 'b';
    items.push({ id: `${group}${i}`, title: `Film number ${i}`, cfVector: group === 'a' ? [1, 0.1 * (i % 3), 0] : [0, 0.1 * (i % 3), 1] });
  }
  return items;
}

describe('engine: the cf component', () => {
  it('ranks up the items whose factors point the way of the history, and leaves explanations as they were', async () => {
    const e = engine();
    await e.init({ storage: 'memory', model: false });
    await e.upsertItems(catalogue());
    await e.track(
      ['a0', 'a2', 'a4'].map((itemId, i) => ({ type: 'view', itemId, timestamp: T0 - 1000 * (3 - i) })),
      'b1',
    );
    const candidates = catalogue().map((i) => i.id).filter((id) => !['a0', 'a2', 'a4'].includes(id));
    const withCf = await e.rank(candidates, { weights: { content: 0, affinity: 0, prior: 0 } });
    const top = withCf.items.slice(0, 7).map((i) => i.id);
    expect(top.every((id) => id.startsWith('a'))).toBe(true);
    const cfOf = (group: string) => withCf.items.filter((i) => i.id.startsWith(group)).map((i) => i.components.cf!);
    expect(Math.min(...cfOf('a'))).toBeGreaterThan(Math.max(...cfOf('b')));
    for (const item of withCf.items) {
      expect(item.components.cf).toBeGreaterThanOrEqual(0);
      expect(item.components.cf).toBeLessThanOrEqual(1);
    }
    const without = await e.rank(candidates, { weights: { cf: 0 } });
    expect(without.items[0]!.components.cf).toBeUndefined();
    // Reasons do not depend on cf.
    const both = await e.rank(candidates);
    const reasonsOf = (r: typeof both) => new Map(r.items.map((i) => [i.id, i.reasons]));
    expect(reasonsOf(both)).toEqual(reasonsOf(without));
  });

  it('a dismissal pushes the other way', async () => {
    const e = engine();
    await e.init({ storage: 'memory', model: false });
    await e.upsertItems(catalogue());
    await e.track([{ type: 'view', itemId: 'a0', timestamp: T0 - 5000 }, { type: 'dismiss', itemId: 'b1', timestamp: T0 - 4000 }], 'b1');
    const r = await e.rank(['a2', 'b3'], { weights: { content: 0, affinity: 0, prior: 0, negative: 0 } });
    expect(r.items[0]!.id).toBe('a2');
  });

  it('cold start and catalogues without factors: no cf component, no error', async () => {
    const e = engine();
    await e.init({ storage: 'memory', model: false });
    await e.upsertItems(catalogue());
    expect((await e.rank(['a0', 'b1'])).items[0]!.components.cf).toBeUndefined();
    const plain = engine();
    await plain.init({ storage: 'memory', model: false });
    await plain.upsertItems([{ id: 'x', title: 'x' }, { id: 'y', title: 'y' }]);
    await plain.track({ type: 'view', itemId: 'x', timestamp: T0 - 1 }, 'b');
    const r = await plain.rank(['x', 'y']);
    expect(r.items[0]!.components.cf).toBeUndefined();
    expect(r.warnings).toBeUndefined();
  });

  it('warns about candidate factors of another dimension, and rejects a bad weight', async () => {
    const e = engine();
    await e.init({ storage: 'memory', model: false });
    await e.upsertItems([...catalogue(), { id: 'odd', title: 'Odd one', cfVector: [1, 2] }]);
    await e.track({ type: 'view', itemId: 'a0', timestamp: T0 - 1 }, 'b');
    const r = await e.rank(['a2', 'b3', 'odd']);
    expect(r.warnings).toEqual(['1 candidate cfVector(s) with 2 values ignored: the item factors have 3 values']);
    // Without a factor: the candidates' mean, here the middle of the two others.
    expect(r.items.find((i) => i.id === 'odd')!.components.cf).toBeCloseTo(0.5, 9);
    const error = await rejected(e.rank(['a2'], { weights: { cf: -1 } }));
    expect(error).toBeInstanceOf(LocalRankError);
    expect((error as LocalRankError).field).toBe('options.weights.cf');
  });
});
