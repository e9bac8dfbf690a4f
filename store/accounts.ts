import { randomUUID } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import { z } from 'zod';
import { OAUTH_PROVIDERS, ZOHO_DC_NAMES, type OAuthProvider, type ZohoDataCentre } from '../common/names';
import type { Cipher } from './crypto';

/** The seed's `type` values, kept so operators recognise their records. */
export const SEED_TYPE: Record<OAuthProvider, string> = { google: 'GMAIL', zoho: 'zoho', kommo: 'kommo' };

export type AccountStatus = 'active' | 'needs_reauth' | 'disabled';

/** An OAuth client (the seed's Google "project": clientIdProjectGoogle / clientSecretGoogleProject). */
export interface OAuthClientDoc {
  _id: string;
  provider: OAuthProvider;
  clientId: string;
  clientSecret: string; // encrypted
  redirectUri: string | null;
  label: string | null;
  createdAt: Date;
}

export interface TokenState {
  access: string | null; // encrypted
  refresh: string; // encrypted
  expiresAt: Date | null;
  /** Increases on every stored refresh: writes compare-and-swap on it. */
  version: number;
  refreshedAt: Date | null;
  /** The workflow/activity that stored it, so a retried attempt knows its earlier attempt already did. */
  refreshedBy?: string | null;
}

/**
 * One committed token change, in `token_journal`: `_id` is `<accountId>#<version>`, so inserting it is the
 * compare-and-swap on the account's token version (only one writer can claim a version), and an insert is
 * cheap on any MongoDB-wire server whatever the number of accounts. `set` lists the account fields it changes
 * (dotted paths); it is applied to the account right after, and re-applied by the next reader if the writer died
 * in between, so a committed token (a rotated Kommo pair above all) is never lost once the insert succeeded.
 */
export interface TokenJournalDoc {
  _id: string;
  accountId: string;
  version: number;
  kind: 'refresh' | 'reconnect';
  /** The lease owner (activity attempt) that wrote it; a retry of that attempt recognises its own entry. */
  owner: string | null;
  at: Date;
  set: { path: string; value: unknown }[];
}

const journalId = (accountId: string, version: number): string => `${accountId}#${version}`;

