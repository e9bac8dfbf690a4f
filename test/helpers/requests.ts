import type { ReceivedRequest } from '../../sandbox/requests';

/** A form or JSON body field of a logged request (e.g. the refresh_token a token call was sent), or ''. */
export function bodyField(r: ReceivedRequest, name: string): string {
  const v = r.body !== null && typeof r.body === 'object' ? (r.body as Record<string, unknown>)[name] : undefined;
  return typeof v === 'string' ? v : '';
}

/** How many logged requests share each key (e.g. token calls per refresh token). */
export function countBy(requests: ReceivedRequest[], keyOf: (r: ReceivedRequest) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of requests) counts.set(keyOf(r), (counts.get(keyOf(r)) ?? 0) + 1);
  return counts;
}

export interface GapAfter429 {
  /** The request that was answered 429. */
  limited: ReceivedRequest;
  /** The next request with the same key: the client's retry. */
  retry: ReceivedRequest;
  /** Milliseconds between the two, by the sandbox's clock. */
  gapMs: number;
}

/**
 * For every 429 in the sandbox's request log, the next request for the same thing (same key: by default the same
 * method and URL) and the time between them: what a client really waited, whatever it logged or reported.
 * Both times are when the sandbox answered, so a client that honoured Retry-After shows a gap of at least it.
 * A 429 that was never retried is an error: the caller expected a retry. A 429 armed as a fault is answered
 * before the request's body is read, so key such requests by URL or by what else the test sends meanwhile, not
 * by a body field.
 */
export function gapsAfter429(requests: ReceivedRequest[], keyOf: (r: ReceivedRequest) => string = (r) => `${r.method} ${r.url}`): GapAfter429[] {
  const sorted = [...requests].sort((a, b) => a.seq - b.seq);
  return sorted.flatMap((limited, i) => {
    if (limited.status !== 429) return [];
    const retry = sorted.slice(i + 1).find((r) => keyOf(r) === keyOf(limited));
    if (!retry) throw new Error(`the 429 to ${limited.method} ${limited.url} (request ${limited.seq}) was never retried`);
    return [{ limited, retry, gapMs: Date.parse(retry.at) - Date.parse(limited.at) }];
  });
}
