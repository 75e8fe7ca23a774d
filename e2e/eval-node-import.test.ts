import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { trapBrowserGlobals } from './browser-globals.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const DIST = join(ROOT, 'dist');

describe('localrank/eval from the built package, in Node without a DOM', () => {
  it('is exported with types; replays a log through the engine and computes the metrics without touching a browser global', async () => {
    const pkg = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(join(ROOT, 'package.json'), 'utf8')));
    expect(pkg.exports['./eval']).toEqual({ types: './dist/types/src/eval/index.d.ts', import: './dist/eval.js' });
    expect(existsSync(join(ROOT, pkg.exports['./eval'].types))).toBe(true);

    const { touched, release } = trapBrowserGlobals();
    try {
      const ev: typeof import('../src/eval/index.js') = await import(pathToFileURL(join(DIST, 'eval.js')).href);
      const t0 = Date.UTC(2021, 0, 1);
      const items = ['red apple', 'green apple', 'apple pie', 'steel hammer', 'claw hammer', 'hammer drill'].map((title, i) => ({ id: `i${i}`, title }));
      const log = [
        ...['i0', 'i1', 'i2'].map((item, k) => ({ user: 'fruit', item, timestamp: t0 + k })),
        ...['i3', 'i4', 'i5'].map((item, k) => ({ user: 'tools', item, timestamp: t0 + k })),
      ];
      const { train, cases } = ev.leaveLastOut(log);
      const replay = await ev.ReplayEngine.create({ items, options: { model: false } });
      const rows = await ev.evaluateWarm([ev.popularityRecommender(train), ev.engineRecommender('content', replay, { weights: { prior: 0 } })], cases, {
        catalogue: items.map((i) => i.id),
        userCount: () => 1,
        users: 2,
        negatives: 3,
        seed: 1,
      });
      const content = rows.find((r) => r.name === 'content')!;
      // Each person's third item shares the words of their first two: ranked first of the four unseen.
      expect(content.mrr).toBe(1);
      expect(content.ndcg10).toBe(1);
      expect(ev.ndcg(['x', 'y'], new Set(['y']), 10)).toBeCloseTo(1 / Math.log2(3), 12);
    } finally {
      release();
    }
    expect(touched).toEqual([]);
  });
});
