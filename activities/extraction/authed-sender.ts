import { FailureType } from '../../common/names';
import {
  applyAuth,
  describeAction,
  hasTokenEndpoint,
  incrementalStart,
  matchResponseAction,
  withAccessToken,
  type Config,
  type Extraction,
  type HttpRequest,
  type IncrementalLog,
  type IncrementalStart,
  type ReferenceContext,
  type ResponseAction,
  type Result,
} from '../../extraction';
import { parseRetryAfter } from '../../providers/errors';
import { failure, invalid } from '../failures';
import { DEFAULT_RETRY_POLICY, withRequestRetries, type RequestRetryPolicy, type Retryable, type Wait } from './request-retry';
import { failureFor, type Send, type SentResponse } from './sender';
import { nearExpiry, type AccessToken } from './tokens';

/** What a run's references read besides the config: its start time and where an incremental extraction starts. */
export interface RunRefs {
  now: Date;
  incremental: IncrementalStart | null;
}

/** A run's RunRefs from its start and the previous published run's incremental cursor (JSON text). */
export const runRefs = (ex: Extraction, startedAt: Date, previousIncremental: string | null | undefined): RunRefs => ({
  now: startedAt,
  incremental: ex.incremental ? incrementalStart(ex.incremental, previousIncremental ? (JSON.parse(previousIncremental) as IncrementalLog) : null) : null,
});

/**
 * The references a run's requests are built from, with its current access token (null: the config's own), its
 * start time (time::) and its incremental start (incremental::).
 */
export const referencesFor = (config: Config, secrets: Record<string, string>, last: unknown, token: string | null, run: RunRefs): ReferenceContext => ({
  self: token === null ? config : withAccessToken(config, token),
  secrets,
  last,
  now: run.now,
  ...(run.incremental ? { incremental: run.incremental } : {}),
});

export interface AuthedSender {
  /** The references with the access token as it is now. */
  readonly refs: ReferenceContext;
  /**
   * Sends the request `build` makes from the current references. A token near its expiry is renewed first. On a
   * 401 it renews the token once (when the config can), stores it through `onRefreshed`, and sends the request again; a second 401 fails the run
   * (AuthExpired, not retried). A 429, 408 or 5xx, or no answer, sends the request again after Retry-After or a
   * backoff, within the retry policy; past it the failure is thrown (retryable by Temporal). `actions` (the
   * config's response_actions) are consulted first: success answers as a 2xx, ignore marks the answer `ignored`,
   * retry is handled as a 5xx, fail throws (Invalid, not retried).
   */
  send(build: (refs: ReferenceContext) => Result<HttpRequest>, what: string, actions?: readonly ResponseAction[]): Promise<SentResponse>;
}

/** What a matching response action makes of an answer (see extraction/response-actions.ts). */
function byRule(rule: ResponseAction, res: SentResponse, what: string): SentResponse | Retryable {
  const said = `${what}: HTTP ${res.status} matched ${describeAction(rule)}`;
  switch (rule.action) {
    case 'success':
      return res.status >= 200 && res.status <= 299 ? res : { ...res, status: 200 };
    case 'ignore':
      return { ...res, ignored: true };
    case 'retry':
      return { failure: failure(FailureType.Transient, said), retryAfterMs: parseRetryAfter(res.headers['retry-after']) };
    case 'fail':
      throw invalid(said);
  }
}

/** The one place that owns the refresh-on-401 rule of extraction requests. */
export function createAuthedSender(o: {
  send: Send;
  config: Config;
  secrets: Record<string, string>;
  last: unknown;
  token: AccessToken | null;
  /** The run's start and incremental start: what time:: and incremental:: references read. */
  run: RunRefs;
  signal?: AbortSignal;
  /** A valid token other than `rejected` (the config's shared one, or a fresh one); absent: the token is never renewed. */
  renew?: (rejected: string | null) => Promise<AccessToken | null>;
  /** Stores (and logs) a token renewed during the run. */
  onRefreshed(token: AccessToken | null): Promise<void>;
  /** Retries of one request inside the activity; the default when absent. */
  retry?: RequestRetryPolicy;
  /** How the sender waits between retries (the activity's heartbeating sleep); a plain timer when absent. */
  wait?: Wait;
  /** Told of each retry, for logs and counters. */
  onRetry?(what: string, failure: Retryable): void;
}): AuthedSender {
  let token = o.token;
  let obtainedAt = Date.now();
  let refs = referencesFor(o.config, o.secrets, o.last, token?.value ?? null, o.run);
  const isRetryable = (v: SentResponse | Retryable): v is Retryable => 'failure' in v;
  const wait = (ms: number): Promise<void> => (o.wait ? o.wait(ms) : new Promise((r) => setTimeout(r, ms)));
  const canRefresh = hasTokenEndpoint(o.config.auth) && o.renew !== undefined;
  const renew = async (rejected: string | null): Promise<void> => {
    token = await o.renew!(rejected);
    obtainedAt = Date.now();
    refs = referencesFor(o.config, o.secrets, o.last, token?.value ?? null, o.run);
    await o.onRefreshed(token);
  };
  const build = (make: (r: ReferenceContext) => Result<HttpRequest>, what: string): HttpRequest => {
    const made = make(refs);
    const req = made.ok ? applyAuth(o.config.auth, made.value, refs) : made;
    if (!req.ok) throw invalid(`${what}: ${req.error}`);
    return req.value;
  };
  return {
    get refs() {
      return refs;
    },
    async send(make, what, actions) {
      let refreshed = false;
      const once = async (): Promise<SentResponse | Retryable> => {
        if (canRefresh && token && nearExpiry({ obtainedAt, expiresAt: token.expiresAt }, Date.now())) await renew(token.value);
        let res = await o.send(build(make, what), o.signal);
        let rule = matchResponseAction(actions, res);
        if (!rule && res.status === 401 && canRefresh && !refreshed) {
          // Marked only once renewed: a throttled token endpoint is retried, and the retry must renew again.
          await renew(token?.value ?? null);
          refreshed = true;
          res = await o.send(build(make, what), o.signal);
          rule = matchResponseAction(actions, res);
        }
        if (rule) return byRule(rule, res, what);
        if (res.status === 401) {
          throw failure(FailureType.AuthExpired, `${what}: HTTP 401 ${canRefresh ? 'with a freshly refreshed token' : '(the config has no refresh_token)'}`, { nonRetryable: true });
        }
        const f = failureFor(res, what);
        if (!f) return res;
        const retry: Retryable = { failure: f, retryAfterMs: res.status === 429 ? parseRetryAfter(res.headers['retry-after']) : undefined };
        return retry;
      };
      const { value } = await withRequestRetries(
        { policy: o.retry ?? DEFAULT_RETRY_POLICY, wait, isRetryable, aborted: () => o.signal?.aborted === true, onRetry: (r) => o.onRetry?.(what, r) },
        once,
      );
      return value;
    },
  };
}
