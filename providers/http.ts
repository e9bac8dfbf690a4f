import axios, { type AxiosRequestConfig } from 'axios';
import { FailureType, ProviderError, isNetworkError, kindForStatus, parseRetryAfter } from './errors';

/**
 * The one way provider clients send HTTP requests. What it guarantees, by construction:
 * - a failure is a ProviderError carrying status, provider code, provider message and Retry-After only: never the
 *   request's URL query, headers, params or body, and never the HTTP client's error object (whose `config` holds
 *   all of them: tokens, client secrets, API keys);
 * - a 429 or a transient failure is retried here, for this one request, within a budget and honouring the
 *   provider's Retry-After, so a long activity that pages through many requests does not refetch earlier pages;
 * - calls can be paced (a Pacer) to stay under a provider's published per-user or per-endpoint rate.
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export type QueryValue = string | number | boolean | null | undefined | readonly (string | number)[];

export interface ProviderRequest {
  method: HttpMethod;
  url: string;
  query?: Record<string, QueryValue>;
  headers?: Record<string, string>;
  /** A JSON body. */
  json?: unknown;
  /** A form-encoded body. */
  form?: Record<string, string> | URLSearchParams;
  timeoutMs?: number;
  /** What the request is, for messages: "list contacts". The URL's path is added; its query never is. */
  what?: string;
}

export interface ProviderResponse<T = unknown> {
  status: number;
  headers: Record<string, string>;
  /** The body parsed as JSON when it is JSON, else the text; null when empty. */
  data: T;
  /** Retry-After of this answer, in ms, when it had one. */
  retryAfterMs?: number;
}

/**
 * A provider's reading of an answer: a ProviderError for a failure (its kind decides retrying), or null when the
 * answer is a result (including answers like 204 or 304 that the caller handles).
 */
export type Classify = (res: ProviderResponse, what: string) => ProviderError | null;

export interface RetryBudget {
  /** Sends at most this many times in all (1 = no retry). */
  attempts: number;
  /** Never waits longer than this in all; a Retry-After beyond what is left ends the retries at once. */
  maxWaitMs: number;
  /** First backoff for failures without Retry-After; doubles each time. */
  baseDelayMs?: number;
  /**
   * Which failures to retry; by default rate limits and transient failures. A non-idempotent write narrows it to
   * answers that prove nothing happened (a 429), since a timeout may hide a write that did happen.
   */
  retryOn?: (err: ProviderError) => boolean;
}

/** Waits, when needed, so that a call stays within a rate. */
export interface Pacer {
  take(signal?: AbortSignal): Promise<void>;
}

export interface HttpClientOptions {
  provider: string;
  classify?: Classify;
  retry?: RetryBudget;
  pacer?: Pacer;
  timeoutMs?: number;
  /** Called before each retry (an activity heartbeats here). */
  onRetry?: (err: ProviderError, attempt: number, delayMs: number) => void;
  signal?: AbortSignal;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
export const NO_RETRY: RetryBudget = { attempts: 1, maxWaitMs: 0 };

/** The default reading: 2xx and 3xx are results; anything else fails by its status. */
export const classifyByStatus =
  (provider: string): Classify =>
  (res, what) => {
    if (res.status < 400) return null;
    return new ProviderError(kindForStatus(res.status), provider, `${what}: HTTP ${res.status}${briefBody(res.data)}`, {
      status: res.status,
      ...(res.retryAfterMs !== undefined ? { retryAfterMs: res.retryAfterMs } : {}),
    });
  };

/** A short, single-line rendering of an error body for a message (provider messages, not our request). */
export function briefBody(data: unknown, max = 200): string {
  if (data === null || data === undefined || data === '') return '';
  const text = typeof data === 'string' ? data : JSON.stringify(data);
  const one = text.replace(/\s+/g, ' ').trim();
  return `: ${one.length > max ? `${one.slice(0, max)}...` : one}`;
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return '(invalid URL)';
  }
}

