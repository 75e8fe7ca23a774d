// The product managers' demo: a shop, scripted shoppers, and live views of what
// LocalRank sees and does. Plain ES modules over the built package (dist/).
import { createLocalRank, readVectors, withVectors } from '/dist/localrank.js';
// Compare's metrics are the evaluation module's own (localrank/eval, built to dist/eval.js).
import { auc, coverage, hitRate, intraListDiversity, ndcg, novelty, reciprocalRank } from '/dist/eval.js';
import { createNetworkMonitor } from './network-monitor.js';
import { PERSONAS } from './personas.js';

const K = 10;
const DAY_MS = 24 * 3600 * 1000;
const NAMESPACE = 'demo';
const params = new URLSearchParams(location.search);
/** Pause between steps of "Play to the end" (ms); the tests set it to 0. */
const PLAY_DELAY = Number(params.get('delay') ?? 700);

const COMPONENTS = [
  { name: 'content', label: 'Content match', color: '#2f6fdb', weight: 1, max: 3, help: 'similarity to the shopper\'s interests and current intent' },
  { name: 'affinity', label: 'Affinity', color: '#8a4fd8', weight: 0.5, max: 3, help: 'category, brand, tag and price band the shopper favours' },
  { name: 'prior', label: 'Popularity', color: '#e39a1b', weight: 0.2, max: 3, help: 'the shop\'s popularity figure' },
  { name: 'query', label: 'Search match', color: '#1f9a8a', weight: 3, max: 6, help: 'relevance to the search box (shop results only)' },
  { name: 'learned', label: 'Learned from clicks', color: '#c0398a', weight: 1, max: 3, help: 'the on-device learner\'s estimate that the shopper clicks the item; joins the score after 5 clicks and 30 impressions on this list' },
  { name: 'negative', label: 'Held back', color: '#d64545', weight: 1, max: 3, help: 'penalty after dismissals, and for items shown often but never clicked', negative: true },
];
/** The learner's thresholds (src/engine/learning/learner.ts): its component counts from then on. */
const LEARNER_MIN_CLICKS = 5;
const LEARNER_MIN_IMPRESSIONS = 30;
const EXPLORE_LABEL = { epsilon: 'ε-greedy', thompson: 'Thompson sampling', pairs: 'random adjacent swaps' };
/** The score component each kind of reason rests on (a reason is dimmed when its weight is 0). */
const REASON_COMPONENT = { similar_to_history: 'content', new_for_you: 'content', interest: 'affinity', popular: 'prior', query_match: 'query' };
const TYPE_LABEL = { view: 'viewed', click: 'clicked', add_to_cart: 'added to cart', purchase: 'bought', search: 'searched', dismiss: 'hid', rate: 'rated', impression: 'saw' };
const ITEM_EVENTS = new Set(['view', 'click', 'add_to_cart', 'purchase', 'dismiss']);
const POSITIVE_EVENTS = new Set(['view', 'click', 'add_to_cart', 'purchase']);

const $ = (id) => document.getElementById(id);
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (key === 'style') node.setAttribute('style', value);
    else node.setAttribute(key, value === true ? '' : value);
  }
  node.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}
const money = (p) => `$${p.toFixed(2)}`;
const ago = (t) => {
  const s = (Date.now() - t) / 1000;
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  const d = Math.round(s / 86400);
  return d >= 14 ? `${Math.round(d / 7)} weeks ago` : `${d} days ago`;
};

// ---------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------

const catalog = await (await fetch('./catalog.json')).json();
const byId = new Map(catalog.map((item) => [item.id, item]));
const allIds = catalog.map((item) => item.id);
const totalPopularity = catalog.reduce((sum, item) => sum + item.popularity, 0);

const state = {
  persona: null, // a PERSONAS entry, or null in free mode
  stepIndex: 0,
  playing: false,
  engaged: new Set(), // items with an item event this session (what the lists leave out)
  queries: [],
  lists: { localrank: [], popular: [], similar: [] }, // top K as they stand now
  fullLists: { localrank: [], popular: [], similar: [] }, // every unseen item, in each method's order
  shownLists: { localrank: [], popular: [], similar: [] }, // every list shown this session, for coverage
  cases: [], // per engaged new item: { target, lists } as they stood just before
  lastItem: null,
  lastEventLabel: null,
  previousRecs: null, // ids of the "for you" list before the last change
  previousAffinity: null,
  latencies: [],
  shopQuery: '',
  department: '',
  actions: 0, // shopper events this session (part of the exploration seed)
  forYou: null, // the "for you" list on screen: { rankingId, ids, impressed }
};
const FRESH_SESSION = () => ({ stepIndex: 0, engaged: new Set(), queries: [], cases: [], lastItem: null, previousRecs: null, previousAffinity: null, currentAffinity: null, shopQuery: '', actions: 0, forYou: null });

let networkFrame = 0;
const monitor = createNetworkMonitor({ onChange: () => scheduleNetworkRender() });

// ---------------------------------------------------------------------------
// The LocalRank instance (re-created when the half-life changes)
// ---------------------------------------------------------------------------

async function pickModel() {
  // The semantic test model when this machine has ../shared/models, else the committed tiny fixture
  // (?model=fixture forces the fixture, as on a machine without ../shared).
  const fixture = { id: 'localrank-tiny-bert', baseUrl: '/models/' };
  if (params.get('model') === 'fixture') return fixture;
  const shared = await fetch('/shared-models/localrank-minilm-distilled/config.json', { method: 'HEAD' }).then((r) => r.ok, () => false);
  return shared ? { id: 'localrank-minilm-distilled', baseUrl: '/shared-models/' } : fixture;
}
const model = await pickModel();

