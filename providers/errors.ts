import { ApplicationFailure } from '@temporalio/common';

/**
 * The one vocabulary of provider failures. Every provider client turns an HTTP answer into a ProviderError of
 * one of these kinds; activities turn it into an ApplicationFailure whose type drives Temporal's retries.
 */
export const FailureType = {
  /** 401 with an expired access token: refresh once, retry the call. */
  AuthExpired: 'AuthExpired',
  /** The refresh token is revoked or invalid: a person must reconnect the account. */
  AuthRevoked: 'AuthRevoked',
  /** 429 or the provider's equivalent: retry after its delay. */
  RateLimited: 'RateLimited',
  /** 5xx, timeouts, resets: retry with backoff. */
  Transient: 'Transient',
  /** 400 validation, bad config: retrying cannot help. */
  Invalid: 'Invalid',
  /** The record changed since we read it (stale etag, If-Unmodified-Since): re-read, then decide; never resend as is. */
  Conflict: 'Conflict',
  /** A sync token or page token expired: start the listing again from the beginning (a full sync). */
  CursorExpired: 'CursorExpired',
} as const;
export type FailureType = (typeof FailureType)[keyof typeof FailureType];

/** Failure types no retry can fix; activity options list them as nonRetryableErrorTypes. */
export const NON_RETRYABLE: FailureType[] = [FailureType.AuthRevoked, FailureType.Invalid, FailureType.Conflict, FailureType.CursorExpired];

export class ProviderError extends Error {
  constructor(
    readonly kind: FailureType,
    readonly provider: string,
    message: string,
    readonly details: { status?: number; code?: string; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'ProviderError';
  }
}

/** Retry-After as seconds or an HTTP date, in milliseconds; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | null | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  const secs = Number(v);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * The ApplicationFailure an activity throws for a provider error. A rate limit carries the provider's delay as
 * nextRetryDelay, so the activity never sleeps to wait out a limit.
 */
export function toApplicationFailure(err: ProviderError): ApplicationFailure {
  return ApplicationFailure.create({
    type: err.kind,
    message: `${err.provider}: ${err.message}`,
    nonRetryable: NON_RETRYABLE.includes(err.kind),
    ...(err.kind === FailureType.RateLimited && err.details.retryAfterMs !== undefined ? { nextRetryDelay: Math.max(1000, err.details.retryAfterMs) } : {}),
    details: [{ provider: err.provider, status: err.details.status ?? null, code: err.details.code ?? null }],
    cause: err,
  });
}

/** Network-level failures (no HTTP answer) are transient. */
export function isNetworkError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'ECONNABORTED', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ERR_SOCKET_CONNECTION_TIMEOUT', 'UND_ERR_SOCKET'].includes(code);
}

/** The default mapping of an HTTP status, for answers a provider-specific rule did not classify. */
export function kindForStatus(status: number): FailureType {
  if (status === 401) return FailureType.AuthExpired;
  if (status === 429) return FailureType.RateLimited;
  if (status >= 500 || status === 408) return FailureType.Transient;
  return FailureType.Invalid;
}
