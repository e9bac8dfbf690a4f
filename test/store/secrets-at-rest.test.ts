import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStores, type Stores } from '../../store';
import { createCipher, keyIdOf } from '../../store/crypto';
import { connectMongo, type Mongo } from '../../store/mongo';
import { ENCRYPTED } from '../../store/rotate-encryption';
import { stopProcess, tsEntry } from '../../stack/proc';
import { testSettings, unique } from '../helpers/stack';

/**
 * Secrets at rest, operated: `switchyard keys rotate-encryption` moves every stored token and secret to a new key,
 * resumes after being killed half-way, and leaves nothing the old key is needed for; the worker and the API refuse
 * the example keys outside the local stack.
 */
const repo = path.join(__dirname, '..', '..');
const OLD = 'ab'.repeat(32);
const NEW = 'cd'.repeat(32);
// Few: on the local MongoDB-wire server each compare-and-swap reads the collection (store/rotate-encryption.ts).
const ACCOUNTS = 300;
let mongo: Mongo;
let old: Stores;
let dbUri: string;

beforeAll(async () => {
  mongo = await connectMongo(testSettings(), unique('test_rotation').replace(/-/g, '_'));
  const u = new URL(testSettings().MONGODB_URI);
  u.pathname = `/${mongo.db.databaseName}`;
  dbUri = u.toString();
  old = await openStores(mongo.db, { ENCRYPTION_KEY: OLD });
  await old.oauthClients.upsert({ id: 'g', provider: 'google', clientId: 'cid', clientSecret: 'google-client-secret' });
  for (let i = 0; i < ACCOUNTS; i += 100) {
    await old.accounts.createMany(
      Array.from({ length: 100 }, (_, j) => ({ id: `acc-${String(i + j).padStart(5, '0')}`, provider: 'google' as const, oauthClientId: 'g', email: `u${i + j}@example.com`, refreshToken: `1//rt-${i + j}` })),
    );
  }
  for (const n of ['alpha', 'beta', 'gamma']) await old.secrets.set(n, `secret-${n}`, 'test');
  // An extraction's shared access token and a run in flight hold tokens too.
  await old.extractionRuns.saveSharedToken('refresh-request-hash', { token: 'shared-access', obtainedAt: new Date(), expiresAt: null });
  await old.extractionRuns.start({
    _id: 'extract:run-1',
    configId: 'cfg',
    extractionId: 'ex',
    config: '{}',
    previousLast: null,
    startedAt: new Date(),
    bucket: 'b',
    key: 'k',
    uploadId: 'u',
    lastRecord: null,
    accessToken: 'run-access',
    tokenExpiresAt: null,
  });
  // A committed journal entry its writer did not apply (it died): its tokens are rewritten too.
  const oldCipher = createCipher(OLD);
  await mongo.db.collection('token_journal').insertOne({
    _id: 'acc-00001#1' as never,
    accountId: 'acc-00001',
    version: 1,
    kind: 'refresh',
    owner: null,
    at: new Date(),
    set: [{ path: 'token.access', value: oldCipher.encrypt('ya29.journal-access') }, { path: 'token.expiresAt', value: new Date() }],
  });
}, 240_000);
afterAll(async () => {
  await mongo.db.dropDatabase();
  await mongo.close();
});

