// The `localrank` command as users run it: a Node process from bin/localrank.mjs on the build (npm run build first),
// and from the packed tarball (`npm pack`) installed into another folder.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { readVectors } from '../src/vectors.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const BIN = join(ROOT, 'bin/localrank.mjs');
const MODEL = join(ROOT, 'test/fixtures/models/localrank-tiny-bert');
const dir = mkdtempSync(join(tmpdir(), 'localrank-cli-process-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function run(bin: string, args: string[], env: Record<string, string> = {}, cwd = ROOT): Promise<Exit> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code, signal) => done({ code, signal, stdout, stderr }));
  });
}

const WORDS = ['trail', 'running', 'shoes', 'chef', 'knife', 'green', 'tea', 'wireless', 'headphones', 'wool', 'socks'];
const lines = Array.from({ length: 700 }, (_, i) => JSON.stringify({ id: `sku-${i}`, title: `${WORDS[i % 11]} ${WORDS[(i * 5) % 11]} ${i}`, category: i % 2 ? 'Shoes' : 'Kitchen' }));
lines.splice(3, 0, '{"id": "broken", "title": ');
lines.splice(10, 0, JSON.stringify({ id: 'no-title', brand: 'X' }));
const catalog = join(dir, 'catalog.jsonl');
writeFileSync(catalog, lines.join('\n'));

describe('localrank (spawned process)', () => {
  it('prints help and version', async () => {
    const help = await run(BIN, ['embed', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: localrank embed/);
    const version = await run(BIN, ['--version']);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
  });

  it('embeds a JSON Lines catalog, reports the bad lines with line and field, exits 3', async () => {
    const out = join(dir, 'whole.bin');
    const r = await run(BIN, ['embed', catalog, '--model', MODEL, '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/^catalog\.jsonl:4: skipped: not valid JSON/m);
    expect(r.stderr).toMatch(/^catalog\.jsonl:11: skipped: title must be a string$/m);
    expect(r.stderr).toMatch(/700\/700 items \(100%\), \d+ items\/s/);
    expect(JSON.parse(r.stdout)).toMatchObject({ items: 700, skipped: 2, encoder: 'model:localrank-tiny-bert', dtype: 'q8' });
    const file = readVectors(readFileSync(out));
    expect(file.ids).toHaveLength(700);
    expect(file.ids[3]).toBe('sku-3');
  });

  it('after kill -9 in the middle of a run, the same command resumes and gives the same vectors', async () => {
    const out = join(dir, 'killed.bin');
    const killed = await run(BIN, ['embed', catalog, '--model', MODEL, '--out', out], { LOCALRANK_TEST_KILL_AFTER: '256' });
    expect(killed.signal).toBe('SIGKILL');
    expect(existsSync(`${out}.partial`)).toBe(true);
    expect(existsSync(out)).toBe(false);
    const resumed = await run(BIN, ['embed', catalog, '--model', MODEL, '--out', out, '--json']);
    expect(resumed.code, resumed.stderr).toBe(3);
    expect(resumed.stderr).toMatch(/resuming .*killed\.bin\.partial: 256 of 700 items already done/);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ resumed: 256, embedded: 444 });
    const a = readVectors(readFileSync(out));
    const b = readVectors(readFileSync(join(dir, 'whole.bin')));
    expect(a.ids).toEqual(b.ids);
    a.vectors.forEach((v, i) => expect(v.reduce((s, x, k) => s + x * b.vectors[i]![k]!, 0)).toBeGreaterThan(0.9999));
  });

  it('Ctrl-C (SIGINT) stops between chunks, keeps the partial file, exits 130 and says how to resume', async () => {
    const big = join(dir, 'big.jsonl');
    writeFileSync(big, Array.from({ length: 40_000 }, (_, i) => JSON.stringify({ id: `b${i}`, title: `${WORDS[i % 11]} ${WORDS[(i * 3) % 11]} ${i}` })).join('\n'));
    const out = join(dir, 'interrupted.bin');
    const child = spawn(process.execPath, [BIN, 'embed', big, '--model', MODEL, '--out', out], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
    while (!existsSync(`${out}.partial`)) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toMatch(/interrupted after \d+ of 40000 items; .*interrupted\.bin\.partial is kept: run the same command again to resume/);
    expect(existsSync(`${out}.partial`)).toBe(true);
    expect(existsSync(out)).toBe(false);
  });

  it('runs from the packed tarball installed in another folder (bin entry, dist/cli.js in "files")', async () => {
    const { stdout } = await promisify(execFile)('npm', ['pack', '--json', '--pack-destination', dir], { cwd: ROOT });
    const { filename, files } = (JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>)[0]!;
    const paths = files.map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['bin/localrank.mjs', 'dist/cli.js']));
    // Install by hand (no registry): the package unpacked, its dependencies from this checkout.
    const app = join(dir, 'app');
    const pkgDir = join(app, 'node_modules/localrank');
    mkdirSync(pkgDir, { recursive: true });
    await promisify(execFile)('tar', ['-xzf', join(dir, filename), '-C', pkgDir, '--strip-components=1']);
    symlinkSync(join(ROOT, 'node_modules/@huggingface'), join(app, 'node_modules/@huggingface'), 'dir');
    const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    const r = await run(join(pkgDir, pkg.bin['localrank']!), ['embed', catalog, '--model', MODEL, '--out', join(app, 'vectors.bin'), '--int8', '--quiet'], {}, app);
    expect(r.code, r.stderr).toBe(3);
    expect(readVectors(readFileSync(join(app, 'vectors.bin'))).quantization).toBe('int8');
  });
});