async function loadItems() {
  const response = await fetch(`./vectors/${model.id}.bin`).catch(() => null);
  if (!response?.ok) {
    $('hood-vectors').textContent = `none precomputed for ${model.id}: the worker embeds the ${catalog.length} items itself (run npm run demo to build them)`;
    return catalog;
  }
  const file = readVectors(await response.arrayBuffer());
  const items = withVectors(catalog, file);
  const attached = items.filter((item) => item.vector).length;
  $('hood-vectors').textContent = `${attached} of ${catalog.length} precomputed by the catalog CLI (localrank embed) for ${file.encoder}, ${file.dimension} dimensions, ${file.quantization}`;
  return items;
}
const items = await loadItems();

let lr = null;
let unsubscribe = [];
let halfLifeDays = 14;

/** True while a caller awaits the model itself (then the model's arrival does not repaint on its own). */
let quietModel = false;

/** Starts LocalRank and loads the catalogue; resolves to a promise that settles once the model serves (or failed to load). */
async function startInstance() {
  let modelSettled;
  const modelLoaded = new Promise((resolve) => (modelSettled = resolve));
  ready = false;
  unsubscribe.forEach((off) => off());
  if (lr) await lr.destroy();
  lr = createLocalRank({ namespace: NAMESPACE, model, halfLifeDays });
  unsubscribe = [
    lr.on('encoder', (e) => {
      const badge = $('encoder-badge');
      badge.textContent = e.kind === 'model' ? `encoder: ${e.id}` : 'encoder: lexical (model loading…)';
      badge.className = `badge ${e.kind}`;
      $('hood-encoder').textContent = e.kind === 'model'
        ? `${e.id}: ${e.dimension} dimensions, ${e.dtype ?? 'default'} on ${e.device?.toUpperCase()}`
        : `${e.id}: hashed words and character n-grams, serves instantly while the model loads`;
      if (e.kind !== 'model') return;
      setProgress(1, 'loaded');
      modelSettled();
      if (ready && !quietModel) void withBusy(() => refresh('The model finished loading'));
    }),
    lr.on('backend', (b) => {
      $('hood-backend').textContent = `${b.device.toUpperCase()}: ${b.reason}${b.probe ? ` (probe: WASM ${b.probe.wasmMs.toFixed(1)} ms, WebGPU ${b.probe.webgpuMs.toFixed(1)} ms)` : ''}`;
    }),
    lr.on('progress', (p) => {
      monitor.addWorkerFile(`${model.baseUrl}${model.id}/${p.file}`);
      setProgress(p.progress, `${Math.round(p.progress * 100)}% (${p.file})`);
    }),
    lr.on('error', (e) => {
      $('hood-progress').textContent = `${e.code}: ${e.message}`;
      if (e.code === 'MODEL_LOAD_FAILED') modelSettled();
    }),
    lr.on('degraded', (d) => {
      $('hood-storage').textContent = `${d.code}: ${d.reason}`;
    }),
  ];
  $('hood-model').textContent = `${model.id} from ${model.baseUrl}`;
  await lr.ready;
  await lr.upsertItems(items);
  ready = true;
  return modelLoaded;
}

function setProgress(value, text) {
  $('model-progress').value = value;
  $('hood-progress').textContent = text;
}

// ---------------------------------------------------------------------------
// Knobs
// ---------------------------------------------------------------------------

const KNOB_DEFAULTS = { diversity: 0, capBy: '', capShare: 0.3, minLongTail: 0, longTailExponent: 1, explore: '', epsilon: 0.1, exploreSeed: 1 };
const knobs = { weights: Object.fromEntries(COMPONENTS.map((c) => [c.name, c.weight])), ...KNOB_DEFAULTS };

function rankOptions() {
  const options = { k: K, excludeSeen: true, weights: { ...knobs.weights }, longTailExponent: knobs.longTailExponent };
  if (knobs.diversity > 0) options.diversity = knobs.diversity;
  if (knobs.capBy) options.cap = { by: knobs.capBy, maxShare: knobs.capShare };
  if (knobs.minLongTail > 0) options.minLongTail = knobs.minLongTail;
  if (knobs.explore) {
    // Seeded, so that a history and a seed always give the same list (the e2e test relies on it).
    options.explore = { method: knobs.explore, seed: knobs.exploreSeed + state.actions };
    if (knobs.explore === 'epsilon') options.explore.epsilon = knobs.epsilon;
  }
  return options;
}

