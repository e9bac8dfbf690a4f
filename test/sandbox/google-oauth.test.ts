import { describe, expect, it } from 'vitest';
import { google } from 'googleapis';
import type { RunningSandbox } from '../helpers/sandbox';
import { useSandbox } from './use-sandbox';
import { ALICE, BOB, CLIENT, failure, oauthClient, peopleFor, peopleRaw, peopleWithAccessToken, postToken, reasonOf, seedBasics, accessTokenFor, controlPost } from './google-fixtures';

const sb: RunningSandbox = useSandbox(async () => {
  await seedBasics(sb);
});

const refreshForm = (refreshToken: string, over: Record<string, string> = {}): Record<string, string> => ({
  grant_type: 'refresh_token',
  client_id: CLIENT.clientId,
  client_secret: CLIENT.clientSecret,
  refresh_token: refreshToken,
  ...over,
});

describe('google token endpoint: refresh_token grant', () => {
  it('google-auth-library refreshes through the fake and gets exactly the documented body', async () => {
    const client = oauthClient(sb);
    client.setCredentials({ refresh_token: ALICE.refreshToken });
    const { token } = await client.getAccessToken();
    expect(token).toMatch(/^ya29\./);
    // The library rewrites the body it hands back (expires_in -> expiry_date): check the wire body raw.
    const raw = await postToken(sb, refreshForm(ALICE.refreshToken));
    expect(raw.status).toBe(200);
    expect(raw.body).toEqual({ access_token: expect.stringMatching(/^ya29\./), expires_in: 3599, scope: 'https://www.googleapis.com/auth/contacts', token_type: 'Bearer' });
    expect(Object.keys(raw.body)).toEqual(['access_token', 'expires_in', 'scope', 'token_type']); // no new refresh_token
    expect(raw.headers.get('cache-control')).toContain('no-store');
  });

  it('accepts client_secret_basic (Authorization: Basic) as well as form credentials', async () => {
    const basic = Buffer.from(`${CLIENT.clientId}:${CLIENT.clientSecret}`).toString('base64');
    const r = await postToken(sb, { grant_type: 'refresh_token', refresh_token: ALICE.refreshToken }, { authorization: `Basic ${basic}` });
    expect(r.status).toBe(200);
  });

  it('revoked refresh token -> 400 invalid_grant "Token has been expired or revoked."', async () => {
    await controlPost(sb, '/google/revoke', { token: ALICE.refreshToken });
    const client = oauthClient(sb);
    client.setCredentials({ refresh_token: ALICE.refreshToken });
    const f = await failure(client.getAccessToken());
    expect(f.status).toBe(400);
    expect(f.data).toEqual({ error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
    // Bob's grant is untouched.
    expect((await postToken(sb, refreshForm(BOB.refreshToken))).status).toBe(200);
  });

  it('unknown refresh token -> 400 invalid_grant', async () => {
    const r = await postToken(sb, refreshForm('1//never-issued'));
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
  });

  it('refresh tokens of apps in Testing expire (refreshTokenTtlSeconds) on the fake clock', async () => {
    await sb.control.configure('google', { refreshTokenTtlSeconds: 7 * 24 * 3600 });
    expect((await postToken(sb, refreshForm(ALICE.refreshToken))).status).toBe(200);
    await sb.control.advanceClock(7 * 24 * 3600 * 1000 + 1000);
    const r = await postToken(sb, refreshForm(ALICE.refreshToken));
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('invalid_grant');
  });

  it('unknown client -> 401 invalid_client "The OAuth client was not found."', async () => {
    const client = oauthClient(sb, { clientId: 'nobody.apps.googleusercontent.com' });
    client.setCredentials({ refresh_token: ALICE.refreshToken });
    const f = await failure(client.getAccessToken());
    expect(f.status).toBe(401);
    expect(f.data).toEqual({ error: 'invalid_client', error_description: 'The OAuth client was not found.' });
  });

  it('wrong client secret -> 401 invalid_client', async () => {
    const r = await postToken(sb, refreshForm(ALICE.refreshToken, { client_secret: 'wrong' }));
    expect(r.status).toBe(401);
    expect(r.body.error).toBe('invalid_client');
  });

  it('refresh token of another client -> 401 unauthorized_client', async () => {
    await sb.control.seed('google', { clients: [{ clientId: 'client-2', clientSecret: 's2' }] });
    const r = await postToken(sb, refreshForm(ALICE.refreshToken, { client_id: 'client-2', client_secret: 's2' }));
    expect(r.status).toBe(401);
    expect(r.body.error).toBe('unauthorized_client');
  });

  it('missing fields -> 400 invalid_request; bad grant_type -> 400 unsupported_grant_type', async () => {
    const noToken = await postToken(sb, { grant_type: 'refresh_token', client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret });
    expect(noToken.status).toBe(400);
    expect(noToken.body).toEqual({ error: 'invalid_request', error_description: 'Missing required parameter: refresh_token' });
    const noClient = await postToken(sb, { grant_type: 'refresh_token', refresh_token: ALICE.refreshToken });
    expect(noClient.status).toBe(400);
    expect(noClient.body.error).toBe('invalid_request');
    const noSecret = await postToken(sb, { grant_type: 'refresh_token', client_id: CLIENT.clientId, refresh_token: ALICE.refreshToken });
    expect(noSecret.status).toBe(400);
    expect(noSecret.body).toEqual({ error: 'invalid_request', error_description: 'client_secret is missing.' });
    const badGrant = await postToken(sb, refreshForm(ALICE.refreshToken, { grant_type: 'password' }));
    expect(badGrant.status).toBe(400);
    expect(badGrant.body).toEqual({ error: 'unsupported_grant_type', error_description: 'Invalid grant_type: password' });
  });
});

describe('google token endpoint: authorization_code grant', () => {
  it('exchanges a code through OAuth2Client.getToken, once', async () => {
    const { code } = await controlPost<{ code: string }>(sb, '/google/authorize', { user: ALICE.email, clientId: CLIENT.clientId, redirectUri: 'http://localhost/cb' });
    const client = oauthClient(sb);
    const { tokens } = await client.getToken(code);
    expect(tokens.access_token).toMatch(/^ya29\./);
    expect(tokens.refresh_token).toMatch(/^1\/\//);
    expect(tokens.token_type).toBe('Bearer');
    // The new refresh token works, the code does not work twice.
    expect((await postToken(sb, refreshForm(tokens.refresh_token ?? ''))).status).toBe(200);
    const again = await failure(client.getToken(code));
    expect(again.status).toBe(400);
    expect((again.data as { error: string }).error).toBe('invalid_grant');
  });

  it('seeded codes: wrong redirect_uri -> redirect_uri_mismatch, expired code -> invalid_grant, unknown code -> invalid_grant', async () => {
    const seeded = await sb.control.seed<{ authCodes: string[] }>('google', {
      authCodes: [
        { code: '4/code-a', user: ALICE.email, clientId: CLIENT.clientId, redirectUri: 'http://localhost/cb' },
        { code: '4/code-b', user: BOB.email, clientId: CLIENT.clientId },
      ],
    });
    expect(seeded.authCodes).toEqual(['4/code-a', '4/code-b']);
    const base = { grant_type: 'authorization_code', client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret };
    const mismatch = await postToken(sb, { ...base, code: '4/code-a', redirect_uri: 'http://evil/cb' });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.error).toBe('redirect_uri_mismatch');
    await sb.control.advanceClock(601_000);
    const expired = await postToken(sb, { ...base, code: '4/code-b' });
    expect(expired.status).toBe(400);
    expect(expired.body.error).toBe('invalid_grant');
    const unknown = await postToken(sb, { ...base, code: '4/nope' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toBe('invalid_grant');
    const missing = await postToken(sb, base);
    expect(missing.body).toEqual({ error: 'invalid_request', error_description: 'Missing required parameter: code' });
  });
});

describe('google access tokens', () => {
  it('expire after 3599 s on the fake clock: 401 UNAUTHENTICATED reason ACCESS_TOKEN_EXPIRED', async () => {
    const token = await accessTokenFor(sb, ALICE.refreshToken);
    const people = peopleWithAccessToken(sb, token);
    const ok = await people.people.connections.list({ resourceName: 'people/me', personFields: 'names' });
    expect(ok.status).toBe(200);
    await sb.control.advanceClock(3599 * 1000);
    const f = await failure(people.people.connections.list({ resourceName: 'people/me', personFields: 'names' }, { retry: false }));
    expect(f.status).toBe(401);
    const body = f.data as { error: { code: number; status: string; details: { '@type': string; reason: string; domain: string }[] } };
    expect(body.error.code).toBe(401);
    expect(body.error.status).toBe('UNAUTHENTICATED');
    expect(body.error.details[0]).toMatchObject({ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'ACCESS_TOKEN_EXPIRED', domain: 'googleapis.com' });
    expect(f.headers?.get('www-authenticate')).toContain('invalid_token');
  });

  it('unknown token -> 401; no credentials -> 401 CREDENTIALS_MISSING; revoked grant -> 401', async () => {
    const unknown = await peopleRaw(sb, 'ya29.garbage', 'GET', 'people/me/connections?personFields=names');
    expect(unknown.status).toBe(401);
    expect((unknown.body as { error: { status: string } }).error.status).toBe('UNAUTHENTICATED');
    const none = await peopleRaw(sb, undefined, 'GET', 'people/me/connections?personFields=names');
    expect(none.status).toBe(401);
    expect(reasonOf(none.body)).toBe('CREDENTIALS_MISSING');
    const token = await accessTokenFor(sb, ALICE.refreshToken);
    await sb.control.seed('google', {}); // no-op seed keeps everything
    await controlPost(sb, '/google/revoke', { user: ALICE.email });
    expect((await peopleRaw(sb, token, 'GET', 'people/me/connections?personFields=names')).status).toBe(401);
  });

  it('a token without the contacts scope -> 403 PERMISSION_DENIED; contacts.readonly may read but not write', async () => {
    await sb.control.seed('google', {
      users: [
        { email: 'ro@example.com', clientId: CLIENT.clientId, refreshToken: '1//ro', scope: 'https://www.googleapis.com/auth/contacts.readonly' },
        { email: 'mail@example.com', clientId: CLIENT.clientId, refreshToken: '1//mail', scope: 'https://www.googleapis.com/auth/gmail.readonly' },
      ],
    });
    const ro = await accessTokenFor(sb, '1//ro');
    expect((await peopleRaw(sb, ro, 'GET', 'people/me/connections?personFields=names')).status).toBe(200);
    const write = await peopleRaw(sb, ro, 'POST', 'people:createContact', { names: [{ givenName: 'X' }] });
    expect(write.status).toBe(403);
    expect(reasonOf(write.body)).toBe('ACCESS_TOKEN_SCOPE_INSUFFICIENT');
    const mail = await accessTokenFor(sb, '1//mail');
    expect((await peopleRaw(sb, mail, 'GET', 'people/me/connections?personFields=names')).status).toBe(403);
  });

  it('the official client refreshes on its own and reaches the People API', async () => {
    const people = peopleFor(sb, ALICE.refreshToken);
    const me = await people.people.get({ resourceName: 'people/me', personFields: 'names,emailAddresses' });
    expect(me.data.emailAddresses?.[0]?.value).toBe(ALICE.email);
    const state = await sb.control.state<{ accessTokens: unknown[] }>('google', { user: ALICE.email });
    expect(state.accessTokens).toHaveLength(1);
  });

  it('after a fake-clock jump the library still trusts its cached token; forceRefreshOnFailure recovers', async () => {
    // google-auth-library dates tokens by the real clock, so the fake's expiry surfaces as a 401 first.
    const auth = new google.auth.OAuth2({ clientId: CLIENT.clientId, clientSecret: CLIENT.clientSecret, endpoints: { oauth2TokenUrl: `${sb.baseUrl}/google/token` }, forceRefreshOnFailure: true });
    auth.setCredentials({ refresh_token: ALICE.refreshToken });
    const people = google.people({ version: 'v1', auth, rootUrl: `${sb.baseUrl}/google/` });
    await people.people.connections.list({ resourceName: 'people/me', personFields: 'names' });
    await sb.control.advanceClock(3600 * 1000);
    const r = await people.people.connections.list({ resourceName: 'people/me', personFields: 'names' }, { retry: false });
    expect(r.status).toBe(200);
    const statuses = (await sb.control.requests({ provider: 'google' })).map((x) => `${x.method} ${x.url.split('?')[0] ?? ''} ${x.status}`);
    expect(statuses.slice(-3)).toEqual(['GET /google/v1/people/me/connections 401', 'POST /google/token 200', 'GET /google/v1/people/me/connections 200']);
  });

  it('revoke and tokeninfo endpoints work with OAuth2Client', async () => {
    const token = await accessTokenFor(sb, ALICE.refreshToken);
    const client = oauthClient(sb);
    const info = await client.getTokenInfo(token);
    expect(info.aud).toBe(CLIENT.clientId);
    expect(info.scopes).toEqual(['https://www.googleapis.com/auth/contacts']);
    await client.revokeToken(ALICE.refreshToken);
    // Revoking the refresh token kills its access tokens too.
    expect((await peopleRaw(sb, token, 'GET', 'people/me/connections?personFields=names')).status).toBe(401);
    expect((await postToken(sb, refreshForm(ALICE.refreshToken))).status).toBe(400);
  });
});

describe('google token endpoint rate limit and bulk seeding', () => {
  it('answers 429 rate_limit_exceeded with Retry-After past the configured requests/s, then recovers', async () => {
    await sb.control.configure('google', { tokenRateLimitPerSecond: 3 });
    // Pin the clock to the start of a second so all requests fall into one window.
    const now = Date.parse((await (await fetch(sb.control.url('/_control/clock'))).json() as { now: string }).now);
    await sb.control.advanceClock(1000 - (now % 1000) + 1);
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await postToken(sb, refreshForm(ALICE.refreshToken)));
    const limited = results.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(2);
    expect(limited[0]?.body.error).toBe('rate_limit_exceeded');
    expect(limited[0]?.headers.get('retry-after')).toBe('1');
    await sb.control.advanceClock(1000);
    expect((await postToken(sb, refreshForm(ALICE.refreshToken))).status).toBe(200);
    const st = await sb.control.state<{ counters: { tokenRateLimited: number } }>('google');
    expect(st.counters.tokenRateLimited).toBe(limited.length);
  });

  // How fast seeding and refreshing are is measured by `npm run bench -- sandbox` (google_seed_5000_ms, google_refresh_500_ms).
  it('seeds 5000 users in one call and refreshes any of them by their predictable token', async () => {
    const r = await sb.control.seed<{ generated: { count: number; refreshTokenPattern: string; first: string; last: string } }>('google', {
      generate: { count: 5000, prefix: 'bench', clientId: CLIENT.clientId },
    });
    expect(r.generated).toMatchObject({ count: 5000, refreshTokenPattern: '1//rt-bench<i>', first: 'bench1@example.com', last: 'bench5000@example.com' });
    const st = await sb.control.state<{ userCount: number }>('google');
    expect(st.userCount).toBe(5002);
    const all = await Promise.all(Array.from({ length: 500 }, (_, i) => postToken(sb, refreshForm(`1//rt-bench${i + 1}`))));
    expect(all.every((x) => x.status === 200)).toBe(true);
    expect(new Set(all.map((x) => x.body.access_token)).size).toBe(500);
  });
});
