import { z } from 'zod';
import type { ZohoDataCentre } from '../../common/names';
import { FailureType, ProviderError, kindForStatus } from '../errors';
import { briefBody, type ProviderResponse } from '../http';

/**
 * What the Zoho CRM and Creator clients share: the API host of each data centre, the auth header, a concurrency
 * limiter, and the reading of Zoho's error bodies.
 */

/** API hosts per data centre (https://www.zoho.com/crm/developer/docs/api/v8/multi-dc.html); Canada is zohoapis.ca. */
export const ZOHO_API_DOMAINS: Record<ZohoDataCentre, string> = {
  com: 'https://www.zohoapis.com',
  eu: 'https://www.zohoapis.eu',
  in: 'https://www.zohoapis.in',
  'com.au': 'https://www.zohoapis.com.au',
  jp: 'https://www.zohoapis.jp',
  'com.cn': 'https://www.zohoapis.com.cn',
  sa: 'https://www.zohoapis.sa',
  ca: 'https://www.zohoapis.ca',
};

/** The token's api_domain when the refresh answered one, else the data centre's host. */
export const zohoApiDomain = (dc: ZohoDataCentre, tokenApiDomain?: string | null): string => (tokenApiDomain ?? ZOHO_API_DOMAINS[dc]).replace(/\/$/, '');

export const zohoAuth = (token: string): Record<string, string> => ({ authorization: `Zoho-oauthtoken ${token}` });

/** At most `limit` calls in flight at once (Zoho's per-org concurrency limit); the rest wait their turn. */
export class ConcurrencyLimiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {
    if (!(limit >= 1)) throw new Error('a concurrency limit must be at least 1');
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

const crmBody = z.object({ code: z.string().optional(), message: z.string().optional(), status: z.string().optional() }).loose();

/** The kind of a CRM error code (https://www.zoho.com/crm/developer/docs/api/v8/status-codes.html). */
export function crmKind(httpStatus: number, code: string | undefined): FailureType {
  if (code === 'INVALID_TOKEN' || code === 'AUTHENTICATION_FAILURE') return FailureType.AuthExpired;
  if (code === 'OAUTH_SCOPE_MISMATCH') return FailureType.AuthRevoked;
  if (code === 'TOO_MANY_REQUESTS') return FailureType.RateLimited;
  // A page_token older than 24 h: list again from the start.
  if (code === 'EXPIRED_VALUE') return FailureType.CursorExpired;
  // If-Unmodified-Since: the record changed after the time we read it.
  if (code === 'ALREADY_MODIFIED') return FailureType.Conflict;
  if (code === 'INTERNAL_ERROR') return FailureType.Transient;
  return kindForStatus(httpStatus);
}

/**
 * CRM answers: a write whose records failed answers 400/412 with per-record results in `data`; those are results
 * the caller reads record by record. Any other 4xx/5xx is a ProviderError with Zoho's code and message.
 */
export function classifyCrm(res: ProviderResponse, what: string): ProviderError | null {
  if (res.status < 400) return null;
  const data = res.data as { data?: unknown } | null;
  if (res.status !== 401 && res.status !== 429 && res.status < 500 && Array.isArray(data?.data)) return null;
  const b = crmBody.safeParse(res.data);
  const code = b.success ? b.data.code : undefined;
  const message = b.success && b.data.message ? `: ${code ?? ''} ${b.data.message}` : briefBody(res.data);
  return new ProviderError(crmKind(res.status, code), 'zoho', `${what}: HTTP ${res.status}${message}`, {
    status: res.status,
    ...(code ? { code } : {}),
    ...(res.retryAfterMs !== undefined ? { retryAfterMs: res.retryAfterMs } : {}),
  });
}
