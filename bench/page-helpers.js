// Helpers shared by the benchmark pages (loaded from /bench/ as a plain ES module).

/**
 * A plain worker spoken to with `{ id, op, args }` messages answered by `{ id, result | error }`:
 * `call(op, args)` resolves with the result; a worker error rejects every call in flight.
 */
export function workerRpc(url, name) {
  const worker = new Worker(url, { type: 'module', name });
  let seq = 0;
  const pending = new Map();
  worker.onmessage = (e) => {
    const { id, result, error } = e.data;
    const p = pending.get(id);
    pending.delete(id);
    if (error) p.reject(new Error(error));
    else p.resolve(result);
  };
  worker.onerror = (e) => {
    for (const p of pending.values()) p.reject(new Error(`${name} worker error: ${e.message}`));
    pending.clear();
  };
  const call = (op, args) =>
    new Promise((resolve, reject) => {
      const id = ++seq;
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, op, args });
    });
  return { worker, call, terminate: () => worker.terminate() };
}

/** The smallest step performance.now() shows here, in ms (5 µs when cross-origin isolated). */
export function timerResolution() {
  let min = Infinity;
  let last = performance.now();
  for (let i = 0; i < 200_000 && min > 0.001; i++) {
    const t = performance.now();
    if (t > last) {
      min = Math.min(min, t - last);
      last = t;
    }
  }
  return min;
}
