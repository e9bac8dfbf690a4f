import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';
import { FailureType } from '../../common/names';
import { ApiKeyError } from '../../store/api-keys';
import { AccountInvalid, AccountNotFound } from '../../store/accounts';
import { ProviderError } from '../../providers/errors';

/** An HTTP error with a status and a message that says what and where. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details?: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** Temporal cannot be reached (down, restarting, network): the API answers 503 at once rather than hang. */
export class TemporalUnavailable extends HttpError {
  constructor(what: string, retryAfterSeconds = 5) {
    super(503, `Temporal is not reachable, so ${what} cannot start now; try again shortly`, undefined, { 'retry-after': String(retryAfterSeconds) });
    this.name = 'TemporalUnavailable';
  }
}

/** The answer for a provider's failure during a request: the caller's input (4xx) or the provider's state (503). */
function providerAnswer(err: ProviderError): HttpError {
  const message = `${err.provider}: ${err.message}`;
  if (err.kind === FailureType.RateLimited) {
    return new HttpError(429, message, undefined, err.details.retryAfterMs !== undefined ? { 'retry-after': String(Math.ceil(err.details.retryAfterMs / 1000)) } : {});
  }
  if (err.kind === FailureType.Transient) return new HttpError(503, message, undefined, { 'retry-after': '30' });
  // Refused credentials, codes or input: what the caller sent does not work with the provider.
  return new HttpError(400, message);
}

function toHttpError(err: FastifyError | Error): HttpError | null {
  if (err instanceof HttpError) return err;
  if (err instanceof ZodError) {
    return new HttpError(
      400,
      err.issues.map((i) => `${i.path.length ? i.path.join('.') : '(body)'}: ${i.message}`).join('; '),
      err.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    );
  }
  if (err instanceof ApiKeyError) return new HttpError(err.status, err.message);
  if (err instanceof AccountNotFound) return new HttpError(404, err.message);
  if (err instanceof AccountInvalid) return new HttpError(400, err.message, [{ path: err.path, message: err.message }]);
  if (err instanceof ProviderError) return providerAnswer(err);
  const status = (err as FastifyError).statusCode;
  if (status && status < 500) return new HttpError(status, err.message);
  if ((err as { code?: number }).code === 11000) return new HttpError(409, 'already exists');
  return null;
}

/**
 * Every error answer has the same shape, { error, message, details? }, and says what and where. Nothing already
 * stored is lost by a 4xx. Every answer carries its request id (header `x-request-id`); every 5xx is logged with
 * it, and its body names it too.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply) => {
    const known = toHttpError(err);
    const status = known?.status ?? 500;
    const where = { requestId: req.id, method: req.method, path: req.url.split('?')[0] };
    if (status >= 500) req.log.error({ ...where, status, err }, known ? 'API request failed' : 'unhandled API error');
    if (known) reply.headers(known.headers);
    return reply.code(status).send({
      error: codeFor(status),
      message: known?.message ?? `internal error; see the API log (request ${req.id})`,
      ...(known?.details ? { details: known.details } : {}),
      ...(status >= 500 ? { requestId: req.id } : {}),
    });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` }));
}

function codeFor(status: number): string {
  return (
    { 400: 'invalid_request', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 409: 'conflict', 413: 'too_large', 415: 'unsupported_media_type', 429: 'rate_limited', 503: 'unavailable' }[status] ??
    (status >= 500 ? 'internal' : 'error')
  );
}
