/**
 * Demo data for `npm start`: a few connected accounts whose providers are the sandbox's fakes, so the schedules
 * and every CLI command have something real to work on from the first minute.
 */
import fs from 'node:fs';
import path from 'node:path';
import { apiPublicUrl, type Settings } from '../config';
import { oauthCallbackPath } from '../common/names';
import { prepareConfig } from '../extraction';
import { SandboxControl } from '../sandbox/client';
import { openStores, type Stores } from '../store';
import type { NewAccount } from '../store/accounts';
import { newId } from '../store/configs';
import { connectMongo } from '../store/mongo';

/** The sandbox's Zoho-shaped demo API takes this refresh token (any client id and secret). */
const DEMO_ZOHO_SECRETS = { zoho_refresh_token: 'demo-refresh-token', zoho_client_id: '1000.DEMO', zoho_client_secret: 'demo-secret' };

const GOOGLE = { clientId: 'demo-project.apps.googleusercontent.com', clientSecret: 'GOCSPX-demo-secret' };
const ZOHO = { clientId: '1000.DEMOCLIENT', clientSecret: 'demo-zoho-secret' };
const KOMMO = { clientId: 'demo-kommo-integration', clientSecret: 'demo-kommo-secret' };

/** The demo Kommo integration's redirect URI: the API's install callback, so the operator page's Connect works. */
const kommoRedirect = (settings: Settings): string => `${apiPublicUrl(settings)}${oauthCallbackPath('kommo')}`;

export interface DemoSeeded {
  accounts: string[];
  /** The id of the demo extraction config when it was created now. */
  config: string | null;
}

export async function seedDemo(settings: Settings, sandboxUrl: string, seedSandbox: boolean): Promise<DemoSeeded> {
  if (seedSandbox) {
    const control = new SandboxControl(sandboxUrl);
    // The API's callbacks are registered, and one user of each provider is not connected yet: `switchyard accounts
    // connect` sends a browser through the fake's consent page and back (README, "Connecting accounts").
    const callback = (p: 'google' | 'zoho'): string[] => [`${apiPublicUrl(settings)}${oauthCallbackPath(p)}`];
    await control.seed('google', {
      clients: [{ ...GOOGLE, redirectUris: callback('google') }],
      users: [
        ...[1, 2, 3].map((i) => ({ email: `demo${i}@example.com`, clientId: GOOGLE.clientId, refreshToken: `1//demo-refresh-${i}` })),
        { email: 'newcomer@example.com', name: 'Newcomer' },
      ],
    });
    await control.seed('zoho', { clients: [{ ...ZOHO, redirectUris: callback('zoho') }], accounts: [
        { id: 'demo-zoho', email: 'ops@example.com', refreshToken: '1000.demo-refresh', clientId: ZOHO.clientId },
        { id: 'demo-zoho-eu', email: 'sales@example.eu', dc: 'eu' },
      ],
    });
    await control.seed('kommo', {
      accounts: [{ subdomain: 'demo', ...KOMMO, redirectUri: kommoRedirect(settings), tokens: [{ accessToken: 'demo-kommo-access', refreshToken: 'demo-kommo-refresh' }], generateContacts: { count: 50 } }],
    });
  }
  const mongo = await connectMongo(settings);
  try {
    const stores = await openStores(mongo.db, settings);
    await stores.oauthClients.upsert({ id: 'demo-google', provider: 'google', ...GOOGLE });
    await stores.oauthClients.upsert({ id: 'demo-zoho', provider: 'zoho', ...ZOHO });
    await stores.oauthClients.upsert({ id: 'demo-kommo', provider: 'kommo', ...KOMMO, redirectUri: kommoRedirect(settings) });
    const wanted: NewAccount[] = [
      ...[1, 2, 3].map((i): NewAccount => ({ id: `demo-gmail-${i}`, provider: 'google', oauthClientId: 'demo-google', email: `demo${i}@example.com`, refreshToken: `1//demo-refresh-${i}` })),
      { id: 'demo-zoho', provider: 'zoho', oauthClientId: 'demo-zoho', email: 'ops@example.com', loginUserUsuario: 'ops', refreshToken: '1000.demo-refresh' },
      { id: 'demo-kommo', provider: 'kommo', oauthClientId: 'demo-kommo', kommoSubdomain: 'demo', refreshToken: 'demo-kommo-refresh', accessToken: 'demo-kommo-access' },
    ];
    const existing = new Set((await stores.accounts.list({ limit: 1000 })).map((a) => a.id));
    const missing = wanted.filter((a) => !existing.has(a.id!));
    await stores.accounts.createMany(missing);
    const config = seedSandbox ? await seedExtraction(stores) : null;
    return { accounts: missing.map((a) => a.id!), config };
  } finally {
    await mongo.close();
  }
}

/**
 * The seed's Zoho deals config, unchanged, with the secrets it references: with the providers on the sandbox it
 * extracts from the sandbox's Zoho-shaped demo API. It is written straight to MongoDB (history entry "demo"); the
 * worker, which starts next, creates its schedule like it does for any config restored that way.
 */
async function seedExtraction({ configs, secrets }: Stores): Promise<string | null> {
  const have = new Set((await secrets.names()).map((s) => s.name));
  for (const [name, value] of Object.entries(DEMO_ZOHO_SECRETS)) if (!have.has(name)) await secrets.set(name, value, 'demo');
  const body = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'extraction', 'examples', 'zoho-deals.json'), 'utf8')) as { name: string };
  if (await configs.findByName(body.name)) return null;
  const id = newId('cfg');
  await configs.insert({ id, ...prepareConfig(body, id, null, newId) }, 'demo');
  return id;
}
