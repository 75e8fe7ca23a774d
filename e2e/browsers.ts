// Cross-browser end-to-end helper: one test file runs on Debian's Chromium and Firefox ESR, both driven by
// puppeteer-core (CDP for Chromium, WebDriver BiDi for Firefox: Playwright cannot drive a stock Firefox).
// The Chromium-only files keep e2e/harness.ts (playwright-core); docs/browsers.md says which file runs where.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect } from 'vitest';
import puppeteer from 'puppeteer-core';
import type { Browser, BrowserContext, Frame, Page } from 'puppeteer-core';
import { BROWSERS, executableOf, launchOptions } from '../scripts/browsers.mjs';
import type { BrowserName } from '../scripts/browsers.mjs';
import { SHARED_MODELS, startServer } from '../scripts/serve.mjs';
import type { RouteHandler, RunningServer } from '../scripts/serve.mjs';

export type { Browser, BrowserContext, BrowserName, Frame, Page };
export { BROWSERS };

export interface LaunchOptions {
  /** A profile directory that outlives the browser: IndexedDB survives a restart on the same directory. */
  userDataDir?: string;
  /**
   * The browser's own "block all cookies and site data" setting: IndexedDB, the Cache API and Web Locks throw.
   * Chromium keeps it in the profile: give a `userDataDir` (from profileDir()).
   */
  blockSiteData?: boolean;
  /** Firefox: every window private (browser.privatebrowsing.autostart). Chromium: see privatePage(). */
  privateBrowsing?: boolean;
  /**
   * `false`: no WebAssembly in pages and workers, by the browser's own switch: V8's --jitless in Chromium,
   * javascript.options.wasm in Firefox (Safari's Lockdown Mode turns it off the same way).
   */
  webAssembly?: boolean;
  /**
   * 'blocked': no storage for an iframe of another site. Firefox: its "block cross-site cookies" setting
   * (cookieBehavior 1). Chromium: storage partitioning off (as Chrome's DefaultThirdPartyStoragePartitioningSetting
   * policy turns it off), so a third-party frame's storage follows the third-party-cookie setting, which blocks
   * them in this Chromium (and in Chrome's incognito windows). Unset: partitioned by top-level site, both
   * browsers' default (Firefox's restored in FIREFOX_PREFS).
   */
  thirdPartyStorage?: 'blocked';
  /** Host names that resolve to this machine (127.0.0.1) yet are no secure context over http, unlike localhost. */
  loopbackHosts?: string[];
  /**
   * Firefox: the limit of all its temporary storage, in bytes (dom.quotaManager.temporaryStorage.fixedLimit,
   * read at start); below 10 MB it is also each site's limit. Chromium sets a quota per origin at run time
   * instead (see limitStorage()).
   */
  storageLimitBytes?: number;
  /** Firefox: WebDriver BiDi may evaluate in the privileged scope, where memory reports are read. */
  systemAccess?: boolean;
  /** Chromium: more command-line flags. */
  chromiumArgs?: string[];
}

/** Launches a headless browser; fails (never skips) when its binary is missing. */
export async function launchBrowser(name: BrowserName, options: LaunchOptions = {}): Promise<Browser> {
  if (!existsSync(executableOf(name))) {
    throw new Error(
      name === 'firefox'
        ? `Firefox ESR not found at ${executableOf(name)}: apt-get install firefox-esr, or set FIREFOX_PATH`
        : `Chromium not found at ${executableOf(name)}: apt-get install chromium, or set CHROMIUM_PATH`,
    );
  }
  const { userDataDir, blockSiteData = false, privateBrowsing = false, thirdPartyStorage, loopbackHosts = [], storageLimitBytes, systemAccess = false } = options;
  if (storageLimitBytes !== undefined && name === 'chromium') throw new Error('storageLimitBytes is for Firefox: Chromium limits an origin at run time (limitStorage())');
  if (blockSiteData && name === 'chromium') {
    // Chromium reads the setting from the profile's Preferences, written before the first start.
    if (!userDataDir) throw new Error('blockSiteData needs a userDataDir in Chromium (see profileDir())');
    mkdirSync(join(userDataDir, 'Default'), { recursive: true });
    writeFileSync(join(userDataDir, 'Default', 'Preferences'), JSON.stringify({ profile: { default_content_setting_values: { cookies: 2 } } }));
  }
  const prefs = {
    // Firefox: 1 = block third-party cookies and storage; 2 = block all cookies, which also denies every
    // storage API to pages and workers.
    ...(thirdPartyStorage === 'blocked' ? { 'network.cookie.cookieBehavior': 1 } : {}),
    ...(blockSiteData ? { 'network.cookie.cookieBehavior': 2 } : {}),
    ...(privateBrowsing ? { 'browser.privatebrowsing.autostart': true } : {}),
    ...(options.webAssembly === false ? { 'javascript.options.wasm': false } : {}),
    ...(loopbackHosts.length ? { 'network.dns.localDomains': loopbackHosts.join(',') } : {}),
    ...(storageLimitBytes !== undefined ? { 'dom.quotaManager.temporaryStorage.fixedLimit': Math.floor(storageLimitBytes / 1024) } : {}),
  };
  const args = [
    ...(options.chromiumArgs ?? []),
    ...(options.webAssembly === false ? ['--js-flags=--jitless'] : []),
    ...(thirdPartyStorage === 'blocked' ? ['--disable-features=ThirdPartyStoragePartitioning'] : []),
    ...loopbackHosts.map((host) => `--host-resolver-rules=MAP ${host} 127.0.0.1`),
  ];
  return puppeteer.launch(launchOptions(name, { ...(userDataDir ? { userDataDir } : {}), prefs, args, systemAccess }));
}

