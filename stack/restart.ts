/** When `npm start` restarts a process of its own that died: exponential backoff, and a cap per time window. */
export interface RestartPolicy {
  /** Delay before the first restart of a streak; each further one doubles it. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** At most this many restarts within windowMs; the next exit is given up on. */
  maxRestarts: number;
  windowMs: number;
  /** A process that ran at least this long before it died starts a new streak (back to initialDelayMs). */
  stableAfterMs: number;
}

// A crash loop costs 1+2+4+8+16 s of restarts, then stops: a worker that fails at start (bad settings, a server
// gone) should not fill its log forever, and a rare crash (once an hour) is always restarted.
export const DEFAULT_RESTART: RestartPolicy = {
  initialDelayMs: 1_000,
  maxDelayMs: 30_000,
  maxRestarts: 5,
  windowMs: 10 * 60_000,
  stableAfterMs: 60_000,
};

export type RestartDecision = { restart: true; delayMs: number; count: number } | { restart: false; count: number };

/** Decides, exit after exit of one process, whether and when to restart it. */
export class RestartTracker {
  private restarts: number[] = [];
  private streak = 0;

  constructor(readonly policy: RestartPolicy) {}

  /** An unexpected exit at `now`, after the process ran `ranForMs`. `count` is the restarts within the window, this one included. */
  next(now: number, ranForMs: number): RestartDecision {
    const p = this.policy;
    this.restarts = this.restarts.filter((t) => now - t < p.windowMs);
    if (ranForMs >= p.stableAfterMs) this.streak = 0;
    if (this.restarts.length >= p.maxRestarts) return { restart: false, count: this.restarts.length };
    const delayMs = Math.min(p.initialDelayMs * 2 ** this.streak, p.maxDelayMs);
    this.streak += 1;
    this.restarts.push(now);
    return { restart: true, delayMs, count: this.restarts.length };
  }
}

/** "5 restarts within 10 min" for the operator. */
export function describeWindow(p: RestartPolicy): string {
  return `${p.maxRestarts} restarts within ${formatMs(p.windowMs)}`;
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${Math.round(ms / 100) / 10} s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return s ? `${m} min ${s} s` : `${m} min`;
}
