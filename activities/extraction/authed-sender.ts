import { FailureType } from '../../common/names';
import { extractRefreshedToken, refreshRequest, withAccessToken, type Config, type HttpRequest, type ReferenceContext, type Result } from '../../extraction';
import { failure, invalid } from '../failures';
import { failureFor, type Send, type SentResponse } from './sender';

/** Sends the config's token refresh (`auth.refresh_token`) and returns the new token; null when the config has none. Revoked credentials never retry. */
export async function refreshAccessToken(send: Send, config: Config, secrets: Record<string, string>, signal?: AbortSignal): Promise<string | null> {
  const req = refreshRequest(config, { secrets });
  if (req === null) return null;
  if (!req.ok) throw invalid(req.error);
  const res = await send(req.value, signal);
  const transient = failureFor(res, 'token refresh');
  if (transient) throw transient;
  const token = extractRefreshedToken(config, res.body);
  if (!token.ok) throw failure(FailureType.AuthRevoked, `token refresh (HTTP ${res.status}): ${token.error}`, { nonRetryable: true });
  return token.value;
}

/** The references a run's requests are built from, with its current access token (null: the config's own). */
export const referencesFor = (config: Config, secrets: Record<string, string>, last: unknown, token: string | null): ReferenceContext => ({
  self: token === null ? config : withAccessToken(config, token),
  secrets,
  last,
});

export interface AuthedSender {
  /** The references with the access token as it is now. */
  readonly refs: ReferenceContext;
  /**
   * Sends the request `build` makes from the current references. On a 401 it refreshes the token once (when the
   * config can), stores it through `onRefreshed`, and sends the request again; a second 401 fails the run
   * (AuthExpired, not retried). 429s and 5xx become retryable failures.
   */
  send(build: (refs: ReferenceContext) => Result<HttpRequest>, what: string): Promise<SentResponse>;
}

/** The one place that owns the refresh-on-401 rule of extraction requests. */
export function createAuthedSender(o: {
  send: Send;
  config: Config;
  secrets: Record<string, string>;
  last: unknown;
  token: string | null;
  signal?: AbortSignal;
  /** Stores (and logs) a token refreshed after a 401. */
  onRefreshed(token: string | null): Promise<void>;
}): AuthedSender {
  let refs = referencesFor(o.config, o.secrets, o.last, o.token);
  const canRefresh = Boolean(o.config.auth?.refresh_token);
  const build = (make: (r: ReferenceContext) => Result<HttpRequest>, what: string): HttpRequest => {
    const req = make(refs);
    if (!req.ok) throw invalid(`${what}: ${req.error}`);
    return req.value;
  };
  return {
    get refs() {
      return refs;
    },
    async send(make, what) {
      let res = await o.send(build(make, what), o.signal);
      if (res.status === 401 && canRefresh) {
        const token = await refreshAccessToken(o.send, o.config, o.secrets, o.signal);
        refs = referencesFor(o.config, o.secrets, o.last, token);
        await o.onRefreshed(token);
        res = await o.send(build(make, what), o.signal);
      }
      if (res.status === 401) {
        throw failure(FailureType.AuthExpired, `${what}: HTTP 401 ${canRefresh ? 'with a freshly refreshed token' : '(the config has no refresh_token)'}`, { nonRetryable: true });
      }
      const f = failureFor(res, what);
      if (f) throw f;
      return res;
    },
  };
}
