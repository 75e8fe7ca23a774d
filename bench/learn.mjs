// Learning benchmark: `npm run bench:learn`.
//
// A simulated shop on LocalRank's real engine (src/, bundled for Node with vite, in-memory storage, the
// lexical encoder): simulated people with known preferences browse pages of 10 items drawn from the
// catalogue (a category page, a search result), LocalRank orders each page, and the person clicks under a
// known position bias (click = examined(position) × relevant). Each person is run once per learner
// setup, with the same seed:
//   naive          learning { ips: false }: raw clicks, no exploration
//   ips            learning { ips: true } (default examination curve 1/log2(p+2)), no exploration
//   ips_explore    the same with epsilon-greedy exploration (epsilon 0.1)
//   ips_estimated  learning { positionBias: 'estimated' }, exploring with random pairs (RandPair)
// Reported per setup: how well the learned component orders all items by the true preference
// (Spearman rank correlation, at the end), and the click-through rate over time.
//
// Two shops. Position bias can only mislead a learner about the order of items where the order it
// was shown disagrees with the person's preference; where the ranking already follows their taste,
// clicks inflated at the top still rank the same items first. So:
//   bestseller    the shop orders its pages mostly by its own bestseller score (weights.prior 4), and
//                 these people prefer the long tail: the headline figures, all four setups.
//   personalised  LocalRank's default weights, where the order follows the person: naive and ips only.
// The true examination curve is a power law, 1/(p+1)^0.9, steeper than the engine's default curve:
// the `estimated` setup shows how well randomised pairs recover it.
//
// Options: --people N (default 10), --rounds N (default 300), --seed N.
// Human-readable lines, then one JSON line: {"learn": {...}}.

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleForNode } from './bundle-node.mjs';
import { mulberry32 } from './prng.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BUNDLE_DIR = join(ROOT, 'node_modules/.cache/localrank-bench-learn');
const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : fallback;
};
const PEOPLE = arg('people', 10);
const ROUNDS = arg('rounds', 300);
const SEED = arg('seed', 20261123);
const K = 10;
const CATALOG = 240;
const BIAS_POWER = 0.9;
const examined = (position) => 1 / (position + 1) ** BIAS_POWER;
const log = (line) => console.log(line);
const fmt = (x, digits = 3) => (Number.isFinite(x) ? x.toFixed(digits) : String(x));

// ---------------------------------------------------------------------------
// The shop: 8 categories of 30 items, brands, heavy-tailed popularity.
// ---------------------------------------------------------------------------

const CATEGORIES = [
  ['Shoes > Running', ['trail running shoes', 'road running shoes', 'racing flats']],
  ['Shoes > Hiking', ['hiking boots', 'approach shoes', 'walking boots']],
  ['Kitchen > Knives', ['chef knife', 'paring knife', 'bread knife']],
  ['Kitchen > Coffee', ['coffee grinder', 'espresso machine', 'pour over kettle']],
  ['Audio > Headphones', ['noise cancelling headphones', 'wireless earbuds', 'studio headphones']],
  ['Outdoor > Tents', ['backpacking tent', 'family tent', 'bivvy shelter']],
  ['Home > Lighting', ['desk lamp', 'floor lamp', 'pendant light']],
  ['Books > Fiction', ['mystery novel', 'science fiction novel', 'historical novel']],
];
const BRANDS = ['Stridelab', 'Northpeak', 'Ferrum', 'Brewhaus', 'Quietwave', 'Kestrel', 'Lumen', 'Quill'];
const ADJECTIVES = ['lightweight', 'waterproof', 'classic', 'premium', 'compact', 'recycled', 'vintage', 'durable', 'slim', 'insulated'];

function makeCatalog(rng) {
  const items = [];
  for (let i = 0; i < CATALOG; i++) {
    const [category, nouns] = CATEGORIES[i % CATEGORIES.length];
    const noun = nouns[Math.floor(rng() * nouns.length)];
    const adjective = ADJECTIVES[Math.floor(rng() * ADJECTIVES.length)];
    const brand = BRANDS[Math.floor(rng() * BRANDS.length)];
    // Heavy tail: a few items are much more popular than the rest.
    const popularity = Math.round(10_000 * Math.exp(-6 * rng()));
    items.push({ id: `item-${i}`, title: `${brand} ${adjective} ${noun}`, category, brand, popularity, price: Math.round(20 + 200 * rng()) });
  }
  return items;
}

