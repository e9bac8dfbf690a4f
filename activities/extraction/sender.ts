import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { ApplicationFailure } from '@temporalio/common';
import type { Dispatcher } from 'undici';
import type { HttpRequest, PageResponse } from '../../extraction';
import { encodeBody } from '../../extraction/http';
import { parseJson } from '../../extraction/json';
import type { NetworkPolicy } from '../../extraction/network';
import { isNetworkError } from '../../providers/errors';
import { httpAnswerFailure, invalid, noAnswerFailure } from '../failures';
import { AddressRefused, guardedAgent } from './guarded-agent';

/**
 * Sending the requests the extraction engine builds, through undici's request API on a keep-alive agent (a run's
 * pages reuse one socket per origin). It does on the wire what fetch does (redirects followed as fetch follows them,
 * compressed answers decoded) at a fraction of fetch's cost per request, which counts at thousands of pages a
 * second. Bodies are parsed as JSON when they are JSON (integers past 2^53 as bigint, see extraction/json.ts), else
 * kept as text.
 */
export interface SentResponse extends Omit<PageResponse, 'records'> {
  bytes: number;
  /** A response action said `ignore`: the page ends the pagination, the detail is left out. */
  ignored?: boolean;
}

export type Send = (req: HttpRequest, signal?: AbortSignal) => Promise<SentResponse>;

/** As fetch: at most 20 redirects. */
const MAX_REDIRECTS = 20;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Headers a redirect to another origin must not carry (fetch drops Authorization; cookies and proxy credentials too). */
const ORIGIN_BOUND = new Set(['authorization', 'cookie', 'proxy-authorization']);
/** Headers that describe a body, dropped when a redirect turns the request into a GET. */
const BODY_HEADERS = new Set(['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location']);

const decoders: Record<string, (b: Buffer) => Promise<Buffer>> = {
  gzip: promisify(zlib.gunzip),
  'x-gzip': promisify(zlib.gunzip),
  deflate: promisify(zlib.inflate),
  br: promisify(zlib.brotliDecompress),
};

const without = (headers: Record<string, string>, names: Set<string>): Record<string, string> =>
  Object.fromEntries(Object.entries(headers).filter(([k]) => !names.has(k.toLowerCase())));

/** The answer's headers, names lower-case, a repeated header's values joined by ", " (as fetch's Headers give them). */
function flatHeaders(raw: Dispatcher.ResponseData['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/** The body as text, decoded when the answer says it is compressed with gzip, deflate or br (others are left as sent). */
async function bodyText(res: Dispatcher.ResponseData, encoding: string | undefined): Promise<string> {
  const decode = encoding === undefined ? undefined : decoders[encoding.trim().toLowerCase()];
  if (!decode) return res.body.text();
  return (await decode(Buffer.from(await res.body.arrayBuffer()))).toString('utf8');
}

/**
 * `rewriteUrl` maps a config's URL to where it is served (the worker passes the sandbox's host map when
 * PROVIDERS_SANDBOX_URL is set, so the seed's configs run unchanged against the fakes); absent, URLs are sent as written.
 * `network` is checked on every connection's address (see guardedAgent); a refused one fails the run, not retried.
 * `timeoutMs` bounds the wait for an answer's headers and any pause in its body.
 */
export function createSender(opts: { timeoutMs: number; network: NetworkPolicy; rewriteUrl?: ((url: string) => string) | undefined }): Send {
  const dispatcher: Dispatcher = guardedAgent(opts.network);
  return async (req, signal) => {
    const url = opts.rewriteUrl ? opts.rewriteUrl(req.url) : req.url;
    let at = new URL(url);
    let headers: Record<string, string> = { accept: 'application/json', 'accept-encoding': 'gzip, deflate, br', ...req.headers };
    let body: string | undefined;
    const encoded = encodeBody(req);
    if (encoded && !encoded.ok) throw invalid(`${req.method} ${at.pathname}: ${encoded.error}`);
    if (encoded) {
      body = encoded.value.text;
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = encoded.value.contentType;
    }
    let method = req.method;
    let res: Dispatcher.ResponseData;
    let text: string;
    try {
      for (let hop = 0; ; hop++) {
        res = await dispatcher.request({
          origin: at.origin,
          path: `${at.pathname}${at.search}`,
          method: method as Dispatcher.HttpMethod,
          headers,
          ...(body === undefined ? {} : { body }),
          headersTimeout: opts.timeoutMs,
          bodyTimeout: opts.timeoutMs,
          ...(signal ? { signal } : {}),
        });
        const location = res.headers.location;
        if (!REDIRECTS.has(res.statusCode) || typeof location !== 'string') break;
        await res.body.dump();
        if (hop === MAX_REDIRECTS) throw invalid(`${req.method} ${at.pathname}: more than ${MAX_REDIRECTS} redirects`);
        const next = new URL(location, at);
        if (next.protocol !== 'http:' && next.protocol !== 'https:') throw invalid(`${req.method} ${at.pathname}: redirected to a ${next.protocol} URL`);
        // As fetch: a 303 becomes a GET, and so does a POST answered 301 or 302; 307 and 308 keep method and body.
        if (res.statusCode === 303 || ((res.statusCode === 301 || res.statusCode === 302) && method === 'POST')) {
          method = 'GET';
          body = undefined;
          headers = without(headers, BODY_HEADERS);
        }
        if (next.origin !== at.origin) headers = without(headers, ORIGIN_BOUND);
        at = next;
      }
      const encoding = res.headers['content-encoding'];
      text = await bodyText(res, typeof encoding === 'string' ? encoding : undefined);
    } catch (err) {
      if (signal?.aborted) throw err;
      if (err instanceof ApplicationFailure) throw err;
      const cause = (err as { cause?: unknown }).cause ?? err;
      if (cause instanceof AddressRefused) {
        throw invalid(`${req.method} ${at.host}${at.pathname}: refused, ${cause.message} (see EXTRACT_ALLOW_LOOPBACK and EXTRACT_ALLOW_PRIVATE_NETWORKS)`);
      }
      const code = (err as { code?: unknown }).code;
      const what =
        code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT'
          ? `timed out after ${opts.timeoutMs} ms`
          : isNetworkError(cause)
            ? String((cause as { code?: string }).code)
            : (err as Error).message;
      // The URL's path only: its query may carry a token.
      throw noAnswerFailure(`${req.method} ${at.pathname}: ${what}`);
    }
    let parsed: unknown = null;
    if (text !== '') {
      try {
        parsed = parseJson(text);
      } catch {
        parsed = text;
      }
    }
    return { url: at.href, status: res.statusCode, headers: flatHeaders(res.headers), body: parsed, bytes: text.length };
  };
}

/** A failure for an HTTP answer that is neither a page nor a stop signal: 429, 408, 5xx. Null for the others. */
export const failureFor = (res: SentResponse, what: string): ApplicationFailure | null => httpAnswerFailure(res.status, res.headers, what);
