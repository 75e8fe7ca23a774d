// Precomputes the demo catalogue's item vectors with the catalog CLI (needs
// `npm run build`), for every model the demo may serve: the committed fixture
// model and, when this machine has it, ../shared/models/localrank-minilm-distilled.
// The files go to demo/vectors/ (ignored by git: the shared model must not end
// up in the repository, not even as vectors). The CLI leaves a finished file
// for the same catalogue and model as it is, so reruns cost a second.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const models = [join(root, 'test/fixtures/models/localrank-tiny-bert'), resolve(root, '../shared/models/localrank-minilm-distilled')];
mkdirSync(join(root, 'demo/vectors'), { recursive: true });
for (const model of models.filter((m) => existsSync(join(m, 'config.json')))) {
  const id = model.split(/[\\/]/).pop();
  const out = join(root, 'demo/vectors', `${id}.bin`);
  execFileSync(process.execPath, [join(root, 'bin/localrank.mjs'), 'embed', join(root, 'demo/catalog.json'), '--model', model, '--out', out, '--quiet'], { stdio: 'inherit' });
  console.log(`demo vectors: ${out}`);
}
