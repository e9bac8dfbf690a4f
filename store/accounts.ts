import { randomUUID } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import type { OAuthProvider } from '../common/names';
import { SEED_TYPE, toView, type AccountDoc, type AccountStatus, type AccountView, type Credentials, type NewAccount } from './account-types';
import type { Cipher } from './crypto';
import { AccountInvalid, AccountNotFound } from './errors';
import { unknownOAuthClient, wrongProvider, type OAuthClientStore } from './oauth-clients';
import type { RefreshLeaseStore } from './refresh-leases';
import type { TokenJournalDoc, TokenJournalStore } from './token-journal';

export * from './account-types';
export { AccountInvalid, AccountNotFound } from './errors';

/**
 * The `accounts` collection. Tokens are encrypted before they are written, and every token change goes through the
 * token journal (store/token-journal.ts); refreshes of one account are serialised by its refresh lease.
 */
export class AccountStore {
  private readonly col: Collection<AccountDoc>;

  constructor(
    db: Db,
    private readonly cipher: Cipher,
    private readonly oauthClients: OAuthClientStore,
    private readonly journal: TokenJournalStore,
    private readonly leases: RefreshLeaseStore,
  ) {
    this.col = db.collection<AccountDoc>('accounts');
  }

  async ensureIndexes(): Promise<void> {
    await this.col.createIndex({ provider: 1, key: 1 }, { unique: true, name: 'provider_key' });
    await this.col.createIndex({ provider: 1, status: 1, _id: 1 }, { name: 'provider_status_id' });
    await this.col.createIndex({ provider: 1, 'token.expiresAt': 1 }, { name: 'provider_expiry' });
  }

  async create(input: NewAccount): Promise<AccountDoc> {
    const [doc] = await this.insert([input]);
    return doc!;
  }

  /** Many accounts in one round trip (onboarding imports, benchmarks). */
  async createMany(inputs: NewAccount[]): Promise<number> {
    return (await this.insert(inputs)).length;
  }

  private async insert(inputs: NewAccount[]): Promise<AccountDoc[]> {
    if (!inputs.length) return [];
    const providers = await this.oauthClients.providersOf(inputs.map((a) => a.oauthClientId));
    const now = new Date();
    const docs = inputs.map((a, i): AccountDoc => {
      const at = (field: string): string => (inputs.length > 1 ? `[${i}].${field}` : field);
      const clientProvider = providers.get(a.oauthClientId);
      if (!clientProvider) throw unknownOAuthClient(at('oauthClientId'), a.oauthClientId);
      if (clientProvider !== a.provider) throw wrongProvider(at('oauthClientId'), a.oauthClientId, clientProvider, a.provider);
      const key = a.provider === 'kommo' ? a.kommoSubdomain : a.email?.toLowerCase();
      if (!key) throw new AccountInvalid(at(a.provider === 'kommo' ? 'kommoSubdomain' : 'email'), `required for ${a.provider} accounts`);
      return {
        _id: a.id ?? `${a.provider}-${randomUUID().slice(0, 12)}`,
        provider: a.provider,
        type: SEED_TYPE[a.provider],
        key,
        email: a.email ?? null,
        loginUserUsuario: a.loginUserUsuario ?? null,
        pendingConnections: 0,
        isActive: a.isActive ?? true,
        status: 'active',
        oauthClientId: a.oauthClientId,
        zoho: a.provider === 'zoho' ? { dataCentre: a.zohoDataCentre ?? 'com', apiDomain: null } : null,
        kommo: a.provider === 'kommo' ? { subdomain: key, accountId: a.kommoAccountId ?? null } : null,
        token: {
          access: a.accessToken ? this.cipher.encrypt(a.accessToken) : null,
          refresh: this.cipher.encrypt(a.refreshToken),
          expiresAt: a.expiresAt ?? null,
          version: 1,
          refreshedAt: null,
        },
        rotationPending: null,
        lastError: null,
        createdAt: now,
        updatedAt: now,
      };
    });
    await this.col.insertMany(docs, { ordered: true });
    return docs;
  }

  async get(id: string): Promise<AccountDoc> {
    const doc = await this.findSettled(id);
    if (!doc) throw new AccountNotFound(id);
    return doc;
  }

  /** The account of a provider with this key (Google/Zoho e-mail, Kommo subdomain), or null. */
  async findByKey(provider: OAuthProvider, key: string): Promise<AccountDoc | null> {
    const doc = await this.col.findOne({ provider, key: key.toLowerCase() });
    return doc && this.settle(doc);
  }

  async exists(id: string): Promise<boolean> {
    return (await this.col.countDocuments({ _id: id }, { limit: 1 })) > 0;
  }

