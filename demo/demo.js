import { createLocalRank } from '/dist/localrank.js';

// A small built-in catalogue; the full product-manager demo is its own project.
const CATALOG = [
  ['r1', 'Lightweight trail running shoes', 'Shoes > Running', 'Stridelab', 120, 80],
  ['r2', 'Cushioned road running sneakers', 'Shoes > Running', 'Paceline', 95, 140],
  ['r3', 'Marathon racing flats', 'Shoes > Running', 'Stridelab', 160, 40],
  ['r4', 'Merino running socks, 3 pack', 'Shoes > Accessories', 'Woolpath', 25, 60],
  ['h1', 'Waterproof hiking boots', 'Shoes > Hiking', 'Ridgeway', 180, 70],
  ['h2', 'Trekking poles, carbon', 'Outdoor > Hiking', 'Ridgeway', 90, 30],
  ['k1', 'Cast iron frying pan, 28 cm', 'Kitchen > Cookware', 'Ironhearth', 45, 150],
  ['k2', 'Stainless steel chef knife', 'Kitchen > Knives', 'Edgeworks', 70, 110],
  ['k3', 'Electric kettle with temperature control', 'Kitchen > Appliances', 'Brewhaus', 60, 90],
  ['k4', 'Bamboo cutting board set', 'Kitchen > Tools', 'Greenboard', 30, 50],
  ['a1', 'Wireless noise cancelling headphones', 'Electronics > Audio', 'Soundcraft', 250, 200],
  ['a2', 'Portable bluetooth speaker', 'Electronics > Audio', 'Soundcraft', 80, 120],
  ['a3', 'Sport earbuds with ear hooks', 'Electronics > Audio', 'Paceline', 65, 75],
  ['b1', 'Organic green tea, loose leaf', 'Grocery > Tea', 'Leafhouse', 12, 65],
  ['b2', 'Dark roast coffee beans', 'Grocery > Coffee', 'Brewhaus', 15, 130],
  ['b3', 'Energy gels for endurance runs', 'Grocery > Sports nutrition', 'Paceline', 20, 35],
].map(([id, title, category, brand, price, popularity]) => ({ id, title, category, brand, price, popularity }));

const $ = (id) => document.getElementById(id);

async function pickModel() {
  // The semantic test model when this machine has ../shared/models, else the committed tiny fixture.
  const shared = await fetch('/shared-models/localrank-minilm-distilled/config.json', { method: 'HEAD' }).then((r) => r.ok, () => false);
  return shared ? { id: 'localrank-minilm-distilled', baseUrl: '/shared-models/' } : { id: 'localrank-tiny-bert', baseUrl: '/models/' };
}

let catalogLoaded = false;
const lr = createLocalRank({ namespace: 'demo', model: await pickModel() });
lr.on('encoder', (e) => {
  $('encoder').textContent = e.kind === 'model' ? `model: ${e.id.replace(/^model:/, '')}` : 'lexical (model loading…)';
  $('encoder').className = `badge ${e.kind}`;
  if (catalogLoaded) void refresh();
});
lr.on('backend', (b) => ($('backend').textContent = `on ${b.device.toUpperCase()}: ${b.reason}`));
lr.on('progress', (p) => ($('progress').textContent = p.progress < 1 ? `downloading ${Math.round(p.progress * 100)}%` : ''));
lr.on('error', (e) => ($('progress').textContent = `${e.code}: ${e.message}`));

function renderCatalog(seen) {
  const list = $('catalog');
  list.replaceChildren(
    ...CATALOG.map((item) => {
      const li = document.createElement('li');
      li.textContent = item.title;
      const meta = document.createElement('small');
      meta.textContent = `${item.category} · ${item.brand} · $${item.price}`;
      li.append(meta);
      li.classList.toggle('seen', seen.has(item.id));
      li.addEventListener('click', async () => {
        await lr.track({ type: 'click', itemId: item.id });
        await refresh();
      });
      return li;
    }),
  );
}

let latestRefresh = 0;
async function refresh() {
  // Refreshes overlap (a click, the model arriving): only the newest one may paint.
  const mine = ++latestRefresh;
  const [result, profile] = await Promise.all([lr.rank(CATALOG.map((i) => i.id), { k: 6, excludeSeen: true }), lr.profile()]);
  if (mine !== latestRefresh) return;
  const byId = new Map(CATALOG.map((i) => [i.id, i]));
  $('for-you').replaceChildren(
    ...result.items.map((r) => {
      const li = document.createElement('li');
      li.textContent = byId.get(r.id).title;
      const why = document.createElement('small');
      why.textContent = `${r.reasons.map((x) => x.text).join(' · ') || (result.coldStart ? 'Popular with everyone' : '')} (score ${r.score.toFixed(3)})`;
      li.append(why);
      return li;
    }),
  );
  $('profile').textContent = profile.text;
  renderCatalog(new Set(profile.recentItems.map((i) => i.id)));
}

$('forget').addEventListener('click', async () => {
  await lr.forget();
  await refresh();
});

await lr.ready;
await lr.upsertItems(CATALOG);
catalogLoaded = true;
await refresh();