/** The seed's `auth` record, typed: one connected account of one provider. */
export interface AccountDoc {
  _id: string;
  provider: OAuthProvider;
  type: string;
  /** Unique per provider: the e-mail for Google and Zoho, the subdomain for Kommo. */
  key: string;
  email: string | null;
  loginUserUsuario: string | null;
  pendingConnections: number;
  isActive: boolean;
  status: AccountStatus;
  oauthClientId: string;
  zoho: { dataCentre: ZohoDataCentre; apiDomain: string | null } | null;
  kommo: { subdomain: string; accountId: number | null } | null;
  token: TokenState;
  /** Set when a rotated refresh token may have been lost (see activities/tokens.ts). */
  rotationPending: { owner: string; startedAt: Date } | null;
  lastError: { at: Date; kind: string; message: string } | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What may be shown anywhere: no token, no secret. */
export interface AccountView {
  id: string;
  provider: OAuthProvider;
  type: string;
  key: string;
  email: string | null;
  loginUserUsuario: string | null;
  pendingConnections: number;
  isActive: boolean;
  status: AccountStatus;
  oauthClientId: string;
  zoho: AccountDoc['zoho'];
  kommo: AccountDoc['kommo'];
  tokenExpiresAt: string | null;
  tokenVersion: number;
  refreshedAt: string | null;
  lastError: { at: string; kind: string; message: string } | null;
}

export const newAccountSchema = z
  .object({
    id: z.string().min(1).max(200).regex(/^[A-Za-z0-9_.@:-]+$/, 'letters, digits and _ . @ : - only').optional(),
    provider: z.enum(OAUTH_PROVIDERS),
    oauthClientId: z.string().min(1),
    email: z.string().email().optional(),
    loginUserUsuario: z.string().optional(),
    refreshToken: z.string().min(1),
    accessToken: z.string().min(1).optional(),
    expiresAt: z.coerce.date().optional(),
    isActive: z.boolean().default(true),
    zohoDataCentre: z.enum(ZOHO_DC_NAMES).optional(),
    kommoSubdomain: z.string().regex(/^[a-z0-9-]+$/, 'a Kommo subdomain: lowercase letters, digits and -').optional(),
    kommoAccountId: z.number().int().optional(),
  })
  .superRefine((v, ctx) => {
    if (v.provider === 'kommo' && !v.kommoSubdomain) ctx.addIssue({ code: 'custom', path: ['kommoSubdomain'], message: 'required for Kommo accounts' });
    if (v.provider !== 'kommo' && !v.email) ctx.addIssue({ code: 'custom', path: ['email'], message: `required for ${v.provider} accounts` });
  });
export type NewAccount = z.input<typeof newAccountSchema>;

export const newOAuthClientSchema = z.object({
  id: z.string().min(1).max(200).regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only'),
  provider: z.enum(OAUTH_PROVIDERS),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  redirectUri: z.string().url().optional(),
  label: z.string().optional(),
});
export type NewOAuthClient = z.input<typeof newOAuthClientSchema>;

/** Decrypted credentials, for the one activity that calls the provider's token endpoint. */
export interface Credentials {
  account: AccountDoc;
  client: { id: string; provider: OAuthProvider; clientId: string; clientSecret: string; redirectUri: string | null };
  accessToken: string | null;
  refreshToken: string;
}

const CLIENT_CACHE_MS = 60_000;

/** Input that names something that does not exist or does not fit (an OAuth client of another provider). */
export class AccountInvalid extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
    this.name = 'AccountInvalid';
  }
}

export class AccountNotFound extends Error {
  constructor(readonly accountId: string) {
    super(`account ${accountId} not found`);
    this.name = 'AccountNotFound';
  }
}

export function toView(a: AccountDoc): AccountView {
  return {
    id: a._id,
    provider: a.provider,
    type: a.type,
    key: a.key,
    email: a.email,
    loginUserUsuario: a.loginUserUsuario,
    pendingConnections: a.pendingConnections,
    isActive: a.isActive,
    status: a.status,
    oauthClientId: a.oauthClientId,
    zoho: a.zoho,
    kommo: a.kommo,
    tokenExpiresAt: a.token.expiresAt?.toISOString() ?? null,
    tokenVersion: a.token.version,
    refreshedAt: a.token.refreshedAt?.toISOString() ?? null,
    lastError: a.lastError ? { ...a.lastError, at: a.lastError.at.toISOString() } : null,
  };
}

/** The `accounts` and `oauth_clients` collections. Tokens and client secrets are encrypted before they are written. */
export class AccountStore {
  readonly accounts: Collection<AccountDoc>;
  readonly clients: Collection<OAuthClientDoc>;
  readonly leases: Collection<{ _id: string; owner: string; until: Date }>;
  readonly journal: Collection<TokenJournalDoc>;
  private readonly clientCache = new Map<string, { client: Credentials['client']; until: number }>();

  constructor(db: Db, private readonly cipher: Cipher) {
    this.accounts = db.collection<AccountDoc>('accounts');
    this.clients = db.collection<OAuthClientDoc>('oauth_clients');
    this.leases = db.collection('refresh_leases');
    this.journal = db.collection<TokenJournalDoc>('token_journal');
  }

  async ensureIndexes(): Promise<void> {
    await this.accounts.createIndex({ provider: 1, key: 1 }, { unique: true, name: 'provider_key' });
    await this.accounts.createIndex({ provider: 1, status: 1, _id: 1 }, { name: 'provider_status_id' });
    await this.accounts.createIndex({ provider: 1, 'token.expiresAt': 1 }, { name: 'provider_expiry' });
  }

