// The synthetic catalogue and profile of `npm run bench:rank`, shared by the page, the naive
// worker (browser and Node) and the Node engine worker: plain ESM (importing only bench/prng.mjs), deterministic
// (the same seed gives the same items in every place, so every runner ranks the same data).
//
// 50,000 items in 20 departments. Each item: id, title, category (department > sub-category),
// brand, price, heavy-tailed popularity, and a precomputed unit vector of DIM values near its
// sub-category's direction, near its department's centre.

import { mulberry32 } from './prng.mjs';

export const DIM = 384;
export const CATALOG_SIZE = 50_000;
export const CATALOG_SEED = 20260115;


/** [department, sub-categories, nouns, brands] */
const DEPARTMENTS = [
  ['Shoes', ['Running', 'Hiking', 'Sneakers', 'Sandals', 'Boots'], ['trail running shoes', 'road racing flats', 'hiking boots', 'leather sneakers', 'sport sandals'], ['Stridelab', 'Northpeak', 'Pacerline', 'Vireo']],
  ['Kitchen', ['Knives', 'Cookware', 'Coffee', 'Baking', 'Storage'], ['chef knife', 'frying pan', 'coffee grinder', 'loaf tin', 'glass food container'], ['Ferrum', 'Brewhaus', 'Copperline', 'Oakridge']],
  ['Audio', ['Headphones', 'Earbuds', 'Speakers', 'Turntables', 'Microphones'], ['noise cancelling headphones', 'wireless earbuds', 'bluetooth speaker', 'belt drive turntable', 'USB microphone'], ['Quietwave', 'Bluefin', 'Solace', 'Meridian']],
  ['Outdoor', ['Tents', 'Sleeping bags', 'Stoves', 'Backpacks', 'Lighting'], ['backpacking tent', 'down sleeping bag', 'gas stove', 'hiking backpack', 'head torch'], ['Northpeak', 'Kestrel', 'Terra', 'Fernhill']],
  ['Home', ['Lighting', 'Bedding', 'Rugs', 'Decor', 'Storage'], ['desk lamp', 'linen duvet cover', 'wool rug', 'ceramic vase', 'storage basket'], ['Lumen & Co', 'Harbor & Pine', 'Aurelia', 'Quill']],
  ['Sports', ['Yoga', 'Cycling', 'Fitness', 'Swimming', 'Tennis'], ['yoga mat', 'bike helmet', 'kettlebell', 'swim goggles', 'tennis racket'], ['Aquila', 'Pacerline', 'Ironwood', 'Brightside']],
  ['Clothing', ['Outerwear', 'Knitwear', 'Shirts', 'Trousers', 'Socks'], ['rain jacket', 'merino jumper', 'oxford shirt', 'chino trousers', 'wool socks'], ['Tidewater', 'Fernhill', 'Oakridge', 'Vireo']],
  ['Grocery', ['Tea', 'Coffee', 'Snacks', 'Pantry', 'Spices'], ['green tea', 'espresso beans', 'trail mix', 'olive oil', 'smoked paprika'], ['Verdant', 'Brewhaus', 'Solace', 'Meridian']],
  ['Garden', ['Watering', 'Tools', 'Planters', 'Seeds', 'Furniture'], ['garden hose', 'pruning shears', 'terracotta planter', 'tomato seeds', 'teak bench'], ['Verdant', 'Terra', 'Ironwood', 'Harbor & Pine']],
  ['Toys', ['Building', 'Puzzles', 'Dolls', 'Outdoor play', 'Games'], ['building blocks', 'jigsaw puzzle', 'rag doll', 'garden swing', 'board game'], ['Brightside', 'Quill', 'Aurelia', 'Kestrel']],
  ['Beauty', ['Skincare', 'Haircare', 'Fragrance', 'Makeup', 'Bath'], ['face serum', 'argan shampoo', 'eau de parfum', 'mineral foundation', 'bath salts'], ['Aurelia', 'Lumen & Co', 'Solace', 'Verdant']],
  ['Office', ['Chairs', 'Desks', 'Stationery', 'Storage', 'Accessories'], ['ergonomic chair', 'standing desk', 'fountain pen', 'filing cabinet', 'monitor arm'], ['Ironwood', 'Quill', 'Meridian', 'Oakridge']],
  ['Pets', ['Dogs', 'Cats', 'Fish', 'Birds', 'Small animals'], ['dog harness', 'cat scratching post', 'aquarium filter', 'bird feeder', 'hamster wheel'], ['Kestrel', 'Fernhill', 'Bluefin', 'Terra']],
  ['Books', ['Cooking', 'Travel', 'Fiction', 'Science', 'Children'], ['cookbook', 'travel guide', 'mystery novel', 'popular science book', 'picture book'], ['Quill', 'Meridian', 'Harbor & Pine', 'Tidewater']],
  ['Computing', ['Laptops', 'Monitors', 'Keyboards', 'Storage', 'Networking'], ['ultrabook laptop', '4K monitor', 'mechanical keyboard', 'portable SSD', 'mesh wifi router'], ['Meridian', 'Bluefin', 'Copperline', 'Quietwave']],
  ['Baby', ['Feeding', 'Travel', 'Nursery', 'Bathing', 'Clothing'], ['baby bottle', 'travel stroller', 'cot mattress', 'baby bath', 'sleepsuit'], ['Brightside', 'Aurelia', 'Solace', 'Harbor & Pine']],
  ['Automotive', ['Cleaning', 'Tools', 'Electronics', 'Accessories', 'Tyres'], ['car wax', 'torque wrench', 'dash cam', 'roof box', 'winter tyre'], ['Ironwood', 'Copperline', 'Kestrel', 'Tidewater']],
  ['Music', ['Guitars', 'Keyboards', 'Drums', 'Recording', 'Accessories'], ['acoustic guitar', 'digital piano', 'snare drum', 'audio interface', 'guitar strap'], ['Solace', 'Quietwave', 'Meridian', 'Oakridge']],
  ['Health', ['Vitamins', 'Fitness trackers', 'First aid', 'Massage', 'Sleep'], ['vitamin D drops', 'fitness tracker', 'first aid kit', 'massage gun', 'sleep mask'], ['Verdant', 'Pacerline', 'Lumen & Co', 'Aquila']],
  ['Travel', ['Luggage', 'Bags', 'Accessories', 'Organisers', 'Comfort'], ['carry-on suitcase', 'weekend duffel', 'travel adapter', 'packing cubes', 'neck pillow'], ['Tidewater', 'Northpeak', 'Harbor & Pine', 'Bluefin']],
];
const ADJECTIVES = ['lightweight', 'waterproof', 'stainless', 'organic', 'wireless', 'foldable', 'vintage', 'ergonomic', 'compact', 'premium', 'recycled', 'insulated', 'classic', 'durable', 'slim'];

