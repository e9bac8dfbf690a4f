import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../../common/names';

/**
 * Retrying one request inside the page-fetching activity. A 429 or 5xx that left the activity would make Temporal's
 * retry re-fetch every page since the last uploaded part (with their mapping_fetch calls), exactly when the API is
 * pushing back; here the one request is sent again, after the API's Retry-After or an exponential backoff, within a
 * budget. Only when the budget is spent does the failure leave the activity (with Retry-After as nextRetryDelay).
 */
export interface RequestRetryPolicy {
  /** Retries of one request; 0 sends it once. */
  retries: number;
  /** Total wait across one request's retries; a Retry-After past what is left ends the retries at once. */
  budgetMs: number;
  /** First backoff when the API names no delay; doubles per retry up to maxIntervalMs. */
  initialMs: number;
  maxIntervalMs: number;
}

export const DEFAULT_RETRY_POLICY: RequestRetryPolicy = { retries: 8, budgetMs: 300_000, initialMs: 1000, maxIntervalMs: 60_000 };

/** Waits, alive: the activity passes one that heartbeats and ends early on cancellation. */
export type Wait = (ms: number) => Promise<void>;

/** A failed answer worth sending again: RateLimited or Transient, with the API's delay when it named one. */
export interface Retryable {
  failure: ApplicationFailure;
  retryAfterMs: number | undefined;
}

/** The wait before retry `n` (1-based): the API's Retry-After when given, else the backoff. */
export function retryDelay(policy: RequestRetryPolicy, n: number, retryAfterMs: number | undefined): number {
  if (retryAfterMs !== undefined) return retryAfterMs;
  return Math.min(policy.maxIntervalMs, policy.initialMs * 2 ** (n - 1));
}

/** The delay an ApplicationFailure carries (ms), as httpAnswerFailure set it from Retry-After. */
function delayOf(f: ApplicationFailure): number | undefined {
  const d = f.nextRetryDelay;
  if (d === undefined || d === null) return undefined;
  return typeof d === 'number' ? d : undefined;
}

/** A thrown error that another try may cure: a request with no answer (timeout, reset), classed Transient. */
export function retryableThrown(err: unknown): Retryable | null {
  if (!(err instanceof ApplicationFailure) || err.nonRetryable) return null;
  if (err.type !== FailureType.Transient && err.type !== FailureType.RateLimited) return null;
  return { failure: err, retryAfterMs: delayOf(err) };
}

/**
 * Runs `attempt` until it answers, retrying what it reports as retryable within the policy. `attempt` returns a
 * value, or a Retryable for an answer that is not one; thrown errors that are retryable (no answer) count too.
 * Answers the value and how many retries it took.
 */
export async function withRequestRetries<T>(
  o: {
    policy: RequestRetryPolicy;
    wait: Wait;
    isRetryable: (v: T | Retryable) => v is Retryable;
    /** True once the activity is cancelled: an aborted request is not retried. */
    aborted?: () => boolean;
    onRetry?: (r: Retryable, delayMs: number) => void;
  },
  attempt: () => Promise<T | Retryable>,
): Promise<{ value: T; retries: number }> {
  const { policy } = o;
  let waited = 0;
  for (let n = 1; ; n++) {
    let outcome: T | Retryable;
    try {
      outcome = await attempt();
    } catch (err) {
      const r = o.aborted?.() ? null : retryableThrown(err);
      if (!r) throw err;
      outcome = r;
    }
    if (!o.isRetryable(outcome)) return { value: outcome, retries: n - 1 };
    const delay = retryDelay(policy, n, outcome.retryAfterMs);
    if (n > policy.retries || waited + delay > policy.budgetMs) {
      // Budget spent: leave the activity; Temporal's retry waits for Retry-After (nextRetryDelay) or backs off.
      throw outcome.failure;
    }
    waited += delay;
    o.onRetry?.(outcome, delay);
    await o.wait(delay);
  }
}
