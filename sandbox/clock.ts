/**
 * The sandbox's fake clock: real time plus an offset a test can move forward, so token expiry,
 * sync-token age and per-minute quotas can be provoked without waiting.
 */
export class FakeClock {
  private offsetMs = 0;

  now(): number {
    return Date.now() + this.offsetMs;
  }

  nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }

  advance(ms: number): number {
    if (!Number.isFinite(ms) || ms < 0) throw new Error(`clock can only move forward, got ${ms}`);
    this.offsetMs += ms;
    return this.now();
  }

  reset(): void {
    this.offsetMs = 0;
  }

  get offset(): number {
    return this.offsetMs;
  }
}
