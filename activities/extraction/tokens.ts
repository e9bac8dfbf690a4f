import { createHash } from 'node:crypto';
import { FailureType } from '../../common/names';
import { readRefreshAnswer, refreshRequest, stringifyJson, type Config } from '../../extraction';
import { parseRetryAfter } from '../../providers/errors';
import type { ExtractionRunStore } from '../../store/extraction-runs';
import { failure, invalid } from '../failures';
import { failureFor, type Send } from './sender';

/** An access token and when it expires (null: its answer did not say; it is then used until a 401). */
export interface AccessToken {
  value: string;
  expiresAt: number | null;
}

/** How long a throttled token endpoint is left alone before the activity tries again (Zoho names no delay). */
const THROTTLED_RETRY_MS = 60_000;

/** A token this close to its expiry is refreshed before use: a quarter of its life, at most 5 minutes. */
export function nearExpiry(t: { obtainedAt: number; expiresAt: number | null }, now: number): boolean {
  if (t.expiresAt === null) return false;
  const margin = Math.min(300_000, (t.expiresAt - t.obtainedAt) / 4);
  return now >= t.expiresAt - margin;
}

/**
 * Sends the config's token refresh (`auth.refresh_token`) and returns the new token; null when the config has none.
 * Throttling (a 429, Zoho's "Access Denied ... too many requests") is RateLimited and retried later; refused
 * credentials are AuthRevoked and never retried.
 */
export async function refreshAccessToken(send: Send, config: Config, secrets: Record<string, string>, signal?: AbortSignal): Promise<AccessToken | null> {
  const req = refreshRequest(config, { secrets });
  if (req === null) return null;
  if (!req.ok) throw invalid(req.error);
  const res = await send(req.value, signal);
  const outcome = readRefreshAnswer(config, res.status, res.body);
  if (outcome.kind === 'throttled') {
    const after = parseRetryAfter(res.headers['retry-after']);
    throw failure(FailureType.RateLimited, outcome.message, { nextRetryDelay: Math.max(1000, after ?? THROTTLED_RETRY_MS) });
  }
  const transient = failureFor(res, 'token refresh');
  if (transient) throw transient;
  if (outcome.kind === 'refused') throw failure(FailureType.AuthRevoked, outcome.message, { nonRetryable: true });
  return { value: outcome.token, expiresAt: outcome.expiresInMs === null ? null : Date.now() + outcome.expiresInMs };
}

/** The key runs share a token by: a SHA-256 of the resolved refresh request (it holds the refresh token); the same for a JSON body as before body_format existed. */
function sharingKey(config: Config, secrets: Record<string, string>): string | null {
  const req = refreshRequest(config, { secrets });
  if (req === null || !req.ok) return null;
  const { method, url, headers, body, bodyFormat } = req.value;
  return createHash('sha256').update(stringifyJson([method, url, headers, body ?? null, ...(bodyFormat ? [bodyFormat] : [])])).digest('hex');
}

/**
 * The access token every run of the same refresh request shares: the stored one while it is valid, else a fresh
 * one, stored for the next run. `rejected` is a token that just got a 401: a different stored token (another run
 * refreshed meanwhile) is used instead, else it is refreshed. Null when the config has no refresh_token.
 */
export async function sharedAccessToken(
  o: { send: Send; runs: ExtractionRunStore; config: Config; secrets: Record<string, string>; signal?: AbortSignal },
  rejected?: string | null,
): Promise<AccessToken | null> {
  const key = sharingKey(o.config, o.secrets);
  if (key === null) return refreshAccessToken(o.send, o.config, o.secrets, o.signal);
  const stored = await o.runs.sharedToken(key);
  const now = Date.now();
  if (stored && stored.token !== rejected && !nearExpiry({ obtainedAt: stored.obtainedAt.getTime(), expiresAt: stored.expiresAt?.getTime() ?? null }, now)) {
    return { value: stored.token, expiresAt: stored.expiresAt?.getTime() ?? null };
  }
  const fresh = await refreshAccessToken(o.send, o.config, o.secrets, o.signal);
  if (fresh) await o.runs.saveSharedToken(key, { token: fresh.value, obtainedAt: new Date(now), expiresAt: fresh.expiresAt === null ? null : new Date(fresh.expiresAt) });
  return fresh;
}
