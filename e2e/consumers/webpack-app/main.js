// A webpack 5 app's entry, written as the README's "Use it from npm" tells a user to.
// The test builds it against the packed package and drives window.lr from Chromium.
import { createLocalRank } from 'localrank';

const lr = createLocalRank({
  namespace: 'webpack-app',
  model: { id: 'localrank-tiny-bert', baseUrl: '/models/', device: 'wasm' },
  // dist/localrank-ort/ holds a copy of node_modules/localrank/dist/ort/, next to the built app.
  runtimeUrl: '/localrank-ort/',
});

const events = [];
for (const type of ['progress', 'backend', 'encoder', 'error', 'degraded']) {
  lr.on(type, (payload) => events.push({ type, payload }));
}

Object.assign(window, { lr, __events: events });
