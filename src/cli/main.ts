import { parseArgs } from 'node:util';
import type { Quantization } from '../engine/vectors-file.js';
import type { Dtype, EmbedIO } from './embed.js';
import { DTYPES, EXIT, runEmbed } from './embed.js';

const MAIN_HELP = `Usage: localrank <command> [options]

Commands:
  embed <catalog>   Compute item vectors at build time (see: localrank embed --help)

Options:
  -h, --help        Show this help
  -v, --version     Show the version
`;

const EMBED_HELP = `Usage: localrank embed <catalog.json|catalog.jsonl> --model <ID|PATH|URL> --out <vectors.bin> [options]

Computes the vector of every catalog item with the same model, text, pooling
and normalisation as LocalRank in the browser, into a compact file that the
page passes to upsertItems with withVectors(); browsers then embed only items
that are new or changed.

Catalog: a JSON array of items, or JSON Lines (one item per line; a .jsonl or
.ndjson name, or text that does not start with "["). Invalid entries are
reported on stderr with their line and field, and skipped.

Options:
  --model <ID|PATH|URL>  The model: a local model folder (config.json, tokenizer
                         files, onnx/model_quantized.onnx), the http(s) URL of
                         one, or a Hugging Face Hub id (downloaded). Required.
  --out <file>           Output file. Required. Written as <file>.partial, then
                         renamed when complete.
  --model-id <id>        The model id the browser uses (createLocalRank's
                         model.id). Default: the folder's name for a PATH or
                         URL, the id itself for a Hub id. Vectors are tagged
                         "model:<id>"; the browser ignores vectors of any other id.
  --dtype <dtype>        Weight precision: ${DTYPES.join(', ')}. Default q8, what
                         the browser runs on WASM (pass fp32 if your pages run
                         the model on WebGPU).
  --int8                 Store int8 values with a scale per vector (4x smaller
                         than float32; cosine to the float vector > 0.999).
  --float16              Store half floats (2x smaller than float32).
                         Default without either: float32.
  --batch-size <n>       Texts per inference call. Default 32.
  --force                Start over: ignore and overwrite an existing partial
                         or complete output.
  --quiet                No progress or summary (invalid entries and errors
                         are still reported).
  --json                 Print a JSON summary on stdout when done.
  -h, --help             Show this help

Resuming: the output is made durable every ${8 * 32} items (8 batches). After a kill
or Ctrl-C, run the same command again: it continues from <file>.partial. It
refuses, with the reason, to resume a partial file made with another model id,
dtype, quantization or catalog (item ids or texts). If <file> is already
complete for this catalog and model, it does nothing.

Exit codes:
  0    done: every catalog entry is in the output
  1    failed: unreadable catalog, model not loaded, I/O error, or refused resume
  2    usage error (bad or missing options)
  3    done, but some invalid catalog entries were skipped (reported on stderr)
  130  interrupted (SIGINT/SIGTERM); rerun the same command to resume
`;

export interface CliIO extends EmbedIO {
  stdout: { write(text: string): unknown };
}

function usage(io: CliIO, message: string, help: string): number {
  io.stderr.write(`localrank: ${message}\n\n${help}`);
  return EXIT.USAGE;
}

async function embedCommand(args: string[], io: CliIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        model: { type: 'string' },
        out: { type: 'string' },
        'model-id': { type: 'string' },
        dtype: { type: 'string', default: 'q8' },
        int8: { type: 'boolean', default: false },
        float16: { type: 'boolean', default: false },
        'batch-size': { type: 'string', default: '32' },
        force: { type: 'boolean', default: false },
        quiet: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    return usage(io, (error as Error).message, EMBED_HELP);
  }
  const { values: v, positionals } = parsed;
  if (v.help) {
    io.stdout.write(EMBED_HELP);
    return EXIT.OK;
  }
  if (positionals.length !== 1) return usage(io, positionals.length === 0 ? 'missing the catalog file' : `one catalog file expected, got ${positionals.length}`, EMBED_HELP);
  if (!v.model) return usage(io, 'missing --model <ID|PATH|URL>', EMBED_HELP);
  if (!v.out) return usage(io, 'missing --out <file>', EMBED_HELP);
  if (!DTYPES.includes(v.dtype as Dtype)) return usage(io, `--dtype must be one of ${DTYPES.join(', ')}`, EMBED_HELP);
  if (v.int8 && v.float16) return usage(io, '--int8 and --float16 exclude each other', EMBED_HELP);
  const batchSize = Number(v['batch-size']);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1024) return usage(io, '--batch-size must be an integer from 1 to 1024', EMBED_HELP);
  if (v['model-id'] !== undefined && !/^\S{1,256}$/.test(v['model-id'])) return usage(io, '--model-id must be 1 to 256 characters without spaces', EMBED_HELP);
  const quantization: Quantization = v.int8 ? 'int8' : v.float16 ? 'float16' : 'float32';
  return runEmbed(
    {
      catalog: positionals[0]!,
      model: v.model,
      out: v.out,
      ...(v['model-id'] !== undefined ? { modelId: v['model-id'] } : {}),
      dtype: v.dtype as Dtype,
      quantization,
      batchSize,
      force: v.force,
      quiet: v.quiet,
      json: v.json,
    },
    io,
  );
}

/** The `localrank` command line; returns the exit code. */
export async function main(argv: string[], io: CliIO): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    (command === undefined ? io.stderr : io.stdout).write(MAIN_HELP);
    return command === undefined ? EXIT.USAGE : EXIT.OK;
  }
  if (command === '-v' || command === '--version') {
    io.stdout.write(`${typeof __LOCALRANK_VERSION__ === 'string' ? __LOCALRANK_VERSION__ : 'dev'}\n`);
    return EXIT.OK;
  }
  if (command === 'embed') return embedCommand(rest, io);
  return usage(io, `unknown command "${command}"`, MAIN_HELP);
}

/** Runs the CLI in this process: wires stdio and signals, sets the exit code. */
export async function run(argv = process.argv.slice(2)): Promise<void> {
  const controller = new AbortController();
  const stop = (): void => {
    if (controller.signal.aborted) process.exit(EXIT.INTERRUPTED);
    controller.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const killAfter = Number(process.env['LOCALRANK_TEST_KILL_AFTER'] ?? NaN);
  const io: CliIO = {
    stdout: process.stdout,
    stderr: process.stderr,
    signal: controller.signal,
    // Test hook (test/cli-*.test.ts): die without any clean-up once this many items are written, like `kill -9`.
    ...(Number.isFinite(killAfter) ? { onCheckpoint: (written: number) => void (written >= killAfter && process.kill(process.pid, 'SIGKILL')) } : {}),
  };
  process.exitCode = await main(argv, io);
}
