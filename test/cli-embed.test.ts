// `localrank embed` in process (src/cli), on the committed fixture model with transformers.js on onnxruntime-node.
// The spawned command (bin/localrank.mjs on the build) is tested in e2e/cli-process.test.ts.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIO } from '../src/cli/main.js';
import { main } from '../src/cli/main.js';
import { createProgress } from '../src/cli/progress.js';
import { loadModelEncoder } from '../src/engine/encoder/model.js';
import { itemText } from '../src/engine/item-text.js';
import { readVectors } from '../src/vectors.js';
import type { Item } from '../src/types.js';
import { startServer } from '../scripts/serve.mjs';
import { cosine } from './cosine.js';

const MODEL_DIR = join(import.meta.dirname, 'fixtures/models/localrank-tiny-bert');
const dir = mkdtempSync(join(tmpdir(), 'localrank-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const WORDS = ['trail', 'running', 'shoes', 'chef', 'knife', 'green', 'tea', 'wireless', 'headphones', 'wool', 'socks', 'espresso', 'grinder', 'yoga', 'mat'];
const items: Item[] = Array.from({ length: 300 }, (_, i) => ({
  id: `p${i}`,
  title: `${WORDS[i % WORDS.length]} ${WORDS[(i * 7) % WORDS.length]} ${i}`,
  category: i % 2 ? 'Shoes > Running' : 'Kitchen',
  ...(i % 3 === 0 ? { brand: 'Stridelab', tags: ['sale', 'new'] } : {}),
  ...(i % 5 === 0 ? { description: 'A longer description of the product. '.repeat(1 + (i % 4)) } : {}),
}));
const catalogPath = join(dir, 'catalog.json');
writeFileSync(catalogPath, JSON.stringify(items, null, 2));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(args: string[], extra: Partial<CliIO> = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t), isTTY: false }, ...extra };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

const embedArgs = (out: string, ...more: string[]): string[] => ['embed', catalogPath, '--model', MODEL_DIR, '--out', out, ...more];

let reference: Float32Array[];
beforeAll(async () => {
  // What the engine's own encoder gives for these items (same module the browser worker runs).
  const encoder = await loadModelEncoder({ id: 'localrank-tiny-bert', baseUrl: join(MODEL_DIR, '..'), dtype: 'q8', device: 'cpu', ortBuild: 'wasm', batchSize: 32 });
  reference = await encoder.embed(items.map(itemText));
  await encoder.dispose?.();
});