/** `switchyard keys rotate-encryption` with the new key encrypting and the old one decrypting. */
function rotate(): { child: ChildProcess; out: () => string; done: Promise<number | null> } {
  const [node, args] = tsEntry(repo, 'clients/cli/main.ts');
  const child = spawn(node, [...args, 'keys', 'rotate-encryption', '--batch', '25'], {
    cwd: repo,
    env: { ...process.env, MONGODB_URI: dbUri, ENCRYPTION_KEY: NEW, ENCRYPTION_DECRYPT_KEYS: OLD },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return { child, out: () => out, done: new Promise((r) => child.once('exit', (code) => r(code))) };
}

/** How many ciphertexts of a collection are under each key id ('v1' for values without one). */
async function keysOf(collection: string): Promise<Record<string, number>> {
  const target = ENCRYPTED.find((t) => t.collection === collection)!;
  const counts: Record<string, number> = {};
  for (const doc of await mongo.db.collection(collection).find({}).toArray()) {
    for (const v of target.ciphertexts(doc)) {
      const id = v.startsWith('v2:') ? v.split(':')[1]! : 'v1';
      counts[id] = (counts[id] ?? 0) + 1;
    }
  }
  return counts;
}

describe('secrets at rest', () => {
  it('rotate-encryption, killed half-way then run again, leaves every token and secret under the new key only', async () => {
    expect(await keysOf('accounts')).toEqual({ [keyIdOf(OLD)]: ACCOUNTS });

    const first = rotate();
    // Killed once it has rewritten the first batch of accounts: the rest is still under the old key.
    const deadline = Date.now() + 120_000;
    while (!/rotate-encryption: accounts rewritten=[1-9]/.test(first.out()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(first.out()).toMatch(/rotate-encryption: accounts rewritten=[1-9]/);
    await stopProcess(first.child, 1_000, 'SIGKILL');
    const half = await keysOf('accounts');
    expect(half[keyIdOf(NEW)]).toBeGreaterThan(0);
    expect(half[keyIdOf(OLD)]).toBeGreaterThan(0);

    const second = rotate();
    expect(await second.done, second.out()).toBe(0);
    const report = JSON.parse(second.out().slice(second.out().indexOf('{'))) as { keyId: string; collections: Record<string, { rewritten: number; current: number; changed: number; unreadable: string[] }> };
    expect(report.keyId).toBe(keyIdOf(NEW));
    // Resumed: what the first run rewrote is skipped, the rest rewritten.
    expect(report.collections.accounts!.current).toBe(half[keyIdOf(NEW)]);
    expect(report.collections.accounts!.rewritten).toBe(ACCOUNTS - half[keyIdOf(NEW)]!);
    expect(report.collections.extract_secrets).toMatchObject({ rewritten: 3, unreadable: [] });
    expect(report.collections.token_journal).toMatchObject({ rewritten: 1 });
    expect(report.collections.extract_tokens).toMatchObject({ rewritten: 1 });
    expect(report.collections.extract_runs).toMatchObject({ rewritten: 1 });
    for (const c of ['accounts', 'oauth_clients', 'extract_secrets', 'token_journal', 'extract_tokens', 'extract_runs']) expect(Object.keys(await keysOf(c)), c).toEqual([keyIdOf(NEW)]);

    // Everything reads with the new key alone: the old one can leave the ring.
    const only = await openStores(mongo.db, { ENCRYPTION_KEY: NEW });
    for (const i of [0, 1, 150, ACCOUNTS - 1]) {
      const creds = await only.accounts.credentials(await only.accounts.get(`acc-${String(i).padStart(5, '0')}`));
      expect(creds.refreshToken).toBe(`1//rt-${i}`);
      expect(creds.oauthClient.clientSecret).toBe('google-client-secret');
    }
    expect(await only.secrets.values(['alpha', 'beta', 'gamma'])).toEqual({ alpha: 'secret-alpha', beta: 'secret-beta', gamma: 'secret-gamma' });
    expect((await only.extractionRuns.sharedToken('refresh-request-hash'))?.token).toBe('shared-access');
    expect(only.extractionRuns.accessToken((await only.extractionRuns.find('extract:run-1'))!)).toBe('run-access');
    const entry = await mongo.db.collection('token_journal').findOne({ accountId: 'acc-00001' });
    expect(createCipher(NEW).decrypt((entry!.set as { value: string }[])[0]!.value)).toBe('ya29.journal-access');

    // A third run finds nothing left.
    const third = rotate();
    expect(await third.done).toBe(0);
    expect(third.out()).toMatch(new RegExp(`accounts rewritten=0 current=${ACCOUNTS} `));
  }, 300_000);

  it.each([
    ['worker', 'workers/main.ts'],
    ['api', 'clients/api/main.ts'],
  ])('the %s refuses to start in production with the example keys, naming both settings', async (_name, file) => {
    const [node, args] = tsEntry(repo, file);
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'production', MONGODB_URI: dbUri };
    delete env.ROOT_API_KEY;
    delete env.ENCRYPTION_KEY;
    const child = spawn(node, args, { cwd: repo, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).toBe(1);
    expect(err).toMatch(/ROOT_API_KEY: is the example key of \.env\.example, refused with NODE_ENV=production/);
    expect(err).toMatch(/ENCRYPTION_KEY: is the example key of \.env\.example, refused with NODE_ENV=production/);
  }, 60_000);
});
