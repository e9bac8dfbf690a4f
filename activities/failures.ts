import { ApplicationFailure } from '@temporalio/common';
import { FailureType, NON_RETRYABLE } from '../common/names';
import { ProviderError } from '../providers/errors';

/**
 * The one place where a provider's failure becomes the ApplicationFailure an activity throws. A rate limit carries
 * the provider's delay as nextRetryDelay, so the activity never sleeps to wait out a limit; the provider error
 * rides along as the cause (it carries status, code and message only, never a request).
 */
export function toApplicationFailure(err: ProviderError, opts: { nonRetryable?: boolean; message?: string; type?: FailureType } = {}): ApplicationFailure {
  return ApplicationFailure.create({
    type: opts.type ?? err.kind,
    message: opts.message ?? `${err.provider}: ${err.message}`,
    nonRetryable: opts.nonRetryable ?? NON_RETRYABLE.includes(err.kind),
    ...(err.kind === FailureType.RateLimited && err.details.retryAfterMs !== undefined ? { nextRetryDelay: Math.max(1000, err.details.retryAfterMs) } : {}),
    details: [{ provider: err.provider, status: err.details.status ?? null, code: err.details.code ?? null }],
    cause: err,
  });
}

/** Any error an activity caught from a provider call, as a ProviderError (an unexpected one counts as transient). */
export function asProviderError(err: unknown, provider: string): ProviderError {
  if (err instanceof ProviderError) return err;
  return new ProviderError(FailureType.Transient, provider, err instanceof Error ? err.message : String(err));
}

/** Runs a provider call; a ProviderError leaves as the ApplicationFailure its kind calls for (Retry-After, retryable or not). */
export async function providerCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ProviderError) throw toApplicationFailure(err);
    throw err;
  }
}
