import type { FastifyReply } from 'fastify';
import type { ZodError } from 'zod';

/**
 * Kommo's answer shapes: problem+json errors (plain HTTP problems, OAuth problems in league/oauth2-server's
 * words, validation-errors for bad request bodies and parameters) and hal+json successes.
 */

export type ValidationError = { code: string; path: string; detail: string };
export type ValidationItem = { request_id: string; errors: ValidationError[] };

const OAUTH_TYPE = 'https://developers.kommo.com/v3/errors/OAuthProblemJson';
const httpType = (status: number): string => `https://httpstatus.es/${status}`;

function problem(reply: FastifyReply, status: number, body: Record<string, unknown>): FastifyReply {
  return reply.code(status).type('application/problem+json').send(JSON.stringify(body));
}

export function httpProblem(reply: FastifyReply, status: number, title: string, detail: string): FastifyReply {
  return problem(reply, status, { title, type: httpType(status), status, detail });
}

export function oauthProblem(reply: FastifyReply, status: number, hint: string, detail: string): FastifyReply {
  return problem(reply, status, { hint, title: status === 401 ? 'Unauthorized' : 'Bad Request', type: OAUTH_TYPE, status, detail });
}

export function validationProblem(reply: FastifyReply, items: ValidationItem[]): FastifyReply {
  return problem(reply, 400, {
    'validation-errors': items,
    title: 'Bad Request',
    type: httpType(400),
    status: 400,
    detail: 'Request validation failed',
  });
}

/** One validation error of the whole request (request_id "0"), the way Kommo reports a bad parameter. */
export function invalidRequest(reply: FastifyReply, code: string, path: string, detail: string): FastifyReply {
  return validationProblem(reply, [{ request_id: '0', errors: [{ code, path, detail }] }]);
}

export function hal(reply: FastifyReply, body: unknown): FastifyReply {
  return reply.code(200).type('application/hal+json').send(JSON.stringify(body));
}

export function zodToKommo(err: ZodError, prefix = ''): ValidationError[] {
  return err.issues.map((i) => ({
    code: i.code === 'invalid_type' ? 'InvalidType' : 'NotValid',
    path: `${prefix}${i.path.join('.')}`,
    detail: i.message,
  }));
}

/** A not-found/unknown-subdomain error for the control API (its error handler turns statusCode into the status). */
export const controlError = (message: string, statusCode: number): Error => Object.assign(new Error(message), { statusCode });
