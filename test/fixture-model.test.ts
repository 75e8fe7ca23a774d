// Checks the committed tiny BERT fixture (test/fixtures/models/localrank-tiny-bert) against the
// reference built by scripts/build-fixture-model.py: transformers.js must load it from a local
// path, tokenise exactly like the real bert-base-uncased tokenizer, and reproduce the numpy
// reference embeddings with both the fp32 and the int8 (q8) ONNX graphs.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  AutoTokenizer,
  BertTokenizer,
  type PreTrainedTokenizer,
  Tensor,
  env,
  pipeline,
} from '@huggingface/transformers';
import { cosine } from './cosine.js';

const MODEL_ID = 'localrank-tiny-bert';
const MODELS_DIR = fileURLToPath(new URL('./fixtures/models/', import.meta.url));
const FIXTURE_DIR = `${MODELS_DIR}${MODEL_ID}/`;
const REAL_TOKENIZER_DIR = fileURLToPath(
  new URL('../../shared/models/bert-base-uncased-tokenizer/', import.meta.url),
);

interface RefEmbedding {
  tokens: string[];
  input_ids: number[];
  embedding: number[];
}
interface RefText extends RefEmbedding {
  text: string;
  truncated: boolean;
  untruncated_tokens?: string[];
  untruncated_input_ids?: number[];
  /** Present for truncated texts: transformers.js cuts [CLS] ... [SEP] to max_length (drops [SEP]). */
  transformers_js?: RefEmbedding;
}
interface Reference {
  max_length: number;
  hidden_size: number;
  texts: RefText[];
}

const reference: Reference = JSON.parse(readFileSync(`${FIXTURE_DIR}reference.json`, 'utf8'));
const texts = reference.texts.map((t) => t.text);
/** What the transformers.js pipeline (padding + truncation) feeds the model for this text. */
const jsExpected = (t: RefText): RefEmbedding => t.transformers_js ?? t;

env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = MODELS_DIR;


function idsOf(tokenizer: PreTrainedTokenizer, text: string, truncation: boolean): number[] {
  const enc = tokenizer(text, { truncation, return_tensor: false }) as { input_ids: number[] };
  return enc.input_ids.map(Number);
}

function idToToken(tokenizer: PreTrainedTokenizer): (id: number) => string {
  const inverse = new Map<number, string>();
  for (const [token, id] of tokenizer.get_vocab()) inverse.set(id, token);
  return (id) => {
    const token = inverse.get(id);
    if (token === undefined) throw new Error(`id ${id} not in vocab`);
    return token;
  };
}

describe('fixture tokenizer (localrank-tiny-bert)', () => {
  it('gives exactly the reference token ids, and truncates to max_length', async () => {
    const tokenizer = await AutoTokenizer.from_pretrained(MODEL_ID);
    expect(tokenizer.model_max_length).toBe(reference.max_length);
    const toToken = idToToken(tokenizer);
    const longTexts = reference.texts.filter((t) => t.truncated);
    expect(longTexts.length).toBeGreaterThanOrEqual(1);

    for (const t of reference.texts) {
      // Without truncation: the full tokenisation.
      const full = idsOf(tokenizer, t.text, false);
      expect(full, t.text).toEqual(t.untruncated_input_ids ?? t.input_ids);
      expect(full.map(toToken), t.text).toEqual(t.untruncated_tokens ?? t.tokens);

      // With truncation (as the feature-extraction pipeline does it).
      const cut = idsOf(tokenizer, t.text, true);
      expect(cut, t.text).toEqual(jsExpected(t).input_ids);
      expect(cut.length).toBeLessThanOrEqual(reference.max_length);
      // Same pieces as Hugging Face's truncation except, when truncated, the final position:
      // transformers.js 4.3.1 cuts the whole sequence and loses the trailing [SEP].
      expect(cut.slice(0, reference.max_length - 1)).toEqual(t.input_ids.slice(0, reference.max_length - 1));
    }
    for (const t of longTexts) {
      expect(t.untruncated_input_ids!.length).toBeGreaterThan(reference.max_length + 20);
      expect(idsOf(tokenizer, t.text, true)).toHaveLength(reference.max_length);
      expect(t.input_ids).toHaveLength(reference.max_length);
      expect(t.tokens.at(-1)).toBe('[SEP]');
    }
  });

  it('tokenises into the same pieces as the full real bert-base-uncased tokenizer', async () => {
    if (!existsSync(`${REAL_TOKENIZER_DIR}tokenizer.json`)) {
      console.warn(
        `[fixture-model.test] ${REAL_TOKENIZER_DIR} is absent: skipping the comparison with the full real tokenizer`,
      );
      return;
    }
    const real = new BertTokenizer(
      JSON.parse(readFileSync(`${REAL_TOKENIZER_DIR}tokenizer.json`, 'utf8')),
      JSON.parse(readFileSync(`${REAL_TOKENIZER_DIR}tokenizer_config.json`, 'utf8')),
    );
    const fixture = await AutoTokenizer.from_pretrained(MODEL_ID);
    const realToken = idToToken(real);
    const fixtureToken = idToToken(fixture);
    expect(real.get_vocab().size).toBe(30522);
    expect(fixture.get_vocab().size).toBeLessThan(real.get_vocab().size);
    for (const text of texts) {
      const realPieces = idsOf(real, text, false).map(realToken);
      const fixturePieces = idsOf(fixture, text, false).map(fixtureToken);
      expect(fixturePieces, text).toEqual(realPieces);
      expect(realPieces, text).not.toContain('[UNK]');
    }
  });
});