function buildKnobs() {
  $('weight-sliders').replaceChildren(
    ...COMPONENTS.map((c) =>
      el('label', { class: 'slider', title: c.help },
        el('span', { class: 'swatch', style: `background:${c.color}` }), `${c.label} `,
        el('output', { id: `w-${c.name}-out`, text: String(c.weight) }),
        el('input', { id: `w-${c.name}`, type: 'range', min: '0', max: String(c.max), step: '0.1', value: String(c.weight), 'aria-describedby': `w-${c.name}-help` }),
        el('small', { id: `w-${c.name}-help`, class: 'hint', text: c.help }),
      ),
    ),
  );
  for (const c of COMPONENTS) {
    $(`w-${c.name}`).addEventListener('input', (event) => {
      knobs.weights[c.name] = Number(event.target.value);
      $(`w-${c.name}-out`).textContent = event.target.value;
      knobChanged(`${c.label} weight ${event.target.value}`);
    });
  }
  const bind = (id, key, format, label) => {
    $(id).addEventListener('input', (event) => {
      knobs[key] = event.target.type === 'range' ? Number(event.target.value) : event.target.value;
      if (format) $(`${id}-out`).textContent = format(knobs[key]);
      knobChanged(label(knobs[key]));
    });
  };
  bind('diversity', 'diversity', String, (v) => `diversity ${v}`);
  bind('cap-by', 'capBy', null, (v) => (v ? `exposure cap per ${v}` : 'no exposure cap'));
  bind('cap-share', 'capShare', (v) => `${Math.round(v * 100)}%`, (v) => `cap share ${Math.round(v * 100)}%`);
  bind('long-tail', 'minLongTail', String, (v) => `long-tail quota ${v}`);
  bind('long-tail-exp', 'longTailExponent', String, (v) => `popularity exponent ${v}`);
  bind('explore', 'explore', null, (v) => (v ? `exploration by ${EXPLORE_LABEL[v]}` : 'exploration off'));
  bind('epsilon', 'epsilon', (v) => `${Math.round(v * 100)}%`, (v) => `${Math.round(v * 100)}% of positions explored`);
  $('explore').addEventListener('input', () => ($('epsilon-row').hidden = knobs.explore !== 'epsilon'));
  $('epsilon-row').hidden = true;
  $('explore-seed').addEventListener('input', (event) => {
    const seed = Math.trunc(Number(event.target.value));
    if (!Number.isFinite(seed) || seed < 0) return;
    knobs.exploreSeed = seed;
    if (knobs.explore) knobChanged(`exploration seed ${seed}`);
  });
  $('half-life').addEventListener('change', async (event) => {
    halfLifeDays = Number(event.target.value);
    await withBusy(async () => {
      // The profile lives in IndexedDB: a new instance on the same namespace reads it with the new half-life.
      // The stored summary keeps decayed sums, so a new half-life reaches past events only when they are
      // folded again: the log is exported, the profile erased, and the log replayed into a new instance.
      $('changes').textContent = `Replaying ${document.body.dataset.events ?? 0} stored events with an interest half-life of ${halfLifeDays} days…`;
      const { events } = await lr.export();
      await lr.forget();
      quietModel = true;
      try {
        const modelLoaded = await startInstance();
        if (events.length > 0) await lr.track(events.map(({ id: _id, seq: _seq, ...event }) => event));
        await Promise.race([modelLoaded, new Promise((r) => setTimeout(r, 30_000))]);
      } finally {
        quietModel = false;
      }
      await refresh(`Interest half-life ${halfLifeDays} day${halfLifeDays === 1 ? '' : 's'}`);
    });
  });
  $('reset-knobs').addEventListener('click', () => {
    for (const c of COMPONENTS) {
      knobs.weights[c.name] = c.weight;
      $(`w-${c.name}`).value = String(c.weight);
      $(`w-${c.name}-out`).textContent = String(c.weight);
    }
    Object.assign(knobs, KNOB_DEFAULTS);
    $('diversity').value = '0';
    $('diversity-out').textContent = '0';
    $('cap-by').value = '';
    $('cap-share').value = '0.3';
    $('cap-share-out').textContent = '30%';
    $('long-tail').value = '0';
    $('long-tail-out').textContent = '0';
    $('long-tail-exp').value = '1';
    $('long-tail-exp-out').textContent = '1';
    $('explore').value = '';
    $('epsilon').value = '0.1';
    $('epsilon-out').textContent = '10%';
    $('epsilon-row').hidden = true;
    $('explore-seed').value = '1';
    knobChanged('knobs reset');
  });
}

/** The legend of the score bars: the components the list's items have (the learned one only once it counts). */
function renderLegend(result) {
  const present = new Set(result.items.flatMap((r) => Object.keys(r.components)));
  $('legend').replaceChildren(
    ...COMPONENTS.filter((c) => c.name !== 'query' && (c.name !== 'learned' || present.has('learned'))).map((c) =>
      el('span', { class: c.name === 'learned' ? 'learned' : undefined }, el('span', { class: `swatch${c.negative ? ' hatched' : ''}`, style: c.negative ? undefined : `background:${c.color}` }), c.negative ? `${c.label} (taken off the end)` : c.label),
    ),
  );
}

let knobTimer = 0;
function knobChanged(label) {
  clearTimeout(knobTimer);
  knobTimer = setTimeout(() => void refresh(`Knob: ${label}`), 60);
}

// ---------------------------------------------------------------------------
// Rendering the lists
// ---------------------------------------------------------------------------

let refreshSeq = 0;
let ready = false;

/** Re-ranks everything and repaints; `cause` names what changed (shown in "What changed"). */
async function refresh(cause) {
  const mine = ++refreshSeq;
  const options = rankOptions();
  const started = performance.now();
  const forYou = await lr.rank(allIds, options);
  const latency = performance.now() - started;
  // Compare scores where each list puts the next item over the whole catalogue, not only in its top 10:
  // LocalRank's full order is the top 10 above (knobs applied) followed by the rest by score.
  const similarOptions = { k: allIds.length, excludeSeen: true, weights: { content: 0, affinity: 0, negative: 0 } };
  const { explore: _explore, ...greedyOptions } = options;
  const [rest, similar, profile, exported, shop, greedy] = await Promise.all([
    lr.rank(allIds, { k: allIds.length, excludeSeen: true, weights: options.weights, longTailExponent: options.longTailExponent }),
    state.lastItem ? lr.similarTo(state.lastItem, undefined, similarOptions) : null,
    lr.profile(),
    lr.export(),
    shopResults(),
    // While exploring, the list without exploration, to say which items exploration moved.
    options.explore ? lr.rank(allIds, greedyOptions) : null,
  ]);
  if (mine !== refreshSeq) return;
  state.latencies.push(latency);
  const top = forYou.items.map((r) => r.id);
  state.forYou = { rankingId: forYou.rankingId, ids: top, impressed: false };
  const popular = catalog.filter((item) => !state.engaged.has(item.id)).sort((a, b) => b.popularity - a.popularity).map((item) => item.id);
  state.fullLists = {
    localrank: [...top, ...rest.items.map((r) => r.id).filter((id) => !top.includes(id))],
    popular,
    similar: similar ? similar.items.map((r) => r.id) : popular,
  };
  state.lists = Object.fromEntries(Object.entries(state.fullLists).map(([key, list]) => [key, list.slice(0, K)]));
  for (const key of Object.keys(state.lists)) state.shownLists[key].push(state.lists[key]);

  state.previousAffinity = state.currentAffinity ?? null;
  state.currentAffinity = new Map(affinityEntries(profile).map((e) => [`${e.label} (${e.kind})`, e.weight]));
  // Impressions are stored too, but the counts a person reads are of what the shopper did.
  const impressions = exported.events.filter((e) => e.type === 'impression').length;
  renderRecs(forYou, cause, greedy?.items.map((r) => r.id) ?? null);
  renderLearner(forYou, exported);
  renderProfile(profile, exported);
  renderCompare();
  renderShop(shop);
  renderHood(profile, impressions);
  document.body.dataset.events = String(exported.events.length - impressions);
  document.body.dataset.impressions = String(impressions);
  document.body.dataset.refreshes = String(Number(document.body.dataset.refreshes ?? 0) + 1);
}

