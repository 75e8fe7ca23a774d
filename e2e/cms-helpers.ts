// Helpers shared by the e2e/cms-*.test.ts files (the script tag driven by markup).
import type { BrowserContext, ConsoleMessage, Frame, Page } from 'puppeteer-core';

/** A page or a frame in it. */
export type Target = Page | Frame;

/** The text of the first element matching `selector` (null when it has none). */
export function textOf(page: Target, selector: string): Promise<string | null> {
  return page.$eval(selector, (e) => e.textContent);
}

/** The first items a slot shows: id and the text of its category field. */
export async function slotItems(page: Target, slot: string): Promise<Array<{ id: string; category: string | null }>> {
  return page.$$eval(`${slot} [data-lr-item]`, (elements) =>
    elements.map((e) => ({ id: e.getAttribute('data-lr-item')!, category: e.querySelector('[data-lr-field="category"]')?.textContent ?? null })),
  );
}

/** Waits until the slot was rendered by LocalRank (its `data-lr-rendered` names the encoder). */
export async function waitForRendered(page: Target, slot: string, timeout = 60_000): Promise<void> {
  await page.waitForSelector(`${slot}[data-lr-rendered] [data-lr-item]`, { timeout });
}

/** Calls a method of the auto-started instance (`window.LocalRank.instance`) from the test. */
export function instanceCall<T>(page: Page, method: string, ...args: unknown[]): Promise<T> {
  return page.evaluate(
    ([m, a]: readonly [string, unknown[]]) => {
      const instance = (window as unknown as { LocalRank: { instance: Record<string, (...x: unknown[]) => Promise<unknown>> } }).LocalRank.instance;
      return instance[m as string]!(...(a as unknown[]));
    },
    [method, args] as const,
  ) as Promise<T>;
}

export interface StoredEventView {
  type: string;
  itemId?: string;
  listId?: string;
  position?: number;
}

/** The events the library stored for this page's namespace (its own export). */
export async function storedEvents(page: Page): Promise<StoredEventView[]> {
  const data = await instanceCall<{ events: StoredEventView[] }>(page, 'export');
  return data.events.map(({ type, itemId, listId, position }) => ({ type, ...(itemId ? { itemId } : {}), ...(listId ? { listId } : {}), ...(position !== undefined ? { position } : {}) }));
}

/** Console warnings and errors of a page, as text. */
export function consoleOf(page: Page): { warnings: string[]; errors: string[] } {
  const log = { warnings: [] as string[], errors: [] as string[] };
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'warn') log.warnings.push(m.text());
    if (m.type() === 'error') log.errors.push(m.text());
  });
  return log;
}

/** Requests that could carry user data: any with a query string, or to an origin not in `allowed`. */
export function suspiciousRequests(requests: string[], allowed: string[]): string[] {
  return requests.filter((u) => {
    if (u.startsWith('blob:') || u.startsWith('data:')) return false;
    const url = new URL(u);
    return url.search !== '' || !allowed.includes(url.origin);
  });
}

export async function newPage(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  await page.setViewport({ width: 800, height: 600 });
  return page;
}
