import { z } from 'zod';
import { FailureType, ProviderError, kindForStatus } from '../errors';
import { briefBody, type ProviderResponse } from '../http';

/**
 * The People API's error envelope, google.rpc.Status:
 * {"error":{"code","message","status","details":[{"@type":".../google.rpc.ErrorInfo","reason","domain"}]}}
 * https://cloud.google.com/apis/design/errors. Clients key on ErrorInfo.reason where Google documents one (an
 * expired sync token's status string is not pinned down; its reason EXPIRED_SYNC_TOKEN is).
 */

const envelope = z.object({
  error: z
    .object({
      code: z.number().optional(),
      message: z.string().optional(),
      status: z.string().optional(),
      details: z.array(z.object({ reason: z.string().optional() }).loose()).optional(),
    })
    .loose(),
});

export interface PeopleErrorInfo {
  status?: string;
  reason?: string;
  message?: string;
}

export function readPeopleError(data: unknown): PeopleErrorInfo {
  const e = envelope.safeParse(data);
  if (!e.success) return {};
  const reason = e.data.error.details?.find((d) => d.reason !== undefined)?.reason;
  return {
    ...(e.data.error.status !== undefined ? { status: e.data.error.status } : {}),
    ...(reason !== undefined ? { reason } : {}),
    ...(e.data.error.message !== undefined ? { message: e.data.error.message } : {}),
  };
}

/** The failure kind of a People API error answer. */
export function peopleKind(httpStatus: number, info: PeopleErrorInfo): FailureType {
  if (info.reason === 'EXPIRED_SYNC_TOKEN') return FailureType.CursorExpired;
  // "Request person.etag is different than the current person.etag": someone changed the contact since.
  if (info.status === 'FAILED_PRECONDITION') return FailureType.Conflict;
  // A token without the contacts scope: only a new consent helps.
  if (info.reason === 'ACCESS_TOKEN_SCOPE_INSUFFICIENT') return FailureType.AuthRevoked;
  // Two mutate requests of one user overlapped: the next attempt alone will do.
  if (info.status === 'ABORTED') return FailureType.Transient;
  return kindForStatus(httpStatus);
}

/** Classify for the shared HTTP layer: 2xx are results, the rest ProviderErrors with Google's status and reason. */
export function classifyPeople(res: ProviderResponse, what: string): ProviderError | null {
  if (res.status < 400) return null;
  const info = readPeopleError(res.data);
  const text = info.message ? `: ${info.message}` : briefBody(res.data);
  return new ProviderError(peopleKind(res.status, info), 'google', `${what}: HTTP ${res.status}${info.status ? ` ${info.status}` : ''}${text}`, {
    status: res.status,
    ...(info.reason ?? info.status ? { code: info.reason ?? info.status } : {}),
    ...(res.retryAfterMs !== undefined ? { retryAfterMs: res.retryAfterMs } : {}),
  });
}
