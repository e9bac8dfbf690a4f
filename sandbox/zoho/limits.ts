/** Rate and budget counters of the Zoho fake, all on the fake clock and O(1) amortised per hit. */

/** Fixed windows per key (Creator's per-minute and per-day limits). */
export class KeyedFixedWindows {
  private windows = new Map<string, { start: number; count: number }>();

  tryHit(key: string, now: number, windowMs: number, limit: number): boolean {
    const start = now - (now % windowMs);
    let w = this.windows.get(key);
    if (!w || w.start !== start) {
      w = { start, count: 0 };
      this.windows.set(key, w);
    }
    if (w.count >= limit) return false;
    w.count++;
    return true;
  }

  clear(): void {
    this.windows.clear();
  }
}

/**
 * A rolling budget (CRM credits per 24 h), kept as per-minute buckets: spending and expiring are amortised O(1)
 * and the window rolls as Zoho's does instead of resetting at midnight.
 */
export class RollingBudget {
  private buckets = new Map<number, number>();
  private sum = 0;

  constructor(
    private readonly windowMs: number,
    private readonly bucketMs = 60_000,
  ) {}

  private expire(now: number): void {
    for (const [start, cost] of this.buckets) {
      if (start + this.bucketMs > now - this.windowMs) break; // insertion order is time order
      this.buckets.delete(start);
      this.sum -= cost;
    }
  }

  used(now: number): number {
    this.expire(now);
    return this.sum;
  }

  trySpend(now: number, cost: number, limit: number): boolean {
    this.expire(now);
    if (this.sum + cost > limit) return false;
    const start = now - (now % this.bucketMs);
    this.buckets.set(start, (this.buckets.get(start) ?? 0) + cost);
    this.sum += cost;
    return true;
  }
}

/** Timestamps of recent events, for "more than N in the last window" (refresh throttling: N is ~5). */
export function recentCount(times: number[], now: number, windowMs: number): number {
  while (times.length > 0 && (times[0] ?? 0) <= now - windowMs) times.shift();
  return times.length;
}