function percent(p) {
  return p >= 0.995 ? '100%' : p >= 0.01 ? `${Math.round(p * 100)}%` : '<1%';
}

function renderRecs(result, cause, greedy) {
  const ids = result.items.map((r) => r.id);
  renderLegend(result);
  const before = state.previousRecs;
  const maxScore = Math.max(1e-9, ...result.items.map((r) => positiveTotal(r.components)));
  $('recs').replaceChildren(
    ...result.items.map((r, position) => {
      const item = byId.get(r.id);
      const was = before ? before.indexOf(r.id) : position;
      const move = !before ? null : was === -1 ? el('span', { class: 'move new', text: 'new', title: 'Entered the list after the last change' })
        : was > position ? el('span', { class: 'move up', text: `▲${was - position}`, title: `Up ${was - position}` })
        : was < position ? el('span', { class: 'move down', text: `▼${position - was}`, title: `Down ${position - was}` }) : null;
      const chips = r.reasons.length > 0
        ? r.reasons.map((reason) => {
            const off = knobs.weights[REASON_COMPONENT[reason.kind]] === 0;
            return el('span', { class: `chip ${reason.kind}${off ? ' off' : ''}`, text: reason.text, title: off ? 'This reason\'s component has weight 0: it does not count in this ranking' : undefined });
          })
        : [el('span', { class: 'chip plain', text: result.coldStart ? 'Popular with everyone' : 'Ranked by score' })];
      const greedyAt = greedy ? greedy.indexOf(r.id) : position;
      if (greedyAt !== position) {
        chips.unshift(el('span', { class: 'chip explored', title: 'Exploration put this item here: without it the list would differ at this position', text: greedyAt === -1 ? 'Explored: not in the top 10 without exploration' : `Explored: #${greedyAt + 1} without exploration` }));
      }
      const propensity = r.propensity === undefined ? null
        : el('span', { class: `propensity${r.propensity < 0.5 ? ' explored' : ''}`, text: percent(r.propensity), title: `Propensity: exploration put this item at position ${position + 1} with probability ${percent(r.propensity)}` });
      return el('li', { class: 'rec', 'data-id': r.id, 'data-propensity': r.propensity === undefined ? undefined : String(r.propensity) },
        el('div', { class: 'rank' }, el('span', { class: 'pos', text: String(position + 1) }), move, propensity),
        el('div', { class: 'rec-body' },
          el('div', { class: 'rec-title' }, el('button', { type: 'button', class: 'link', text: item.title, onclick: () => act('click', r.id) })),
          el('div', { class: 'meta', text: `${item.category} · ${money(item.price)}` }),
          el('div', { class: 'chips' }, chips),
          scoreBar(r, maxScore),
        ),
        itemActions(r.id),
      );
    }),
  );
  $('latency').textContent = `ranked in ${Math.round(state.latencies.at(-1))} ms`;
  if (before && cause) {
    const entered = ids.filter((id) => !before.includes(id));
    const left = before.filter((id) => !ids.includes(id));
    const rose = ids.filter((id, i) => before.includes(id) && before.indexOf(id) > i);
    const parts = [];
    if (entered.length) parts.push(`${entered.length} new in the top ${K} (${entered.slice(0, 3).map((id) => byId.get(id).title).join(', ')}${entered.length > 3 ? ', …' : ''})`);
    if (rose.length) parts.push(`${rose.length} moved up`);
    if (left.length) parts.push(`${left.length} dropped out`);
    $('changes').replaceChildren(el('strong', { text: `${cause}: ` }), parts.length ? `${parts.join(', ')}.` : 'the top 10 did not change.', affinityDelta());
  }
  state.previousRecs = ids;
}

/** Exploration and learning, in a line above the list. */
function renderLearner(result, exported) {
  const learner = exported.summary?.learner;
  const clicks = learner?.clicks ?? 0;
  const impressions = learner?.impressions ?? 0;
  const active = result.items.some((r) => r.components.learned !== undefined);
  document.body.dataset.learned = String(active);
  const parts = [];
  if (knobs.explore) {
    const how = knobs.explore === 'epsilon' ? `${EXPLORE_LABEL.epsilon}, ${Math.round(knobs.epsilon * 100)}% of positions` : EXPLORE_LABEL[knobs.explore];
    parts.push(el('strong', { text: `Exploring (${how}). ` }), 'The % under a position is the chance the policy put that item there. ');
  }
  if (active) {
    parts.push(el('span', { class: 'learned-on', text: 'Learned from clicks' }), ` is part of the score: the learner has seen ${clicks} clicks and ${impressions} impressions of this list.`);
    if (knobs.weights.learned === 0) parts.push(' (Its weight is 0 in the knobs: it does not count now.)');
  } else {
    parts.push(`Learning from your clicks on this list: ${clicks} click${clicks === 1 ? '' : 's'} and ${impressions} impressions so far; at ${LEARNER_MIN_CLICKS} clicks and ${LEARNER_MIN_IMPRESSIONS} impressions its estimate joins the score.${state.persona ? ' The scripted steps are shop events: click in this list yourself to teach it.' : ''}`);
  }
  $('learner-status').replaceChildren(...parts);
}

