// A small static server for the demo and the end-to-end tests. It serves the
// built package, the demo, the e2e pages, the committed fixture model and,
// when present, the models in ../shared/models. Every response allows CORS so
// a page on another origin can load the script, the runtime and the models.
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sirv from 'sirv';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const SHARED_MODELS = resolve(root, '../shared/models');
export const FIXTURE_MODELS = join(root, 'test/fixtures/models');

const cors = (res) => {
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
};

/**
 * Starts a server on 127.0.0.1. `routes` maps a URL prefix to a directory or
 * to a handler `(req, res, rest) => void`; the first matching prefix wins.
 */
export function startServer({ port = 0, host = '127.0.0.1', routes = {}, headers = {} } = {}) {
  const mounts = {
    '/dist/': join(root, 'dist'),
    '/demo/': join(root, 'demo'),
    '/e2e/pages/': join(root, 'e2e/pages'),
    '/models/': FIXTURE_MODELS,
    '/node_modules/comlink/': join(root, 'node_modules/comlink'),
    '/node_modules/chart.js/': join(root, 'node_modules/chart.js'),
    ...(existsSync(SHARED_MODELS) ? { '/shared-models/': SHARED_MODELS } : {}),
    ...routes,
  };
  const handlers = Object.entries(mounts)
    .sort((a, b) => b[0].length - a[0].length)
    .map(([prefix, target]) => [
      prefix,
      typeof target === 'function'
        ? target
        : (() => {
            const serve = sirv(target, { dev: true, etag: true, setHeaders: cors });
            return (req, res, rest) => {
              req.url = `/${rest}`;
              serve(req, res, () => {
                res.statusCode = 404;
                res.end('not found');
              });
            };
          })(),
    ]);
  const server = createServer((req, res) => {
    cors(res);
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/') {
      res.writeHead(302, { location: '/demo/' });
      res.end();
      return;
    }
    for (const [prefix, handle] of handlers) {
      if (url.pathname.startsWith(prefix)) {
        handle(req, res, url.pathname.slice(prefix.length) + url.search);
        return;
      }
    }
    res.statusCode = 404;
    res.end('not found');
  });
  return new Promise((resolveStart) => {
    server.listen(port, host, () => {
      const address = server.address();
      resolveStart({
        url: `http://${host}:${address.port}`,
        port: address.port,
        close: () => new Promise((r) => server.close(() => r())),
      });
    });
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const port = Number(process.env.PORT ?? 5173);
  const { url } = await startServer({ port });
  console.log(`LocalRank demo: ${url}/demo/`);
  console.log(existsSync(SHARED_MODELS) ? `models: fixture and ${SHARED_MODELS}` : 'models: the committed fixture only (../shared/models not found)');
}