export const DEPARTMENT_COUNT = DEPARTMENTS.length;

/** A random unit vector (uniform noise with unit variance per value is close enough to Gaussian here). */
function randomDirection(rand, dim) {
  const v = new Float32Array(dim);
  for (let t = 0; t < dim; t++) v[t] = (rand() * 2 - 1) * 1.7320508;
  return normalize(v);
}

function normalize(v) {
  let sq = 0;
  for (let t = 0; t < v.length; t++) sq += v[t] * v[t];
  const inv = sq > 0 ? 1 / Math.sqrt(sq) : 0;
  for (let t = 0; t < v.length; t++) v[t] *= inv;
  return v;
}

/**
 * The catalogue: `{ items, departmentOf }`. Item vectors are tagged with `encoder`
 * (`model:<id>`), unit length, Float32Array.
 */
export function makeCatalog({ size = CATALOG_SIZE, dim = DIM, encoder, seed = CATALOG_SEED }) {
  const rand = mulberry32(seed);
  const pick = (xs) => xs[Math.floor(rand() * xs.length)];
  const centres = DEPARTMENTS.map(() => randomDirection(rand, dim));
  const subDirections = DEPARTMENTS.map(([, subs]) => subs.map(() => randomDirection(rand, dim)));
  const items = new Array(size);
  const departmentOf = new Uint8Array(size);
  for (let i = 0; i < size; i++) {
    const d = Math.floor(rand() * DEPARTMENTS.length);
    const [dept, subs, nouns, brands] = DEPARTMENTS[d];
    const s = Math.floor(rand() * subs.length);
    const brand = pick(brands);
    // centre + 0.6 x sub-category + noise of norm ~0.9: cosine ~0.68 to the centre; between two items
    // ~0.62 in the same sub-category, ~0.46 in the same department, ~0 across departments.
    const c = centres[d];
    const sd = subDirections[d][s];
    const v = new Float32Array(dim);
    for (let t = 0; t < dim; t++) v[t] = c[t] + 0.6 * sd[t] + (rand() * 2 - 1) * 0.08;
    normalize(v);
    // Pareto-like popularity: most items in the tens, a few in the hundreds of thousands.
    const popularity = Math.round(5 * Math.pow(1 - rand(), -1.25));
    items[i] = {
      id: `sku-${i}`,
      title: `${pick(ADJECTIVES)} ${nouns[s]} ${brand} ${i}`,
      category: `${dept} > ${subs[s]}`,
      brand,
      price: Math.round(500 + rand() * 40_000) / 100,
      popularity,
      vector: { encoder, values: v },
    };
    departmentOf[i] = d;
  }
  return { items, departmentOf };
}

export const PROFILE_DEPARTMENTS = [2, 9, 15];
const PROFILE_TYPES = ['view', 'view', 'click', 'view', 'add_to_cart', 'view', 'click', 'view', 'view', 'add_to_cart'];

/**
 * ~30 view/click/add_to_cart events on items of three departments, oldest first, spread over
 * the last three days before `now`. Returns the events and the tracked item indices.
 */
export function profileEvents({ items, departmentOf }, now, perDepartment = 10) {
  const rand = mulberry32(CATALOG_SEED + 1);
  const chosen = [];
  for (const d of PROFILE_DEPARTMENTS) {
    const seen = new Set();
    while (seen.size < perDepartment) {
      const i = Math.floor(rand() * items.length);
      if (departmentOf[i] === d) seen.add(i);
    }
    chosen.push(...seen);
  }
  // Interleave the departments, as a person browsing would.
  const order = chosen.map((i, j) => [rand(), i, j]).sort((a, b) => a[0] - b[0]);
  const step = (3 * 24 * 3600 * 1000) / order.length;
  const events = order.map(([, i], j) => ({ type: PROFILE_TYPES[j % PROFILE_TYPES.length], itemId: items[i].id, timestamp: Math.round(now - (order.length - j) * step) }));
  return { events, tracked: order.map(([, i]) => i) };
}

/** A fixed random subset of `n` item indices (the same for a given `n` everywhere). */
export function subsetIndices(size, n, seed = CATALOG_SEED + 2) {
  const rand = mulberry32(seed + n);
  const idx = Int32Array.from({ length: size }, (_, i) => i);
  const m = Math.min(n, size);
  for (let i = 0; i < m; i++) {
    const j = i + Math.floor(rand() * (size - i));
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  return Array.from(idx.subarray(0, m));
}