describe.each([
  { dtype: 'fp32' as const, minCosine: 0.999 },
  { dtype: 'q8' as const, minCosine: 0.99 },
])('fixture model, dtype $dtype', ({ dtype, minCosine }) => {
  const load = () => pipeline('feature-extraction', MODEL_ID, { dtype });
  let extractorPromise: ReturnType<typeof load> | undefined;
  const getExtractor = () => (extractorPromise ??= load());

  it(`matches the numpy reference in one batch (cosine >= ${minCosine})`, async () => {
    const extractor = await getExtractor();
    const out = await extractor(texts, { pooling: 'mean', normalize: true });
    expect(out.dims).toEqual([texts.length, reference.hidden_size]);
    const rows = out.tolist() as number[][];
    const cosines = reference.texts.map((t, i) => cosine(rows[i]!, jsExpected(t).embedding));
    console.log(`[fixture-model.test] ${dtype} batch: min cosine ${Math.min(...cosines).toFixed(7)}`);
    cosines.forEach((c, i) => expect(c, texts[i]).toBeGreaterThanOrEqual(minCosine));
  });

  it(`matches the numpy reference one text at a time (cosine >= ${minCosine})`, async () => {
    const extractor = await getExtractor();
    const cosines: number[] = [];
    for (const t of reference.texts) {
      const out = await extractor(t.text, { pooling: 'mean', normalize: true });
      expect(out.dims).toEqual([1, reference.hidden_size]);
      cosines.push(cosine(out.data as Float32Array, jsExpected(t).embedding));
    }
    console.log(`[fixture-model.test] ${dtype} single: min cosine ${Math.min(...cosines).toFixed(7)}`);
    cosines.forEach((c, i) => expect(c, texts[i]).toBeGreaterThanOrEqual(minCosine));
  });

  it('matches the Hugging Face-style (keep [SEP]) reference when fed the reference ids directly', async () => {
    const extractor = await getExtractor();
    for (const t of reference.texts) {
      const n = t.input_ids.length;
      const output = await extractor.model({
        input_ids: new Tensor('int64', BigInt64Array.from(t.input_ids.map(BigInt)), [1, n]),
        attention_mask: new Tensor('int64', new BigInt64Array(n).fill(1n), [1, n]),
        token_type_ids: new Tensor('int64', new BigInt64Array(n), [1, n]),
      });
      const hidden = output.last_hidden_state as Tensor;
      expect(hidden.dims).toEqual([1, n, reference.hidden_size]);
      const data = hidden.data as Float32Array;
      const pooled = new Float64Array(reference.hidden_size);
      for (let s = 0; s < n; s++) {
        for (let h = 0; h < reference.hidden_size; h++) pooled[h] = (pooled[h] ?? 0) + (data[s * reference.hidden_size + h] ?? Number.NaN) / n;
      }
      expect(cosine(pooled, t.embedding), t.text).toBeGreaterThanOrEqual(minCosine);
    }
  });

  it('keeps the crude word-overlap meaning', async () => {
    const extractor = await getExtractor();
    const [a = [], b = [], c = []] = (
      await extractor(
        ['trail running shoes', 'running shoes for trail runners', 'stainless steel chef knife'],
        { pooling: 'mean', normalize: true },
      )
    ).tolist() as number[][];
    expect(cosine(a, b)).toBeGreaterThan(cosine(a, c) + 0.2);
  });
});
