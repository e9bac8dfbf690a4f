import { FailureType, ProviderError } from './errors';
import type { HttpClientOptions, RetryBudget } from './http';

/** Small pieces every provider data client (Google People, Zoho CRM, Zoho Creator) builds its HttpClients from. */

/** What a caller may pass through to a client's HTTP layer. */
export interface CallerOptions {
  retry?: RetryBudget;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Called before each retry (an activity heartbeats here). */
  onRetry?: (err: ProviderError, attempt: number, delayMs: number) => void;
}

/** The pass-through part of HttpClientOptions. */
export const passThrough = (o: CallerOptions): Pick<HttpClientOptions, 'timeoutMs' | 'signal' | 'onRetry'> => ({
  ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
  ...(o.signal ? { signal: o.signal } : {}),
  ...(o.onRetry ? { onRetry: o.onRetry } : {}),
});

/**
 * A budget for writes: retried only when the answer proves the write did not happen (a 429, or what `also` adds);
 * after a timeout or a 5xx it may have, and the caller's next read decides.
 */
export const writeRetry = (budget: RetryBudget, also?: (e: ProviderError) => boolean): RetryBudget => ({
  ...budget,
  retryOn: (e) => e.kind === FailureType.RateLimited || (also?.(e) ?? false),
});

/** A call over the provider's documented size, refused before it is sent. */
export const overLimit = (provider: string, what: string, n: number, limit: number): ProviderError =>
  new ProviderError(FailureType.Invalid, provider, `${what}: ${n} items, at most ${limit} per call`);
