import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { nearExpiry, refreshAccessToken } from '../../../activities/extraction/tokens';
import type { Send } from '../../../activities/extraction/sender';
import { readRefreshAnswer } from '../../../extraction';
import { config } from './helpers';

const cfg = config({
  name: 'zoho',
  auth: { refresh_token: { endpoint: { url: 'https://accounts.zoho.com/oauth/v2/token', query_params: { refresh_token: 'rt', grant_type: 'refresh_token' } }, response_token_key: 'access_token' } },
  extractions: [{ name: 'e', endpoint: { url: 'https://www.zohoapis.com/crm/v2/Deals' } }],
});

// Zoho's answer when one refresh token asks for too many tokens: a 400 that must read as throttling.
const ZOHO_THROTTLED = { error: 'Access Denied', error_description: 'You have made too many requests continuously. Please try again after some time.', status: 'failure' };

const answering =
  (status: number, body: unknown): Send =>
  async (req) => ({ url: req.url, status, headers: {}, body, bytes: 0 });

describe('token refresh answers', () => {
  it('reads the token and its lifetime from expires_in', () => {
    expect(readRefreshAnswer(cfg, 200, { access_token: '1000.x', expires_in: 3600 })).toEqual({ kind: 'token', token: '1000.x', expiresInMs: 3_600_000 });
    expect(readRefreshAnswer(cfg, 200, { access_token: '1000.x' })).toEqual({ kind: 'token', token: '1000.x', expiresInMs: null });
  });

  it("Zoho's Access Denied / too many requests is throttling, never a revoked token", async () => {
    expect(readRefreshAnswer(cfg, 400, ZOHO_THROTTLED).kind).toBe('throttled');
    const err = (await refreshAccessToken(answering(400, ZOHO_THROTTLED), cfg, {}).catch((e: unknown) => e)) as ApplicationFailure;
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err.type).toBe('RateLimited');
    expect(err.nonRetryable).toBe(false);
  });

  it('a revoked refresh token (HTTP 200 invalid_code) is refused, not retried', async () => {
    expect(readRefreshAnswer(cfg, 200, { error: 'invalid_code' }).kind).toBe('refused');
    const err = (await refreshAccessToken(answering(200, { error: 'invalid_code' }), cfg, {}).catch((e: unknown) => e)) as ApplicationFailure;
    expect(err.type).toBe('AuthRevoked');
    expect(err.nonRetryable).toBe(true);
  });

  it('a token is renewed within a quarter of its life (at most 5 minutes) of its expiry', () => {
    const hour = { obtainedAt: 0, expiresAt: 3_600_000 };
    expect(nearExpiry(hour, 3_200_000)).toBe(false);
    expect(nearExpiry(hour, 3_300_000)).toBe(true);
    expect(nearExpiry({ obtainedAt: 0, expiresAt: 60_000 }, 44_000)).toBe(false);
    expect(nearExpiry({ obtainedAt: 0, expiresAt: 60_000 }, 46_000)).toBe(true);
    expect(nearExpiry({ obtainedAt: 0, expiresAt: null }, 1e12)).toBe(false);
  });
});