  /** Records the Kommo account id an install read from GET /api/v4/account. */
  async setKommoAccountId(id: string, kommoAccountId: number): Promise<void> {
    await this.col.updateOne({ _id: id, provider: 'kommo' }, { $set: { 'kommo.accountId': kommoAccountId, updatedAt: new Date() } });
  }

  /** Account facts without secrets (for workflows' messages), or null. */
  async describe(id: string): Promise<{ id: string; provider: OAuthProvider; key: string; status: AccountStatus } | null> {
    const doc = await this.col.findOne({ _id: id }, { projection: { provider: 1, key: 1, status: 1 } });
    return doc ? { id: doc._id, provider: doc.provider, key: doc.key, status: doc.status } : null;
  }

  /** The account with any committed journal entries applied (see settle), or null. */
  private async findSettled(id: string): Promise<AccountDoc | null> {
    const doc = await this.col.findOne({ _id: id });
    return doc && this.settle(doc);
  }

  /**
   * Applies journal entries committed past the version the account shows (a writer died between its journal
   * insert and the account update, or is just between the two): every read on the refresh path goes through here.
   */
  async settle(doc: AccountDoc): Promise<AccountDoc> {
    let current = doc;
    for (;;) {
      const next = await this.journal.find(current._id, current.token.version + 1);
      if (!next) return current;
      // Only over the version it follows: a writer may have applied it and moved on meanwhile.
      await this.apply(next, current.token.version);
      current = (await this.col.findOne({ _id: current._id })) ?? current;
      if (current.token.version < next.version) return current; // applied by nobody: give up rather than loop
    }
  }

  /**
   * Writes a journal entry's fields to its account (only over version `over` when given), then drops the entry
   * before it (the latest one stays). False when the account was not at `over`.
   */
  private async apply(entry: TokenJournalDoc, over?: number): Promise<boolean> {
    const set = Object.fromEntries(entry.set.map((f) => [f.path, f.value]));
    const filter = over === undefined ? { _id: entry.accountId } : { _id: entry.accountId, 'token.version': over };
    const r = await this.col.updateOne(filter, { $set: { ...set, 'token.version': entry.version } }, { writeConcern: { w: 'majority', j: true } });
    if (r.matchedCount === 0) return false;
    await this.journal.drop(entry.accountId, entry.version - 1);
    return true;
  }

  /**
   * Commits a token change as version `expected + 1` and applies it. Returns false when another change claimed
   * that version, or `expected` is stale (the account has moved on).
   */
  private async commit(id: string, expected: number, kind: TokenJournalDoc['kind'], set: TokenJournalDoc['set'], owner: string | null): Promise<boolean> {
    const entry = await this.journal.claim({ accountId: id, version: expected + 1, kind, owner, at: new Date(), set });
    if (!entry) return false;
    // A read, then a write by _id, rather than one update filtered on the version too: the local MongoDB-wire
    // server (FerretDB on SQLite) serves an update filtered on more than _id so slowly under concurrency that a
    // bulk refresh of 5,000 accounts slowed from about 100 refreshes/s to 20 and its activities timed out.
    const now = await this.col.findOne({ _id: id }, { projection: { 'token.version': 1 } });
    const version = now?.token.version ?? -1;
    if (version === expected) {
      await this.apply(entry);
      return true;
    }
    if (version === expected + 1) return true; // a reader applied it first
    // `expected` was stale by more than one version (that slot's entry was already dropped): withdraw the claim.
    await this.journal.drop(id, expected + 1);
    return false;
  }

  async list(filter: { provider?: OAuthProvider; status?: AccountStatus; limit?: number; afterId?: string } = {}): Promise<AccountView[]> {
    const q: Record<string, unknown> = {};
    if (filter.provider) q.provider = filter.provider;
    if (filter.status) q.status = filter.status;
    if (filter.afterId) q._id = { $gt: filter.afterId };
    const docs = await this.col.find(q).sort({ _id: 1 }).limit(filter.limit ?? 1000).toArray();
    return docs.map(toView);
  }

  /**
   * One page of active accounts of a provider, by id, optionally only those whose access token expires before
   * a time (or has no known expiry). Paging by id keeps each page a cheap index range whatever the set size.
   */
  async idsToRefresh(q: { provider: OAuthProvider; expiringBefore?: Date; afterId?: string; limit: number }): Promise<string[]> {
    const filter: Record<string, unknown> = { provider: q.provider, status: 'active', isActive: true };
    if (q.afterId) filter._id = { $gt: q.afterId };
    if (q.expiringBefore) filter.$or = [{ 'token.expiresAt': { $lt: q.expiringBefore } }, { 'token.expiresAt': null }];
    const docs = await this.col.find(filter, { projection: { _id: 1 } }).sort({ _id: 1 }).limit(q.limit).toArray();
    return docs.map((d) => d._id);
  }