/**
 * A browser where `origin` may store at most `bytes`, set before a page touches storage, and a page of it.
 * Chromium: a quota for that origin over CDP (Storage.overrideQuotaForOrigin). Firefox has no such call: it
 * starts with a limit of all its temporary storage (`storageLimitBytes`).
 */
export async function launchWithStorageLimit(
  name: BrowserName,
  origin: string,
  bytes: number,
  options: LaunchOptions = {},
): Promise<{ browser: Browser; page: Page }> {
  const browser = await launchBrowser(name, name === 'firefox' ? { ...options, storageLimitBytes: bytes } : options);
  const page = await browser.newPage();
  if (name === 'chromium') await (await page.createCDPSession()).send('Storage.overrideQuotaForOrigin', { origin, quotaSize: bytes });
  return { browser, page };
}

/**
 * A page in a private window of a browser launched with `privateBrowsing`: Chromium's incognito is an
 * off-the-record browser context; in Firefox every window already is private.
 */
export async function privatePage(name: BrowserName, browser: Browser): Promise<Page> {
  return name === 'chromium' ? (await browser.createBrowserContext()).newPage() : browser.newPage();
}

/** A fresh profile directory for `launchBrowser(name, { userDataDir })`; `cleanup()` deletes it. */
export function profileDir(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'localrank-e2e-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** What a page did that a test may assert on. */
export interface PageLog {
  /** Every request of the page, its frames and its workers. */
  requests: string[];
  /** Uncaught errors and unhandled rejections of the page. */
  pageErrors: string[];
  consoleErrors: string[];
  consoleWarnings: string[];
}

export function watch(page: Page): PageLog {
  const log: PageLog = { requests: [], pageErrors: [], consoleErrors: [], consoleWarnings: [] };
  page.on('request', (r) => log.requests.push(r.url()));
  page.on('pageerror', (e) => {
    // Firefox reports a CSP violation, and a load its security checks refused (a worker script for an opaque
    // origin: "Security Error: Content at ... may not load data from ..."), as a JavaScript log entry, which
    // puppeteer hands out as a page error; the page itself sees no error, or catches the one thrown (Chromium
    // logs the same reports as console errors).
    if (/^Error: (Content-Security-Policy|Security Error): /.test(String(e))) log.consoleErrors.push(String(e));
    else log.pageErrors.push(String(e));
  });
  page.on('console', (m) => {
    // The test pages have no favicon; Chromium reports its 404 as a console error.
    if (m.location().url?.endsWith('/favicon.ico')) return;
    if (m.type() === 'error') log.consoleErrors.push(m.text());
    if (m.type() === 'warn') log.consoleWarnings.push(m.text());
  });
  return log;
}

/** A page in its own browser context: separate storage, like a private window. */
export interface IsolatedPage {
  context: BrowserContext;
  page: Page;
  log: PageLog;
  close(): Promise<void>;
}

export async function isolatedPage(browser: Browser): Promise<IsolatedPage> {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  return { context, page, log: watch(page), close: () => context.close() };
}

export interface BrowserEnv {
  readonly name: BrowserName;
  /** Launched before this browser's tests (unless `launch: false`; with `launch`'s options if given), closed after them. */
  browser: Browser;
  server: RunningServer;
  /** A page in a fresh context of `browser`. */
  open(): Promise<IsolatedPage>;
}

/**
 * Declares the tests of `body` once per browser (`describe.each` over BROWSERS), each block with its own
 * browser and static server (scripts/serve.mjs, extra `routes` mounted).
 */
export function forEachBrowser(
  title: string,
  body: (env: BrowserEnv) => void,
  options: { routes?: Record<string, string | RouteHandler>; launch?: boolean | LaunchOptions } = {},
): void {
  describe.each(BROWSERS)(`${title} [%s]`, (name) => {
    const env = { name, open: () => isolatedPage(env.browser) } as BrowserEnv;
    let unavailable: unknown;
    beforeAll(async () => {
      const { launch = true } = options;
      const launched = launch === false ? undefined : launchBrowser(name, launch === true ? {} : launch).catch((error: unknown) => void (unavailable = error));
      [env.server] = await Promise.all([startServer(options.routes ? { routes: options.routes } : {}), launched]);
      if (launched) env.browser = (await launched) as Browser;
    });
    // A browser that cannot start fails each of its tests with the reason (a failed beforeAll reads as skipped).
    beforeEach(() => {
      if (unavailable) throw unavailable;
    });
    afterAll(async () => {
      await env.browser?.close();
      await env.server?.close();
    });
    body(env);
  });
}

export const FIXTURE_MODEL = 'localrank-tiny-bert';

/** Whether ../shared/models holds the distilled MiniLM the model-quality tests use. */
export const hasSharedModel = existsSync(join(SHARED_MODELS, 'localrank-minilm-distilled/onnx/model_quantized.onnx'));

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Opens the ESM test page and starts LocalRank with the given options. */
export async function startEsm(page: Page, server: RunningServer, options: Record<string, unknown>): Promise<void> {
  await page.goto(`${server.url}/e2e/pages/esm.html`);
  await page.waitForFunction(() => (window as unknown as { __pageReady?: boolean }).__pageReady === true);
  await page.evaluate((o) => (window as unknown as { start(o: unknown): boolean }).start(o), options);
}

/** Waits until the test page recorded an event of the given type (and optional predicate on its payload). */
export async function waitForEvent(target: Page | Frame, type: string, predicate = '() => true', timeout = 60_000): Promise<unknown> {
  const handle = await target.waitForFunction(
    (t: string, p: string) => {
      const test = new Function(`return (${p})`)() as (payload: unknown) => boolean;
      return (window as unknown as { __events: Array<{ type: string; payload: unknown }> }).__events.find((e) => e.type === t && test(e.payload))?.payload;
    },
    { timeout, polling: 50 },
    type,
    predicate,
  );
  return handle.jsonValue();
}

/**
 * The ESM test page records, from its first script, each script of its own origin (its code and LocalRank's)
 * that ran longer than 50 ms in one go on the main thread; there may be none. Scripts, not whole tasks: a task
 * stretched by a busy 2-core machine, or the harness's own calls into the page, said nothing about LocalRank and
 * failed CI (a 128 ms task during a worker restart). Firefox has no Long Animation Frames API
 * (PerformanceObserver.supportedEntryTypes lacks 'long-animation-frame'), so there the check is only that this is
 * still so: the day Firefox gains it, this fails and the check is turned on.
 */
export async function expectNoLongScripts(page: Page, name: BrowserName): Promise<void> {
  const { supported, scripts } = await page.evaluate(() => ({
    supported: PerformanceObserver.supportedEntryTypes.includes('long-animation-frame'),
    scripts: (window as unknown as { __longScripts?: string[] }).__longScripts ?? null,
  }));
  expect(supported, `long-animation-frame timing in ${name}`).toBe(name === 'chromium');
  expect(scripts, 'the page records long scripts (as e2e/pages/esm.html does)').not.toBeNull();
  expect(scripts).toEqual([]);
}

/** Requests that left `server` (blob: URLs are in-memory, such as ORT's wasm glue). */
export function offHost(requests: string[], server: RunningServer): string[] {
  return requests.filter((u) => !u.startsWith(`${server.url}/`) && !u.startsWith(`blob:${server.url}/`));
}
