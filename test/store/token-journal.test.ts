import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Collection } from 'mongodb';
import { openStores } from '../../store';
import type { AccountDoc, AccountStore } from '../../store/accounts';
import { createCipher } from '../../store/crypto';
import { connectMongo, type Mongo } from '../../store/mongo';
import type { TokenJournalDoc } from '../../store/token-journal';
import { testSettings, unique } from '../helpers/stack';

// Token writes go through the token journal (store/accounts.ts): the journal insert is the compare-and-swap,
// the account update follows, and readers apply what a dead writer committed but did not apply.
const KEY = 'ab'.repeat(32);
const cipher = createCipher(KEY);
let mongo: Mongo;
let store: AccountStore;
// What the store writes, read and forged straight in MongoDB.
let journal: Collection<TokenJournalDoc>;
let accounts: Collection<AccountDoc>;
let n = 0;

beforeAll(async () => {
  mongo = await connectMongo(testSettings(), unique('test_journal').replace(/-/g, '_'));
  const stores = await openStores(mongo.db, { ENCRYPTION_KEY: KEY });
  store = stores.accounts;
  journal = mongo.db.collection<TokenJournalDoc>('token_journal');
  accounts = mongo.db.collection<AccountDoc>('accounts');
  await stores.oauthClients.upsert({ id: 'g', provider: 'google', clientId: 'cid', clientSecret: 'secret' });
});
afterAll(async () => {
  await mongo.db.dropDatabase();
  await mongo.close();
});

async function account(): Promise<string> {
  const id = `acc-${++n}`;
  await store.create({ id, provider: 'google', oauthClientId: 'g', email: `${id}@example.com`, refreshToken: `rt-${id}` });
  return id;
}

const token = (access: string) => ({ accessToken: access, expiresAt: new Date(Date.now() + 3600_000) });
const accessOf = async (id: string): Promise<string | null> => (await store.credentials(await store.get(id))).accessToken;

describe('token journal', () => {
  it('lets one of two writers with the same expected version win, and keeps only the latest entry', async () => {
    const id = await account();
    const [a, b] = await Promise.all([store.storeRefreshed(id, 1, token('ya29.a'), 'owner-a'), store.storeRefreshed(id, 1, token('ya29.b'), 'owner-b')]);
    expect([a, b].sort()).toEqual([2, null]);
    expect(await accessOf(id)).toBe(a === 2 ? 'ya29.a' : 'ya29.b');
    expect(await store.storeRefreshed(id, 2, token('ya29.c'), 'owner-c')).toBe(3);
    expect((await store.get(id)).token.version).toBe(3);
    expect((await journal.find({ accountId: id }).toArray()).map((e) => e._id)).toEqual([`${id}#3`]);
  });

  it('applies a change whose writer died after committing it, on the next read', async () => {
    const id = await account();
    // What a writer leaves when it dies between the journal insert and the account update.
    await journal.insertOne({
      _id: `${id}#2`,
      accountId: id,
      version: 2,
      kind: 'refresh',
      owner: 'dead-owner',
      at: new Date(),
      set: [
        { path: 'token.access', value: cipher.encrypt('kommo-rotated-access') },
        { path: 'token.refresh', value: cipher.encrypt('kommo-rotated-refresh') },
      ],
    });
    expect((await accounts.findOne({ _id: id }))!.token.version).toBe(1);
    const leased = await store.acquireLease(id, 'next-owner', 60_000);
    expect(leased!.token.version).toBe(2);
    const creds = await store.credentials(leased!);
    expect(creds).toMatchObject({ accessToken: 'kommo-rotated-access', refreshToken: 'kommo-rotated-refresh' });
    // The next write builds on it.
    expect(await store.storeRefreshed(id, 2, token('after'), 'next-owner')).toBe(3);
  });

  it('leaves the settling to the caller that says it can do without it, and applies the change when it writes', async () => {
    const id = await account();
    await journal.insertOne({ _id: `${id}#2`, accountId: id, version: 2, kind: 'refresh', owner: 'dead-owner', at: new Date(), set: [{ path: 'token.access', value: cipher.encrypt('committed') }] });
    const asRead = await store.acquireLease(id, 'lazy-owner', 60_000, { settleIf: () => false });
    expect(asRead!.token.version).toBe(1);
    // Its write finds version 2 taken: it loses, and the committed change is what the account holds.
    expect(await store.storeRefreshed(id, 1, token('late'), 'lazy-owner')).toBeNull();
    expect(await accessOf(id)).toBe('committed');
  });

  it('never lets a reader settling late write an older change over a newer one', async () => {
    const id = await account();
    const stale = await store.get(id);
    expect(await store.storeRefreshed(id, 1, token('v2'), 'o1')).toBe(2);
    expect(await store.storeRefreshed(id, 2, token('v3'), 'o2')).toBe(3);
    // The reader saw version 1 and entry #2 before the writer applied #2 and moved on to #3.
    await journal.insertOne({ _id: `${id}#2`, accountId: id, version: 2, kind: 'refresh', owner: 'o1', at: new Date(), set: [{ path: 'token.access', value: cipher.encrypt('v2') }] });
    const settled = await store.settle(stale);
    expect(settled.token.version).toBe(3);
    expect(await accessOf(id)).toBe('v3');
  });

  it('refuses a writer whose expected version is stale by more than one, and withdraws its claim', async () => {
    const id = await account();
    expect(await store.storeRefreshed(id, 1, token('v2'), 'o1')).toBe(2);
    expect(await store.storeRefreshed(id, 2, token('v3'), 'o2')).toBe(3);
    // Entry #2 was dropped when #3 was applied, so a writer still at version 1 can insert #2: the check after the
    // insert must catch it.
    expect(await store.storeRefreshed(id, 1, token('stale'), 'o-stale')).toBeNull();
    expect(await accessOf(id)).toBe('v3');
    expect(await journal.countDocuments({ _id: `${id}#2` })).toBe(0);
  });

  it('treats a retry of the same attempt as the same write', async () => {
    const id = await account();
    expect(await store.storeRefreshed(id, 1, token('first'), 'attempt-1')).toBe(2);
    expect(await store.storeRefreshed(id, 1, token('first'), 'attempt-1')).toBe(2);
    expect(await store.storeRefreshed(id, 1, token('other'), 'attempt-2')).toBeNull();
    expect(await accessOf(id)).toBe('first');
  });

  it('moves the version on reconnect, so a refresh that read the old one loses', async () => {
    const id = await account();
    await store.markNeedsReauth(id, 'AuthRevoked', 'revoked');
    await store.reconnect(id, 'rt-new');
    const doc = await store.get(id);
    expect(doc).toMatchObject({ status: 'active', isActive: true, lastError: null });
    expect(doc.token.version).toBe(2);
    expect((await store.credentials(doc)).refreshToken).toBe('rt-new');
    expect(await store.storeRefreshed(id, 1, token('late'), 'late-owner')).toBeNull();
  });
});
