import type { FastifyReply, FastifyRequest } from 'fastify';
import { httpProblem } from './errors';
import { admit } from './limits';
import type { KommoState } from './state';
import type { KommoAccount } from './store';

export type Params = { subdomain: string };

/**
 * The gate of every API route: the account, then its rate limit, then the token, as Kommo's edge does (a
 * throttled request is refused before its token is looked at). Answers the refusal itself and returns undefined.
 */
export function guard(state: KommoState, req: FastifyRequest<{ Params: Params }>, reply: FastifyReply): KommoAccount | undefined {
  const acc = state.accounts.get(req.params.subdomain);
  if (!acc) {
    httpProblem(reply, 404, 'Not Found', `Account ${req.params.subdomain} not found`);
    return undefined;
  }
  const now = state.ctx.clock.now();
  const rl = state.config.rateLimit;
  const admission = admit(acc, rl, now);
  if (admission === 'blocked') {
    httpProblem(reply, 403, 'Forbidden', 'Account is blocked for exceeding the API request limits');
    return undefined;
  }
  if (admission === 'limited') {
    // Kommo's 429 comes from its edge, not the API: no problem+json, often no body at all.
    reply.code(429).type(rl.contentType).send(rl.body);
    return undefined;
  }
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!m?.[1]) {
    httpProblem(reply, 401, 'Unauthorized', 'Authorization header with a Bearer access token is required');
    return undefined;
  }
  const rec = state.tokens.get(m[1]);
  if (!rec || rec.kind !== 'access' || rec.subdomain !== acc.subdomain) {
    httpProblem(reply, 401, 'Unauthorized', 'Access token is invalid');
    return undefined;
  }
  if (rec.revokedAt !== undefined) {
    httpProblem(reply, 401, 'Unauthorized', 'Access token has been revoked');
    return undefined;
  }
  if (rec.expiresAt <= now) {
    httpProblem(reply, 401, 'Unauthorized', 'Access token has expired');
    return undefined;
  }
  return acc;
}
