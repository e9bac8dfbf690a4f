import type { FastifyInstance, FastifyReply } from 'fastify';
import { httpProblem, oauthProblem } from './errors';
import type { Params } from './guard';
import { tokenRequestSchema } from './schemas';
import type { KommoState } from './state';
import { newToken, type KommoAccount } from './store';

/**
 * Kommo's token endpoint, POST /<subdomain>/oauth2/access_token, with league/oauth2-server's semantics and
 * words: authorization codes are single-use, refresh tokens rotate on every refresh and die when used.
 */

const INVALID_GRANT =
  'The provided authorization grant (e.g., authorization code, resource owner credentials) or refresh token is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.';
const INVALID_REQUEST =
  'The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed.';

type Pair = { access: string; refresh: string };
/** A grant's outcome: the new pair, or the refusal already answered. */
type Granted = Pair | FastifyReply;

function issueTokens(state: KommoState, acc: KommoAccount, parent?: string): Pair {
  const now = state.ctx.clock.now();
  const access = newToken('kat.');
  const refresh = newToken('krt.');
  const cfg = state.config;
  state.tokens.set(access, { token: access, kind: 'access', subdomain: acc.subdomain, issuedAt: now, expiresAt: now + cfg.accessTokenTtlSeconds * 1000 });
  state.tokens.set(refresh, {
    token: refresh,
    kind: 'refresh',
    subdomain: acc.subdomain,
    issuedAt: now,
    expiresAt: now + cfg.refreshTokenTtlSeconds * 1000,
    pair: access,
    ...(parent ? { parent } : {}),
  });
  return { access, refresh };
}

/** Reuse detection (revokeFamilyOnReuse): every token rotated from `root`, and their access tokens, die. */
function revokeDescendants(state: KommoState, root: string, now: number): void {
  const family = new Set([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const t of state.tokens.values()) {
      if (t.parent && family.has(t.parent) && !family.has(t.token)) {
        family.add(t.token);
        t.revokedAt ??= now;
        const pair = t.pair ? state.tokens.get(t.pair) : undefined;
        if (pair) pair.revokedAt ??= now;
        grew = true;
      }
    }
  }
}

/** Mints a single-use authorization code, as an install (consent) does. */
export function mintAuthorizationCode(state: KommoState, acc: KommoAccount): string {
  const code = newToken('kac.');
  acc.authCodes.set(code, { code, expiresAt: state.ctx.clock.now() + state.config.authorizationCodeTtlSeconds * 1000 });
  return code;
}

/** Where Kommo sends the browser after an install: the redirect URI with code, state, referer, client_id, platform. */
export function installRedirect(acc: KommoAccount, params: { code: string; state?: string | undefined }): string {
  const url = new URL(acc.redirectUri);
  url.searchParams.set('code', params.code);
  if (params.state !== undefined) url.searchParams.set('state', params.state);
  url.searchParams.set('referer', `${acc.subdomain}.kommo.com`);
  url.searchParams.set('client_id', acc.clientId);
  // platform=2 is kommo.com (1 is amocrm.ru).
  url.searchParams.set('platform', '2');
  return url.toString();
}

export function registerKommoOAuthRoutes(app: FastifyInstance, state: KommoState): void {
  // https://www.kommo.com/developers/content/oauth/step-by-step/
  app.post<{ Params: Params }>('/:subdomain/oauth2/access_token', async (req, reply) => {
    const acc = state.accounts.get(req.params.subdomain);
    if (!acc) return httpProblem(reply, 404, 'Not Found', `Account ${req.params.subdomain} not found`);
    const parsed = tokenRequestSchema.safeParse(req.body ?? {});
    if (!parsed.success || typeof req.body !== 'object' || req.body === null) {
      return oauthProblem(reply, 400, 'Check the `grant_type` parameter', INVALID_REQUEST);
    }
    const b = parsed.data;
    const grant = b.grant_type;
    const event = (outcome: string): void => {
      acc.tokenEvents.push({ at: new Date(state.ctx.clock.now()).toISOString(), grant: grant ?? '', outcome });
    };
    if (grant !== 'refresh_token' && grant !== 'authorization_code') {
      event('unsupported_grant_type');
      if (!grant) return oauthProblem(reply, 400, 'Check the `grant_type` parameter', INVALID_REQUEST);
      return oauthProblem(reply, 400, 'Check that all required parameters have been provided', 'The authorization grant type is not supported by the authorization server.');
    }
    if (!b.client_id) return oauthProblem(reply, 400, 'Check the `client_id` parameter', INVALID_REQUEST);
    if (b.client_id !== acc.clientId || b.client_secret !== acc.clientSecret) {
      event('invalid_client');
      return oauthProblem(reply, 401, 'Client authentication failed', 'Client authentication failed');
    }
    const granted = grant === 'authorization_code' ? codeGrant(state, acc, b, reply, event) : refreshGrant(state, acc, b, reply, event);
    if (!('access' in granted)) return granted;
    if (state.config.loseTokenResponses > 0) {
      state.config.loseTokenResponses--;
      event('issued_response_lost');
      reply.hijack();
      req.raw.socket.destroy();
      return reply;
    }
    event('issued');
    return reply.code(200).type('application/json').send(
      JSON.stringify({ token_type: 'Bearer', expires_in: state.config.accessTokenTtlSeconds, access_token: granted.access, refresh_token: granted.refresh }),
    );
  });
}

