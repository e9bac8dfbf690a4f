/**
 * Auth: a static access_token, or a refresh endpoint whose answer holds the new token at
 * response_token_key. The caller sends refreshRequest(), passes the answer to extractRefreshedToken(),
 * and builds `self` for references with withAccessToken(), so `${self::auth.access_token}` reads the new token.
 * An api_key (header or query) or basic auth is put on every request by applyAuth(), after the request is built.
 */
import type { Auth, Config } from './config';
import { baseRequest, header, resolveEndpoint, setQuery, type HttpRequest } from './http';
import { getField } from './json-field';
import { resolveString, type ReferenceContext } from './references';
import { err, isPlainObject, ok, typeName, type Result } from './result';

/** Whether the config obtains its access token from a token endpoint (a refresh token or client credentials). */
export const hasTokenEndpoint = (auth: Auth | undefined): boolean => Boolean(auth?.refresh_token ?? auth?.client_credentials);

/** The client credentials grant's request: a form POST, the client authenticated in the body or a basic header. */
function clientCredentialsRequest(cc: NonNullable<Auth['client_credentials']>, ctx: ReferenceContext): Result<HttpRequest> {
  const resolved: Record<string, string> = {};
  for (const k of ['token_url', 'client_id', 'client_secret', 'scope', 'audience'] as const) {
    const v = cc[k];
    if (v === undefined) continue;
    const r = resolveString(v, ctx);
    if (!r.ok) return err(`auth.client_credentials.${k}: ${r.error}`);
    resolved[k] = r.value;
  }
  const body: Record<string, string> = { grant_type: 'client_credentials' };
  if (resolved.scope) body.scope = resolved.scope;
  if (resolved.audience) body.audience = resolved.audience;
  const headers: Record<string, string> = {};
  if (cc.credentials_in === 'basic') {
    // RFC 6749 2.3.1: each part form-urlencoded before the basic encoding.
    const pair = `${encodeURIComponent(resolved.client_id!)}:${encodeURIComponent(resolved.client_secret!)}`;
    headers.Authorization = `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;
  } else {
    body.client_id = resolved.client_id!;
    body.client_secret = resolved.client_secret!;
  }
  return ok({ method: 'POST', url: resolved.token_url!, headers, bodyFormat: 'form', body });
}

/**
 * The token request: the refresh (POST unless the endpoint says otherwise) or the client credentials grant; null
 * when the config has neither.
 */
export function refreshRequest(config: Pick<Config, 'auth'>, ctx: ReferenceContext): Result<HttpRequest> | null {
  const cc = config.auth?.client_credentials;
  if (cc) return clientCredentialsRequest(cc, ctx);
  const rt = config.auth?.refresh_token;
  if (!rt) return null;
  const base = resolveEndpoint(rt.endpoint, ctx, 'POST');
  return base.ok ? ok(baseRequest(base.value)) : err(`auth.refresh_token.${base.error}`);
}

/**
 * The token from a refresh answer. An empty or blank token is no token. The error names the endpoint (as the
 * config writes it, without its query: that may carry the refresh token), the missing key and, when the provider
 * put one in the body, its `error` code (Zoho answers HTTP 200 with {"error":"invalid_code"}). Never the body
 * itself: it may carry other tokens.
 */
export function extractRefreshedToken(config: Pick<Config, 'auth'>, body: unknown): Result<string> {
  const rt = config.auth?.refresh_token;
  const cc = config.auth?.client_credentials;
  if (rt === undefined && cc === undefined) return err('auth.refresh_token is not configured');
  const key = rt?.response_token_key ?? cc!.response_token_key;
  const v = getField(body, key);
  if (typeof v === 'string' && v.trim() !== '') return ok(v);
  const url = rt ? `${rt.endpoint.method ?? 'POST'} ${rt.endpoint.url}` : `POST ${cc!.token_url}`;
  const endpoint = `${url.split(/[?#]/)[0]} answered without a token`;
  const providerError = isPlainObject(body) && typeof body.error === 'string' ? ` (provider error: ${body.error.slice(0, 100)})` : '';
  if (v === undefined || v === null) return err(`${endpoint}: no "${key}"${providerError}`);
  if (typeof v === 'string') return err(`${endpoint}: "${key}" is empty${providerError}`);
  return err(`${endpoint}: "${key}" is ${typeName(v)}, expected a string${providerError}`);
}

/** A refresh answer, read: a token (with its lifetime when the answer gives `expires_in`), throttling, or refusal. */
export type RefreshOutcome =
  | { kind: 'token'; token: string; expiresInMs: number | null }
  /** The token endpoint pushes back: retry later. Never a revoked token. */
  | { kind: 'throttled'; message: string }
  /** Credentials refused (revoked, unknown client) or an answer without the token: a person must look. */
  | { kind: 'refused'; message: string };

/**
 * Zoho's throttling of its token endpoint (more than about 5 refreshes a minute, or 10 tokens per refresh token
 * in 10 minutes) answers 400 {"error":"Access Denied","error_description":"You have made too many requests
 * continuously..."}: that is a rate limit, not a revoked token. A 429 from any token endpoint is one too.
 */
export function isThrottlingAnswer(status: number, body: unknown): boolean {
  if (status === 429) return true;
  if (!isPlainObject(body)) return false;
  const text = [body.error, body.error_description, body.message].filter((v): v is string => typeof v === 'string').join(' ');
  return /too many requests|access denied|rate limit/i.test(text);
}

/** Reads a token refresh answer (the caller has already turned 5xx and 408 into transient failures). */
export function readRefreshAnswer(config: Pick<Config, 'auth'>, status: number, body: unknown): RefreshOutcome {
  const token = extractRefreshedToken(config, body);
  if (token.ok && status >= 200 && status <= 299) {
    const e = isPlainObject(body) ? body.expires_in : undefined;
    const secs = typeof e === 'number' ? e : typeof e === 'string' && /^\d+$/.test(e) ? Number(e) : null;
    return { kind: 'token', token: token.value, expiresInMs: secs !== null && secs > 0 ? secs * 1000 : null };
  }
  if (isThrottlingAnswer(status, body)) return { kind: 'throttled', message: `token refresh throttled by the provider (HTTP ${status})` };
  return { kind: 'refused', message: `token refresh (HTTP ${status}): ${token.ok ? 'not a 2xx answer' : token.error}` };
}

/** A copy of the config with the token in auth.access_token, to use as ReferenceContext.self. */
export function withAccessToken<C extends Pick<Config, 'auth'>>(config: C, token: string): C {
  return { ...config, auth: { ...config.auth, access_token: token } };
}

/** The static access token with its references resolved (it may be `${secret::api_token}`); '' when unset. */
export function accessToken(config: Pick<Config, 'auth'>, ctx: ReferenceContext): Result<string> {
  const t = config.auth?.access_token;
  return t === undefined ? ok('') : resolveString(t, ctx);
}

/** Query params applyAuth() sets: never kept in pagination state (a next link that echoes them is stripped). */
export const authQueryNames = (auth: Auth | undefined): string[] => (auth?.api_key?.in === 'query' ? [auth.api_key.name] : []);

/**
 * Puts the config's credentials on a request the extraction sends (pages and mapping_fetch details; never the token
 * request): the client credentials grant's Bearer token, then an api_key or basic credentials. A header the endpoint
 * sets itself wins; a query key replaces any echoed one.
 */
export function applyAuth(auth: Auth | undefined, req: HttpRequest, ctx: ReferenceContext): Result<HttpRequest> {
  let out = req;
  if (auth?.client_credentials && header(out.headers, 'Authorization') === undefined) {
    // The grant's token, once obtained, is in auth.access_token (withAccessToken): a Bearer (RFC 6750).
    const token = (ctx.self as Pick<Config, 'auth'> | undefined)?.auth?.access_token;
    if (!token) return err('auth.client_credentials: no access token was obtained');
    out = { ...out, headers: { ...out.headers, Authorization: `Bearer ${token}` } };
  }
  if (auth?.api_key) {
    const { name, in: place } = auth.api_key;
    const value = resolveString(auth.api_key.value, ctx);
    if (!value.ok) return err(`auth.api_key.value: ${value.error}`);
    if (value.value === '') return err('auth.api_key.value: resolves to an empty key');
    if (place === 'query') return ok({ ...out, url: setQuery(out.url, [[name, value.value]]) });
    return ok(header(out.headers, name) === undefined ? { ...out, headers: { ...out.headers, [name]: value.value } } : out);
  }
  if (auth?.basic) {
    const user = resolveString(auth.basic.username, ctx);
    if (!user.ok) return err(`auth.basic.username: ${user.error}`);
    const password = resolveString(auth.basic.password, ctx);
    if (!password.ok) return err(`auth.basic.password: ${password.error}`);
    if (user.value.includes(':')) return err('auth.basic.username: cannot contain ":" (RFC 7617)');
    if (header(out.headers, 'Authorization') !== undefined) return ok(out);
    const credentials = Buffer.from(`${user.value}:${password.value}`, 'utf8').toString('base64');
    return ok({ ...out, headers: { ...out.headers, Authorization: `Basic ${credentials}` } });
  }
  return ok(out);
}
