/** Where progress goes: stderr, with whether it is a terminal. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface Progress {
  /** `done` items of `total` are written (resumed ones included). */
  update(done: number): void;
  /** Ends the bar (a TTY gets its line finished). */
  finish(done: number): void;
}

const TTY_INTERVAL_MS = 100;
const LOG_INTERVAL_MS = 5_000;

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * A progress bar on a terminal (one line, redrawn at most 10 times a second)
 * or, when stderr is a file or a pipe (CI logs), one line every 5 seconds.
 * Speed counts only items embedded in this run (not resumed ones).
 */
export function createProgress(stream: ProgressStream, total: number, resumed: number, now: () => number = () => performance.now()): Progress {
  const start = now();
  let last = -Infinity;
  let shown = -1;
  const line = (done: number): string => {
    const seconds = (now() - start) / 1000;
    const rate = seconds > 0 ? (done - resumed) / seconds : 0;
    const eta = rate > 0 ? formatDuration((total - done) / rate) : '?';
    const pct = total > 0 ? Math.floor((done / total) * 100) : 100;
    const width = 24;
    const filled = total > 0 ? Math.round((done / total) * width) : width;
    const bar = stream.isTTY ? `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ` : '';
    return `${bar}${done}/${total} items (${pct}%), ${rate.toFixed(0)} items/s, ETA ${eta}`;
  };
  return {
    update(done) {
      const t = now();
      if (t - last < (stream.isTTY ? TTY_INTERVAL_MS : LOG_INTERVAL_MS)) return;
      last = t;
      shown = done;
      stream.write(stream.isTTY ? `\r\x1b[K${line(done)}` : `${line(done)}\n`);
    },
    finish(done) {
      if (stream.isTTY) stream.write(`\r\x1b[K${line(done)}\n`);
      else if (done !== shown) stream.write(`${line(done)}\n`);
    },
  };
}
