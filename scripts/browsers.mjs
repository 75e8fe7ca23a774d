// Chromium and Firefox ESR from Debian, launched through puppeteer-core (CDP for Chromium, WebDriver BiDi
// for Firefox) the same way by the cross-browser end-to-end tests (e2e/browsers.ts) and the benchmarks.
import { CHROMIUM, CHROMIUM_FLAGS } from './chromium.mjs';

export const BROWSERS = ['chromium', 'firefox'];

/** Debian's Firefox ESR (`apt-get install firefox-esr`). */
export const FIREFOX = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';

/** Firefox preferences of every launch. */
export const FIREFOX_PREFS = {
  // puppeteer's profile turns Total Cookie Protection off (cookieBehavior 0: a third-party iframe's storage is
  // shared across the sites that embed it); 5 is Firefox's default, that storage partitioned by top-level site.
  'network.cookie.cookieBehavior': 5,
  // Timers of background tabs run at most once a second in Firefox: off, as puppeteer turns Chromium's off
  // (--disable-background-timer-throttling), so two tabs of one test measure the library, not throttling.
  'dom.min_background_timeout_value': 4,
  'dom.min_background_timeout_value_without_budget_throttling': 4,
  'dom.timeout.enable_budget_timer_throttling': false,
};

/** The binary of a browser. */
export const executableOf = (name) => (name === 'firefox' ? FIREFOX : CHROMIUM);

/**
 * Options for `puppeteer.launch` (headless). `prefs` are Firefox preferences, `args` extra Chromium flags;
 * `systemAccess` lets WebDriver BiDi evaluate in Firefox's privileged (chrome) scope, where its memory
 * reports are read.
 */
export function launchOptions(name, { userDataDir, prefs = {}, args = [], systemAccess = false, protocolTimeout } = {}) {
  const common = { headless: true, ...(userDataDir ? { userDataDir } : {}), ...(protocolTimeout ? { protocolTimeout } : {}) };
  if (name === 'firefox') {
    return { ...common, browser: 'firefox', executablePath: FIREFOX, extraPrefsFirefox: { ...FIREFOX_PREFS, ...prefs }, ...(systemAccess ? { args: ['--remote-allow-system-access'] } : {}) };
  }
  return { ...common, browser: 'chrome', executablePath: CHROMIUM, args: [...CHROMIUM_FLAGS.filter((flag) => !flag.startsWith('--headless')), ...args] };
}

/** Evaluates an expression in Firefox's privileged (chrome) scope over WebDriver BiDi (a browser launched with `systemAccess`). */
export async function firefoxChromeEval(browser, expression) {
  const connection = browser.connection;
  const tree = await connection.send('browsingContext.getTree', { 'moz:scope': 'chrome' });
  const context = tree.result.contexts[0]?.context;
  if (!context) throw new Error('no chrome-scope browsing context (Firefox started without --remote-allow-system-access?)');
  const reply = await connection.send('script.evaluate', { expression, target: { context }, awaitPromise: true });
  if (reply.result.type !== 'success') throw new Error(`chrome-scope evaluation failed: ${JSON.stringify(reply.result.exceptionDetails?.text ?? reply.result)}`);
  return reply.result.result.value;
}

/**
 * Firefox's own figure for the workers whose script URL contains `scriptPart` (no '/': report paths write the
 * URL's slashes as backslashes), after minimising memory: the
 * bytes of every explicit/workers/... memory report (as about:memory shows them) that names it, WebAssembly
 * memory included, and how many reports there were (none once such a worker has ended).
 */
export const firefoxWorkerMemory = async (browser, scriptPart) =>
  JSON.parse(
    await firefoxChromeEval(
    browser,
    `new Promise((resolve) => {
      const manager = Cc['@mozilla.org/memory-reporter-manager;1'].getService(Ci.nsIMemoryReporterManager);
      manager.minimizeMemoryUsage(() => {
        let bytes = 0;
        let reports = 0;
        manager.getReports(
          (process, path, kind, units, amount) => {
            if (path.startsWith('explicit/workers/') && path.includes(${JSON.stringify(scriptPart)}) && units === Ci.nsIMemoryReporter.UNITS_BYTES) {
              bytes += amount;
              reports++;
            }
          },
          null,
          () => resolve(JSON.stringify({ bytes, reports })), // a string: BiDi hands objects out as key-value lists
          null,
          false,
        );
      });
    })`,
    ),
  );
