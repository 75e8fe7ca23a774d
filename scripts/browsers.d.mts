import type { Browser, LaunchOptions } from 'puppeteer-core';
export type BrowserName = 'chromium' | 'firefox';
export const BROWSERS: readonly BrowserName[];
export const FIREFOX: string;
export const FIREFOX_PREFS: Readonly<Record<string, unknown>>;
export function executableOf(name: BrowserName): string;
export function launchOptions(
  name: BrowserName,
  options?: { userDataDir?: string; prefs?: Record<string, unknown>; args?: string[]; systemAccess?: boolean; protocolTimeout?: number },
): LaunchOptions;
export function firefoxChromeEval(browser: Browser, expression: string): Promise<unknown>;
export function firefoxWorkerMemory(browser: Browser, scriptPart: string): Promise<{ bytes: number; reports: number }>;
