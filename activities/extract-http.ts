import { ApplicationFailure } from '@temporalio/common';
import type { HttpRequest, PageResponse } from '../extraction';
import { FailureType, isNetworkError, parseRetryAfter } from '../providers/errors';

/**
 * Sending the requests the extraction engine builds. Node's fetch (undici) keeps connections alive per origin,
 * so a run's pages reuse one socket. Bodies are parsed as JSON when they are JSON, else kept as text.
 */
export interface SentResponse extends Omit<PageResponse, 'records'> {
  bytes: number;
}

export type Send = (req: HttpRequest, signal?: AbortSignal) => Promise<SentResponse>;

/**
 * With PROVIDERS_SANDBOX_URL set, the seed's Zoho hosts are served by the sandbox's Zoho-shaped demo API, so the
 * seed's configs run unchanged. Any other URL is sent as written.
 */
const SANDBOX_HOSTS: Record<string, string> = {
  'accounts.zoho.com': '/demo/zoho',
  'www.zohoapis.com': '/demo/zoho',
  'desk.zoho.com': '/demo/zoho/desk',
};

export function sandboxRewrite(url: string, sandboxUrl: string | undefined): string {
  if (!sandboxUrl) return url;
  const u = new URL(url);
  const prefix = SANDBOX_HOSTS[u.hostname];
  if (u.protocol !== 'https:' || prefix === undefined) return url;
  return `${sandboxUrl.replace(/\/$/, '')}${prefix}${u.pathname}${u.search}`;
}

export function createSender(opts: { timeoutMs: number; sandboxUrl?: string | undefined }): Send {
  return async (req, signal) => {
    const url = sandboxRewrite(req.url, opts.sandboxUrl);
    const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
    let body: string | undefined;
    if (req.body !== undefined) {
      body = JSON.stringify(req.body);
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
    }
    const timeout = AbortSignal.timeout(opts.timeoutMs);
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, { method: req.method, headers, ...(body === undefined ? {} : { body }), signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
      text = await res.text();
    } catch (err) {
      if (signal?.aborted) throw err;
      const cause = (err as { cause?: unknown }).cause ?? err;
      const what = timeout.aborted ? `timed out after ${opts.timeoutMs} ms` : isNetworkError(cause) ? String((cause as { code?: string }).code) : (err as Error).message;
      // The URL's path only: its query may carry a token.
      throw ApplicationFailure.create({ type: FailureType.Transient, message: `${req.method} ${new URL(url).pathname}: ${what}`, cause: err as Error });
    }
    let parsed: unknown = null;
    if (text !== '') {
      try {
        parsed = JSON.parse(text) as unknown;
      } catch {
        parsed = text;
      }
    }
    const outHeaders: Record<string, string> = {};
    res.headers.forEach((v, k) => {
      outHeaders[k] = v;
    });
    return { url: res.url || url, status: res.status, headers: outHeaders, body: parsed, bytes: text.length };
  };
}

/** A failure for an HTTP answer that is neither a page nor a stop signal: 401, 429, 5xx. Null for the others. */
export function failureFor(res: SentResponse, what: string): ApplicationFailure | null {
  if (res.status === 429) {
    const retryAfterMs = parseRetryAfter(res.headers['retry-after']);
    return ApplicationFailure.create({
      type: FailureType.RateLimited,
      message: `${what}: HTTP 429${retryAfterMs !== undefined ? `, retry after ${Math.ceil(retryAfterMs / 1000)} s` : ''}`,
      ...(retryAfterMs !== undefined ? { nextRetryDelay: Math.max(1000, retryAfterMs) } : {}),
    });
  }
  if (res.status >= 500 || res.status === 408) {
    return ApplicationFailure.create({ type: FailureType.Transient, message: `${what}: HTTP ${res.status}` });
  }
  return null;
}
