/**
 * The OAuth token bookkeeping the Google and Zoho fakes share: refresh tokens (grants), the access tokens minted
 * from them, revocation and the usability checks. Each fake passes in what differs: the field naming the token's
 * subject (Google `userId`, Zoho `accountId`), its token formats, its TTLs and what revoking an access token does.
 */

/** A refresh token: one grant of a client to a subject. `K` names the subject id field, `X` holds fake-only extras. */
export type LedgerRefreshToken<K extends string, X extends object = object> = {
  token: string;
  clientId: string;
  scope: string;
  issuedAt: number;
  revoked: boolean;
  /** Live access tokens minted from it (pruned as they expire). */
  accessTokens: Set<string>;
} & Record<K, string> &
  X;

export type LedgerAccessToken<K extends string> = {
  token: string;
  clientId: string;
  scope: string;
  expiresAt: number;
  revoked: boolean;
  refreshToken?: string;
} & Record<K, string>;

export interface OAuthLedgerOptions<X extends object> {
  now: () => number;
  newRefreshToken: () => string;
  newAccessToken: () => string;
  /** The fake's extra fields of a new refresh token record. */
  refreshExtras: () => X;
  /** Read on every use, so config changes apply at once. */
  accessTokenTtlSeconds: () => number;
  /** null: refresh tokens never expire. */
  refreshTokenTtlSeconds: () => number | null;
  /** Whether revoking an access token also revokes the refresh token (grant) it was minted from. */
  revokeAccessRevokesGrant: boolean;
  onAccessTokenIssued: () => void;
}

export class OAuthLedger<K extends string, X extends object = object> {
  readonly refreshTokens = new Map<string, LedgerRefreshToken<K, X>>();
  readonly accessTokens = new Map<string, LedgerAccessToken<K>>();

  constructor(
    private readonly subjectKey: K,
    private readonly opts: OAuthLedgerOptions<X>,
  ) {}

  clear(): void {
    this.refreshTokens.clear();
    this.accessTokens.clear();
  }

  issueRefreshToken(subjectId: string, clientId: string, scope: string, token?: string): LedgerRefreshToken<K, X> {
    const rec = {
      token: token ?? this.opts.newRefreshToken(),
      [this.subjectKey]: subjectId,
      clientId,
      scope,
      issuedAt: this.opts.now(),
      revoked: false,
      ...this.opts.refreshExtras(),
      accessTokens: new Set<string>(),
    } as LedgerRefreshToken<K, X>;
    this.refreshTokens.set(rec.token, rec);
    return rec;
  }

  refreshTokenUsable(rec: LedgerRefreshToken<K, X>): boolean {
    if (rec.revoked) return false;
    const ttl = this.opts.refreshTokenTtlSeconds();
    return ttl === null || this.opts.now() < rec.issuedAt + ttl * 1000;
  }

  /** Not revoked and not expired. */
  accessTokenUsable(rec: LedgerAccessToken<K>): boolean {
    return !rec.revoked && rec.expiresAt > this.opts.now();
  }

  issueAccessToken(
    grant: Record<K, string> & { clientId: string; scope: string; refresh?: LedgerRefreshToken<K, X> },
    opts: { token?: string; ttlSeconds?: number } = {},
  ): LedgerAccessToken<K> {
    const now = this.opts.now();
    const rec = {
      token: opts.token ?? this.opts.newAccessToken(),
      [this.subjectKey]: grant[this.subjectKey],
      clientId: grant.clientId,
      scope: grant.scope,
      expiresAt: now + (opts.ttlSeconds ?? this.opts.accessTokenTtlSeconds()) * 1000,
      revoked: false,
      ...(grant.refresh ? { refreshToken: grant.refresh.token } : {}),
    } as LedgerAccessToken<K>;
    if (grant.refresh) {
      // Drop the expired tokens of this grant so thousands of refreshes do not pile up.
      for (const old of grant.refresh.accessTokens) {
        const o = this.accessTokens.get(old);
        if (!o || o.expiresAt <= now) {
          this.accessTokens.delete(old);
          grant.refresh.accessTokens.delete(old);
        }
      }
      grant.refresh.accessTokens.add(rec.token);
    }
    this.accessTokens.set(rec.token, rec);
    this.opts.onAccessTokenIssued();
    return rec;
  }

  /**
   * Revokes a refresh token with the access tokens it minted, or an access token (with the grant behind it when
   * revokeAccessRevokesGrant). False for an unknown token.
   */
  revoke(token: string): boolean {
    const rt = this.refreshTokens.get(token);
    if (rt) {
      rt.revoked = true;
      for (const at of rt.accessTokens) {
        const rec = this.accessTokens.get(at);
        if (rec) rec.revoked = true;
      }
      return true;
    }
    const at = this.accessTokens.get(token);
    if (at) {
      at.revoked = true;
      if (this.opts.revokeAccessRevokesGrant && at.refreshToken) this.revoke(at.refreshToken);
      return true;
    }
    return false;
  }
}
