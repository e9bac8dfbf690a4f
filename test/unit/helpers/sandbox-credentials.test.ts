import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { providerEndpoints } from '../../../providers/endpoints';
import { refreshGoogle } from '../../../providers/google/oauth';
import { refreshKommo } from '../../../providers/kommo/oauth';
import { refreshZoho } from '../../../providers/zoho/oauth';
import { startSandbox, type RunningSandbox } from '../../helpers/sandbox';
import { sandboxCredentials } from '../../helpers/secrets';

// The "no secret in any log" checks of the workflow tests search for what sandboxCredentials collects. A
// credential it misses is never searched for, and its leak would pass: each kind the fakes issue is checked here
// against the fakes' own token ledgers.
const GOOGLE = { clientId: 'collector-google.apps.googleusercontent.com', clientSecret: 'GOCSPX-collector-secret' };
const ZOHO = { clientId: '1000.COLLECTOR', clientSecret: 'zoho-collector-secret' };
const KOMMO = { clientId: 'kommo-collector', clientSecret: 'kommo-collector-secret', redirectUri: 'https://switchyard.example/kommo/callback' };

let sandbox: RunningSandbox;

beforeAll(async () => {
  sandbox = await startSandbox();
});

afterAll(async () => {
  await sandbox.close();
});

interface LedgerToken {
  token: string;
}

describe('sandboxCredentials', () => {
  it('collects every token the Google, Zoho and Kommo fakes issued or were sent, and the client secrets', async () => {
    const endpoints = providerEndpoints({ PROVIDERS_SANDBOX_URL: sandbox.baseUrl, ZOHO_THROTTLE_RETRY_SECONDS: 1 });
    await sandbox.control.seed('google', { clients: [{ ...GOOGLE, redirectUris: [] }], generate: { count: 1, prefix: 'collector', clientId: GOOGLE.clientId } });
    await sandbox.control.seed('zoho', { clients: [ZOHO], accounts: [{ id: 'zcollector', email: 'zcollector@example.com', dc: 'eu', refreshToken: '1000.collector-refresh', clientId: ZOHO.clientId }] });
    await sandbox.control.seed('kommo', { accounts: [{ subdomain: 'collector', ...KOMMO, tokens: [{ accessToken: 'kommo-collector-access', refreshToken: 'kommo-collector-refresh', accessExpiresInSeconds: 3600 }] }] });

    // Tokens sent only in a header count too: the seeded Kommo access token is used once before the refresh.
    const contacts = (token: string): Promise<Response> => fetch(`${sandbox.baseUrl}/kommo/collector/api/v4/contacts`, { headers: { authorization: `Bearer ${token}` } });
    await contacts('kommo-collector-access');
    const google = await refreshGoogle({ accountId: 'g', oauthClient: { ...GOOGLE, redirectUri: null }, refreshToken: '1//rt-collector1' }, endpoints);
    const zoho = await refreshZoho({ accountId: 'z', oauthClient: { ...ZOHO, redirectUri: null }, refreshToken: '1000.collector-refresh', zohoDataCentre: 'eu' }, endpoints);
    const kommo = await refreshKommo({ accountId: 'k', oauthClient: KOMMO, refreshToken: 'kommo-collector-refresh', kommoSubdomain: 'collector' }, endpoints);
    await contacts(kommo.accessToken);

    // What the fakes' ledgers hold: every refresh and access token of these accounts.
    const googleLedger = await sandbox.control.state<{ refreshTokens: LedgerToken[]; accessTokens: LedgerToken[] }>('google', { user: 'collector1@example.com' });
    const zohoLedger = await sandbox.control.state<{ refreshTokens: LedgerToken[]; accessTokens: LedgerToken[] }>('zoho', { account: 'zcollector' });
    const kommoLedger = await sandbox.control.state<{ accounts: { tokens: LedgerToken[] }[] }>('kommo', { subdomain: 'collector', contacts: '0' });
    const issued = [
      ...googleLedger.refreshTokens,
      ...googleLedger.accessTokens,
      ...zohoLedger.refreshTokens,
      ...zohoLedger.accessTokens,
      ...kommoLedger.accounts.flatMap((a) => a.tokens),
    ].map((t) => t.token);
    expect(issued).toEqual(expect.arrayContaining([google.accessToken, zoho.accessToken, kommo.accessToken, kommo.refreshToken]));

    const collected = await sandboxCredentials(sandbox.control);
    const missed = [...issued, GOOGLE.clientSecret, ZOHO.clientSecret, KOMMO.clientSecret].filter((t) => !collected.has(t));
    expect(missed, 'credentials the collector missed').toEqual([]);
  });
});
