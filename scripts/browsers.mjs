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
