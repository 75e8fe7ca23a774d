// A Vite app's entry, written as the README's "Use it from npm" tells a user to.
// The test builds it against the packed package and drives window.lr from Chromium.
import { createLocalRank } from 'localrank';
import type { LocalRank, LocalRankEvents } from 'localrank';

const lr: LocalRank = createLocalRank({
  namespace: 'vite-app',
  model: { id: 'localrank-tiny-bert', baseUrl: '/models/', device: 'wasm' },
  // public/localrank-ort/ holds a copy of node_modules/localrank/dist/ort/ (Vite serves public/ at the root).
  runtimeUrl: '/localrank-ort/',
});

const events: Array<{ type: keyof LocalRankEvents; payload: unknown }> = [];
for (const type of ['progress', 'backend', 'encoder', 'error', 'degraded'] as const) {
  lr.on(type, (payload) => events.push({ type, payload }));
}

Object.assign(window, { lr, __events: events });
