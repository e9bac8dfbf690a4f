import type { FastifyError, FastifyInstance } from 'fastify';
import { ZodError } from 'zod';
import { ApiKeyError } from '../../store/api-keys';
import { AccountNotFound } from '../../store/accounts';
import { ProviderError } from '../../providers/errors';

/** An HTTP error with a status and a message that says what and where. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly details?: unknown) {
    super(message);
    this.name = 'HttpError';
  }
}

/** Every error answer has the same shape: { error, message, details? }. Nothing already stored is lost by a 4xx. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | Error, req, reply) => {
    if (err instanceof ZodError) {
      return reply.code(400).send({
        error: 'invalid_request',
        message: err.issues.map((i) => `${i.path.length ? i.path.join('.') : '(body)'}: ${i.message}`).join('; '),
        details: err.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      });
    }
    if (err instanceof HttpError) return reply.code(err.status).send({ error: codeFor(err.status), message: err.message, ...(err.details ? { details: err.details } : {}) });
    if (err instanceof ApiKeyError) return reply.code(err.status).send({ error: codeFor(err.status), message: err.message });
    if (err instanceof AccountNotFound) return reply.code(404).send({ error: 'not_found', message: err.message });
    if (err instanceof ProviderError) return reply.code(502).send({ error: 'provider_error', message: `${err.provider}: ${err.message}` });
    const status = (err as FastifyError).statusCode;
    if (status && status < 500) return reply.code(status).send({ error: codeFor(status), message: err.message });
    if ((err as { code?: number }).code === 11000) return reply.code(409).send({ error: 'conflict', message: 'already exists' });
    req.log.error({ err }, 'unhandled API error');
    return reply.code(500).send({ error: 'internal', message: 'internal error; see the API log' });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` }));
}

function codeFor(status: number): string {
  return { 400: 'invalid_request', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 409: 'conflict' }[status] ?? 'error';
}
