import { describe, expect, it } from 'vitest';
import { Engine } from '../src/engine/engine.ts';
import type { KeyValueStore } from '../src/engine/store/kv.ts';
import type { Item } from '../src/types.ts';
import { memoryDependencies } from './memory-engine.ts';

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const ITEMS: Item[] = [
  ...['trail running shoe', 'road running shoe', 'running sock'].map((title, i) => ({ id: `run-${i}`, title })),
  ...['chef kitchen knife', 'bread kitchen knife', 'kitchen whetstone'].map((title, i) => ({ id: `kit-${i}`, title })),
];
const CONTENT_ONLY = { weights: { affinity: 0, prior: 0 } };

describe('lexical probes by their non-zeros (kept per summary vector)', () => {
  it('regression: a ranking after new events reads the new interests, not the non-zeros kept for the old ones', async () => {
    let now = T0;
    const engine = new Engine(memoryDependencies(new Map<string, KeyValueStore>(), { now: () => (now += 60_000) }));
    await engine.init({ model: false });
    await engine.upsertItems(ITEMS);
    await engine.track([{ type: 'view', itemId: 'run-0' }], 'a');
    const first = await engine.rank(['run-1', 'kit-1'], CONTENT_ONLY);
    expect(first.items.map((i) => i.id)).toEqual(['run-1', 'kit-1']);
    // Days later, the person only looks at knives: the running interest decays, the kitchen one leads.
    now += 60 * 86_400_000;
    await engine.track(['kit-0', 'kit-2', 'kit-0', 'kit-2'].map((itemId) => ({ type: 'view' as const, itemId })), 'b');
    for (const contentMatch of ['nearest', 'profile'] as const) {
      const next = await engine.rank(['run-1', 'kit-1'], { ...CONTENT_ONLY, contentMatch });
      expect(next.items.map((i) => i.id), contentMatch).toEqual(['kit-1', 'run-1']);
    }
  });
});
