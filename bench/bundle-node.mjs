// Bundles a bench entry (which imports src/ TypeScript) for Node with vite's programmatic build:
// an SSR build, dependencies left external, into a folder under node_modules/.cache (ignored by
// git, and where the external imports resolve). Returns the bundle's file URL to import().
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export async function bundleForNode({ root, entry, outDir, fileName }) {
  const { build } = await import('vite');
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  await build({
    configFile: false,
    root,
    logLevel: 'error',
    define: { __LOCALRANK_VERSION__: JSON.stringify(pkg.version) },
    build: {
      ssr: entry,
      outDir,
      emptyOutDir: true,
      target: 'node20',
      sourcemap: false,
      minify: false,
      copyPublicDir: false,
      rollupOptions: { output: { format: 'es', entryFileNames: fileName } },
    },
  });
  return pathToFileURL(join(outDir, fileName)).href;
}