function parseBody(text: string, contentType: string | undefined): unknown {
  if (text === '') return null;
  if (contentType && !/json/i.test(contentType) && !/^[[{]/.test(text.trimStart())) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function queryString(query: Record<string, QueryValue>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) for (const item of v as readonly (string | number)[]) params.append(k, String(item));
    else params.append(k, String(v));
  }
  return params.toString();
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** A client bound to one provider's rules: classify answers, retry within a budget, pace. */
export class HttpClient {
  constructor(private readonly opts: HttpClientOptions) {}

  get provider(): string {
    return this.opts.provider;
  }

  /** Sends a request; answers what `classify` accepts, throws a ProviderError for the rest once the budget is spent. */
  async send<T = unknown>(req: ProviderRequest, overrides: { retry?: RetryBudget; classify?: Classify } = {}): Promise<ProviderResponse<T>> {
    const budget = overrides.retry ?? this.opts.retry ?? NO_RETRY;
    const classify = overrides.classify ?? this.opts.classify ?? classifyByStatus(this.opts.provider);
    const what = `${req.what ? `${req.what} ` : ''}(${req.method} ${pathOf(req.url)})`;
    let waited = 0;
    for (let attempt = 1; ; attempt++) {
      await this.opts.pacer?.take(this.opts.signal);
      let err: ProviderError;
      try {
        const res = await this.once(req, what);
        const failure = classify(res, what);
        if (!failure) return res as ProviderResponse<T>;
        err = failure;
      } catch (e) {
        if (!(e instanceof ProviderError)) throw e;
        err = e;
      }
      const retryable = budget.retryOn ? budget.retryOn(err) : err.kind === FailureType.RateLimited || err.kind === FailureType.Transient;
      if (!retryable || attempt >= budget.attempts) throw err;
      const backoff = (budget.baseDelayMs ?? 1000) * 2 ** (attempt - 1);
      const delay = err.details.retryAfterMs ?? backoff;
      if (waited + delay > budget.maxWaitMs) throw err;
      this.opts.onRetry?.(err, attempt, delay);
      await sleep(delay, this.opts.signal);
      waited += delay;
    }
  }

  private async once(req: ProviderRequest, what: string): Promise<ProviderResponse> {
    const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
    let data: string | undefined;
    if (req.json !== undefined) {
      data = JSON.stringify(req.json);
      headers['content-type'] ??= 'application/json';
    } else if (req.form !== undefined) {
      data = (req.form instanceof URLSearchParams ? req.form : new URLSearchParams(req.form)).toString();
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
    }
    const qs = req.query ? queryString(req.query) : '';
    const url = qs ? `${req.url}${req.url.includes('?') ? '&' : '?'}${qs}` : req.url;
    const request: AxiosRequestConfig<string> = {
      method: req.method,
      url,
      headers,
      timeout: req.timeoutMs ?? this.opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      responseType: 'text',
      transformResponse: (d: unknown) => d,
      validateStatus: () => true,
      maxRedirects: 0,
      ...(data !== undefined ? { data } : {}),
      ...(this.opts.signal ? { signal: this.opts.signal } : {}),
    };
    let res;
    try {
      res = await axios.request<string>(request);
    } catch (e) {
      if (this.opts.signal?.aborted) throw this.opts.signal.reason as Error;
      // Only the error's code travels on: the HTTP client's error holds the whole request (headers, body).
      const code = isNetworkError(e) ? (e as { code: string }).code : (e as { code?: unknown }).code === 'ECONNABORTED' ? 'ETIMEDOUT' : undefined;
      const message = code === 'ECONNABORTED' || code === 'ETIMEDOUT' ? 'timed out' : (code ?? 'no answer');
      throw new ProviderError(FailureType.Transient, this.opts.provider, `${what}: ${message}`, code ? { code } : {});
    }
    const outHeaders: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers as Record<string, unknown>)) {
      if (typeof v === 'string') outHeaders[k.toLowerCase()] = v;
      else if (Array.isArray(v)) outHeaders[k.toLowerCase()] = v.join(', ');
    }
    const retryAfterMs = parseRetryAfter(outHeaders['retry-after']);
    return {
      status: res.status,
      headers: outHeaders,
      data: parseBody(typeof res.data === 'string' ? res.data : '', outHeaders['content-type']),
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    };
  }
}

/**
 * At most `limit` calls in any window of `windowMs` (a sliding window over the last calls' start times), the way
 * per-minute and per-second quotas are counted. Shared by every request of one user or endpoint.
 */
export class WindowPacer implements Pacer {
  private readonly starts: number[] = [];

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!(limit >= 1)) throw new Error('a pacer needs a limit of at least 1');
  }

  async take(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const t = this.now();
      while (this.starts.length && this.starts[0]! <= t - this.windowMs) this.starts.shift();
      if (this.starts.length < this.limit) {
        this.starts.push(t);
        return;
      }
      await sleep(this.starts[0]! + this.windowMs - t + 1, signal);
    }
  }
}

/** Several pacers at once (e.g. a per-second and a per-minute quota). */
export const allPacers = (...pacers: Pacer[]): Pacer => ({
  async take(signal) {
    for (const p of pacers) await p.take(signal);
  },
});