describe('localrank embed', () => {
  it('writes every item vector, equal to the engine encoder on the item text, tagged with the browser model id (q8 by default)', async () => {
    const out = join(dir, 'basic.bin');
    const run = await cli(embedArgs(out, '--json'));
    expect(run.code, run.stderr).toBe(0);
    const file = readVectors(readFileSync(out));
    expect(file).toMatchObject({ encoder: 'model:localrank-tiny-bert', dimension: 64, quantization: 'float32', dtype: 'q8' });
    expect(file.ids).toEqual(items.map((i) => i.id));
    file.vectors.forEach((v, i) => expect(cosine(v, reference[i]!), items[i]!.id).toBeGreaterThan(0.9999));
    expect(existsSync(`${out}.partial`)).toBe(false);
    const summary = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({ items: 300, embedded: 300, resumed: 0, skipped: 0, encoder: 'model:localrank-tiny-bert' });
    expect(summary['itemsPerSecond']).toBeGreaterThan(0);
    expect(run.stderr).toMatch(/wrote .*basic\.bin: 300 vectors \(64-d, float32\)/);
  });

  it('--int8 is 4x smaller and within cosine 0.999; --model-id sets the tag for a browser that names the model differently', async () => {
    const out = join(dir, 'int8.bin');
    const run = await cli(embedArgs(out, '--int8', '--model-id', 'acme/tiny', '--quiet'));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    const file = readVectors(readFileSync(out));
    expect(file).toMatchObject({ encoder: 'model:acme/tiny', quantization: 'int8' });
    file.vectors.forEach((v, i) => expect(cosine(v, reference[i]!)).toBeGreaterThan(0.999));
    expect(statSync(out).size).toBeLessThan(statSync(join(dir, 'basic.bin')).size / 3);
  });

  it('does nothing when the output is already complete for this catalog and model, and --force recomputes it', async () => {
    const out = join(dir, 'basic.bin');
    const before = statSync(out).mtimeMs;
    const again = await cli(embedArgs(out, '--json'));
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/already complete/);
    expect(JSON.parse(again.stdout)).toMatchObject({ upToDate: true, embedded: 0 });
    expect(statSync(out).mtimeMs).toBe(before);
    const forced = await cli(embedArgs(out, '--force', '--json'));
    expect(JSON.parse(forced.stdout)).toMatchObject({ upToDate: false, embedded: 300 });
  });

  describe('resume', () => {
    it('after an interruption (and a torn last write) the same command continues where it stopped, with the same result', async () => {
      const out = join(dir, 'resume.bin');
      const controller = new AbortController();
      const first = await cli(embedArgs(out, '--batch-size', '16'), { signal: controller.signal, onCheckpoint: (n) => n >= 128 && controller.abort() });
      expect(first.code).toBe(130);
      expect(first.stderr).toMatch(/interrupted after 128 of 300 items; .*resume\.bin\.partial is kept/);
      expect(existsSync(out)).toBe(false);
      // A kill in the middle of a write leaves part of a record.
      appendFileSync(`${out}.partial`, new Uint8Array(100).fill(0xab));

      const second = await cli(embedArgs(out, '--batch-size', '16', '--json'));
      expect(second.code, second.stderr).toBe(0);
      expect(second.stderr).toMatch(/resuming .*: 128 of 300 items already done/);
      expect(JSON.parse(second.stdout)).toMatchObject({ resumed: 128, embedded: 172 });
      const resumed = readVectors(readFileSync(out));
      const whole = readVectors(readFileSync(join(dir, 'basic.bin')));
      expect(resumed.ids).toEqual(whole.ids);
      resumed.vectors.forEach((v, i) => expect(cosine(v, whole.vectors[i]!)).toBeGreaterThan(0.9999));
    });

    it.each([
      ['another dtype', ['--dtype', 'fp32'], /dtype "q8" \(wanted "fp32"\)/],
      ['another quantization', ['--int8'], /quantization "float32" \(wanted "int8"\)/],
      ['another model id', ['--model-id', 'other'], /encoder "model:localrank-tiny-bert" \(wanted "model:other"\)/],
    ])('refuses to resume a partial file made with %s, and --force starts over', async (_name, flags, message) => {
      const out = join(dir, `refuse-${flags.join('')}.bin`);
      const controller = new AbortController();
      await cli(embedArgs(out), { signal: controller.signal, onCheckpoint: () => controller.abort() });
      const partial = readFileSync(`${out}.partial`);
      const refused = await cli(embedArgs(out, ...flags));
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(message);
      expect(refused.stderr).toMatch(/--force to start over/);
      expect(readFileSync(`${out}.partial`).equals(partial)).toBe(true);
      const forced = await cli(embedArgs(out, ...flags, '--force'));
      expect(forced.code, forced.stderr).toBe(0);
      expect(existsSync(`${out}.partial`)).toBe(false);
    });

    it('refuses to resume for a catalog whose items changed', async () => {
      const out = join(dir, 'catalog-changed.bin');
      const controller = new AbortController();
      await cli(embedArgs(out), { signal: controller.signal, onCheckpoint: () => controller.abort() });
      const changedPath = join(dir, 'changed.json');
      writeFileSync(changedPath, JSON.stringify(items.map((it, i) => (i === 5 ? { ...it, title: 'renamed' } : it))));
      const refused = await cli(['embed', changedPath, '--model', MODEL_DIR, '--out', out]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/catalog \(the ids or texts of the items differ\)/);
    });

    it('refuses a partial file that is not a vectors file', async () => {
      const out = join(dir, 'garbage.bin');
      writeFileSync(`${out}.partial`, 'hello');
      const refused = await cli(embedArgs(out));
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/garbage\.bin\.partial exists but is not a vectors file LocalRank can resume/);
    });
  });

  describe('catalog problems', () => {
    it('reports invalid JSON Lines entries with line and field on stderr (even with --quiet), skips them, exits 3', async () => {
      const path = join(dir, 'bad.jsonl');
      writeFileSync(path, ['{"id":"a","title":"Tea"}', '{"id":"b","title":', '{"id":"c","title":"Knife","price":"12"}', '{"id":"d","title":"Socks"}'].join('\n'));
      const out = join(dir, 'bad.bin');
      const run = await cli(['embed', path, '--model', MODEL_DIR, '--out', out, '--quiet', '--json']);
      expect(run.code).toBe(3);
      expect(run.stderr).toMatch(/^bad\.jsonl:2: skipped: not valid JSON/m);
      expect(run.stderr).toMatch(/^bad\.jsonl:3: skipped: price must be a finite number$/m);
      expect(JSON.parse(run.stdout)).toMatchObject({ items: 2, skipped: 2 });
      expect(readVectors(readFileSync(out)).ids).toEqual(['a', 'd']);
    });

    it('a catalog that cannot be read or parsed fails with exit code 1 and says why', async () => {
      const missing = await cli(['embed', join(dir, 'nope.json'), '--model', MODEL_DIR, '--out', join(dir, 'x.bin')]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/cannot read the catalog/);
      const path = join(dir, 'broken.json');
      writeFileSync(path, '[{"id": "a", "title": "x"},\n{"id": }]');
      const broken = await cli(['embed', path, '--model', MODEL_DIR, '--out', join(dir, 'x.bin')]);
      expect(broken.code).toBe(1);
      expect(broken.stderr).toMatch(/broken\.json: not valid JSON \(in the entry starting on line 2\)/);
    });
  });

  describe('models', () => {
    it('loads a model folder over http(s) like the browser does, tagged with the folder name', async () => {
      const server = await startServer();
      try {
        const out = join(dir, 'url.bin');
        const run = await cli(['embed', catalogPath, '--model', `${server.url}/models/localrank-tiny-bert/`, '--out', out]);
        expect(run.code, run.stderr).toBe(0);
        expect(run.stderr).toMatch(/^downloading onnx\/model_quantized\.onnx: 100% of 0\.\d MB$/m);
        expect(run.stderr.split('\n').filter((l) => l.startsWith('downloading onnx/model_quantized.onnx')).length).toBeLessThanOrEqual(5);
        const file = readVectors(readFileSync(out));
        expect(file.encoder).toBe('model:localrank-tiny-bert');
        file.vectors.forEach((v, i) => expect(cosine(v, reference[i]!)).toBeGreaterThan(0.9999));
      } finally {
        await server.close();
      }
    });

    it('a Hub id that cannot be downloaded fails with exit code 1 and a clear message', async () => {
      const run = await cli(embedArgs(join(dir, 'hub.bin')).map((a) => (a === MODEL_DIR ? 'localrank-test/no-such-model' : a)));
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/could not load "localrank-test\/no-such-model" from the Hugging Face Hub/);
      expect(run.stderr).toMatch(/pass its path: --model/);
    });

    it('a path that is not a model folder is a usage error (exit 2)', async () => {
      const run = await cli(embedArgs(join(dir, 'x.bin')).map((a) => (a === MODEL_DIR ? './no/such/dir' : a)));
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/no such model directory/);
      mkdirSync(join(dir, 'empty-model'));
      const empty = await cli(embedArgs(join(dir, 'x.bin')).map((a) => (a === MODEL_DIR ? join(dir, 'empty-model') : a)));
      expect(empty.code).toBe(2);
      expect(empty.stderr).toMatch(/not a model directory: .*config\.json is missing/);
    });
  });

  describe('command line', () => {
    it('--help documents every flag and the exit codes', async () => {
      const help = await cli(['embed', '--help']);
      expect(help.code).toBe(0);
      for (const flag of ['--model', '--out', '--model-id', '--dtype', '--int8', '--float16', '--batch-size', '--force', '--quiet', '--json', 'Exit codes']) expect(help.stdout).toContain(flag);
      const top = await cli(['--help']);
      expect(top.stdout).toMatch(/embed <catalog>/);
    });

    it.each([
      [['embed', catalogPath, '--out', 'x.bin'], /missing --model/],
      [['embed', catalogPath, '--model', MODEL_DIR], /missing --out/],
      [['embed', '--model', MODEL_DIR, '--out', 'x.bin'], /missing the catalog file/],
      [['embed', catalogPath, '--model', MODEL_DIR, '--out', 'x.bin', '--int8', '--float16'], /exclude each other/],
      [['embed', catalogPath, '--model', MODEL_DIR, '--out', 'x.bin', '--dtype', 'fp64'], /--dtype must be one of q8, fp32/],
      [['embed', catalogPath, '--model', MODEL_DIR, '--out', 'x.bin', '--batch-size', '0'], /--batch-size must be an integer/],
      [['embed', catalogPath, '--model', MODEL_DIR, '--out', 'x.bin', '--frobnicate'], /Unknown option '--frobnicate'/],
      [['frobnicate'], /unknown command "frobnicate"/],
      [[], /Usage: localrank <command>/],
    ])('usage error %j exits 2 with a message', async (args, message) => {
      const run = await cli(args);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(message);
    });
  });

  describe('progress', () => {
    it('on a terminal: one line redrawn in place with items/s and ETA', () => {
      let text = '';
      let t = 0;
      const progress = createProgress({ write: (s: string) => (text += s), isTTY: true }, 1000, 0, () => t);
      t = 1000;
      progress.update(100);
      t = 1050;
      progress.update(150); // too soon: not redrawn
      t = 2000;
      progress.update(200);
      progress.finish(200);
      expect(text.split('\r\x1b[K')).toEqual(['', expect.stringMatching(/^\[##\.+\] 100\/1000 items \(10%\), 100 items\/s, ETA 9s$/), expect.stringMatching(/200\/1000 items \(20%\), 100 items\/s, ETA 8s$/), expect.stringMatching(/200\/1000.*\n$/)]);
    });

    it('in a log (not a terminal): a plain line every 5 seconds, resumed items excluded from the speed', () => {
      const lines: string[] = [];
      let t = 0;
      const progress = createProgress({ write: (s: string) => lines.push(s), isTTY: false }, 10_000, 4000, () => t);
      for (t = 1000; t <= 12_000; t += 1000) progress.update(4000 + t / 10);
      t = 12_000;
      progress.finish(5200);
      expect(lines).toEqual(['4100/10000 items (41%), 100 items/s, ETA 59s\n', '4600/10000 items (46%), 100 items/s, ETA 54s\n', '5100/10000 items (51%), 100 items/s, ETA 49s\n', '5200/10000 items (52%), 100 items/s, ETA 48s\n']);
    });
  });
});
