import type { Collection, Db } from 'mongodb';
import type { OAuthProvider } from '../common/names';
import type { Cipher } from './crypto';
import { AccountInvalid } from './errors';

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

/** A new OAuth client, already validated (clients/onboarding.ts validates what the API and CLI receive). */
export interface NewOAuthClient {
  id: string;
  provider: OAuthProvider;
  clientId: string;
  clientSecret: string;
  redirectUri?: string | undefined;
  label?: string | undefined;
}

/** An OAuth client with its secret decrypted, for the one activity that calls the provider's token endpoint. */
export interface OAuthClientCredentials {
  id: string;
  provider: OAuthProvider;
  clientId: string;
  clientSecret: string;
  redirectUri: string | null;
}

const CACHE_MS = 60_000;

/** The `oauth_clients` collection. Client secrets are encrypted before they are written. */
export class OAuthClientStore {
  private readonly col: Collection<OAuthClientDoc>;
  private readonly cache = new Map<string, { client: OAuthClientCredentials; until: number }>();

  constructor(
    db: Db,
    private readonly cipher: Cipher,
  ) {
    this.col = db.collection<OAuthClientDoc>('oauth_clients');
  }

  async upsert(c: NewOAuthClient): Promise<OAuthClientDoc> {
    this.cache.delete(c.id);
    const doc: OAuthClientDoc = {
      _id: c.id,
      provider: c.provider,
      clientId: c.clientId,
      clientSecret: this.cipher.encrypt(c.clientSecret),
      redirectUri: c.redirectUri ?? null,
      label: c.label ?? null,
      createdAt: new Date(),
    };
    await this.col.replaceOne({ _id: c.id }, doc, { upsert: true });
    return doc;
  }

  async list(): Promise<{ id: string; provider: OAuthProvider; clientId: string; label: string | null }[]> {
    const docs = await this.col.find({}).sort({ _id: 1 }).toArray();
    return docs.map((d) => ({ id: d._id, provider: d.provider, clientId: d.clientId, label: d.label }));
  }

  /** The provider of each of these OAuth clients that exists, by id (secrets stay encrypted and unread). */
  async providersOf(ids: string[]): Promise<Map<string, OAuthProvider>> {
    const docs = await this.col.find({ _id: { $in: [...new Set(ids)] } }, { projection: { provider: 1 } }).toArray();
    return new Map(docs.map((d) => [d._id, d.provider]));
  }

  /**
   * An OAuth client with its secret decrypted. Kept for a minute in this process: a bulk refresh reads the same
   * few clients thousands of times, and every saved round trip is a refresh the store can serve instead.
   */
  async credentials(id: string, provider?: OAuthProvider): Promise<OAuthClientCredentials> {
    const cached = this.cache.get(id);
    if (cached && cached.until > Date.now() && (!provider || cached.client.provider === provider)) return cached.client;
    const doc = await this.col.findOne({ _id: id });
    if (!doc) throw unknownOAuthClient('oauthClientId', id);
    if (provider && doc.provider !== provider) throw wrongProvider('oauthClientId', id, doc.provider, provider);
    const client = { id: doc._id, provider: doc.provider, clientId: doc.clientId, clientSecret: this.cipher.decrypt(doc.clientSecret), redirectUri: doc.redirectUri };
    this.cache.set(id, { client, until: Date.now() + CACHE_MS });
    return client;
  }
}

export const unknownOAuthClient = (path: string, id: string): AccountInvalid =>
  new AccountInvalid(path, `no OAuth client with id ${id} (register it with POST /api/oauth-clients)`);

export const wrongProvider = (path: string, id: string, is: OAuthProvider, wanted: OAuthProvider): AccountInvalid =>
  new AccountInvalid(path, `${id} is a ${is} OAuth client, not a ${wanted} one`);