  async upsertClient(input: NewOAuthClient): Promise<OAuthClientDoc> {
    const c = newOAuthClientSchema.parse(input);
    this.clientCache.delete(c.id);
    const doc: OAuthClientDoc = {
      _id: c.id,
      provider: c.provider,
      clientId: c.clientId,
      clientSecret: this.cipher.encrypt(c.clientSecret),
      redirectUri: c.redirectUri ?? null,
      label: c.label ?? null,
      createdAt: new Date(),
    };
    await this.clients.replaceOne({ _id: c.id }, doc, { upsert: true });
    return doc;
  }

  async listClients(): Promise<{ id: string; provider: OAuthProvider; clientId: string; label: string | null }[]> {
    const docs = await this.clients.find({}).sort({ _id: 1 }).toArray();
    return docs.map((d) => ({ id: d._id, provider: d.provider, clientId: d.clientId, label: d.label }));
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
    const parsed = inputs.map((raw, i) => {
      const r = newAccountSchema.safeParse(raw);
      if (!r.success) throw new Error(`account ${inputs.length > 1 ? `[${i}] ` : ''}${r.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`);
      return r.data;
    });
    const clients = await this.clients.find({ _id: { $in: [...new Set(parsed.map((a) => a.oauthClientId))] } }).toArray();
    const now = new Date();
    const docs = parsed.map((a): AccountDoc => {
      const client = clients.find((c) => c._id === a.oauthClientId);
      const at = inputs.length > 1 ? `[${parsed.indexOf(a)}].oauthClientId` : 'oauthClientId';
      if (!client) throw new AccountInvalid(at, `no OAuth client with id ${a.oauthClientId} (register it with POST /api/oauth-clients)`);
      if (client.provider !== a.provider) throw new AccountInvalid(at, `${a.oauthClientId} is a ${client.provider} OAuth client, not a ${a.provider} one`);
      return {
        _id: a.id ?? `${a.provider}-${randomUUID().slice(0, 12)}`,
        provider: a.provider,
        type: SEED_TYPE[a.provider],
        key: a.provider === 'kommo' ? a.kommoSubdomain! : a.email!.toLowerCase(),
        email: a.email ?? null,
        loginUserUsuario: a.loginUserUsuario ?? null,
        pendingConnections: 0,
        isActive: a.isActive,
        status: 'active',
        oauthClientId: a.oauthClientId,
        zoho: a.provider === 'zoho' ? { dataCentre: a.zohoDataCentre ?? 'com', apiDomain: null } : null,
        kommo: a.provider === 'kommo' ? { subdomain: a.kommoSubdomain!, accountId: a.kommoAccountId ?? null } : null,
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
    await this.accounts.insertMany(docs, { ordered: true });
    return docs;
  }

  async get(id: string): Promise<AccountDoc> {
    const doc = await this.findSettled(id);
    if (!doc) throw new AccountNotFound(id);
    return doc;
  }

  async exists(id: string): Promise<boolean> {
    return (await this.accounts.countDocuments({ _id: id }, { limit: 1 })) > 0;
  }

  /** The account of a provider with this key (a Google/Zoho e-mail, a Kommo subdomain), or null. */
  async findByKey(provider: OAuthProvider, key: string): Promise<AccountDoc | null> {
    const doc = await this.accounts.findOne({ provider, key });
    return doc && this.settle(doc);
  }

  /** Records the Kommo account id an install read from GET /api/v4/account. */
  async setKommoAccountId(id: string, kommoAccountId: number): Promise<void> {
    await this.accounts.updateOne({ _id: id, provider: 'kommo' }, { $set: { 'kommo.accountId': kommoAccountId, updatedAt: new Date() } });
  }

  /** Account facts without secrets (for workflows' messages), or null. */
  async describe(id: string): Promise<{ id: string; provider: OAuthProvider; key: string; status: AccountStatus } | null> {
    const doc = await this.accounts.findOne({ _id: id }, { projection: { provider: 1, key: 1, status: 1 } });
    return doc ? { id: doc._id, provider: doc.provider, key: doc.key, status: doc.status } : null;
  }

  /** The account with any committed journal entries applied (see settle), or null. */
  private async findSettled(id: string): Promise<AccountDoc | null> {
    const doc = await this.accounts.findOne({ _id: id });
    return doc && this.settle(doc);
  }

  /**
   * Applies journal entries committed past the version the account shows (a writer died between its journal
   * insert and the account update, or is just between the two): every read on the refresh path goes through here.
   */
  async settle(doc: AccountDoc): Promise<AccountDoc> {
    let current = doc;
    for (;;) {
      const next = await this.journal.findOne({ _id: journalId(current._id, current.token.version + 1) });
      if (!next) return current;
      await this.apply(next);
      current = (await this.accounts.findOne({ _id: current._id })) ?? current;
      if (current.token.version < next.version) return current; // applied by nobody: give up rather than loop
    }
  }

  /** Writes a journal entry's fields to its account, then drops the entry before it (the latest one stays). */
  private async apply(entry: TokenJournalDoc): Promise<void> {
    const set = Object.fromEntries(entry.set.map((f) => [f.path, f.value]));
    await this.accounts.updateOne({ _id: entry.accountId }, { $set: { ...set, 'token.version': entry.version } }, { writeConcern: { w: 'majority', j: true } });
    await this.journal.deleteOne({ _id: journalId(entry.accountId, entry.version - 1) });
  }

  /**
   * Commits a token change as version `expected + 1` and applies it. Returns false when another change claimed
   * that version, or `expected` is stale (the account has moved on).
   */
  private async commit(id: string, expected: number, kind: TokenJournalDoc['kind'], set: TokenJournalDoc['set'], owner: string | null): Promise<boolean> {
    const entry: TokenJournalDoc = { _id: journalId(id, expected + 1), accountId: id, version: expected + 1, kind, owner, at: new Date(), set };
    try {
      await this.journal.insertOne(entry, { writeConcern: { w: 'majority', j: true } });
    } catch (err) {
      if ((err as { code?: number }).code !== 11000) throw err;
      // Claimed already: by another writer (lost), or by this very attempt before a retry (carry on).
      const existing = await this.journal.findOne({ _id: entry._id });
      if (!owner || existing?.owner !== owner) return false;
    }
    const now = await this.accounts.findOne({ _id: id }, { projection: { 'token.version': 1 } });
    const version = now?.token.version ?? -1;
    if (version === expected) {
      await this.apply(entry);
      return true;
    }
    if (version === expected + 1) return true; // a reader applied it first
    // `expected` was stale by more than one version (that slot's entry was already dropped): withdraw the claim.
    await this.journal.deleteOne({ _id: entry._id });
    return false;
  }

  async list(filter: { provider?: OAuthProvider; status?: AccountStatus; limit?: number; afterId?: string } = {}): Promise<AccountView[]> {
    const q: Record<string, unknown> = {};
    if (filter.provider) q.provider = filter.provider;
    if (filter.status) q.status = filter.status;
    if (filter.afterId) q._id = { $gt: filter.afterId };
    const docs = await this.accounts.find(q).sort({ _id: 1 }).limit(filter.limit ?? 1000).toArray();
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
    const docs = await this.accounts.find(filter, { projection: { _id: 1 } }).sort({ _id: 1 }).limit(q.limit).toArray();
    return docs.map((d) => d._id);
  }

  /**
   * An OAuth client with its secret decrypted. Kept for a minute in this process: a bulk refresh reads the same
   * few clients thousands of times, and every saved round trip is a refresh the store can serve instead.
   */
  async clientCredentials(clientDocId: string, provider?: OAuthProvider): Promise<Credentials['client']> {
    const cached = this.clientCache.get(clientDocId);
    if (cached && cached.until > Date.now() && (!provider || cached.client.provider === provider)) return cached.client;
    const doc = await this.clients.findOne({ _id: clientDocId });
    if (!doc) throw new AccountInvalid('oauthClientId', `no OAuth client with id ${clientDocId} (register it with POST /api/oauth-clients)`);
    if (provider && doc.provider !== provider) throw new AccountInvalid('oauthClientId', `${clientDocId} is a ${doc.provider} OAuth client, not a ${provider} one`);
    const client = { id: doc._id, provider: doc.provider, clientId: doc.clientId, clientSecret: this.cipher.decrypt(doc.clientSecret), redirectUri: doc.redirectUri };
    this.clientCache.set(clientDocId, { client, until: Date.now() + CLIENT_CACHE_MS });
    return client;
  }

  async credentials(doc: AccountDoc): Promise<Credentials> {
    return {
      account: doc,
      client: await this.clientCredentials(doc.oauthClientId),
      accessToken: doc.token.access ? this.cipher.decrypt(doc.token.access) : null,
      refreshToken: this.cipher.decrypt(doc.token.refresh),
    };
  }

  /**
   * Takes the refresh lease of an account when nobody holds it (or the holder's lease lapsed), and returns the
   * account as it is now; null when another refresh holds it. Leases live in their own small collection
   * (`refresh_leases`, one document per refresh in flight): taking one is an insert whose unique _id is the
   * account id, an atomic compare-and-swap that stays cheap however many accounts there are.
   */
  async acquireLease(id: string, owner: string, ttlMs: number): Promise<AccountDoc | null> {
    const until = new Date(Date.now() + ttlMs);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await this.leases.insertOne({ _id: id, owner, until });
        const doc = await this.findSettled(id);
        if (!doc) await this.releaseLease(id, owner);
        return doc;
      } catch (err) {
        if ((err as { code?: number }).code !== 11000) throw err;
      }
      const held = await this.leases.findOne({ _id: id });
      if (held && held.owner === owner) {
        // A retried attempt of the same activity takes its own lease back.
        await this.leases.updateOne({ _id: id, owner }, { $set: { until } });
        return this.findSettled(id);
      }
      if (held && held.until.getTime() > Date.now()) return null;
      // Lapsed: remove exactly that lease; if another taker removed it first, the insert race decides.
      if (held) await this.leases.deleteOne({ _id: id, owner: held.owner, until: held.until });
    }
    return null;
  }

  /** When the current lease of an account lapses (null when none is held). */
  async leaseUntil(id: string): Promise<Date | null> {
    return (await this.leases.findOne({ _id: id }))?.until ?? null;
  }

  async releaseLease(id: string, owner: string): Promise<void> {
    await this.leases.deleteOne({ _id: id, owner });
  }

  /** Notes, before calling a provider whose refresh tokens rotate, that a rotation is under way. */
  async markRotationPending(id: string, owner: string): Promise<void> {
    await this.accounts.updateOne({ _id: id }, { $set: { rotationPending: { owner, startedAt: new Date() } } });
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
    if (leaseOwner) await this.releaseLease(id, leaseOwner);
    return stored ? expectedVersion + 1 : null;
  }

  async recordError(id: string, kind: string, message: string): Promise<void> {
    await this.accounts.updateOne({ _id: id }, { $set: { lastError: { at: new Date(), kind, message }, updatedAt: new Date() } });
  }

  /** The account can no longer refresh: it waits for a person to reconnect it. */
  async markNeedsReauth(id: string, kind: string, message: string, leaseOwner?: string): Promise<void> {
    const now = new Date();
    await this.accounts.updateOne(
      { _id: id },
      { $set: { status: 'needs_reauth', isActive: false, rotationPending: null, lastError: { at: now, kind, message }, updatedAt: now } },
    );
    if (leaseOwner) await this.releaseLease(id, leaseOwner);
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
