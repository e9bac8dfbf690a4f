import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { OAuthError } from './errors';
import type { GoogleState } from './model';

/**
 * Google's OAuth 2.0 token endpoint (https://oauth2.googleapis.com/token), revocation
 * (https://oauth2.googleapis.com/revoke) and tokeninfo (https://oauth2.googleapis.com/tokeninfo).
 */

const params = z.record(z.string(), z.union([z.string(), z.array(z.string())]));

/** Form (or JSON, which Google's endpoint also takes) parameters plus the query string; first value wins. */
function readParams(req: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  const q = new URLSearchParams(req.url.split('?', 2)[1] ?? '');
  for (const [k, v] of q) if (out[k] === undefined) out[k] = v;
  const body = params.safeParse(req.body ?? {});
  if (body.success) {
    for (const [k, v] of Object.entries(body.data)) {
      const first = Array.isArray(v) ? v[0] : v;
      if (first !== undefined) out[k] = first;
    }
  }
  return out;
}

/** client_secret_basic: "Authorization: Basic base64(id:secret)". */
function basicAuth(header: string | undefined): { id: string; secret: string } | undefined {
  const m = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!m?.[1]) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return undefined;
  return { id: decodeURIComponent(decoded.slice(0, i)), secret: decodeURIComponent(decoded.slice(i + 1)) };
}

const NO_CACHE = { 'cache-control': 'no-cache, no-store, max-age=0, must-revalidate', pragma: 'no-cache' };

export function registerOAuthRoutes(app: FastifyInstance, state: GoogleState): void {
  app.post('/token', async (req, reply) => {
    try {
      return reply.code(200).headers(NO_CACHE).send(token(state, req));
    } catch (e) {
      if (e instanceof OAuthError) return reply.code(e.httpCode).headers({ ...NO_CACHE, ...e.headers }).send(e.body());
      throw e;
    }
  });

  app.post('/revoke', async (req, reply) => {
    const p = readParams(req);
    const tokenValue = p.token;
    if (!tokenValue) return reply.code(400).send({ error: 'invalid_request', error_description: 'Missing required parameter: token' });
    const rec = state.tokens.refreshTokens.get(tokenValue) ?? state.tokens.accessTokens.get(tokenValue);
    if (!rec || rec.revoked) return reply.code(400).send({ error: 'invalid_token', error_description: 'Token expired or revoked' });
    state.tokens.revoke(tokenValue);
    return reply.code(200).send({});
  });

  // google-auth-library POSTs with the token as a bearer header; curl users GET ?access_token=.
  const tokenInfo = async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const at = state.tokens.accessTokens.get(readParams(req).access_token ?? bearer ?? '');
    const now = state.now();
    if (!at || !state.tokens.accessTokenUsable(at)) return reply.code(400).send({ error: 'invalid_token', error_description: 'Invalid Value' });
    const user = state.users.get(at.userId);
    return reply.code(200).send({
      azp: at.clientId,
      aud: at.clientId,
      sub: at.userId,
      scope: at.scope,
      exp: String(Math.floor(at.expiresAt / 1000)),
      expires_in: String(Math.floor((at.expiresAt - now) / 1000)),
      ...(user ? { email: user.email, email_verified: 'true' } : {}),
      access_type: at.refreshToken ? 'offline' : 'online',
    });
  };
  app.get('/tokeninfo', tokenInfo);
  app.post('/tokeninfo', tokenInfo);
}

function token(state: GoogleState, req: FastifyRequest): Record<string, unknown> {
  state.counters.tokenRequests++;
  const cfg = state.config;
  if (cfg.tokenRateLimitPerSecond !== null) {
    const v = state.tokenWindow.tryHit(state.now(), 1000, cfg.tokenRateLimitPerSecond);
    if (!v.ok) {
      state.counters.tokenRateLimited++;
      // GUESS: the body Google's token endpoint sends with its 429 (an OAuth-style error) and its Retry-After.
      throw new OAuthError(429, 'rate_limit_exceeded', 'Rate Limit Exceeded', { 'retry-after': String(cfg.tokenRateLimitRetryAfterSeconds) });
    }
  }
  const p = readParams(req);
  const basic = basicAuth(req.headers.authorization);
  const grantType = p.grant_type ?? '';
  if (grantType !== 'refresh_token' && grantType !== 'authorization_code') {
    throw new OAuthError(400, 'unsupported_grant_type', `Invalid grant_type: ${grantType}`);
  }
  const clientId = p.client_id ?? basic?.id;
  if (!clientId) throw new OAuthError(400, 'invalid_request', 'Could not determine client ID from request.');
  const client = state.clients.get(clientId);
  if (!client) throw new OAuthError(401, 'invalid_client', 'The OAuth client was not found.');
  const secret = p.client_secret ?? basic?.secret;
  if (secret === undefined) throw new OAuthError(400, 'invalid_request', 'client_secret is missing.');
  if (secret !== client.clientSecret) throw new OAuthError(401, 'invalid_client', 'Unauthorized');

  if (grantType === 'refresh_token') {
    const rt = p.refresh_token;
    if (!rt) throw new OAuthError(400, 'invalid_request', 'Missing required parameter: refresh_token');
    const rec = state.tokens.refreshTokens.get(rt);
    if (!rec || !state.tokens.refreshTokenUsable(rec)) throw new OAuthError(400, 'invalid_grant', 'Token has been expired or revoked.');
    // GUESS: a refresh token presented by another client of the same project is refused as unauthorized_client.
    if (rec.clientId !== clientId) throw new OAuthError(401, 'unauthorized_client', 'Unauthorized');
    const at = state.tokens.issueAccessToken({ userId: rec.userId, clientId, scope: rec.scope, refresh: rec });
    // No new refresh_token: Google keeps the old one valid.
    return { access_token: at.token, expires_in: cfg.accessTokenTtlSeconds, scope: rec.scope, token_type: 'Bearer' };
  }

  const codeValue = p.code;
  if (!codeValue) throw new OAuthError(400, 'invalid_request', 'Missing required parameter: code');
  const code = state.authCodes.get(codeValue);
  // GUESS at the descriptions: "Malformed auth code." for a code never issued, "Bad Request" for a spent one.
  if (!code) throw new OAuthError(400, 'invalid_grant', 'Malformed auth code.');
  if (code.used || code.expiresAt <= state.now() || code.clientId !== clientId) throw new OAuthError(400, 'invalid_grant', 'Bad Request');
  if (code.redirectUri !== undefined) {
    if (!p.redirect_uri) throw new OAuthError(400, 'invalid_request', 'Missing parameter: redirect_uri');
    if (p.redirect_uri !== code.redirectUri) throw new OAuthError(400, 'redirect_uri_mismatch', 'Bad Request');
  }
  code.used = true;
  if (code.refreshToken === false) {
    // Online access, or a repeated consent without prompt=consent: an access token only.
    const at = state.tokens.issueAccessToken({ userId: code.userId, clientId, scope: code.scope });
    return { access_token: at.token, expires_in: cfg.accessTokenTtlSeconds, scope: code.scope, token_type: 'Bearer' };
  }
  const rec = state.tokens.issueRefreshToken(code.userId, clientId, code.scope);
  const at = state.tokens.issueAccessToken({ userId: code.userId, clientId, scope: code.scope, refresh: rec });
  return { access_token: at.token, expires_in: cfg.accessTokenTtlSeconds, refresh_token: rec.token, scope: code.scope, token_type: 'Bearer' };
}