/** What moved in the affinities since the last event ("Running +2.0"). */
function affinityDelta() {
  const current = state.currentAffinity ?? new Map();
  const previous = state.previousAffinity ?? new Map();
  const deltas = [...new Set([...current.keys(), ...previous.keys()])]
    .map((label) => ({ label, delta: (current.get(label) ?? 0) - (previous.get(label) ?? 0) }))
    .filter((d) => Math.abs(d.delta) >= 0.05)
    .sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta))
    .slice(0, 3);
  if (deltas.length === 0) return '';
  return el('span', { class: 'muted' }, ` Affinities: ${deltas.map((d) => `${d.label} ${d.delta > 0 ? '+' : ''}${d.delta.toFixed(1)}`).join(', ')}.`);
}

function positiveTotal(components) {
  return COMPONENTS.filter((c) => !c.negative).reduce((sum, c) => sum + Math.max(0, (components[c.name] ?? 0) * knobs.weights[c.name]), 0);
}

/**
 * The score as stacked segments, one per weighted component. The penalty is hatched over the end of
 * the bar, so that what is left unhatched is the score (a held-back item's bar is not longer).
 */
function scoreBar(ranked, maxScore) {
  const parts = COMPONENTS.filter((c) => ranked.components[c.name] !== undefined).map((c) => ({ c, value: ranked.components[c.name] * knobs.weights[c.name] }));
  const text = parts.map(({ c, value }) => `${c.label} ${c.negative ? '−' : ''}${Math.abs(value).toFixed(2)}`).join(', ');
  const positive = parts.filter(({ c, value }) => !c.negative && value > 0);
  const total = positive.reduce((sum, { value }) => sum + value, 0);
  const penalty = Math.min(total, parts.filter(({ c, value }) => c.negative && value > 0).reduce((sum, { value }) => sum + value, 0));
  const pct = (v) => `${(100 * v) / maxScore}%`;
  return el('div', { class: 'scorebar', role: 'img', 'aria-label': `Score ${ranked.score.toFixed(2)}: ${text}`, title: `Score ${ranked.score.toFixed(2)} = ${text}` },
    el('div', { class: 'bar' },
      positive.map(({ c, value }) => el('span', { class: `seg ${c.name}`, style: `width:${pct(value)};background:${c.color}` })),
      penalty > 0 ? el('span', { class: 'seg negative', style: `left:${pct(total - penalty)};width:${pct(penalty)}` }) : null,
    ),
    el('span', { class: 'score', text: ranked.score.toFixed(2) }),
  );
}

function itemActions(id) {
  const title = byId.get(id).title;
  return el('div', { class: 'actions' },
    el('button', { type: 'button', class: 'icon', title: `Add ${title} to the cart`, 'aria-label': `Add ${title} to the cart`, text: 'Add to cart', onclick: () => act('add_to_cart', id) }),
    el('button', { type: 'button', class: 'icon subtle', title: `Not interested in ${title}`, 'aria-label': `Not interested in ${title}`, text: 'Not for me', onclick: () => act('dismiss', id) }),
  );
}

// ---------------------------------------------------------------------------
// Shop
// ---------------------------------------------------------------------------

async function shopResults() {
  const pool = state.department ? catalog.filter((item) => item.category.startsWith(`${state.department} >`)) : catalog;
  if (state.shopQuery) {
    // The shop finds the matching products (a plain word match, as a site search would); LocalRank orders them.
    const matches = textMatches(pool, state.shopQuery);
    const candidates = matches.length > 0 ? matches : pool;
    const result = await lr.rank(candidates.map((item) => item.id), { k: 12, query: state.shopQuery, weights: { ...knobs.weights } });
    const found = matches.length > 0 ? `${matches.length} products match “${state.shopQuery}”` : `No product contains the words of “${state.shopQuery}”: all products`;
    return { caption: `${found}, ordered by LocalRank for this shopper`, ids: result.items.map((r) => r.id) };
  }
  const ids = [...pool].sort((a, b) => b.popularity - a.popularity).slice(0, 12).map((item) => item.id);
  return { caption: `${state.department || 'All departments'}: bestsellers (${pool.length} products)`, ids };
}

const STOP_WORDS = new Set(['for', 'the', 'and', 'with', 'who', 'loves', 'love', 'gift', 'gifts', 'set']);
/** Products whose text contains a word of the query (plural or singular). */
function textMatches(pool, query) {
  const words = query.toLowerCase().split(/[^a-z0-9]+/).filter((w) => w.length >= 3 && !STOP_WORDS.has(w)).map((w) => w.replace(/s$/, ''));
  if (words.length === 0) return [];
  return pool.filter((item) => {
    const text = `${item.title} ${item.description} ${item.category} ${item.tags.join(' ')}`.toLowerCase();
    return words.some((w) => text.includes(w));
  });
}

function renderShop(shop) {
  $('shop-caption').textContent = shop.caption;
  $('catalog').replaceChildren(
    ...shop.ids.map((id) => {
      const item = byId.get(id);
      const department = item.category.split(' > ')[0];
      return el('li', { class: `product${state.engaged.has(id) ? ' seen' : ''}`, 'data-id': id },
        el('span', { class: `thumb dept-${department.replace(/[^A-Za-z]/g, '')}`, 'aria-hidden': 'true', text: department[0] }),
        el('div', { class: 'product-body' },
          el('button', { type: 'button', class: 'link', text: item.title, onclick: () => act('click', id, { listId: 'shop' }) }),
          el('div', { class: 'meta', text: `${item.brand} · ${item.category.split(' > ')[1]} · ${money(item.price)}` }),
        ),
        itemActions(id),
      );
    }),
  );
}

function buildDepartments() {
  const departments = [...new Set(catalog.map((item) => item.category.split(' > ')[0]))];
  const buttons = ['', ...departments].map((d) =>
    el('button', { type: 'button', class: `dept${d === state.department ? ' active' : ''}`, 'aria-pressed': String(d === state.department), text: d || 'All', onclick: () => {
      state.department = d;
      for (const b of buttons) {
        const on = b.textContent === (d || 'All');
        b.classList.toggle('active', on);
        b.setAttribute('aria-pressed', String(on));
      }
      void shopResults().then(renderShop);
    } }),
  );
  $('departments').replaceChildren(...buttons);
}