/**
 * A person: two favourite categories (where they start, with a few views), a taste for the long
 * tail (popular items bore them) and one favourite brand. True relevance, the chance of a click
 * on an examined item: sigmoid of a linear score on those attributes.
 */
function makePerson(items, rng) {
  const cats = CATEGORIES.map(([c]) => c);
  const a = Math.floor(rng() * cats.length);
  const b = (a + 1 + Math.floor(rng() * (cats.length - 1))) % cats.length;
  const favourites = new Set([cats[a], cats[b]]);
  const brand = BRANDS[Math.floor(rng() * BRANDS.length)];
  const maxLogPop = Math.log1p(10_000);
  const relevance = new Map(
    items.map((item) => {
      const z = -2.2 + 1.6 * (favourites.has(item.category) ? 1 : 0) - 2.5 * (Math.log1p(item.popularity) / maxLogPop - 0.5) + 0.8 * (item.brand === brand ? 1 : 0);
      return [item.id, 1 / (1 + Math.exp(-z))];
    }),
  );
  const inFavourites = items.filter((i) => favourites.has(i.category));
  const history = Array.from({ length: 4 }, () => inFavourites[Math.floor(rng() * inFavourites.length)].id);
  return { relevance, history };
}

// ---------------------------------------------------------------------------
// Statistics
// ---------------------------------------------------------------------------

function ranks(values) {
  const order = values.map((v, i) => [v, i]).sort((x, y) => x[0] - y[0]);
  const r = new Array(values.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
    for (let t = i; t <= j; t++) r[order[t][1]] = (i + j) / 2;
    i = j + 1;
  }
  return r;
}

function spearman(x, y) {
  const rx = ranks(x);
  const ry = ranks(y);
  const n = x.length;
  const mx = rx.reduce((s, v) => s + v, 0) / n;
  const my = ry.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (rx[i] - mx) * (ry[i] - my);
    sxx += (rx[i] - mx) ** 2;
    syy += (ry[i] - my) ** 2;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : 0;
}

const mean = (xs) => xs.reduce((s, v) => s + v, 0) / Math.max(1, xs.length);

/** The paired difference b − a over people: mean, standard error, and in how many people b is ahead. */
function paired(a, b) {
  const d = b.map((x, i) => x - a[i]);
  const m = mean(d);
  const sd = Math.sqrt(d.reduce((s, x) => s + (x - m) ** 2, 0) / Math.max(1, d.length - 1));
  return { mean: m, se: sd / Math.sqrt(d.length), ahead: d.filter((x) => x > 0).length };
}

// ---------------------------------------------------------------------------
// One person, one learner setup
// ---------------------------------------------------------------------------

