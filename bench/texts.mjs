// Deterministic, realistic-looking short product texts for the encoder bench.
// Generated here from small word lists (no third-party data); the same seed
// always gives the same texts, so runs are comparable.

import { mulberry32 } from './prng.mjs';

const BRANDS = ['Northpeak', 'Aurelia', 'Kestrel', 'Bluefin', 'Oakridge', 'Lumen', 'Vireo', 'Harbor & Pine', 'Solace', 'Ironwood', 'Meridian', 'Tidewater', 'Copperline', 'Fernhill', 'Quill', 'Brightside'];

/** [category, products, attributes, uses] */
const CATALOG = [
  ['Shoes > Running', ['trail running shoes', 'road running shoes', 'lightweight racing flats', 'cushioned training sneakers'], ['breathable mesh upper', 'waterproof membrane', 'carbon plate', 'wide toe box', 'recycled foam midsole'], ['for long distance runs', 'for muddy trails', 'for daily training', 'for marathon race day']],
  ['Kitchen > Knives', ['stainless steel chef knife', 'Japanese santoku knife', 'serrated bread knife', 'paring knife set'], ['8 inch blade', 'full tang handle', 'Damascus pattern', 'ergonomic pakkawood grip', 'dishwasher safe'], ['for slicing vegetables', 'for home cooks', 'for crusty sourdough', 'for precise prep work']],
  ['Electronics > Audio', ['wireless noise cancelling headphones', 'true wireless earbuds', 'portable bluetooth speaker', 'studio monitor headphones'], ['30 hour battery', 'active noise cancellation', 'IPX7 waterproof', 'USB-C fast charging', 'multipoint pairing'], ['for commuting', 'for the gym', 'for travel', 'for podcast editing']],
  ['Grocery > Tea', ['organic green tea', 'Earl Grey black tea', 'chamomile herbal infusion', 'matcha powder'], ['100 tea bags', 'loose leaf tin', 'ceremonial grade', 'caffeine free', 'fair trade certified'], ['for a calm evening', 'for morning focus', 'for iced lattes', 'for gifting']],
  ['Home > Bedding', ['cotton percale sheet set', 'down alternative duvet', 'memory foam pillow', 'linen quilt cover'], ['queen size', 'king size', 'hypoallergenic fill', 'cooling fabric', 'machine washable'], ['for hot sleepers', 'for guest rooms', 'for all seasons', 'for allergy sufferers']],
  ['Outdoor > Camping', ['two person backpacking tent', 'ultralight sleeping bag', 'insulated camping mat', 'compact gas stove'], ['3 season rated', 'weighs under 1 kg', 'packs small', 'aluminium poles', 'comfort rating 0 C'], ['for thru hikes', 'for car camping', 'for alpine trips', 'for weekend getaways']],
  ['Toys > Building', ['wooden building blocks', 'magnetic tile set', 'robotics starter kit', 'marble run construction set'], ['120 pieces', 'non toxic paint', 'ages 3 and up', 'STEM learning', 'storage bag included'], ['for creative play', 'for classrooms', 'for rainy afternoons', 'for young engineers']],
  ['Beauty > Skincare', ['hydrating face serum', 'mineral sunscreen SPF 50', 'gentle foaming cleanser', 'retinol night cream'], ['fragrance free', 'hyaluronic acid', 'vitamin C', 'for sensitive skin', '50 ml pump bottle'], ['for dry skin', 'for daily use', 'for oily skin', 'for a morning routine']],
  ['Sports > Cycling', ['carbon road bike helmet', 'clipless cycling shoes', 'rechargeable bike light set', 'padded cycling bib shorts'], ['MIPS protection', 'reflective details', '800 lumen front light', 'chamois pad', 'adjustable fit dial'], ['for commuting at night', 'for gravel rides', 'for long sportives', 'for indoor training']],
  ['Office > Furniture', ['ergonomic office chair', 'standing desk frame', 'monitor arm', 'under desk drawer unit'], ['lumbar support', 'electric height adjustment', 'gas spring', 'cable management tray', 'holds 9 kg'], ['for home offices', 'for long work days', 'for dual monitors', 'for small spaces']],
  ['Pets > Dogs', ['orthopedic dog bed', 'no pull dog harness', 'stainless steel food bowl', 'durable chew toy'], ['memory foam', 'reflective straps', 'non slip base', 'machine washable cover', 'for large breeds'], ['for senior dogs', 'for daily walks', 'for puppies', 'for heavy chewers']],
  ['Books > Cooking', ['vegetarian weeknight cookbook', 'sourdough baking guide', 'Italian regional recipes', 'fermentation handbook'], ['hardcover', '250 recipes', 'step by step photos', 'paperback edition', 'illustrated'], ['for beginners', 'for busy families', 'for home bakers', 'for food lovers']],
];

const COLOURS = ['black', 'navy', 'forest green', 'sand', 'slate grey', 'burgundy', 'white', 'ocean blue'];

/**
 * `count` distinct product texts, shaped like LocalRank's item text
 * (`title. category. brand. description`), about 4 to 30 words each.
 */
export function productTexts(count, seed = 20260501) {
  const rand = mulberry32(seed);
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const seen = new Set();
  const out = [];
  let guard = 0;
  while (out.length < count && guard++ < count * 50) {
    const [category, products, attributes, uses] = pick(CATALOG);
    const brand = pick(BRANDS);
    const product = pick(products);
    const a1 = pick(attributes);
    let a2 = pick(attributes);
    if (a2 === a1) a2 = pick(attributes);
    const colour = pick(COLOURS);
    const title = `${brand} ${product}, ${colour}`;
    const shape = rand();
    let text;
    if (shape < 0.3) text = `${title}`;
    else if (shape < 0.6) text = `${title}. ${category}. ${a1}`;
    else text = `${title}. ${category}. ${brand}. ${a1[0].toUpperCase()}${a1.slice(1)} and ${a2}, ${pick(uses)}. Model ${100 + Math.floor(rand() * 900)}.`;
    if (seen.has(text)) continue;
    seen.add(text);
    out.push(text);
  }
  if (out.length < count) throw new Error(`could only make ${out.length} distinct texts`);
  return out;
}
