import { FailureType } from '../common/names';

export { FailureType };

/**
 * The one vocabulary of provider failures. Every provider client turns an HTTP answer into a ProviderError of one
 * of the FailureType kinds; the activity side (activities/failures.ts) turns it into the ApplicationFailure whose
 * type drives Temporal's retries.
 *
 * A ProviderError carries what an operator needs (kind, provider, status, provider code and message, Retry-After)
 * and nothing else: no cause, no request, no headers, no body. It is what ends up in logs and workflow histories.
 */
export class ProviderError extends Error {
  constructor(
    readonly kind: FailureType,
    readonly provider: string,
    message: string,
    readonly details: { status?: number; code?: string; retryAfterMs?: number } = {},
  ) {
    super(message);
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

/** Network-level failures (no HTTP answer) are transient. */
export function isNetworkError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'ECONNABORTED', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ERR_SOCKET_CONNECTION_TIMEOUT', 'UND_ERR_SOCKET'].includes(code);
}

/** The default mapping of an HTTP status, for answers a provider-specific rule did not classify. */
export function kindForStatus(status: number): FailureType {
  if (status === 401) return FailureType.AuthExpired;
  if (status === 429) return FailureType.RateLimited;
  if (status >= 500 || status === 408) return FailureType.Transient;
  return FailureType.Invalid;
}
