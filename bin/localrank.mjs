#!/usr/bin/env node
// `npx localrank …`: the command line, compiled into dist/cli.js by `npm run build` (see docs/cli.md).
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('localrank: dist/cli.js is missing: run `npm run build` in the localrank package first\n');
  process.exit(1);
}
const { run } = await import(cli.href);
await run();
