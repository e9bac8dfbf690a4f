import type { ApplicationFailure } from '@temporalio/common';
import type { HttpRequest, PageResponse } from '../../extraction';
import { fetch, type Dispatcher } from 'undici';
import { encodeBody } from '../../extraction/http';
import { parseJson } from '../../extraction/json';
import type { NetworkPolicy } from '../../extraction/network';
import { isNetworkError } from '../../providers/errors';
import { httpAnswerFailure, invalid, noAnswerFailure } from '../failures';
import { AddressRefused, guardedAgent } from './guarded-agent';

/**
 * Sending the requests the extraction engine builds. Node's fetch (undici) keeps connections alive per origin,
 * so a run's pages reuse one socket. Bodies are parsed as JSON when they are JSON (integers past 2^53 as bigint,
 * see extraction/json.ts), else kept as text.
 */
export interface SentResponse extends Omit<PageResponse, 'records'> {
  bytes: number;
  /** A response action said `ignore`: the page ends the pagination, the detail is left out. */
  ignored?: boolean;
}

export type Send = (req: HttpRequest, signal?: AbortSignal) => Promise<SentResponse>;

/**
 * `rewriteUrl` maps a config's URL to where it is served (the worker passes the sandbox's host map when
 * PROVIDERS_SANDBOX_URL is set, so the seed's configs run unchanged against the fakes); absent, URLs are sent as written.
 * `network` is checked on every connection's address (see guardedAgent); a refused one fails the run, not retried.
 */
export function createSender(opts: { timeoutMs: number; network: NetworkPolicy; rewriteUrl?: ((url: string) => string) | undefined }): Send {
  const dispatcher: Dispatcher = guardedAgent(opts.network);
  return async (req, signal) => {
    const url = opts.rewriteUrl ? opts.rewriteUrl(req.url) : req.url;
    const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
    let body: string | undefined;
    const encoded = encodeBody(req);
    if (encoded && !encoded.ok) throw invalid(`${req.method} ${new URL(url).pathname}: ${encoded.error}`);
    if (encoded) {
      body = encoded.value.text;
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = encoded.value.contentType;
    }
    const timeout = AbortSignal.timeout(opts.timeoutMs);
    let res: Awaited<ReturnType<typeof fetch>>;
    let text: string;
    try {
      res = await fetch(url, { method: req.method, headers, ...(body === undefined ? {} : { body }), dispatcher, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
      text = await res.text();
    } catch (err) {
      if (signal?.aborted) throw err;
      const cause = (err as { cause?: unknown }).cause ?? err;
      if (cause instanceof AddressRefused) {
        throw invalid(`${req.method} ${new URL(url).host}${new URL(url).pathname}: refused, ${cause.message} (see EXTRACT_ALLOW_LOOPBACK and EXTRACT_ALLOW_PRIVATE_NETWORKS)`);
      }
      const what = timeout.aborted ? `timed out after ${opts.timeoutMs} ms` : isNetworkError(cause) ? String((cause as { code?: string }).code) : (err as Error).message;
      // The URL's path only: its query may carry a token.
      throw noAnswerFailure(`${req.method} ${new URL(url).pathname}: ${what}`);
    }
    let parsed: unknown = null;
    if (text !== '') {
      try {
        parsed = parseJson(text);
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

/** A failure for an HTTP answer that is neither a page nor a stop signal: 429, 408, 5xx. Null for the others. */
export const failureFor = (res: SentResponse, what: string): ApplicationFailure | null => httpAnswerFailure(res.status, res.headers, what);
