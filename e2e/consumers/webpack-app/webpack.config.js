// The webpack 5 app's whole configuration: no loader or plugin is needed for localrank.
// webpack re-emits the package's worker as this app's own chunk.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export default {
  mode: 'production',
  context: here,
  entry: './main.js',
  output: { path: join(here, 'dist'), clean: true },
};