// ---------------------------------------------------------------------------
// Profile
// ---------------------------------------------------------------------------

let affinityChart = null;

/** The affinities shown: the strongest sub-categories, brands, price bands and tags. */
function affinityEntries(profile) {
  return [
    ...profile.affinities.category.filter((a) => a.label.includes('>')).slice(0, 4).map((a) => ({ ...a, kind: 'category' })),
    ...profile.affinities.brand.slice(0, 3).map((a) => ({ ...a, kind: 'brand' })),
    ...profile.affinities.priceBand.slice(0, 2).map((a) => ({ ...a, kind: 'price' })),
    ...profile.affinities.tag.slice(0, 3).map((a) => ({ ...a, kind: 'tag' })),
  ];
}
function renderProfile(profile, exported) {
  $('profile-text').textContent = exported.events.length === 0 ? 'Nothing yet. Pick a shopper above, or click around the shop yourself.' : profile.text;
  $('interests').replaceChildren(
    ...profile.interests.map((interest) => {
      const strongest = Math.max(...profile.interests.map((i) => i.strength), 1e-9);
      const [first, ...others] = interest.titles;
      return el('li', {},
        el('div', { class: 'interest-head' }, el('strong', { text: first ? `Items like ${first}` : interest.label }), el('span', { class: 'muted', text: ` strength ${interest.strength.toFixed(1)}` })),
        el('div', { class: 'meter' }, el('span', { style: `width:${(100 * interest.strength) / strongest}%` })),
        el('div', { class: 'muted small', text: first ? (others.length ? `also ${others.join(' · ')}` : '') : 'no item to name it by yet (from searches)' }),
      );
    }),
  );
  if (profile.interests.length === 0) $('interests').append(el('li', { class: 'muted', text: 'None yet.' }));

  const entries = affinityEntries(profile);
  $('affinity-empty').hidden = entries.length > 0;
  $('affinity-chart').parentElement.hidden = entries.length === 0;
  const data = {
    labels: entries.map((e) => `${e.label} (${e.kind})`),
    datasets: [{ label: 'affinity', data: entries.map((e) => Number(e.weight.toFixed(2))), backgroundColor: entries.map((e) => (e.weight < 0 ? '#d64545' : { category: '#2f6fdb', brand: '#8a4fd8', price: '#e39a1b', tag: '#1f9a8a' }[e.kind])) }],
  };
  if (!affinityChart) {
    affinityChart = new window.Chart($('affinity-chart'), {
      type: 'bar',
      data,
      options: { indexAxis: 'y', animation: false, maintainAspectRatio: false, plugins: { legend: { display: false } }, scales: { y: { ticks: { autoSkip: false, font: { size: 11 } } } } },
    });
  } else {
    affinityChart.data = data;
    affinityChart.update();
  }

  const impressions = exported.events.filter((e) => e.type === 'impression').length;
  $('timeline-note').textContent = impressions > 0
    ? `Also stored: ${impressions} impressions (each item of the "for you" list the shopper saw, with its position), not listed. The learner and the "held back" penalty use them.`
    : '';
  const events = exported.events.filter((e) => e.type !== 'impression').reverse().slice(0, 40);
  $('timeline').replaceChildren(
    ...events.map((e) =>
      el('li', { class: `ev ${e.type}` },
        el('span', { class: 'ev-type', text: TYPE_LABEL[e.type] ?? e.type }),
        el('span', { class: 'ev-what', text: e.type === 'search' ? `“${e.query}”` : (byId.get(e.itemId)?.title ?? e.itemId) }),
        el('time', { class: 'muted', datetime: new Date(e.timestamp).toISOString(), text: ago(e.timestamp) }),
      ),
    ),
  );
  if (events.length === 0) $('timeline').append(el('li', { class: 'muted', text: 'No events stored.' }));
}

// ---------------------------------------------------------------------------
// Compare
// ---------------------------------------------------------------------------

const METHODS = [
  ['localrank', 'LocalRank'],
  ['popular', 'Popular'],
  ['similar', 'Similar items'],
];
let metricsChart = null;

/** Items of one department are half alike, of one sub-category fully (for intra-list diversity). */
function categorySimilarity(a, b) {
  const ca = byId.get(a).category;
  const cb = byId.get(b).category;
  return ca === cb ? 1 : ca.split(' > ')[0] === cb.split(' > ')[0] ? 0.5 : 0;
}

function sessionMetrics(key) {
  const cases = state.cases;
  const mean = (f) => (cases.length ? cases.reduce((sum, c) => sum + f(c), 0) / cases.length : NaN);
  const list = state.lists[key];
  return {
    'HR@10': mean((c) => hitRate(c.lists[key], new Set([c.target]), K)),
    'NDCG@10': mean((c) => ndcg(c.lists[key], new Set([c.target]), K)),
    MRR: mean((c) => reciprocalRank(c.lists[key], new Set([c.target]))),
    AUC: mean((c) => auc(c.lists[key], new Set([c.target]))),
    'Diversity (ILD)': intraListDiversity(list, categorySimilarity),
    'Novelty (bits)': novelty(list, (id) => byId.get(id).popularity, totalPopularity),
    Coverage: coverage(state.shownLists[key], catalog.length),
  };
}

