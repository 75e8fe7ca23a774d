/**
 * The Cache API of this global, or undefined where there is none or it may not be used. Reading `caches`
 * can throw rather than be absent: Firefox's getter throws NS_ERROR_FAILURE in a worker of an opaque origin
 * (a sandboxed iframe without allow-same-origin), so `typeof caches` alone is not a safe test.
 */
export function cacheStorage(): CacheStorage | undefined {
  try {
    return typeof caches === 'undefined' ? undefined : caches;
  } catch {
    return undefined;
  }
}

/**
 * Deletes a cache of this origin. Where the Cache API is missing or denied (storage blocked, an opaque
 * origin: SecurityError) no cache can have been made, so there is nothing to delete and nothing to report.
 */
export async function deleteCache(name: string): Promise<void> {
  try {
    await cacheStorage()?.delete(name);
  } catch (error) {
    if ((error as { name?: unknown } | null)?.name !== 'SecurityError') throw error;
  }
}