/** Draws a page of K distinct items (a partial Fisher–Yates shuffle). */
function drawPage(ids, rng) {
  const a = ids.slice();
  for (let i = 0; i < K; i++) {
    const j = i + Math.floor(rng() * (a.length - i));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a.slice(0, K);
}

async function simulate(Engine, items, person, shop, setup, seed) {
  let clock = Date.UTC(2026, 0, 5, 9, 0, 0);
  const engine = new Engine({
    openStore: () => {
      throw new Error('the bench uses in-memory storage');
    },
    storageWorks: () => Promise.resolve(false),
    loadModel: () => Promise.reject(new Error('no model in this bench')),
    deviceEnvironment: () => ({ isNode: true }),
    now: () => clock,
  });
  await engine.init({ namespace: 'bench-learn', storage: 'memory', model: false, learning: setup.learning });
  await engine.upsertItems(items);
  await engine.track(person.history.map((itemId) => ({ type: 'view', itemId })), 'history');
  const rng = mulberry32(seed);
  // Its own stream, so that every setup shows this person the same pages, whatever they clicked.
  const pageRng = mulberry32(seed + 1);
  const ids = items.map((i) => i.id);
  const ctr = [];
  for (let round = 0; round < ROUNDS; round++) {
    clock += 60_000;
    const options = { k: K, weights: shop.weights, ...(setup.explore ? { explore: { ...setup.explore, seed: seed * 1000 + round } } : {}) };
    const ranked = await engine.rank(drawPage(ids, pageRng), options);
    const events = [];
    let clicks = 0;
    ranked.items.forEach((item, position) => {
      events.push({ type: 'impression', itemId: item.id, position, listId: ranked.rankingId });
      if (rng() < examined(position) && rng() < person.relevance.get(item.id)) {
        events.push({ type: 'click', itemId: item.id, position, listId: ranked.rankingId });
        clicks++;
      }
    });
    const result = await engine.track(events, `round-${round}`);
    if (result.rejected.length > 0) throw new Error(`events rejected: ${JSON.stringify(result.rejected[0])}`);
    ctr.push(clicks / K);
  }
  // How the learned component orders every item, against the true preference.
  const all = await engine.rank(ids, { weights: shop.weights });
  const learned = all.items.map((i) => i.components.learned);
  const corr = learned.every((v) => v !== undefined) ? spearman(learned, all.items.map((i) => person.relevance.get(i.id))) : 0;
  const exported = await engine.exportData();
  return { corr, ctr, learner: exported.summary.learner ?? null };
}

// ---------------------------------------------------------------------------

const SETUPS = [
  { name: 'naive', learning: { ips: false } },
  { name: 'ips', learning: { ips: true } },
  { name: 'ips_explore', learning: { ips: true }, explore: { method: 'epsilon', epsilon: 0.1 } },
  { name: 'ips_estimated', learning: { ips: true, positionBias: 'estimated' }, explore: { method: 'pairs' } },
];
const SHOPS = [
  { name: 'bestseller', weights: { prior: 4 }, setups: SETUPS, about: 'pages ordered mostly by the shop\'s bestseller score (weights.prior 4)' },
  { name: 'personalised', weights: {}, setups: SETUPS.slice(0, 2), about: 'LocalRank\'s default weights: the order follows the person' },
];

const t0 = performance.now();
const bundle = await bundleForNode({ root: ROOT, entry: join(ROOT, 'bench/rank-node-entry.js'), outDir: BUNDLE_DIR, fileName: 'learn-engine.mjs' });
const { Engine } = await import(bundle);

log(`Learning benchmark: ${PEOPLE} simulated people × ${ROUNDS} pages of ${K} items drawn from ${CATALOG}, ordered by LocalRank, lexical encoder, seed ${SEED}`);
log(`True position bias: examined(p) = 1/(p+1)^${BIAS_POWER} (p zero-based); clicks = examined × relevant`);
const catalogRng = mulberry32(SEED);
const items = makeCatalog(catalogRng);
const people = Array.from({ length: PEOPLE }, (_, p) => makePerson(items, mulberry32(SEED + 7919 * (p + 1))));
const windows = 5;
const per = Math.ceil(ROUNDS / windows);
const report = {};
for (const shop of SHOPS) {
  log('');
  log(`Shop "${shop.name}": ${shop.about}`);
  const results = Object.fromEntries(shop.setups.map((s) => [s.name, { corr: [], ctr: [], curves: [] }]));
  for (const [p, person] of people.entries()) {
    for (const setup of shop.setups) {
      const r = await simulate(Engine, items, person, shop, setup, SEED + 104729 * (p + 1));
      results[setup.name].corr.push(r.corr);
      results[setup.name].ctr.push(r.ctr);
      if (r.learner) results[setup.name].curves.push(r.learner.swaps);
    }
    log(`  person ${p + 1}: rank correlation ${shop.setups.map((s) => `${s.name} ${fmt(results[s.name].corr.at(-1))}`).join(', ')}`);
  }
  log(`  Click-through rate (clicks per shown item) by window of ${per} pages, averaged over people:`);
  log(`    ${'setup'.padEnd(14)} ${Array.from({ length: windows }, (_, w) => `${w * per + 1}-${Math.min(ROUNDS, (w + 1) * per)}`.padStart(9)).join(' ')}    overall`);
  const summary = {};
  for (const s of shop.setups) {
    const r = results[s.name];
    const series = Array.from({ length: windows }, (_, w) => mean(r.ctr.map((c) => mean(c.slice(w * per, (w + 1) * per)))));
    summary[s.name] = { corr: mean(r.corr), ctr: mean(r.ctr.map(mean)), series };
    log(`    ${s.name.padEnd(14)} ${series.map((x) => fmt(x).padStart(9)).join(' ')}    ${fmt(summary[s.name].ctr)}`);
  }
  log('  Recovery of the true preference order (Spearman correlation of the learned component with true relevance, all items, mean over people):');
  for (const s of shop.setups) log(`    ${s.name.padEnd(14)} ${fmt(summary[s.name].corr)}   (per person: ${results[s.name].corr.map((c) => fmt(c, 2)).join(' ')})`);
  const gain = paired(results.naive.corr, results.ips.corr);
  log(`    ips − naive: ${gain.mean >= 0 ? '+' : ''}${fmt(gain.mean)} ± ${fmt(gain.se)} (standard error over people); ips ahead for ${gain.ahead} of ${PEOPLE} people`);
  report[shop.name] = { summary, gain, curves: results.ips_estimated?.curves ?? [] };
}

// The examination curve estimated from the random pairs, pooled over people, against the truth.
const pooled = { upper: new Array(20).fill(0), lower: new Array(20).fill(0) };
for (const c of report.bestseller.curves) for (let k = 0; k < 20; k++) {
  pooled.upper[k] += c.upper[k];
  pooled.lower[k] += c.lower[k];
}
const estimated = [1];
for (let k = 0; k < K - 1; k++) estimated.push(estimated[k] * (pooled.lower[k] > 0 && pooled.upper[k] > 0 ? pooled.lower[k] / pooled.upper[k] : NaN));
log('');
log('Examination curve from random pairs (raw click ratios pooled over people, bestseller shop) against the truth and the default:');
log(`  position  ${Array.from({ length: K }, (_, p) => String(p).padStart(6)).join('')}`);
log(`  true      ${Array.from({ length: K }, (_, p) => fmt(examined(p), 2).padStart(6)).join('')}`);
log(`  estimated ${estimated.map((x) => fmt(x, 2).padStart(6)).join('')}`);
log(`  default   ${Array.from({ length: K }, (_, p) => fmt(1 / Math.log2(p + 2), 2).padStart(6)).join('')}`);
const curveError = mean(estimated.slice(1).map((x, i) => Math.abs(x - examined(i + 1))));
log(`  mean absolute error of the estimate over positions 1-${K - 1}: ${fmt(curveError)}`);
log('');
log(`(${fmt((performance.now() - t0) / 1000, 1)} s)`);

const { summary, gain } = report.bestseller;
const personalised = report.personalised;
console.log(
  JSON.stringify({
    learn: {
      people: PEOPLE,
      rounds: ROUNDS,
      k: K,
      shop: 'bestseller',
      naive_preference_rank_corr: summary.naive.corr,
      ips_preference_rank_corr: summary.ips.corr,
      ips_explore_preference_rank_corr: summary.ips_explore.corr,
      ips_estimated_preference_rank_corr: summary.ips_estimated.corr,
      ips_minus_naive_corr: gain.mean,
      ips_minus_naive_corr_se: gain.se,
      ips_ahead_people: gain.ahead,
      ctr_naive: summary.naive.ctr,
      ctr_ips: summary.ips.ctr,
      ctr_ips_explore: summary.ips_explore.ctr,
      ctr_ips_estimated: summary.ips_estimated.ctr,
      ctr_by_window: Object.fromEntries(SETUPS.map((s) => [s.name, summary[s.name].series])),
      personalised_naive_preference_rank_corr: personalised.summary.naive.corr,
      personalised_ips_preference_rank_corr: personalised.summary.ips.corr,
      personalised_ips_minus_naive_corr: personalised.gain.mean,
      personalised_ips_minus_naive_corr_se: personalised.gain.se,
      personalised_ctr_naive: personalised.summary.naive.ctr,
      personalised_ctr_ips: personalised.summary.ips.ctr,
      examination_true: Array.from({ length: K }, (_, p) => examined(p)),
      examination_estimated: estimated,
      examination_estimate_mae: curveError,
    },
  }),
);