function renderCompare() {
  const targets = new Set(state.persona ? state.persona.steps.slice(state.stepIndex).filter((s) => POSITIVE_EVENTS.has(s.type)).map((s) => s.itemId) : []);
  for (const [key] of METHODS) {
    $(`cmp-${key === 'localrank' ? 'localrank' : key}`).replaceChildren(
      ...state.lists[key].map((id) => el('li', { class: targets.has(id) ? 'target' : '', title: targets.has(id) ? 'The shopper engages with this item later in the script' : undefined }, byId.get(id).title)),
    );
  }
  $('cmp-similar-anchor').textContent = state.lastItem ? `to ${byId.get(state.lastItem).title}` : '(no item yet: popular)';
  const results = Object.fromEntries(METHODS.map(([key]) => [key, sessionMetrics(key)]));
  const names = Object.keys(results.localrank);
  const fmt = (v) => (Number.isNaN(v) ? '–' : v.toFixed(2));
  $('metrics').querySelector('tbody').replaceChildren(
    ...names.map((name) => {
      const values = METHODS.map(([key]) => results[key][name]);
      const best = Math.max(...values.filter((v) => !Number.isNaN(v)));
      return el('tr', {}, el('th', { scope: 'row', text: name }), ...values.map((v) => el('td', { class: v === best && !Number.isNaN(v) && values.filter((x) => x === best).length === 1 ? 'best' : '', text: fmt(v) })));
    }),
  );
  $('metrics-caption').textContent = `Session metrics over ${state.cases.length} engagement${state.cases.length === 1 ? '' : 's'} with a new item (accuracy rows), and the lists as they stand now (the other rows)`;
  const accuracy = ['HR@10', 'NDCG@10', 'MRR', 'AUC'];
  const data = {
    labels: accuracy,
    datasets: METHODS.map(([key, label], i) => ({ label, data: accuracy.map((m) => (Number.isNaN(results[key][m]) ? 0 : results[key][m])), backgroundColor: ['#2f6fdb', '#e39a1b', '#8a99ad'][i] })),
  };
  if (!metricsChart) {
    metricsChart = new window.Chart($('metrics-chart'), { type: 'bar', data, options: { animation: false, maintainAspectRatio: false, scales: { y: { min: 0, max: 1 } } } });
  } else {
    metricsChart.data = data;
    metricsChart.update();
  }
}

// ---------------------------------------------------------------------------
// Under the hood
// ---------------------------------------------------------------------------

function renderHood(profile, impressions) {
  const sorted = [...state.latencies].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  $('hood-latency').textContent = `${state.latencies.at(-1).toFixed(1)} ms for the last "for you" ranking of ${catalog.length} items (median ${median.toFixed(1)} ms over ${sorted.length}), measured on the page: worker round trip included`;
  const s = profile.storage;
  const kb = (s.bytes.log + s.bytes.items + s.bytes.summary) / 1024;
  $('hood-storage').textContent = `${s.kind === 'indexeddb' ? 'IndexedDB' : 'memory only'}${s.encrypted ? ', encrypted' : ''}: ${s.events} events${impressions ? ` (${impressions} of them impressions)` : ''}, ${kb.toFixed(1)} KB (log ${(s.bytes.log / 1024).toFixed(1)}, item snapshots ${(s.bytes.items / 1024).toFixed(1)}, summary ${(s.bytes.summary / 1024).toFixed(1)})`;
}

function scheduleNetworkRender() {
  if (networkFrame) return;
  networkFrame = requestAnimationFrame(() => {
    networkFrame = 0;
    const snap = monitor.snapshot();
    $('privacy-count').textContent = String(snap.withData);
    $('request-count').textContent = String(snap.requests.length);
    const badge = $('privacy-badge');
    badge.textContent = `${snap.withData} requests with shopper data`;
    badge.className = `badge ${snap.withData === 0 ? 'ok' : 'bad'}`;
    const path = (url) => {
      try {
        const u = new URL(url);
        return u.origin === location.origin ? u.pathname + u.search : url;
      } catch {
        return url;
      }
    };
    $('request-list').replaceChildren(...snap.requests.map((r) => el('li', {}, el('code', { text: path(r.url) }), ` ${r.kind}`)));
    $('worker-files').replaceChildren(...snap.workerFiles.map((f) => el('li', {}, el('code', { text: f }))));
    if (snap.workerFiles.length === 0) $('worker-files').append(el('li', { class: 'muted', text: 'none this visit (the model may come from the browser cache)' }));
  });
}

// ---------------------------------------------------------------------------
// Events: the shopper's actions
// ---------------------------------------------------------------------------

let queue = Promise.resolve();
/** Serialises everything that changes state, so clicks during a replay wait their turn. */
let pending = 0;
function withBusy(task) {
  pending++;
  document.body.dataset.busy = 'true';
  queue = queue
    .then(task)
    .catch((error) => {
      console.warn(error);
      $('narration').textContent = `Something failed: ${error.message}`;
    })
    .finally(() => {
      if (--pending === 0) document.body.dataset.busy = 'false';
    });
  return queue;
}

function act(type, itemId, extra = {}) {
  return withBusy(() => record({ type, itemId, ...extra }));
}

/** Tracks one event and repaints; also scores the lists as they stood just before it (Compare). */
async function record(event, { scripted = false } = {}) {
  if (event.itemId && POSITIVE_EVENTS.has(event.type) && !state.engaged.has(event.itemId)) {
    state.cases.push({ target: event.itemId, lists: { ...state.fullLists } });
  }
  const tracked = { ...event };
  if (tracked.daysAgo) tracked.timestamp = Date.now() - tracked.daysAgo * DAY_MS;
  delete tracked.daysAgo;
  delete tracked.why;
  // A person acting on the page saw the "for you" list on screen first: its impressions go before the
  // action, linked to the ranking that made it (listId: rankingId, position), and so does a click on one
  // of its items. A click from the shop keeps listId "shop" (stored, not learned from). A scripted step
  // is a shop event of someone who never looked at this panel: no impressions, no link (90 impressions
  // without a click would tell LocalRank that the scripted shopper ignores the list, which is not true).
  const batch = [];
  const list = scripted ? null : state.forYou;
  if (list?.rankingId) {
    if (!list.impressed) batch.push(...list.ids.map((itemId, position) => ({ type: 'impression', itemId, listId: list.rankingId, position })));
    list.impressed = true;
    const position = list.ids.indexOf(tracked.itemId);
    if (tracked.type === 'click' && tracked.listId === undefined && position >= 0) Object.assign(tracked, { listId: list.rankingId, position });
  }
  batch.push(tracked);
  const result = await lr.track(batch);
  if (result.rejected.length) throw new Error(result.rejected[0].error.message);
  state.actions++;
  if (event.type === 'search') {
    state.queries.push(event.query);
    state.shopQuery = event.query;
    $('search').value = event.query;
  }
  if (event.itemId && ITEM_EVENTS.has(event.type)) {
    state.engaged.add(event.itemId);
    if (POSITIVE_EVENTS.has(event.type)) state.lastItem = event.itemId;
  }
  monitor.setSensitive([...state.engaged, ...state.queries]);
  const what = event.type === 'search' ? `“${event.query}”` : byId.get(event.itemId).title;
  await refresh(`After ${TYPE_LABEL[event.type]} ${what}`);
}

