// The naive baselines of `npm run bench:rank`: no LocalRank code, plain JS arrays and objects.
// Used by bench/rank-naive-worker.js (browser) and bench/rank-node-worker.mjs (Node).
//
// - createSameWorkNaiveRanker: the headline baseline. The same ranking LocalRank computes
//   (content in the model space and in a 512-d lexical space, z-scored and blended through the
//   normal CDF; category/brand affinity; log-popularity prior; score = content + 0.5 affinity +
//   0.2 prior), done the naive way: number[] vectors, cosines with their norms recomputed each
//   time, dense lexical vectors, the profile rebuilt per ranking, an object per candidate, a full
//   Array.prototype.sort, then slice(k). The speedup against it measures implementation choices
//   (typed arrays, blocked kernels, sparse lexical rows, cached per-item data, top-k selection),
//   not a simpler model. Its interests are the tracked items grouped by department (LocalRank
//   clusters them itself), so the two top-20s are close but not identical.
// - createNaiveRanker: the older, simpler baseline ("simple": one cosine against the mean of
//   the tracked items' vectors + 0.2 x a log-popularity prior, full sort). It computes much less
//   than LocalRank; kept for its figures (simple_naive_* keys).
import { makeCatalog, profileEvents } from './rank-catalog.mjs';

function cosine(a, b) {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}

/** Builds the catalogue (same seed as everywhere) as plain arrays and the mean-vector profile. */
export function createNaiveRanker({ encoder, size, now }) {
  const catalog = makeCatalog({ encoder, size });
  const byId = new Map();
  for (const it of catalog.items) {
    byId.set(it.id, { id: it.id, popularity: it.popularity, vector: Array.from(it.vector.values) });
  }
  const { tracked } = profileEvents(catalog, now);
  const dim = catalog.items[0].vector.values.length;
  const profile = new Array(dim).fill(0);
  for (const i of tracked) {
    const v = byId.get(catalog.items[i].id).vector;
    for (let t = 0; t < dim; t++) profile[t] += v[t] / tracked.length;
  }
  return {
    size: byId.size,
    rank(ids, k) {
      const candidates = ids.map((id) => byId.get(id));
      let maxPop = 0;
      for (const c of candidates) maxPop = Math.max(maxPop, c.popularity);
      const denominator = 1 + Math.log1p(maxPop);
      const scored = candidates.map((c) => ({ id: c.id, score: cosine(c.vector, profile) + (0.2 * (1 + Math.log1p(c.popularity))) / denominator }));
      scored.sort((a, b) => b.score - a.score);
      return scored.slice(0, k);
    },
  };
}

// ---------------------------------------------------------------------------
// The same-work naive ranker

const LEXICAL_DIM = 512;
/** Weight of the session probe at most, relative to the strongest interest (as LocalRank). */
const SESSION_SHARE = 0.5;
const SESSION_ITEMS = 5;
const MIN_SPREAD = 0.05;
const WEIGHTS = { content: 1, affinity: 0.5, prior: 0.2 };
const AFFINITY_WEIGHTS = { category: 0.5, brand: 0.3 };

