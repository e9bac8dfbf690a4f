import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { toApplicationFailure } from '../../../activities/failures';
import { FailureType, ProviderError, kindForStatus, parseRetryAfter } from '../../../providers/errors';
import { classifyGoogleTokenAnswer } from '../../../providers/google/oauth';
import { parseMinutes } from '../../../clients/cli/main';

describe('typed provider failures', () => {
  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('7')).toBe(7000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(10_000);
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });

  it('maps HTTP statuses to failure kinds', () => {
    expect(kindForStatus(401)).toBe(FailureType.AuthExpired);
    expect(kindForStatus(429)).toBe(FailureType.RateLimited);
    expect(kindForStatus(503)).toBe(FailureType.Transient);
    expect(kindForStatus(400)).toBe(FailureType.Invalid);
  });

  it('a rate limit becomes a retryable failure whose next retry waits for the provider', () => {
    const f = toApplicationFailure(new ProviderError(FailureType.RateLimited, 'google', 'slow down', { status: 429, retryAfterMs: 12_000 }));
    expect(f).toBeInstanceOf(ApplicationFailure);
    expect(f.type).toBe('RateLimited');
    expect(f.nonRetryable).toBe(false);
    expect(f.nextRetryDelay).toBe(12_000);
  });

  it('revoked and invalid are non-retryable, and keep the provider error as cause', () => {
    const revoked = toApplicationFailure(new ProviderError(FailureType.AuthRevoked, 'zoho', 'invalid_code'));
    expect(revoked.nonRetryable).toBe(true);
    expect(revoked.cause).toBeInstanceOf(ProviderError);
    expect(toApplicationFailure(new ProviderError(FailureType.Invalid, 'kommo', 'bad')).nonRetryable).toBe(true);
  });

  it("classifies Google token endpoint answers the way Google's docs describe them", () => {
    // (No answer at all is the HTTP layer's Transient failure: test/providers/http.test.ts.)
    const answer = (status: number, data: unknown, retryAfterMs?: number) => ({ status, data, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
    expect(classifyGoogleTokenAnswer(answer(400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' })).kind).toBe('AuthRevoked');
    expect(classifyGoogleTokenAnswer(answer(401, { error: 'invalid_client' })).kind).toBe('AuthRevoked');
    expect(classifyGoogleTokenAnswer(answer(400, { error: 'invalid_request' })).kind).toBe('Invalid');
    const limited = classifyGoogleTokenAnswer(answer(429, { error: 'rate_limit_exceeded' }, 3000));
    expect(limited.kind).toBe('RateLimited');
    expect(limited.details.retryAfterMs).toBe(3000);
    expect(classifyGoogleTokenAnswer(answer(503, {})).kind).toBe('Transient');
  });

  it('CLI durations', () => {
    expect(parseMinutes('15m')).toBe(15);
    expect(parseMinutes('2h')).toBe(120);
    expect(parseMinutes('90s')).toBe(1.5);
    expect(parseMinutes('30')).toBe(30);
    expect(() => parseMinutes('soon')).toThrow(/duration/);
  });
});
