import { existsSync } from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { CHROMIUM, chromiumFlags } from '../scripts/chromium.mjs';
import { startServer } from '../scripts/serve.mjs';
import type { RouteHandler, RunningServer } from '../scripts/serve.mjs';

export interface BrowserOptions {
  /** Adds --enable-unsafe-webgpu: a software (SwiftShader) adapter here. */
  webgpu?: boolean;
}

export function launch(options: BrowserOptions = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install chromium, or set CHROMIUM_PATH`);
  return chromium.launch({ executablePath: CHROMIUM, args: chromiumFlags(options) });
}

export async function serve(routes?: Record<string, string | RouteHandler>): Promise<RunningServer> {
  return startServer(routes ? { routes } : {});
}

/** A browser and a server shared by the tests of one file (started before them, closed after). */
export function useBrowserAndServer(options: BrowserOptions & { routes?: Record<string, string | RouteHandler> } = {}): { browser: Browser; server: RunningServer } {
  const env = {} as { browser: Browser; server: RunningServer };
  beforeAll(async () => {
    [env.browser, env.server] = await Promise.all([launch(options), serve(options.routes)]);
  });
  afterAll(async () => {
    await env.browser?.close();
    await env.server?.close();
  });
  return env;
}

/** What a page did that a test may assert on: requests (workers included), uncaught errors, console errors. */
export interface PageLog {
  requests: string[];
  pageErrors: string[];
  consoleErrors: string[];
}

export function watch(context: BrowserContext, page: Page): PageLog {
  const log: PageLog = { requests: [], pageErrors: [], consoleErrors: [] };
  context.on('request', (r) => log.requests.push(r.url()));
  page.on('pageerror', (e) => log.pageErrors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') log.consoleErrors.push(m.text());
  });
  return log;
}

export { FIXTURE_MODEL, hasSharedModel } from './browsers.js';

/** Opens the ESM test page and starts LocalRank with the given options. */
export async function startEsm(page: Page, server: RunningServer, options: Record<string, unknown>): Promise<void> {
  await page.goto(`${server.url}/e2e/pages/esm.html`);
  await page.waitForFunction(() => (window as unknown as { __pageReady?: boolean }).__pageReady === true);
  await page.evaluate((o) => (window as unknown as { start(o: unknown): boolean }).start(o), options);
}

/** Waits until an event of the given type (and optional predicate on its payload) was emitted. */
export async function waitForEvent(page: Page, type: string, predicate = '() => true', timeout = 60_000): Promise<unknown> {
  const handle = await page.waitForFunction(
    ([t, p]) => {
      const test = new Function(`return (${p})`)() as (payload: unknown) => boolean;
      return (window as unknown as { __events: Array<{ type: string; payload: unknown }> }).__events.find((e) => e.type === t && test(e.payload))?.payload;
    },
    [type, predicate] as const,
    { timeout },
  );
  return handle.jsonValue();
}
