import type { EngineDependencies } from '../src/engine/engine.ts';
import { createMemoryStore } from '../src/engine/store/kv.ts';
import type { KeyValueStore } from '../src/engine/store/kv.ts';

/**
 * Engine dependencies for unit tests: in-memory stores by name, kept in `stores` (engines given the
 * same map share them, as tabs of one origin share IndexedDB), no model, Node. `now` and anything
 * else as the test needs.
 */
export function memoryDependencies(stores: Map<string, KeyValueStore>, overrides: Partial<EngineDependencies> & Pick<EngineDependencies, 'now'>): EngineDependencies {
  return {
    openStore: (name) => {
      let s = stores.get(name);
      if (!s) stores.set(name, (s = createMemoryStore()));
      return s;
    },
    storageWorks: () => Promise.resolve(true),
    loadModel: () => Promise.reject(new Error('no model in this test')),
    deviceEnvironment: () => ({ isNode: true }),
    ...overrides,
  };
}
