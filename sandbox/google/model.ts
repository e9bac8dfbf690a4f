import { randomBytes } from 'node:crypto';
import type { FakeClock } from '../clock';
import { OAuthLedger, type LedgerAccessToken, type LedgerRefreshToken } from '../oauth-ledger';
import { defaultGoogleConfig, type GoogleConfig } from './config';
import { FixedWindow, KeyedWindows } from './limits';
import { makeEtags, type PersonData, type StoredPerson, type Tombstone } from './person';

export const CONTACTS_SCOPE = 'https://www.googleapis.com/auth/contacts';
export const CONTACTS_READONLY_SCOPE = 'https://www.googleapis.com/auth/contacts.readonly';

export interface GoogleClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
}

export interface GoogleUser {
  /** Numeric Google account id (the profile is people/<id>). */
  id: string;
  email: string;
  name: string;
  /** Contacts by resourceName, in creation order. */
  people: Map<string, StoredPerson>;
  /** Deleted contacts, kept so sync can report them. */
  tombstones: Map<string, Tombstone>;
}

export type RefreshTokenRec = LedgerRefreshToken<'userId'>;

export type AccessTokenRec = LedgerAccessToken<'userId'>;

export interface AuthCodeRec {
  code: string;
  userId: string;
  clientId: string;
  redirectUri?: string;
  scope: string;
  expiresAt: number;
  used: boolean;
  /** Whether its exchange issues a refresh token (see consent.ts); absent (codes of the control API): yes. */
  refreshToken?: boolean;
}

export interface SyncTokenRec {
  token: string;
  userId: string;
  /** Changes with a sequence number above this are "since" the token. */
  anchor: number;
  /** When the full sync this token descends from ran (expiry is counted from it by default). */
  fullSyncAt: number;
  issuedAt: number;
  /** The parameters the token is bound to (personFields, sources). */
  binding: string;
}

export interface PageTokenRec {
  token: string;
  userId: string;
  /** Every parameter of the first call: a later page must repeat them exactly. */
  fingerprint: string;
  mode: 'full' | 'sync';
  /** The listing as of the first call (resource names), paged by offset. */
  names: string[];
  offset: number;
  anchor: number;
  fullSyncAt: number;
}

const newCounters = () => ({
  tokenRequests: 0,
  accessTokensIssued: 0,
  tokenRateLimited: 0,
  apiRequests: 0,
  quotaRejectedReads: 0,
  quotaRejectedWrites: 0,
  concurrentMutationsRejected: 0,
});

const randomToken = (bytes: number): string => randomBytes(bytes).toString('base64url');

/** Everything the Google fake holds. Routes read and change it; reset() empties it. */
export class GoogleState {
  config: GoogleConfig = defaultGoogleConfig();
  clients = new Map<string, GoogleClient>();
  users = new Map<string, GoogleUser>();
  usersByEmail = new Map<string, string>();
  /** Refresh and access tokens; revoking an access token revokes its grant too. */
  readonly tokens = new OAuthLedger('userId', {
    now: () => this.now(),
    newRefreshToken: () => `1//0g${randomToken(48)}`,
    newAccessToken: () => `ya29.a0${randomToken(96)}`,
    refreshExtras: () => ({}),
    accessTokenTtlSeconds: () => this.config.accessTokenTtlSeconds,
    refreshTokenTtlSeconds: () => this.config.refreshTokenTtlSeconds,
    revokeAccessRevokesGrant: true,
    onAccessTokenIssued: () => {
      this.counters.accessTokensIssued++;
    },
  });
  authCodes = new Map<string, AuthCodeRec>();
  syncTokens = new Map<string, SyncTokenRec>();
  pageTokens = new Map<string, PageTokenRec>();
  /** The change log position: every contact write takes the next number. */
  seq = 0;
  private contactCounter = 0;
  private userCounter = 0;
  tokenWindow = new FixedWindow();
  readQuota = new KeyedWindows();
  writeQuota = new KeyedWindows();
  /** Mutate requests in flight per user (the one-at-a-time rule). */
  mutating = new Map<string, number>();
  counters = newCounters();

  constructor(readonly clock: FakeClock) {}

  reset(): void {
    this.config = defaultGoogleConfig();
    this.clients.clear();
    this.users.clear();
    this.usersByEmail.clear();
    this.tokens.clear();
    this.authCodes.clear();
    this.syncTokens.clear();
    this.pageTokens.clear();
    this.seq = 0;
    this.contactCounter = 0;
    this.userCounter = 0;
    this.tokenWindow.reset();
    this.readQuota.clear();
    this.writeQuota.clear();
    this.mutating.clear();
    this.counters = newCounters();
  }

