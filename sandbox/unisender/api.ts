import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Method } from './call';
import { contactMethods } from './contacts';
import { UnisenderError, type ErrorCode } from './errors';
import { importMethods } from './import';
import { listMethods } from './lists';
import { UnisenderParams } from './params';
import type { UnisenderState } from './state';

/**
 * The API's envelope: https://api.unisender.com/<lang>/api/<method>?format=json&api_key=KEY, parameters in the
 * query and/or a form body. Every answer is HTTP 200, a failure {"error","code"}.
 * https://www.unisender.com/en/support/api/common/api-common/
 */

const METHODS: Record<string, Method> = { ...listMethods, ...contactMethods, ...importMethods };

type Req = FastifyRequest<{ Params: { lang: string; method: string } }>;

async function handle(state: UnisenderState, req: Req, reply: FastifyReply): Promise<FastifyReply> {
  const send = (body: unknown): FastifyReply => reply.code(200).type('application/json').send(JSON.stringify(body));
  const error = (code: ErrorCode, message: string): FastifyReply => send({ error: message, code });
  const config = state.config;
  // Only form bodies carry parameters: a JSON body is ignored, as the PHP API would.
  const ct = req.headers['content-type'] ?? '';
  const p = new UnisenderParams(new URL(req.url, 'http://sandbox').searchParams, ct.includes('application/x-www-form-urlencoded') ? req.body : undefined);
  if (config.requireFormatJson && p.get('format') !== 'json') return error('invalid_arg', 'format=json is required');
  const apiKey = p.get('api_key');
  const entry = apiKey ? state.keys.get(apiKey) : undefined;
  if (!apiKey || !entry) return error('invalid_api_key', 'Invalid API key');
  const now = state.ctx.clock.now();
  if (state.keyCalls.over(apiKey, config.callsPerMinutePerKey, now)) {
    return error('api_call_limit_exceeded_for_api_key', `API call limit of ${config.callsPerMinutePerKey} calls a minute exceeded for this key`);
  }
  if (state.ipCalls.over(req.ip, config.callsPerMinutePerIp, now)) {
    return error('api_call_limit_exceeded_for_ip', `API call limit of ${config.callsPerMinutePerIp} calls a minute exceeded for this IP`);
  }
  const name = req.params.method;
  const method = Object.hasOwn(METHODS, name) ? METHODS[name] : undefined;
  if (!method) return error('unknown_method', `Unknown method "${name}"`);
  if (entry.key.accessDenied || entry.key.deniedMethods.includes(name)) return error('access_denied', `Access to "${name}" is denied for this key`);
  try {
    return send({ result: method({ acc: entry.account, p, now, config }) });
  } catch (err) {
    if (err instanceof UnisenderError) return error(err.code, err.message);
    throw err;
  }
}

export function registerUnisenderRoutes(app: FastifyInstance, state: UnisenderState): void {
  // Unisender takes GET and POST alike; the language segment only changes error texts there.
  app.post<{ Params: { lang: string; method: string } }>('/:lang/api/:method', (req, reply) => handle(state, req, reply));
  app.get<{ Params: { lang: string; method: string } }>('/:lang/api/:method', (req, reply) => handle(state, req, reply));
}
