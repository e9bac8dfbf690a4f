import type { KommoConfig } from './config';
import type { KommoAccount } from './store';

export type Admission = 'ok' | 'limited' | 'blocked';

/**
 * Kommo's per-account limit on the fake clock: at most `perSecond` admitted requests in any second (429 past it),
 * and `blockAfter` 429s inside the block window block the account (403) for `blockSeconds`. A refused request
 * does not use up the second's allowance.
 */
export function admit(acc: KommoAccount, rl: KommoConfig['rateLimit'], now: number): Admission {
  if (acc.blockedUntil > now) return 'blocked';
  if (rl.perSecond <= 0) return 'ok';
  acc.recentRequests = acc.recentRequests.filter((t) => t > now - 1000);
  if (acc.recentRequests.length < rl.perSecond) {
    acc.recentRequests.push(now);
    return 'ok';
  }
  acc.recentViolations = acc.recentViolations.filter((t) => t > now - rl.blockWindowSeconds * 1000);
  acc.recentViolations.push(now);
  if (rl.blockAfter > 0 && acc.recentViolations.length >= rl.blockAfter) {
    acc.blockedUntil = now + rl.blockSeconds * 1000;
    acc.recentViolations = [];
  }
  return 'limited';
}