  now(): number {
    return this.clock.now();
  }

  // ---- users -------------------------------------------------------------------------------------------

  /** Adds a user, or returns the existing one with that email. */
  addUser(email: string, opts: { id?: string; name?: string } = {}): GoogleUser {
    const existing = this.usersByEmail.get(email.toLowerCase());
    if (existing) {
      const u = this.users.get(existing);
      if (u) return u;
    }
    const id = opts.id ?? String(100_000_000_000_000_000_000n + BigInt(++this.userCounter));
    if (this.users.has(id)) throw Object.assign(new Error(`user id ${id} already exists`), { statusCode: 400 });
    const user: GoogleUser = { id, email, name: opts.name ?? email.split('@')[0] ?? email, people: new Map(), tombstones: new Map() };
    this.users.set(id, user);
    this.usersByEmail.set(email.toLowerCase(), id);
    return user;
  }

  /** A user by id or email. */
  findUser(ref: string): GoogleUser | undefined {
    return this.users.get(ref) ?? this.users.get(this.usersByEmail.get(ref.toLowerCase()) ?? '');
  }

  // ---- contacts ----------------------------------------------------------------------------------------

  private nextResourceName(): { resourceName: string; contactId: string } {
    const n = 7_000_000_000_000_000_000n + BigInt(++this.contactCounter) * 7919n;
    return { resourceName: `people/c${n.toString()}`, contactId: n.toString(16) };
  }

  private touch(p: StoredPerson): void {
    p.version++;
    const tags = makeEtags(p.resourceName, p.version);
    p.etag = tags.etag;
    p.sourceEtag = tags.sourceEtag;
    // Microseconds like Google's updateTime; the fake clock only has milliseconds.
    p.updateTime = new Date(this.now()).toISOString().replace('Z', '000Z');
    p.changeSeq = ++this.seq;
    p.visibleAt = this.now() + this.config.writeVisibilityLagMs;
  }

  createPerson(user: GoogleUser, data: PersonData, resourceName?: string): StoredPerson {
    let ids = this.nextResourceName();
    if (resourceName) {
      if (user.people.has(resourceName) || user.tombstones.has(resourceName)) {
        throw Object.assign(new Error(`contact ${resourceName} already exists for ${user.email}`), { statusCode: 400 });
      }
      const num = resourceName.slice('people/c'.length);
      ids = { resourceName, contactId: /^\d+$/.test(num) ? BigInt(num).toString(16) : num };
    }
    const p: StoredPerson = { ...ids, etag: '', sourceEtag: '', version: 0, updateTime: '', data, changeSeq: 0, visibleAt: 0 };
    this.touch(p);
    user.people.set(p.resourceName, p);
    return p;
  }

  /** Replaces the masked fields (absent in `data` = cleared), as updateContact does. */
  updatePerson(p: StoredPerson, data: PersonData, mask: Set<string>): void {
    for (const field of mask) {
      const items = data[field];
      if (items && items.length > 0) p.data[field] = items;
      else delete p.data[field];
    }
    this.touch(p);
  }

  /**
   * A new etag and updateTime with no data change, as when Google itself touches a contact (photo processing,
   * a merge suggestion, a directory sync): clients holding the old etag get FAILED_PRECONDITION on update.
   */
  touchPerson(p: StoredPerson): void {
    this.touch(p);
  }

  deletePerson(user: GoogleUser, p: StoredPerson): void {
    user.people.delete(p.resourceName);
    const tags = makeEtags(p.resourceName, p.version + 1);
    user.tombstones.set(p.resourceName, {
      resourceName: p.resourceName,
      etag: tags.etag,
      changeSeq: ++this.seq,
      visibleAt: this.now() + this.config.writeVisibilityLagMs,
      deletedAt: new Date(this.now()).toISOString(),
    });
  }

  newSyncToken(rec: Omit<SyncTokenRec, 'token'>): SyncTokenRec {
    const full: SyncTokenRec = { ...rec, token: `EAEY${randomToken(24)}` };
    this.syncTokens.set(full.token, full);
    return full;
  }

  newPageToken(rec: Omit<PageTokenRec, 'token'>): PageTokenRec {
    const full: PageTokenRec = { ...rec, token: `GgYKAghkEAI${randomToken(18)}` };
    this.pageTokens.set(full.token, full);
    return full;
  }
}
