import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
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
  /** This process's order of trying the chunks of `second` (a rotation, so that processes rarely collide). */
  order: number[];
  tried: number;
  /** Grants of `second` this process holds and has not handed out. */
  pool: number;
  prunedAt: number;
}

/**
 * Slots are claimed in chunks of a twentieth of the limit (one slot each under 40 a second): one document per
 * chunk, so a busy endpoint costs the store a few inserts a second rather than one per call. A chunk's grants that
 * its process had no caller for by the end of the second are lost to the others, at most one partial chunk a
 * process per second; when the limit binds, every process has callers waiting and uses its chunks at once.
 */
export const chunkSize = (perSecond: number): number => Math.max(1, Math.floor(perSecond / 20));
const chunkCount = (perSecond: number): number => Math.ceil(perSecond / chunkSize(perSecond));
/** Grants in chunk i (the last one may be smaller). */
const chunkGrants = (perSecond: number, i: number): number => Math.min(chunkSize(perSecond), perSecond - i * chunkSize(perSecond));

/**
 * Admits calls to a rate-limited endpoint at most `perSecond` in any calendar second, across every process that
 * shares the grant store: each call needs a grant of the current second, and grants are claimed in the store in
 * chunks, as many at a time as the callers waiting need (one round trip for a burst). A second whose chunks are all
 * taken makes its callers wait for the next one. Calls are admitted in the order they asked, per process.
 */
export class RateGate {
  private readonly scopes = new Map<string, ScopeState>();
  private readonly owner = randomUUID();

  constructor(private readonly store: RateGrantStore) {}

  /** Resolves when a call to `scope` may be sent now; `perSecond` is the scope's limit (whole calls, at least 1). */
  acquire(scope: string, perSecond: number): Promise<void> {
    const limit = Math.max(1, Math.floor(perSecond));
    let s = this.scopes.get(scope);
    if (!s) {
      s = { perSecond: limit, waiters: [], pumping: false, second: -1, order: [], tried: 0, pool: 0, prunedAt: Math.floor(Date.now() / 1000) };
      this.scopes.set(scope, s);
    }
    const state = s;
    return new Promise<void>((resolve, reject) => {
      state.waiters.push({ resolve, reject });
      if (state.perSecond !== limit && state.second >= 0) state.second = -1; // a changed limit renumbers the chunks
      state.perSecond = limit;
      if (!state.pumping) void this.pump(scope, state);
    });
  }

  private async pump(scope: string, s: ScopeState): Promise<void> {
    s.pumping = true;
    try {
      while (s.waiters.length > 0) {
        const now = Date.now();
        const second = Math.floor(now / 1000);
        const closes = (second + 1) * 1000 - GUARD_MS;
        if (now >= closes) {
          await sleep((second + 1) * 1000 - now);
          continue;
        }
        if (second !== s.second) {
          s.second = second;
          const n = chunkCount(s.perSecond);
          const start = Math.floor(Math.random() * n);
          s.order = Array.from({ length: n }, (_, i) => (start + i) % n);
          s.tried = 0;
          s.pool = 0;
        }
        if (s.pool > 0) {
          const admitted = s.waiters.splice(0, s.pool);
          s.pool -= admitted.length;
          for (const w of admitted) w.resolve();
          continue;
        }
        if (s.tried >= s.order.length) {
          // Every chunk of this second is taken (by this process or others): the next second.
          await sleep((second + 1) * 1000 - now);
          continue;
        }
        const want: number[] = [];
        for (let grants = 0; grants < s.waiters.length && s.tried < s.order.length; s.tried++) {
          want.push(s.order[s.tried]!);
          grants += chunkGrants(s.perSecond, s.order[s.tried]!);
        }
        let got: number[];
        try {
          got = await this.store.claim(scope, second, want, this.owner);
        } catch (err) {
          // The store is unreachable: every caller waiting fails (its activity retries), none is admitted unchecked.
          for (const w of s.waiters.splice(0)) w.reject(err);
          return;
        }
        // Grants that came back after their second closed are void; the callers try the next second.
        if (Date.now() >= closes || s.second !== second) continue;
        s.pool += got.reduce((n, i) => n + chunkGrants(s.perSecond, i), 0);
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