// ---------------------------------------------------------------------------
// Personas
// ---------------------------------------------------------------------------

function buildPersonaPicker() {
  $('persona').replaceChildren(
    ...PERSONAS.map((p) => el('option', { value: p.id, text: p.name })),
    el('option', { value: 'free', text: 'You (free mode)' }),
  );
  // Choosing another shopper or starting over stops a replay in progress after its current step.
  $('persona').addEventListener('change', () => {
    stopPlaying = true;
    void withBusy(() => choosePersona($('persona').value));
  });
  $('step').addEventListener('click', () => void withBusy(playStep));
  $('play').addEventListener('click', () => void withBusy(playAll));
  $('restart').addEventListener('click', () => {
    stopPlaying = true;
    void withBusy(() => choosePersona($('persona').value));
  });
}

async function choosePersona(id) {
  state.persona = PERSONAS.find((p) => p.id === id) ?? null;
  await lr.forget();
  Object.assign(state, FRESH_SESSION());
  state.shownLists = { localrank: [], popular: [], similar: [] };
  $('search').value = '';
  monitor.setSensitive([]);
  renderScript();
  $('changes').textContent = 'No events yet: the list is ordered by popularity alone (a cold start).';
  await refresh(null);
}

function renderScript() {
  const p = state.persona;
  document.body.dataset.persona = p ? p.id : 'free';
  $('persona-blurb').textContent = p ? p.blurb : 'You are the shopper: search, click products, add them to the cart or say "Not for me", and watch the recommendations and the profile follow.';
  $('script').hidden = !p;
  $('step').hidden = !p;
  $('play').hidden = !p;
  $('script').replaceChildren(
    ...(p?.steps ?? []).map((s, i) =>
      el('li', { class: i < state.stepIndex ? 'done' : i === state.stepIndex ? 'current' : '', 'aria-current': i === state.stepIndex ? 'step' : undefined },
        el('span', { class: 'step-type', text: TYPE_LABEL[s.type] }), ' ', s.type === 'search' ? `“${s.query}”` : byId.get(s.itemId).title, s.daysAgo ? el('span', { class: 'muted', text: ` (${s.daysAgo} days ago)` }) : null),
    ),
  );
  const done = p && state.stepIndex >= p.steps.length;
  $('step').disabled = !p || done;
  $('play').disabled = !p || done;
  $('narration').textContent = !p ? '' : done ? `${p.name.split(',')[0]}'s session is complete: ${p.steps.length} of ${p.steps.length} steps. Turn the knobs, or pick another shopper.` : state.stepIndex === 0 ? `Press “Next step” to replay ${p.name.split(',')[0]}'s session one event at a time.` : '';
  document.body.dataset.step = String(state.stepIndex);
  document.body.dataset.done = String(Boolean(done));
}

async function playStep() {
  const p = state.persona;
  if (!p || state.stepIndex >= p.steps.length) return;
  const step = p.steps[state.stepIndex];
  $('narration').textContent = `Step ${state.stepIndex + 1} of ${p.steps.length}: ${step.why}`;
  await record(step, { scripted: true });
  state.stepIndex++;
  const narration = $('narration').textContent;
  renderScript();
  if (state.stepIndex < p.steps.length) $('narration').textContent = narration;
}

let stopPlaying = false;
async function playAll() {
  stopPlaying = false;
  $('play').disabled = true;
  while (!stopPlaying && state.persona && state.stepIndex < state.persona.steps.length) {
    await playStep();
    if (PLAY_DELAY > 0) await new Promise((r) => setTimeout(r, PLAY_DELAY));
  }
}

// ---------------------------------------------------------------------------
// Search, privacy buttons, start
// ---------------------------------------------------------------------------

$('search-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const query = $('search').value.trim();
  if (!query) {
    state.shopQuery = '';
    void withBusy(() => refresh(null));
    return;
  }
  void withBusy(() => record({ type: 'search', query }));
});

$('export').addEventListener('click', () =>
  void withBusy(async () => {
    const data = await lr.export();
    const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
    const link = el('a', { href: url, download: `localrank-profile-${NAMESPACE}.json` });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
    $('privacy-note').textContent = `Exported ${data.events.length} events and ${data.items.length} item snapshots: this file is everything LocalRank stored.`;
  }),
);

$('forget').addEventListener('click', () =>
  void withBusy(async () => {
    await lr.forget();
    Object.assign(state, FRESH_SESSION());
    state.shownLists = { localrank: [], popular: [], similar: [] };
    $('search').value = '';
    renderScript();
    await refresh(null);
    $('changes').textContent = 'Everything was forgotten: the list is back to popularity alone.';
    $('privacy-note').textContent = 'Forgotten: the IndexedDB databases of this profile were deleted and the worker\'s memory cleared.';
  }),
);

buildKnobs();
buildDepartments();
buildPersonaPicker();
void (await startInstance());
await withBusy(() => choosePersona(PERSONAS[0].id));
document.body.dataset.ready = 'true';
