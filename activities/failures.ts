import { ApplicationFailure } from '@temporalio/common';
import { FailureType, NON_RETRYABLE } from '../common/names';
import { ProviderError, kindForStatus, parseRetryAfter } from '../providers/errors';

/**
 * The one place where activities build the ApplicationFailures they throw: from a provider's failure, from an HTTP
 * answer of an extracted API, or from a rule of our own. A rate limit carries the provider's delay as
 * nextRetryDelay, so the activity never sleeps to wait out a limit; a provider error rides along as the cause (it
 * carries status, code and message only, never a request).
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

/** A failure of a rule of our own (an unknown account, a lease held by another run, a gave-up budget). */
export function failure(type: FailureType, message: string, opts: { nonRetryable?: boolean; nextRetryDelay?: number; cause?: Error } = {}): ApplicationFailure {
  return ApplicationFailure.create({ type, message, ...opts });
}

/** Input that no retry can fix: a bad config, an unknown id, an answer the engine cannot read. */
export const invalid = (message: string, cause?: Error): ApplicationFailure => failure(FailureType.Invalid, message, { nonRetryable: true, ...(cause ? { cause } : {}) });

/**
 * The failure for an extracted API's answer that is neither a page nor a stop signal: 429 (after its Retry-After),
 * 408 and 5xx (transient). Null for every other status, which the extraction engine reads itself.
 */
export function httpAnswerFailure(status: number, headers: Record<string, string>, what: string): ApplicationFailure | null {
  const kind = kindForStatus(status);
  if (kind !== FailureType.RateLimited && kind !== FailureType.Transient) return null;
  const retryAfterMs = kind === FailureType.RateLimited ? parseRetryAfter(headers['retry-after']) : undefined;
  const message = `${what}: HTTP ${status}${retryAfterMs !== undefined ? `, retry after ${Math.ceil(retryAfterMs / 1000)} s` : ''}`;
  return toApplicationFailure(new ProviderError(kind, 'http', message, { status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) }), { message });
}

/** A request to an extracted API that got no answer (timeout, reset, refused): transient. */
export function noAnswerFailure(message: string): ApplicationFailure {
  return toApplicationFailure(new ProviderError(FailureType.Transient, 'http', message), { message });
}
