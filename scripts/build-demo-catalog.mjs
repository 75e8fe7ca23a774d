// Writes demo/catalog.json: the demo shop's products, invented here (no
// third-party data) and seeded, so the same script always writes the same file.
// Run: node scripts/build-demo-catalog.mjs
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mulberry32 } from '../bench/prng.mjs';

const random = mulberry32(20261123);
const pick = (list) => list[Math.floor(random() * list.length)];
function shuffled(list) {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
const pickSome = (list, n) => shuffled(list).slice(0, n);

const MODEL_NAMES = ['Ridgeback', 'Summit', 'Tempo', 'Cascade', 'Juniper', 'Aurora', 'Harbor', 'Falcon', 'Meadow', 'Granite', 'Solstice', 'Willow', 'Comet', 'Ember', 'Atlas', 'Drift', 'Nimbus', 'Tundra', 'Vista', 'Maple'];

/**
 * Departments → sub-categories: brands, product nouns, description phrases,
 * tags, price range and how many products to make.
 */
const DEPARTMENTS = {
  Running: {
    brands: ['Stridelab', 'Paceline', 'Trailborn'],
    subs: {
      'Trail shoes': { nouns: ['Trail Running Shoes', 'Trail Shoes', 'Waterproof Trail Runners'], features: ['a grippy lugged outsole for loose dirt', 'a rock plate that shields your feet on rocky descents', 'a cushioned midsole for long mountain runs', 'a gusseted tongue that keeps grit out'], tags: ['trail', 'running', 'shoes'], price: [95, 180], n: 14 },
      'Road shoes': { nouns: ['Road Running Shoes', 'Daily Trainers', 'Racing Flats'], features: ['a light foam midsole with lively rebound', 'a breathable engineered mesh upper', 'a carbon plate for race-day speed', 'a wide toe box for long easy miles'], tags: ['road', 'running', 'shoes'], price: [85, 220], n: 12 },
      Apparel: { nouns: ['Running Shorts', 'Running Tights', 'Merino Running Tee', 'Windproof Running Jacket', 'Running Cap'], features: ['quick-drying fabric', 'reflective details for dark mornings', 'a zipped pocket for keys and gels', 'flatlock seams that do not chafe'], tags: ['running', 'apparel'], price: [25, 140], n: 12 },
      Gear: { nouns: ['Hydration Vest', 'GPS Running Watch', 'Rechargeable Headlamp', 'Soft Flask Set', 'Running Belt'], features: ['a bounce-free fit', 'room for a rain shell and two soft flasks', 'a battery that lasts a full ultramarathon', 'controls you can use with gloves on'], tags: ['running', 'gear', 'trail'], price: [20, 350], n: 10 },
      Nutrition: { nouns: ['Energy Gels, 12 Pack', 'Electrolyte Tablets', 'Recovery Drink Mix', 'Energy Chews'], features: ['easy on the stomach at race pace', 'real fruit and sea salt', 'caffeine for the final miles', 'no artificial sweeteners'], tags: ['running', 'nutrition'], price: [9, 40], n: 8 },
    },
  },
  Outdoor: {
    brands: ['Ridgeway', 'Northfold', 'Basecamp Co.'],
    subs: {
      'Hiking boots': { nouns: ['Hiking Boots', 'Waterproof Hiking Boots', 'Lightweight Hiking Shoes'], features: ['a waterproof breathable membrane', 'ankle support for heavy packs', 'a Vibram-style rubber outsole', 'a leather upper that softens with wear'], tags: ['hiking', 'boots', 'outdoor'], price: [110, 260], n: 10 },
      Camping: { nouns: ['Two-Person Tent', 'Down Sleeping Bag', 'Inflatable Sleeping Pad', 'Camp Stove', 'Titanium Cook Pot'], features: ['packs down to the size of a water bottle', 'sets up in under five minutes', 'rated for cold spring nights', 'weighs less than a kilogram'], tags: ['camping', 'outdoor'], price: [30, 420], n: 12 },
      Packs: { nouns: ['Daypack, 22 L', 'Trekking Backpack, 45 L', 'Hip Pack', 'Dry Bag Set'], features: ['a ventilated back panel', 'a built-in rain cover', 'hip belt pockets within reach', 'roll-top waterproof closure'], tags: ['hiking', 'bags', 'outdoor'], price: [25, 230], n: 10 },
      Jackets: { nouns: ['Rain Shell', 'Insulated Jacket', 'Fleece Pullover', 'Softshell Jacket'], features: ['fully taped seams', 'synthetic insulation that stays warm when wet', 'pit zips for climbing', 'a helmet-compatible hood'], tags: ['outdoor', 'apparel', 'hiking'], price: [60, 320], n: 10 },
    },
  },
  Kitchen: {
    brands: ['Ironhearth', 'Edgeworks', 'Brightpan'],
    subs: {
      Cookware: { nouns: ['Cast Iron Skillet', 'Dutch Oven, 5.5 qt', 'Stainless Saute Pan', 'Carbon Steel Wok', 'Nonstick Frying Pan'], features: ['even heat from stovetop to oven', 'a pre-seasoned surface that improves with use', 'riveted handles that stay cool', 'works on induction'], tags: ['cookware', 'cooking', 'kitchen'], price: [35, 320], n: 14 },
      Knives: { nouns: ['Chef Knife, 8 in', 'Santoku Knife', 'Paring Knife', 'Bread Knife', 'Knife Block Set'], features: ['a hand-sharpened high-carbon blade', 'a balanced full-tang handle', 'a thin edge for precise slicing', 'a blade that holds its edge'], tags: ['knives', 'cooking', 'kitchen'], price: [25, 380], n: 12 },
      Appliances: { nouns: ['Stand Mixer', 'Immersion Blender', 'Electric Kettle', 'Food Processor', 'Sous Vide Cooker'], features: ['a quiet powerful motor', 'precise temperature control', 'dishwasher-safe parts', 'a compact footprint for small kitchens'], tags: ['appliances', 'kitchen'], price: [40, 450], n: 12 },
      Tools: { nouns: ['Wooden Spoon Set', 'Digital Kitchen Scale', 'Silicone Spatula Set', 'Mandoline Slicer', 'Instant-Read Thermometer'], features: ['made for everyday cooking', 'reads in two seconds', 'heat resistant to 260 °C', 'easy to clean'], tags: ['tools', 'cooking', 'kitchen'], price: [10, 80], n: 12 },
      Bakeware: { nouns: ['Sourdough Proofing Basket', 'Loaf Pan', 'Sheet Pan Set', 'Pie Dish', 'Cooling Rack'], features: ['heavy-gauge steel that does not warp', 'a natural rattan weave', 'crisp even browning', 'a lifetime of weekend baking'], tags: ['baking', 'kitchen'], price: [12, 70], n: 10 },
    },
  },
  'Coffee & Tea': {
    brands: ['Brewhaus', 'Leafhouse', 'Morning Ritual'],
    subs: {
      Coffee: { nouns: ['Single-Origin Coffee Beans', 'Espresso Roast', 'Decaf Coffee Beans', 'Cold Brew Blend'], features: ['notes of dark chocolate and cherry', 'roasted in small batches', 'a smooth low-acid cup', 'sourced directly from one farm'], tags: ['coffee', 'grocery'], price: [12, 32], n: 10 },
      Tea: { nouns: ['Loose Leaf Green Tea', 'Earl Grey Tea', 'Herbal Tea Sampler', 'Matcha Powder'], features: ['whole leaves, no dust', 'a calming evening blend', 'ceremonial grade', 'a bright citrus finish'], tags: ['tea', 'grocery'], price: [8, 40], n: 8 },
      'Brewing gear': { nouns: ['Pour-Over Dripper', 'French Press', 'Burr Coffee Grinder', 'Gooseneck Kettle', 'Tea Infuser Mug'], features: ['a consistent grind for every method', 'a precise pouring spout', 'double-walled glass', 'brews a full pot in four minutes'], tags: ['coffee', 'brewing', 'kitchen'], price: [18, 240], n: 10 },
    },
  },
  Home: {
    brands: ['Lumen & Oak', 'Softnest', 'Hearthside'],
    subs: {
      Bedding: { nouns: ['Linen Duvet Cover', 'Percale Sheet Set', 'Wool Throw Blanket', 'Down Pillow'], features: ['stonewashed for softness', 'breathable on warm nights', 'woven from organic cotton', 'gets softer with every wash'], tags: ['bedding', 'home'], price: [35, 260], n: 10 },
      Candles: { nouns: ['Scented Candle', 'Beeswax Taper Set', 'Reed Diffuser'], features: ['notes of cedar and smoked vanilla', 'a clean slow burn', 'hand-poured soy wax', 'fills a room for weeks'], tags: ['candles', 'home', 'gift'], price: [14, 60], n: 8 },
      Decor: { nouns: ['Ceramic Vase', 'Framed Botanical Print', 'Woven Wall Hanging', 'Marble Bookends'], features: ['handmade, so each piece is unique', 'a calm neutral palette', 'ready to hang', 'adds warmth to any shelf'], tags: ['decor', 'home', 'gift'], price: [20, 180], n: 10 },
      Lighting: { nouns: ['Table Lamp', 'Smart LED Bulb Set', 'Rechargeable Lantern', 'Floor Lamp'], features: ['warm dimmable light', 'a linen shade', 'a cordless design for the patio', 'works with voice assistants'], tags: ['lighting', 'home'], price: [25, 260], n: 8 },
    },
  },
  Electronics: {
    brands: ['Soundcraft', 'Voltwise', 'Pixelgrove'],
    subs: {
      Audio: { nouns: ['Noise Cancelling Headphones', 'Wireless Earbuds', 'Portable Bluetooth Speaker', 'Sport Earbuds'], features: ['30 hours of battery', 'adaptive noise cancelling', 'sweat and rain resistant', 'rich bass from a small body'], tags: ['audio', 'electronics'], price: [40, 380], n: 12 },
      Wearables: { nouns: ['Fitness Tracker', 'Smartwatch', 'Heart Rate Chest Strap'], features: ['tracks sleep and recovery', 'GPS without a phone', 'a week of battery', 'accurate heart rate during intervals'], tags: ['wearables', 'electronics', 'fitness'], price: [50, 450], n: 8 },
      'Smart home': { nouns: ['Smart Speaker', 'Video Doorbell', 'Smart Thermostat', 'Wi-Fi Mesh System'], features: ['easy setup from your phone', 'works offline for the basics', 'saves energy automatically', 'privacy shutter built in'], tags: ['smart home', 'electronics'], price: [40, 300], n: 8 },
      Cameras: { nouns: ['Action Camera', 'Instant Film Camera', 'Mirrorless Camera Kit'], features: ['4K video stabilised', 'prints photos in seconds', 'a fast autofocus for moving subjects', 'waterproof to 10 metres'], tags: ['cameras', 'electronics', 'gift'], price: [80, 1200], n: 6 },
    },
  },
  Books: {
    brands: ['Foxglove Press', 'Northlight Books'],
    subs: {
      Cookbooks: { nouns: ['Weeknight Pasta Cookbook', 'Sourdough at Home', 'The Vegetable Kitchen', 'Cast Iron Cooking', 'Knife Skills Handbook'], features: ['over 100 tested recipes', 'step-by-step photos', 'a chapter on seasonal menus', 'written by a restaurant chef'], tags: ['books', 'cooking'], price: [18, 45], n: 8 },
      'Sport & outdoors': { nouns: ['Trail Running Guide', 'Marathon Training Plan', 'Wild Camping Handbook', 'Mountain Navigation Basics'], features: ['training plans for every level', 'maps and route ideas', 'advice from coaches and athletes', 'fits in a jacket pocket'], tags: ['books', 'running', 'outdoor'], price: [15, 35], n: 8 },
      Fiction: { nouns: ['Mystery Novel', 'Literary Novel', 'Short Story Collection', 'Fantasy Epic'], features: ['a twisty plot you will not put down', 'an award-winning debut', 'perfect for a long weekend', 'a story about family and home'], tags: ['books', 'fiction', 'gift'], price: [12, 30], n: 8 },
    },
  },
  'Toys & Games': {
    brands: ['Playforge', 'Tumbleweed Toys'],
    subs: {
      'Board games': { nouns: ['Strategy Board Game', 'Family Party Game', 'Cooperative Adventure Game', 'Two-Player Card Game'], features: ['plays in 45 minutes', 'for 2 to 6 players', 'easy to learn, hard to master', 'beautifully illustrated'], tags: ['games', 'gift', 'family'], price: [15, 70], n: 10 },
      Puzzles: { nouns: ['1000-Piece Jigsaw Puzzle', 'Wooden Brain Teaser Set', '3D Puzzle Model'], features: ['thick pieces that fit snugly', 'a calming afternoon project', 'great for all ages', 'comes with a poster of the picture'], tags: ['puzzles', 'gift', 'family'], price: [12, 55], n: 8 },
      'Building sets': { nouns: ['Building Blocks Set', 'Marble Run Kit', 'Robot Building Kit'], features: ['hundreds of pieces', 'teaches simple engineering', 'compatible with other sets', 'for ages 8 and up'], tags: ['building', 'gift', 'kids'], price: [20, 150], n: 8 },
    },
  },
  Beauty: {
    brands: ['Petal & Stone', 'Clearday'],
    subs: {
      Skincare: { nouns: ['Daily Moisturiser', 'Vitamin C Serum', 'Mineral Sunscreen SPF 50', 'Gentle Cleanser'], features: ['for sensitive skin', 'fragrance free', 'absorbs quickly', 'dermatologist tested'], tags: ['skincare', 'beauty'], price: [12, 70], n: 8 },
      'Gift sets': { nouns: ['Spa Gift Set', 'Hand Cream Trio', 'Bath Salt Collection'], features: ['beautifully boxed and ready to give', 'shea butter and almond oil', 'a relaxing lavender scent', 'travel-sized favourites'], tags: ['beauty', 'gift'], price: [20, 90], n: 8 },
    },
  },
};

const slug = (s) => s.toLowerCase().replace(/&/g, 'and').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
const roundPrice = (p) => (p < 20 ? Math.round(p) - 0.01 : p < 100 ? Math.round(p / 5) * 5 - 0.01 : Math.round(p / 10) * 10 - 0.01);

const items = [];
for (const [department, { brands, subs }] of Object.entries(DEPARTMENTS)) {
  for (const [sub, spec] of Object.entries(subs)) {
    const used = new Set();
    for (let i = 0; i < spec.n; i++) {
      let title;
      do {
        const noun = spec.nouns[i % spec.nouns.length];
        title = `${pick(brands)} ${pick(MODEL_NAMES)}${random() < 0.3 ? ` ${2 + Math.floor(random() * 4)}` : ''} ${noun}`;
      } while (used.has(title));
      used.add(title);
      const [first, second] = pickSome(spec.features, 2);
      const brand = brands.find((b) => title.startsWith(b));
      const noun = spec.nouns[i % spec.nouns.length];
      items.push({
        id: `${slug(sub)}-${String(i + 1).padStart(2, '0')}`,
        title,
        description: `${noun.replace(/,.*$/, '')}: ${first}; ${second}.`,
        category: `${department} > ${sub}`,
        brand,
        tags: spec.tags,
        price: roundPrice(spec.price[0] + random() ** 2.5 * (spec.price[1] - spec.price[0])),
      });
    }
  }
}

// Popularity: a long tail (Zipf-like over a random order), as in a real shop's sales counts.
const order = shuffled(items.map((_, i) => i));
order.forEach((itemIndex, rank) => {
  items[itemIndex].popularity = Math.round(2000 / (rank + 1) ** 0.85);
});

const out = join(resolve(dirname(fileURLToPath(import.meta.url)), '..'), 'demo/catalog.json');
writeFileSync(out, `${JSON.stringify(items, null, 1)}\n`);
console.log(`wrote ${items.length} items to ${out}`);
