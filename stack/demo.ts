/**
 * Demo data for `npm start`: a few connected accounts whose providers are the sandbox's fakes, so the schedules
 * and every CLI command have something real to work on from the first minute.
 */
import type { Settings } from '../config';
import { SandboxControl } from '../sandbox/client';
import { AccountStore, type NewAccount } from '../store/accounts';
import { createCipher } from '../store/crypto';
import { connectMongo } from '../store/mongo';

const GOOGLE = { clientId: 'demo-project.apps.googleusercontent.com', clientSecret: 'GOCSPX-demo-secret' };
const ZOHO = { clientId: '1000.DEMOCLIENT', clientSecret: 'demo-zoho-secret' };
const KOMMO = { clientId: 'demo-kommo-integration', clientSecret: 'demo-kommo-secret', redirectUri: 'http://127.0.0.1:3000/kommo/callback' };

export async function seedDemo(settings: Settings, sandboxUrl: string, seedSandbox: boolean): Promise<string[]> {
  if (seedSandbox) {
    const control = new SandboxControl(sandboxUrl);
    await control.seed('google', {
      clients: [{ ...GOOGLE, redirectUris: [] }],
      users: [1, 2, 3].map((i) => ({ email: `demo${i}@example.com`, clientId: GOOGLE.clientId, refreshToken: `1//demo-refresh-${i}` })),
    });
    await control.seed('zoho', { clients: [ZOHO], accounts: [{ id: 'demo-zoho', email: 'ops@example.com', refreshToken: '1000.demo-refresh', clientId: ZOHO.clientId }] });
    await control.seed('kommo', {
      accounts: [{ subdomain: 'demo', ...KOMMO, tokens: [{ accessToken: 'demo-kommo-access', refreshToken: 'demo-kommo-refresh' }], generateContacts: { count: 50 } }],
    });
  }
  const mongo = await connectMongo(settings);
  try {
    const store = new AccountStore(mongo.db, createCipher(settings.ENCRYPTION_KEY));
    await store.ensureIndexes();
    await store.upsertClient({ id: 'demo-google', provider: 'google', ...GOOGLE });
    await store.upsertClient({ id: 'demo-zoho', provider: 'zoho', ...ZOHO });
    await store.upsertClient({ id: 'demo-kommo', provider: 'kommo', ...KOMMO });
    const wanted: NewAccount[] = [
      ...[1, 2, 3].map((i): NewAccount => ({ id: `demo-gmail-${i}`, provider: 'google', oauthClientId: 'demo-google', email: `demo${i}@example.com`, refreshToken: `1//demo-refresh-${i}` })),
      { id: 'demo-zoho', provider: 'zoho', oauthClientId: 'demo-zoho', email: 'ops@example.com', loginUserUsuario: 'ops', refreshToken: '1000.demo-refresh' },
      { id: 'demo-kommo', provider: 'kommo', oauthClientId: 'demo-kommo', kommoSubdomain: 'demo', refreshToken: 'demo-kommo-refresh', accessToken: 'demo-kommo-access' },
    ];
    const existing = new Set((await store.list({ limit: 1000 })).map((a) => a.id));
    const missing = wanted.filter((a) => !existing.has(a.id!));
    await store.createMany(missing);
    return missing.map((a) => a.id!);
  } finally {
    await mongo.close();
  }
}
