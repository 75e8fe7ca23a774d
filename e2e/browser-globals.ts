const BROWSER_GLOBALS = ['window', 'document', 'navigator', 'self', 'location', 'indexedDB', 'Worker', 'localStorage'];

/**
 * Records every read of a browser global that Node lacks (`touched`), until
 * `release()`: the import-safety tests import the built package inside it.
 */
export function trapBrowserGlobals(): { touched: string[]; trapped: string[]; release(): void } {
  const touched: string[] = [];
  const trapped = BROWSER_GLOBALS.filter((name) => !(name in globalThis));
  for (const name of trapped) {
    Object.defineProperty(globalThis, name, {
      configurable: true,
      get() {
        touched.push(name);
        return undefined;
      },
    });
  }
  return { touched, trapped, release: () => trapped.forEach((name) => delete (globalThis as Record<string, unknown>)[name]) };
}
