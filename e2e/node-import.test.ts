import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { trapBrowserGlobals } from './browser-globals.js';

const DIST = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', 'dist');

describe('the package in Node, without a DOM (server-side rendering, build scripts)', () => {
  it('imports without touching a browser global; createLocalRank() rejects ready with WORKER_UNAVAILABLE instead of throwing; localrank/aggregate works', async () => {
    // Any read of a browser global during import is recorded (Node 20 has none of these).
    const { touched, trapped, release } = trapBrowserGlobals();
    let mod: typeof import('../src/index.js');
    let aggregate: typeof import('../src/aggregate.js');
    try {
      mod = await import(pathToFileURL(join(DIST, 'localrank.js')).href);
      aggregate = await import(pathToFileURL(join(DIST, 'aggregate.js')).href);
    } finally {
      release();
    }
    expect(trapped.length).toBeGreaterThan(0);
    expect(touched).toEqual([]);
    expect(typeof mod.createLocalRank).toBe('function');

    const lr = mod.createLocalRank({ model: false });
    // Only the documented API: the script tag's internal batch tracking stays off the npm instance.
    expect('trackBatch' in lr).toBe(false);
    expect(typeof lr.track).toBe('function');
    await expect(lr.ready).rejects.toMatchObject({ code: 'WORKER_UNAVAILABLE' });
    await expect(lr.rank(['a'])).rejects.toBeInstanceOf(mod.LocalRankError);
    await lr.destroy();

    const reports = [0, 0, 1].map((value) => ({ format: 'localrank-ldp' as const, version: 1 as const, mechanism: 'k-rr' as const, epsilon: 2, categories: ['Shoes', 'other'], value }));
    const estimate = aggregate.estimateShares(reports);
    expect(estimate.n).toBe(3);
    expect(estimate.categories).toEqual(['Shoes', 'other']);
  });
});
