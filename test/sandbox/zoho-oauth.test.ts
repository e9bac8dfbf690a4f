import { describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../helpers/sandbox';
import { useSandbox } from './use-sandbox';
import { ACCOUNT, refreshParams, seedZohoBasics, zapi, zcontrol, ZCLIENT, zohoTokenForm, zohoTokenQuery } from './zoho-fixtures';

const sb: RunningSandbox = useSandbox(async () => {
  await seedZohoBasics(sb);
});

describe('zoho accounts token endpoint: refresh_token grant', () => {
  it('takes query parameters and answers the documented body with api_domain = the fake', async () => {
    const r = await zohoTokenQuery(sb, refreshParams());
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ access_token: expect.stringMatching(/^1000\./), scope: expect.any(String), api_domain: `${sb.baseUrl}/zoho/api`, token_type: 'Bearer', expires_in: 3600 });
    // The api_domain is all a client needs for the API.
    const token = (r.body as { access_token: string }).access_token;
    const api = await fetch(`${(r.body as { api_domain: string }).api_domain}/crm/v2/Contacts`, { headers: { authorization: `Zoho-oauthtoken ${token}` } });
    expect(api.status).toBe(204);
  });

  it('takes a form body too', async () => {
    const r = await zohoTokenForm(sb, refreshParams());
    expect(r.status).toBe(200);
    expect((r.body as { access_token: string }).access_token).toMatch(/^1000\./);
  });

  it('bad or revoked refresh token -> HTTP 200 {"error":"invalid_code"}', async () => {
    const bad = await zohoTokenQuery(sb, refreshParams('1000.nope'));
    expect(bad.status).toBe(200);
    expect(bad.body).toEqual({ error: 'invalid_code' });
    await zcontrol(sb, '/zoho/revoke', { token: ACCOUNT.refreshToken });
    const revoked = await zohoTokenQuery(sb, refreshParams());
    expect(revoked.status).toBe(200);
    expect(revoked.body).toEqual({ error: 'invalid_code' });
    // Its access tokens died with it.
    expect((await zapi(sb, 'GET', '/crm/v2/Contacts')).status).toBe(401);
  });

  it('the public revoke endpoint revokes too', async () => {
    const r = await fetch(`${sb.baseUrl}/zoho/accounts/oauth/v2/token/revoke?token=${encodeURIComponent(ACCOUNT.refreshToken)}`, { method: 'POST' });
    expect(await r.json()).toEqual({ status: 'success' });
    expect((await zohoTokenQuery(sb, refreshParams())).body).toEqual({ error: 'invalid_code' });
  });

  it('unknown client and wrong secret -> HTTP 200 {"error":"invalid_client"}; the wrong-secret error is a switch', async () => {
    const unknown = await zohoTokenQuery(sb, refreshParams(undefined, { client_id: '1000.OTHER' }));
    expect(unknown.status).toBe(200);
    expect(unknown.body).toEqual({ error: 'invalid_client' });
    const wrong = await zohoTokenQuery(sb, refreshParams(undefined, { client_secret: 'x' }));
    expect(wrong.body).toEqual({ error: 'invalid_client' });
    await sb.control.configure('zoho', { wrongSecretError: 'invalid_client_secret' });
    expect((await zohoTokenQuery(sb, refreshParams(undefined, { client_secret: 'x' }))).body).toEqual({ error: 'invalid_client_secret' });
  });

  it('missing or unknown grant_type -> {"error":"unsupported_grant_type"}; a JSON body is not read', async () => {
    expect((await zohoTokenQuery(sb, refreshParams(undefined, { grant_type: 'password' }))).body).toEqual({ error: 'unsupported_grant_type' });
    const json = await fetch(`${sb.baseUrl}/zoho/accounts/oauth/v2/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(refreshParams()) });
    expect(await json.json()).toEqual({ error: 'unsupported_grant_type' });
  });

  it('more than 5 refreshes a minute of one refresh token -> 400 Access Denied; fine again a minute later', async () => {
    for (let i = 0; i < 5; i++) expect((await zohoTokenQuery(sb, refreshParams())).status).toBe(200);
    const sixth = await zohoTokenQuery(sb, refreshParams());
    expect(sixth.status).toBe(400);
    expect(sixth.body).toEqual({
      error: 'Access Denied',
      error_description: 'You have made too many requests continuously. Please try again after some time.',
      status: 'failure',
    });
    await sb.control.advanceClock(60_000);
    expect((await zohoTokenQuery(sb, refreshParams())).status).toBe(200);
    await sb.control.configure('zoho', { refreshesPerWindow: 1, refreshWindowSeconds: 600 });
    await sb.control.advanceClock(600_000);
    expect((await zohoTokenQuery(sb, refreshParams())).status).toBe(200);
    expect((await zohoTokenQuery(sb, refreshParams())).status).toBe(400);
  });

  it('access tokens expire after an hour: the CRM answers 401 INVALID_TOKEN', async () => {
    const token = ((await zohoTokenQuery(sb, refreshParams())).body as { access_token: string }).access_token;
    expect((await zapi(sb, 'GET', '/crm/v2/Contacts', { token })).status).toBe(204);
    await sb.control.advanceClock(3600 * 1000);
    const r = await zapi(sb, 'GET', '/crm/v2/Contacts', { token });
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ code: 'INVALID_TOKEN', details: {}, message: 'invalid oauth token', status: 'error' });
  });
});

describe('zoho accounts token endpoint: authorization_code grant and data centres', () => {
  it('exchanges a grant code once for refresh + access tokens', async () => {
    const { code } = await zcontrol<{ code: string }>(sb, '/zoho/authorize', { account: ACCOUNT.id, clientId: ZCLIENT.clientId, redirectUri: ZCLIENT.redirectUris[0] });
    const params = { grant_type: 'authorization_code', client_id: ZCLIENT.clientId, client_secret: ZCLIENT.clientSecret, code, redirect_uri: ZCLIENT.redirectUris[0] ?? '' };
    const r = await zohoTokenForm(sb, params);
    expect(r.body).toEqual({
      access_token: expect.stringMatching(/^1000\./),
      refresh_token: expect.stringMatching(/^1000\./),
      scope: expect.any(String),
      api_domain: `${sb.baseUrl}/zoho/api`,
      token_type: 'Bearer',
      expires_in: 3600,
    });
    expect((await zohoTokenForm(sb, params)).body).toEqual({ error: 'invalid_code' });
    const rt = (r.body as { refresh_token: string }).refresh_token;
    expect((await zohoTokenQuery(sb, refreshParams(rt))).status).toBe(200);
  });

  it('expired code -> invalid_code; wrong redirect_uri -> invalid_redirect_uri', async () => {
    await sb.control.seed('zoho', { authCodes: [{ code: '1000.code.a', account: ACCOUNT.id, clientId: ZCLIENT.clientId, redirectUri: 'http://localhost/zoho/cb' }, { code: '1000.code.b', account: ACCOUNT.id, clientId: ZCLIENT.clientId }] });
    const base = { grant_type: 'authorization_code', client_id: ZCLIENT.clientId, client_secret: ZCLIENT.clientSecret };
    expect((await zohoTokenQuery(sb, { ...base, code: '1000.code.a', redirect_uri: 'http://other' })).body).toEqual({ error: 'invalid_redirect_uri' });
    await sb.control.advanceClock(121_000);
    expect((await zohoTokenQuery(sb, { ...base, code: '1000.code.b' })).body).toEqual({ error: 'invalid_code' });
  });

  it('keeps each account data centre: a refresh at another dc -> invalid_code', async () => {
    await sb.control.seed('zoho', { accounts: [{ id: 'eu-1', dc: 'eu', clientId: ZCLIENT.clientId, refreshToken: '1000.refresh.eu' }] });
    expect((await zohoTokenQuery(sb, refreshParams('1000.refresh.eu', { dc: 'eu' }))).status).toBe(200);
    expect((await zohoTokenQuery(sb, refreshParams('1000.refresh.eu', { dc: 'com' }))).body).toEqual({ error: 'invalid_code' });
    const ok = await zohoTokenQuery(sb, refreshParams('1000.refresh.eu'));
    expect((ok.body as { api_domain: string }).api_domain).toBe(`${sb.baseUrl}/zoho/api`);
    const auth = await zcontrol<{ location: string; accountsServer: string }>(sb, '/zoho/authorize', { account: 'eu-1', clientId: ZCLIENT.clientId });
    expect(auth).toMatchObject({ location: 'eu', accountsServer: 'https://accounts.zoho.eu' });
    const st = await sb.control.state<{ accounts: { id: string; dc: string }[] }>('zoho');
    expect(st.accounts.find((a) => a.id === 'eu-1')?.dc).toBe('eu');
  });
});