  async credentials(doc: AccountDoc): Promise<Credentials> {
    return {
      account: doc,
      oauthClient: await this.oauthClients.credentials(doc.oauthClientId),
      accessToken: doc.token.access ? this.cipher.decrypt(doc.token.access) : null,
      refreshToken: this.cipher.decrypt(doc.token.refresh),
    };
  }

  /**
   * Takes the refresh lease of an account (see store/refresh-leases.ts) and returns the account as it is now; null
   * when another refresh holds it, or the account does not exist.
   */
  async acquireLease(id: string, owner: string, ttlMs: number, opts: { settleIf?: (doc: AccountDoc) => boolean } = {}): Promise<AccountDoc | null> {
    if (!(await this.leases.acquire(id, owner, ttlMs))) return null;
    const read = await this.col.findOne({ _id: id });
    // Settled unless the caller says it can do with the account as read (see settle()).
    const doc = read && (opts.settleIf?.(read) ?? true) ? await this.settle(read) : read;
    if (!doc) await this.leases.release(id, owner);
    return doc;
  }

  /** Notes, before calling a provider whose refresh tokens rotate, that a rotation is under way. */
  async markRotationPending(id: string, owner: string): Promise<void> {
    await this.col.updateOne({ _id: id }, { $set: { rotationPending: { owner, startedAt: new Date() } } });
  }

  /**
   * Stores a refreshed token pair if nobody stored another since `expectedVersion` was read (compare-and-swap
   * through the token journal), then releases the lease. Returns the new version, or null when the swap lost.
   */
  async storeRefreshed(
    id: string,
    expectedVersion: number,
    t: { accessToken: string; refreshToken?: string; expiresAt: Date; apiDomain?: string },
    leaseOwner?: string,
    refreshedBy?: string,
  ): Promise<number | null> {
    const now = new Date();
    const set: TokenJournalDoc['set'] = [
      { path: 'token.access', value: this.cipher.encrypt(t.accessToken) },
      { path: 'token.expiresAt', value: t.expiresAt },
      { path: 'token.refreshedAt', value: now },
      { path: 'token.refreshedBy', value: refreshedBy ?? null },
      { path: 'rotationPending', value: null },
      { path: 'lastError', value: null },
      { path: 'updatedAt', value: now },
    ];
    if (t.refreshToken) set.push({ path: 'token.refresh', value: this.cipher.encrypt(t.refreshToken) });
    if (t.apiDomain) set.push({ path: 'zoho.apiDomain', value: t.apiDomain });
    const stored = await this.commit(id, expectedVersion, 'refresh', set, leaseOwner ?? null);
    if (leaseOwner) await this.leases.release(id, leaseOwner);
    return stored ? expectedVersion + 1 : null;
  }

  async recordError(id: string, kind: string, message: string): Promise<void> {
    await this.col.updateOne({ _id: id }, { $set: { lastError: { at: new Date(), kind, message }, updatedAt: new Date() } });
  }

  /** The account can no longer refresh: it waits for a person to reconnect it. */
  async markNeedsReauth(id: string, kind: string, message: string, leaseOwner?: string): Promise<void> {
    const now = new Date();
    await this.col.updateOne({ _id: id }, { $set: { status: 'needs_reauth', isActive: false, rotationPending: null, lastError: { at: now, kind, message }, updatedAt: now } });
    if (leaseOwner) await this.leases.release(id, leaseOwner);
  }

  /** A person reconnected the account with a new refresh token. */
  async reconnect(id: string, refreshToken: string, accessToken?: string, expiresAt?: Date): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const doc = await this.get(id);
      const now = new Date();
      const set: TokenJournalDoc['set'] = [
        { path: 'status', value: 'active' },
        { path: 'isActive', value: true },
        { path: 'lastError', value: null },
        { path: 'rotationPending', value: null },
        { path: 'token.refresh', value: this.cipher.encrypt(refreshToken) },
        { path: 'token.access', value: accessToken ? this.cipher.encrypt(accessToken) : null },
        { path: 'token.expiresAt', value: expiresAt ?? null },
        { path: 'updatedAt', value: now },
      ];
      if (await this.commit(id, doc.token.version, 'reconnect', set, null)) return;
    }
    throw new Error(`account ${id} keeps being refreshed while it is reconnected; try again`);
  }
}
