import { FailureType, ProviderError, kindForStatus } from '../errors';
import { briefBody, type Classify } from '../http';
import { envelopeSchema } from './types';

/**
 * Unisender answers failures as HTTP 200 with {"error": text, "code": code}.
 * https://www.unisender.com/en/support/api/common/api-common/
 */

/** retry_later: "temporary failure"; no delay is given, half a minute is a polite wait. */
export const RETRY_LATER_MS = 30_000;
/** The per-key and per-IP limits are per minute: the next minute is the earliest a call can pass. */
export const CALL_LIMIT_MS = 60_000;

const KINDS: Record<string, { kind: FailureType; retryAfterMs?: number }> = {
  invalid_api_key: { kind: FailureType.AuthRevoked },
  access_denied: { kind: FailureType.AuthRevoked },
  retry_later: { kind: FailureType.RateLimited, retryAfterMs: RETRY_LATER_MS },
  api_call_limit_exceeded_for_api_key: { kind: FailureType.RateLimited, retryAfterMs: CALL_LIMIT_MS },
  api_call_limit_exceeded_for_ip: { kind: FailureType.RateLimited, retryAfterMs: CALL_LIMIT_MS },
  invalid_arg: { kind: FailureType.Invalid },
  unknown_method: { kind: FailureType.Invalid },
};

/**
 * Classify for the shared HTTP layer, for one call: `secret` (the API key) is blanked out of any text Unisender
 * sends back, so an error never carries it even when the provider echoes it.
 */
export function classifyUnisender(secret: string): Classify {
  const scrub = (text: string): string => (secret ? text.split(secret).join('[api key]') : text);
  return (res, what) => {
    if (res.status !== 200) {
      return new ProviderError(kindForStatus(res.status), 'unisender', scrub(`${what}: HTTP ${res.status}${briefBody(res.data)}`), {
        status: res.status,
        ...(res.retryAfterMs !== undefined ? { retryAfterMs: res.retryAfterMs } : {}),
      });
    }
    const body = envelopeSchema.safeParse(res.data);
    // A 200 that is not the JSON envelope (a proxy's page): the next attempt may reach the API.
    if (!body.success) return new ProviderError(FailureType.Transient, 'unisender', scrub(`${what}: not a Unisender answer${briefBody(res.data, 80)}`), { status: 200 });
    const { error, code } = body.data;
    if (error === undefined && code === undefined) return null;
    // Unlisted codes are not retried: a loop on an error nobody understands helps no one.
    const rule = KINDS[code ?? ''] ?? { kind: FailureType.Invalid };
    return new ProviderError(rule.kind, 'unisender', scrub(`${what}: ${code ?? 'error'}: ${error ?? ''}`), {
      status: 200,
      ...(code ? { code } : {}),
      ...(rule.retryAfterMs !== undefined ? { retryAfterMs: res.retryAfterMs ?? rule.retryAfterMs } : {}),
    });
  };
}
