import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { SandboxContext } from '../types';
import { recentCount } from './limits';
import type { ZohoAccessToken, ZohoAccount, ZohoState } from './model';

/**
 * Zoho Accounts OAuth (https://www.zoho.com/accounts/protocol/oauth/web-apps/access-token.html), mounted at
 * /zoho/accounts. Parameters come in the query string or a form body. Errors are HTTP 200 with {"error"}, except
 * throttling, which is a 400.
 */

const formBody = z.record(z.string(), z.union([z.string(), z.array(z.string())]));

function readParams(req: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(req.url.split('?', 2)[1] ?? '')) if (out[k] === undefined) out[k] = v;
  // Zoho reads query and form parameters only; a JSON body is not looked at.
  if (String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
    const body = formBody.safeParse(req.body ?? {});
    if (body.success) {
      for (const [k, v] of Object.entries(body.data)) {
        const first = Array.isArray(v) ? v[0] : v;
        if (first !== undefined && out[k] === undefined) out[k] = first;
      }
    }
  }
  return out;
}

const THROTTLED = {
  error: 'Access Denied',
  error_description: 'You have made too many requests continuously. Please try again after some time.',
  status: 'failure',
};

export function registerZohoOAuthRoutes(app: FastifyInstance, state: ZohoState, ctx: SandboxContext): void {
  app.post('/accounts/oauth/v2/token', async (req, reply) => {
    state.counters.tokenRequests++;
    const r = token(state, ctx, readParams(req));
    return reply.code(r.status).send(r.body);
  });

  // GUESS at the answers of the revoke endpoint: {"status":"success"}, or an error for an unknown token.
  app.post('/accounts/oauth/v2/token/revoke', async (req, reply) => {
    const t = readParams(req).token ?? '';
    if (!state.tokens.refreshTokens.has(t) && !state.tokens.accessTokens.has(t)) return reply.code(200).send({ status: 'failure', error: 'invalid_token' });
    state.tokens.revoke(t);
    return reply.code(200).send({ status: 'success' });
  });
}

function token(state: ZohoState, ctx: SandboxContext, p: Record<string, string>): { status: number; body: Record<string, unknown> } {
  const cfg = state.config;
  const fail = (error: string): { status: number; body: Record<string, unknown> } => ({ status: 200, body: { error } });
  const grantType = p.grant_type;
  // GUESS: missing or unknown grant_type -> unsupported_grant_type (HTTP 200 like the other errors).
  if (grantType !== 'refresh_token' && grantType !== 'authorization_code') return fail('unsupported_grant_type');
  const client = state.clients.get(p.client_id ?? '');
  if (!client) return fail('invalid_client');
  if (p.client_secret !== client.clientSecret) return fail(cfg.wrongSecretError);
  const apiDomain = `${ctx.baseUrl}/zoho/api`;
  const now = state.now();

  if (grantType === 'refresh_token') {
    const rt = state.tokens.refreshTokens.get(p.refresh_token ?? '');
    if (!rt || !state.tokens.refreshTokenUsable(rt) || rt.clientId !== client.clientId) return fail('invalid_code');
    const account = state.accounts.get(rt.accountId);
    if (!account) return fail('invalid_code');
    // A refresh token only works at its own data centre's accounts server (the `dc` parameter stands in for
    // the host: accounts.zoho.eu...). Without `dc` any is accepted, as the fake has one address for all.
    if (p.dc !== undefined && p.dc !== account.dc) return fail('invalid_code');
    if (recentCount(rt.recent, now, cfg.refreshWindowSeconds * 1000) >= cfg.refreshesPerWindow) {
      state.counters.refreshThrottled++;
      return { status: 400, body: { ...THROTTLED } };
    }
    rt.recent.push(now);
    const at = state.tokens.issueAccessToken({ accountId: account.id, clientId: client.clientId, scope: rt.scope, refresh: rt });
    return { status: 200, body: { access_token: at.token, scope: rt.scope, api_domain: apiDomain, token_type: 'Bearer', expires_in: cfg.accessTokenTtlSeconds } };
  }

  const code = state.authCodes.get(p.code ?? '');
  if (!code || code.used || code.expiresAt <= now || code.clientId !== client.clientId) return fail('invalid_code');
  // GUESS: the error name for a redirect_uri that differs from the authorization request.
  if (code.redirectUri !== undefined && p.redirect_uri !== code.redirectUri) return fail('invalid_redirect_uri');
  const account = state.accounts.get(code.accountId);
  if (!account || (p.dc !== undefined && p.dc !== account.dc)) return fail('invalid_code');
  code.used = true;
  if (code.refreshToken === false) {
    // Online access, or a repeated consent without prompt=consent: an access token only.
    const at = state.tokens.issueAccessToken({ accountId: account.id, clientId: client.clientId, scope: code.scope });
    return { status: 200, body: { access_token: at.token, scope: code.scope, api_domain: apiDomain, token_type: 'Bearer', expires_in: cfg.accessTokenTtlSeconds } };
  }
  const rt = state.tokens.issueRefreshToken(account.id, client.clientId, code.scope);
  const at = state.tokens.issueAccessToken({ accountId: account.id, clientId: client.clientId, scope: code.scope, refresh: rt });
  return {
    status: 200,
    body: { access_token: at.token, refresh_token: rt.token, scope: code.scope, api_domain: apiDomain, token_type: 'Bearer', expires_in: cfg.accessTokenTtlSeconds },
  };
}

export type ApiAuth = { ok: true; token: ZohoAccessToken; account: ZohoAccount } | { ok: false; reason: 'missing' | 'invalid' };

/** Reads "Authorization: Zoho-oauthtoken <token>" (and "Bearer <token>" when acceptBearerAuth is on). */
export function authenticate(state: ZohoState, header: string | undefined): ApiAuth {
  const m = /^(Zoho-oauthtoken|Bearer)\s+(\S+)$/i.exec(header ?? '');
  if (!m?.[1] || !m[2]) return { ok: false, reason: 'missing' };
  if (m[1].toLowerCase() === 'bearer' && !state.config.acceptBearerAuth) return { ok: false, reason: 'invalid' };
  const token = state.tokens.accessTokens.get(m[2]);
  if (!token || !state.tokens.accessTokenUsable(token)) return { ok: false, reason: 'invalid' };
  const account = state.accounts.get(token.accountId);
  if (!account) return { ok: false, reason: 'invalid' };
  return { ok: true, token, account };
}

/** Scopes are comma (or space) separated; a service needs at least one scope of its family. */
export const hasScope = (scope: string, family: 'ZohoCRM.' | 'ZohoCreator.' | 'Desk.'): boolean => scope.split(/[\s,]+/).some((s) => s.startsWith(family));
