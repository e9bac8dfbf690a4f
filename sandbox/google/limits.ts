/**
 * Fixed-window counters on the fake clock. O(1) per hit, so the token endpoint's limit stays cheap under a
 * 5000-account refresh benchmark. A fixed window (not a sliding one) is what a per-second / per-minute quota
 * counter usually is, and it makes "the 61st read in this minute fails" easy to provoke.
 */
export interface WindowVerdict {
  ok: boolean;
  /** Milliseconds until the current window ends (when refused). */
  retryAfterMs: number;
}

export class FixedWindow {
  private start = Number.NEGATIVE_INFINITY;
  private count = 0;

  /** Counts `weight` hits if they fit under `limit` in the window containing `now`. */
  tryHit(now: number, windowMs: number, limit: number, weight = 1): WindowVerdict {
    const start = now - (now % windowMs);
    if (start !== this.start) {
      this.start = start;
      this.count = 0;
    }
    if (this.count + weight > limit) return { ok: false, retryAfterMs: start + windowMs - now };
    this.count += weight;
    return { ok: true, retryAfterMs: 0 };
  }

  reset(): void {
    this.start = Number.NEGATIVE_INFINITY;
    this.count = 0;
  }
}

/** One FixedWindow per key (per user, per endpoint...). */
export class KeyedWindows {
  private windows = new Map<string, FixedWindow>();

  tryHit(key: string, now: number, windowMs: number, limit: number, weight = 1): WindowVerdict {
    let w = this.windows.get(key);
    if (!w) {
      w = new FixedWindow();
      this.windows.set(key, w);
    }
    return w.tryHit(now, windowMs, limit, weight);
  }

  clear(): void {
    this.windows.clear();
  }
}