type TokenRequest = { code?: string | undefined; refresh_token?: string | undefined; redirect_uri?: string | undefined };

function codeGrant(state: KommoState, acc: KommoAccount, b: TokenRequest, reply: FastifyReply, event: (outcome: string) => void): Granted {
  if (!b.code) return oauthProblem(reply, 400, 'Check the `code` parameter', INVALID_REQUEST);
  if (!b.redirect_uri) return oauthProblem(reply, 400, 'Check the `redirect_uri` parameter', INVALID_REQUEST);
  const now = state.ctx.clock.now();
  const code = acc.authCodes.get(b.code);
  if (!code) {
    event('invalid_code');
    return oauthProblem(reply, 400, 'Cannot decrypt the authorization code', INVALID_REQUEST);
  }
  if (code.usedAt !== undefined) {
    event('code_revoked');
    return oauthProblem(reply, 400, 'Authorization code has been revoked', INVALID_GRANT);
  }
  if (code.expiresAt <= now) {
    event('code_expired');
    return oauthProblem(reply, 400, 'Authorization code has expired', INVALID_GRANT);
  }
  if (b.redirect_uri !== acc.redirectUri) {
    event('redirect_uri_mismatch');
    return oauthProblem(reply, 400, 'Invalid redirect URI', INVALID_REQUEST);
  }
  code.usedAt = now;
  return issueTokens(state, acc);
}

function refreshGrant(state: KommoState, acc: KommoAccount, b: TokenRequest, reply: FastifyReply, event: (outcome: string) => void): Granted {
  const cfg = state.config;
  if (!b.refresh_token) return oauthProblem(reply, 400, 'Check the `refresh_token` parameter', INVALID_REQUEST);
  if (cfg.requireRedirectUriOnRefresh && !b.redirect_uri) return oauthProblem(reply, 400, 'Check the `redirect_uri` parameter', INVALID_REQUEST);
  if (b.redirect_uri !== undefined && b.redirect_uri !== acc.redirectUri) {
    event('redirect_uri_mismatch');
    return oauthProblem(reply, 400, 'Invalid redirect URI', INVALID_REQUEST);
  }
  const now = state.ctx.clock.now();
  const rec = state.tokens.get(b.refresh_token);
  if (!rec || rec.kind !== 'refresh') {
    event('invalid_refresh_token');
    return oauthProblem(reply, 400, 'Cannot decrypt the refresh token', 'The refresh token is invalid.');
  }
  if (rec.subdomain !== acc.subdomain) {
    event('token_not_linked');
    return oauthProblem(reply, 400, 'Token is not linked to client', 'The refresh token is invalid.');
  }
  if (rec.revokedAt !== undefined) {
    event('refresh_token_revoked');
    if (cfg.revokeFamilyOnReuse) revokeDescendants(state, rec.token, now);
    return oauthProblem(reply, 400, 'Token has been revoked', 'The refresh token is invalid.');
  }
  if (rec.expiresAt <= now) {
    event('refresh_token_expired');
    return oauthProblem(reply, 400, 'Token has expired', 'The refresh token is invalid.');
  }
  // Single use: the old refresh token dies the moment a new one is minted, answered or not.
  rec.revokedAt = now;
  if (cfg.revokeAccessTokenOnRefresh && rec.pair) {
    const old = state.tokens.get(rec.pair);
    if (old) old.revokedAt ??= now;
  }
  return issueTokens(state, acc, rec.token);
}
