import { OAuth2Client } from 'google-auth-library';
import { google, type people_v1 } from 'googleapis';
import type { RunningSandbox } from '../helpers/sandbox';

/** Shared set-up of the Google fake tests: one OAuth client, users with refresh tokens, official clients. */
export const CLIENT = { clientId: 'client-1.apps.googleusercontent.com', clientSecret: 'secret-1', redirectUris: ['http://localhost/cb'] };
export const ALICE = { email: 'alice@example.com', refreshToken: '1//alice-refresh' };
export const BOB = { email: 'bob@example.com', refreshToken: '1//bob-refresh' };

export async function seedBasics(sb: RunningSandbox): Promise<void> {
  await sb.control.seed('google', {
    clients: [CLIENT],
    users: [
      { email: ALICE.email, clientId: CLIENT.clientId, refreshToken: ALICE.refreshToken },
      { email: BOB.email, clientId: CLIENT.clientId, refreshToken: BOB.refreshToken },
    ],
  });
}

/** google-auth-library pointed at the fake's token, revoke and tokeninfo endpoints. */
export function oauthClient(sb: RunningSandbox, creds: { clientId?: string; clientSecret?: string } = {}): OAuth2Client {
  return new OAuth2Client({
    clientId: creds.clientId ?? CLIENT.clientId,
    clientSecret: creds.clientSecret ?? CLIENT.clientSecret,
    redirectUri: 'http://localhost/cb',
    endpoints: {
      oauth2TokenUrl: `${sb.baseUrl}/google/token`,
      oauth2RevokeUrl: `${sb.baseUrl}/google/revoke`,
      tokenInfoUrl: `${sb.baseUrl}/google/tokeninfo`,
    },
  });
}

/**
 * googleapis pins its own google-auth-library (10.5.0 here, 10.9.1 at top level), whose OAuth2Client type is
 * not assignable across versions; google.auth.OAuth2 is the same class in the version googleapis expects.
 */
function bundledOAuthClient(sb: RunningSandbox): InstanceType<typeof google.auth.OAuth2> {
  return new google.auth.OAuth2({
    clientId: CLIENT.clientId,
    clientSecret: CLIENT.clientSecret,
    endpoints: { oauth2TokenUrl: `${sb.baseUrl}/google/token` },
  });
}

/** The official People client authenticated as the user behind `refreshToken`. */
export function peopleFor(sb: RunningSandbox, refreshToken: string): people_v1.People {
  const auth = bundledOAuthClient(sb);
  auth.setCredentials({ refresh_token: refreshToken });
  return google.people({ version: 'v1', auth, rootUrl: `${sb.baseUrl}/google/` });
}

/** People client with a bare access token (no refresh), to see 401s as they are. */
export function peopleWithAccessToken(sb: RunningSandbox, accessToken: string): people_v1.People {
  const auth = bundledOAuthClient(sb);
  auth.setCredentials({ access_token: accessToken });
  return google.people({ version: 'v1', auth, rootUrl: `${sb.baseUrl}/google/` });
}

/** The error a gaxios call failed with: HTTP status and parsed body. */
export async function failure(p: Promise<unknown>): Promise<{ status: number; data: unknown; headers: Headers | undefined }> {
  try {
    await p;
  } catch (e) {
    const err = e as { status?: number; response?: { status: number; data: unknown; headers?: Headers } };
    return { status: err.response?.status ?? err.status ?? 0, data: err.response?.data, headers: err.response?.headers };
  }
  throw new Error('expected the call to fail');
}

/** Raw form POST to the fake's token endpoint. */
export async function postToken(sb: RunningSandbox, form: Record<string, string>, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(`${sb.baseUrl}/google/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

export async function accessTokenFor(sb: RunningSandbox, refreshToken: string): Promise<string> {
  const r = await postToken(sb, { grant_type: 'refresh_token', client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret, refresh_token: refreshToken });
  if (r.status !== 200 || typeof r.body.access_token !== 'string') throw new Error(`refresh failed: ${JSON.stringify(r.body)}`);
  return r.body.access_token;
}

/** Raw People API call with a bearer token. */
export async function peopleRaw(sb: RunningSandbox, token: string | undefined, method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown; headers: Headers }> {
  const res = await fetch(`${sb.baseUrl}/google/v1/${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined, headers: res.headers };
}

/** The ErrorInfo reason of a People API error body. */
export function reasonOf(body: unknown): string | undefined {
  const b = body as { error?: { details?: { '@type'?: string; reason?: string }[] } };
  return b.error?.details?.find((d) => d['@type'] === 'type.googleapis.com/google.rpc.ErrorInfo')?.reason;
}

/** POST to a provider-specific control route (e.g. /google/revoke). */
export async function controlPost<T = unknown>(sb: RunningSandbox, path: string, body: unknown): Promise<T> {
  const res = await fetch(sb.control.url(`/_control${path}`), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`control ${path} answered ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}
