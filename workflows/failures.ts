import { ActivityFailure, ApplicationFailure, proxyActivities, workflowInfo, type ActivityOptions } from '@temporalio/workflow';
import type { TokenActivities } from '../activities/tokens';
import { FailureType, NEEDS_REAUTH, providerQueue, type OAuthProvider } from '../common/names';

/** What entity workflows share about failures and the one activity that may call a token endpoint. */

/** The type and message of an activity's failure. */
export function failureOf(err: unknown): { type: string; message: string } {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) return { type: cause.type ?? 'Error', message: cause.message };
  return { type: 'Error', message: err instanceof Error ? err.message : String(err) };
}

/**
 * The serialised token refresh (`refreshAccount`) on the provider's token queue, when a data call answered
 * AuthExpired: revoked access and a lost rotation never retry.
 */
export const refreshCalls = (provider: OAuthProvider): ActivityOptions => ({
  taskQueue: providerQueue(workflowInfo().taskQueue, provider),
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '30m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', nonRetryableErrorTypes: [FailureType.AuthRevoked, FailureType.RotationLost, FailureType.Invalid] },
});

/**
 * Runs a provider step; when it answers AuthExpired, refreshes the account's token through the serialised refresh
 * activity and runs it again (three tries in all). A refresh that finds access revoked (or a lost rotation) goes to
 * `onRevoked`, which reports, pauses and throws.
 */
export async function withFreshToken<T>(
  account: { accountId: string; provider: OAuthProvider },
  step: () => Promise<T>,
  onRevoked: (failure: { type: string; message: string }) => Promise<never>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (err) {
      const f = failureOf(err);
      if (f.type !== FailureType.AuthExpired || attempt >= 3) throw err;
      try {
        await proxyActivities<TokenActivities>(refreshCalls(account.provider)).refreshAccount({ accountId: account.accountId, minAgeSeconds: 0 });
      } catch (refreshErr) {
        const r = failureOf(refreshErr);
        if (!(NEEDS_REAUTH as string[]).includes(r.type)) throw refreshErr;
        return onRevoked(r);
      }
    }
  }
}
