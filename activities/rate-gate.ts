import { randomUUID } from 'node:crypto';
import type { RateGrantStore } from '../store/rate-grants';

/**
 * A call is admitted only this long before its second ends: a request sent later could reach the provider in the
 * next second, and count there with that second's own calls.
 */
const GUARD_MS = 100;
/** Old grants are pruned about this often, per scope and process. */
const PRUNE_EVERY_S = 60;

interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
}

interface ScopeState {
  perSecond: number;
  waiters: Waiter[];
  pumping: boolean;
  second: number;
  /** This process's order of trying the slots of `second` (a rotation, so that processes rarely collide). */
  order: number[];
  tried: number;
  prunedAt: number;
}

/**
 * Admits calls to a rate-limited endpoint at most `perSecond` in any calendar second, across every process that
 * shares the grant store: each call needs a slot of the current second, and slots are claimed in the store, as
 * many at a time as there are callers waiting (one round trip for a burst). A second whose slots are all taken
 * makes its callers wait for the next one. Calls are admitted in the order they asked, per process.
 */
export class RateGate {
  private readonly scopes = new Map<string, ScopeState>();
  private readonly owner = randomUUID();

  constructor(
    private readonly store: RateGrantStore,
    private readonly clock: { now(): number; sleep(ms: number): Promise<void> } = { now: Date.now, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
  ) {}

  /** Resolves when a call to `scope` may be sent now; `perSecond` is the scope's limit (whole calls, at least 1). */
  acquire(scope: string, perSecond: number): Promise<void> {
    const limit = Math.max(1, Math.floor(perSecond));
    let s = this.scopes.get(scope);
    if (!s) {
      s = { perSecond: limit, waiters: [], pumping: false, second: -1, order: [], tried: 0, prunedAt: Math.floor(this.clock.now() / 1000) };
      this.scopes.set(scope, s);
    }
    s.perSecond = limit;
    const state = s;
    return new Promise<void>((resolve, reject) => {
      state.waiters.push({ resolve, reject });
      if (!state.pumping) void this.pump(scope, state);
    });
  }

  private async pump(scope: string, s: ScopeState): Promise<void> {
    s.pumping = true;
    try {
      while (s.waiters.length > 0) {
        const now = this.clock.now();
        const second = Math.floor(now / 1000);
        const closes = (second + 1) * 1000 - GUARD_MS;
        if (now >= closes) {
          await this.clock.sleep((second + 1) * 1000 - now);
          continue;
        }
        if (second !== s.second) {
          s.second = second;
          const start = Math.floor(Math.random() * s.perSecond);
          s.order = Array.from({ length: s.perSecond }, (_, i) => (start + i) % s.perSecond);
          s.tried = 0;
        }
        if (s.tried >= s.order.length) {
          // Every slot of this second is taken (by this process or others): the next second.
          await this.clock.sleep((second + 1) * 1000 - now);
          continue;
        }
        const want = s.order.slice(s.tried, s.tried + s.waiters.length);
        s.tried += want.length;
        let got: number[];
        try {
          got = await this.store.claim(scope, second, want, this.owner);
        } catch (err) {
          // The store is unreachable: every caller waiting fails (its activity retries), none is admitted unchecked.
          for (const w of s.waiters.splice(0)) w.reject(err);
          return;
        }
        // Grants that came back after their second closed are void; the callers try the next second.
        if (this.clock.now() >= closes) continue;
        for (const w of s.waiters.splice(0, got.length)) w.resolve();
        if (second - s.prunedAt >= PRUNE_EVERY_S) {
          s.prunedAt = second;
          void this.store.prune(scope, second - 10).catch(() => undefined);
        }
      }
    } finally {
      s.pumping = false;
    }
  }
}
