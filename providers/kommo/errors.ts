import { z } from 'zod';
import { FailureType, ProviderError, kindForStatus } from '../errors';
import { briefBody, type ProviderResponse } from '../http';

/**
 * Kommo's error answers: problem+json `{title, type, status, detail, validation-errors?}` from the API; a 429
 * from its edge past 7 requests/s per account (the body may not be JSON); a 403 that blocks the account after
 * repeated violations. https://developers.kommo.com/docs/limitations
 */

/** How long a 403 block lasts when the answer says nothing: Kommo blocks an account for 15 minutes. */
export const KOMMO_BLOCK_MS = 15 * 60_000;
/** A 429 without Retry-After: the limit is per second, so a second is enough. */
export const KOMMO_429_DELAY_MS = 1_000;

const problemSchema = z
  .object({
    title: z.string().optional(),
    detail: z.string().optional(),
    'validation-errors': z
      .array(z.object({ errors: z.array(z.object({ code: z.string().optional(), path: z.string().optional() }).loose()).optional() }).loose())
      .optional(),
  })
  .loose();

/** "title: detail (path code, ...)" of a problem+json body, or a brief rendering of any other body. */
function problemText(data: unknown): string {
  const p = problemSchema.safeParse(data);
  if (!p.success || (p.data.title === undefined && p.data.detail === undefined)) return briefBody(data);
  const fields = (p.data['validation-errors'] ?? []).flatMap((v) => v.errors ?? []).map((e) => `${e.path ?? '?'} ${e.code ?? ''}`.trim());
  return `: ${[p.data.title, p.data.detail].filter(Boolean).join(': ')}${fields.length ? ` (${fields.join(', ')})` : ''}`;
}

/** Classify for the shared HTTP layer: 2xx (204 included) are results; 401 AuthExpired; 429 and 403 RateLimited. */
export function classifyKommo(res: ProviderResponse, what: string): ProviderError | null {
  if (res.status < 400) return null;
  const message = `${what}: HTTP ${res.status}${problemText(res.data)}`;
  if (res.status === 429 || res.status === 403) {
    const retryAfterMs = res.retryAfterMs ?? (res.status === 403 ? KOMMO_BLOCK_MS : KOMMO_429_DELAY_MS);
    return new ProviderError(FailureType.RateLimited, 'kommo', message, { status: res.status, code: res.status === 403 ? 'blocked' : 'rate_limited', retryAfterMs });
  }
  return new ProviderError(kindForStatus(res.status), 'kommo', message, { status: res.status });
}
