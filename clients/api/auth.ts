import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiCaller, ApiKeyStore } from '../../store/api-keys';
import { HttpError } from './errors';

declare module 'fastify' {
  interface FastifyRequest {
    caller?: ApiCaller;
  }
}

/** `x-api-key` on every /api route: 401 without a known key, 403 for root-only routes called with another key. */
export function requireKey(keys: ApiKeyStore, opts: { root?: boolean } = {}) {
  return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const header = req.headers['x-api-key'];
    const key = Array.isArray(header) ? header[0] : header;
    if (!key) throw new HttpError(401, 'missing x-api-key header');
    const caller = await keys.verify(key);
    if (!caller) throw new HttpError(401, 'unknown API key');
    if (opts.root && !caller.isRoot) throw new HttpError(403, `API key ${caller.name} may not do this: root key only`);
    req.caller = caller;
  };
}