function fnv1a(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A dense 512-d hashed bag of words and character trigrams of the text, L2-normalised (number[]). */
function lexicalVector(text) {
  const v = new Array(LEXICAL_DIM).fill(0);
  const add = (feature, weight) => {
    const h = fnv1a(feature);
    v[h % LEXICAL_DIM] += h & 0x80000000 ? -weight : weight;
  };
  const words = text.toLowerCase().split(/[^a-z0-9]+/).filter((w) => w.length > 0);
  for (const w of words) {
    add(`w:${w}`, 1);
    const padded = `#${w}#`;
    const grams = padded.length - 2;
    for (let j = 0; j < grams; j++) add(`c:${padded.slice(j, j + 3)}`, 0.6 / grams);
  }
  let sq = 0;
  for (let t = 0; t < LEXICAL_DIM; t++) sq += v[t] * v[t];
  const norm = Math.sqrt(sq);
  if (norm > 0) for (let t = 0; t < LEXICAL_DIM; t++) v[t] /= norm;
  return v;
}

function meanVector(vectors) {
  const dim = vectors[0].length;
  const out = new Array(dim).fill(0);
  for (const v of vectors) for (let t = 0; t < dim; t++) out[t] += v[t] / vectors.length;
  return out;
}

/** max over probes of (strength / strongest) x max(0, cosine), per candidate. */
function contentInSpace(candidates, field, probes) {
  let strongest = 0;
  for (const p of probes) strongest = Math.max(strongest, p.strength);
  const out = [];
  for (const c of candidates) {
    let best = 0;
    for (const p of probes) best = Math.max(best, (p.strength / strongest) * Math.max(0, cosine(c[field], p.vector)));
    out.push(best);
  }
  return out;
}

/** (v - mean) / max(std, floor) over the candidates, population std; all 0 when the values do not vary. */
function zScores(values, floor) {
  const n = values.length;
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / n;
  let sq = 0;
  for (const v of values) sq += (v - mean) * (v - mean);
  const std = Math.sqrt(sq / n);
  if (!(std > 1e-12 * Math.max(1, Math.abs(mean)))) return values.map(() => 0);
  return values.map((v) => (v - mean) / Math.max(std, floor));
}

/** The standard normal CDF, erf by Abramowitz and Stegun 7.1.26. */
function normalCdf(z) {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/**
 * The same-work naive baseline: see the top of this file. Setup builds the catalogue (same seed)
 * as plain objects with number[] model vectors and dense number[] lexical vectors of title +
 * category + brand; every ranking rebuilds the profile from the tracked items and scores every
 * candidate on every component, then sorts them all.
 */
export function createSameWorkNaiveRanker({ encoder, size, now }) {
  const catalog = makeCatalog({ encoder, size });
  const byId = {};
  for (const it of catalog.items) {
    byId[it.id] = {
      id: it.id,
      category: it.category,
      brand: it.brand,
      department: it.category.split(' > ')[0],
      popularity: it.popularity,
      vector: Array.from(it.vector.values),
      lexical: lexicalVector(`${it.title} ${it.category} ${it.brand}`),
    };
  }
  const { tracked } = profileEvents(catalog, now); // one event per item, oldest first
  const history = tracked.map((i) => byId[catalog.items[i].id]);
  catalog.items.length = 0; // the typed arrays are not needed any more

  /** The interests (one per department, strength = its events) and the session probe, in one space. */
  const probesIn = (field) => {
    const groups = {};
    for (const item of history) (groups[item.department] ??= []).push(item[field]);
    const probes = Object.values(groups).map((vs) => ({ vector: meanVector(vs), strength: vs.length }));
    let strongest = 0;
    for (const p of probes) strongest = Math.max(strongest, p.strength);
    const recent = history.slice(-SESSION_ITEMS).map((item) => item[field]);
    probes.push({ vector: meanVector(recent), strength: Math.min(recent.length, SESSION_SHARE * strongest) });
    return probes;
  };

  return {
    size: Object.keys(byId).length,
    rank(ids, k) {
      const candidates = ids.map((id) => byId[id]);
      const n = candidates.length;
      if (n === 0) return [];

      // Content: both spaces, z-scored over the candidates, blended through the normal CDF.
      const model = zScores(contentInSpace(candidates, 'vector', probesIn('vector')), MIN_SPREAD);
      const lexical = zScores(contentInSpace(candidates, 'lexical', probesIn('lexical')), MIN_SPREAD);
      const content = model.map((z, i) => normalCdf((z + lexical[i]) / Math.SQRT2));

      // Affinity: the candidate's category and brand against the tracked items', relative to the strongest.
      const categories = {};
      const brands = {};
      for (const item of history) {
        categories[item.category] = (categories[item.category] ?? 0) + 1;
        brands[item.brand] = (brands[item.brand] ?? 0) + 1;
      }
      const maxCategory = Math.max(...Object.values(categories));
      const maxBrand = Math.max(...Object.values(brands));

      let maxPop = 0;
      for (const c of candidates) maxPop = Math.max(maxPop, c.popularity);
      const denominator = 1 + Math.log1p(maxPop);

      const scored = candidates.map((c, i) => {
        const affinity = AFFINITY_WEIGHTS.category * ((categories[c.category] ?? 0) / maxCategory) + AFFINITY_WEIGHTS.brand * ((brands[c.brand] ?? 0) / maxBrand);
        const prior = (1 + Math.log1p(c.popularity)) / denominator;
        const components = { content: content[i], affinity, prior };
        return { id: c.id, score: WEIGHTS.content * content[i] + WEIGHTS.affinity * affinity + WEIGHTS.prior * prior, components };
      });
      scored.sort((a, b) => b.score - a.score);
      return scored.slice(0, k);
    },
  };
}
