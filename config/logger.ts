import pino, { type Logger } from 'pino';
import type { Settings } from './index';

/** Keys whose values are never written, at any depth: a token or secret value in a log line is a bug. */
const SECRET_KEYS = new Set(
  [
    'accessToken', 'refreshToken', 'access_token', 'refresh_token', 'clientSecret', 'client_secret', 'password', 'apiKey', 'api_key',
    'authorization', 'token', 'secret', 'x-api-key', 'cookie', 'set-cookie', 'proxy-authorization',
  ].map((k) => k.toLowerCase()),
);
/** Keys that hold a whole HTTP request or response (an HTTP client's error carries both): never written. */
const REQUEST_KEYS = new Set(['config', 'request', 'response', 'headers', '_header', 'socket', 'agent']);

const MAX_DEPTH = 8;

/** Whether a value is an HTTP client's error or a raw request/response (axios, gaxios, undici, node:http). */
function isHttpClientThing(v: object): boolean {
  const o = v as Record<string, unknown>;
  return o.isAxiosError === true || ('config' in o && ('request' in o || 'response' in o)) || o.constructor?.name === 'ClientRequest' || o.constructor?.name === 'IncomingMessage';
}

/**
 * A copy of a value safe to log: secret-named keys redacted, HTTP clients' errors and requests reduced to their
 * message, code and status, errors turned into plain objects (cause chains included), at any depth.
 */
export function scrub(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (value === null || typeof value !== 'object') return typeof value === 'bigint' ? value.toString() : value;
  if (seen.has(value)) return '[circular]';
  if (depth > MAX_DEPTH) return '[too deep]';
  seen.add(value);
  if (value instanceof Date) return value;
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return `[${value.byteLength} bytes]`;
  if (Array.isArray(value)) return value.slice(0, 100).map((v) => scrub(v, depth + 1, seen));
  if (isHttpClientThing(value)) {
    const o = value as { message?: unknown; code?: unknown; response?: { status?: unknown }; status?: unknown; name?: unknown };
    return {
      type: typeof o.name === 'string' ? o.name : 'HttpClientError',
      ...(typeof o.message === 'string' ? { message: o.message } : {}),
      ...(typeof o.code === 'string' ? { code: o.code } : {}),
      ...(typeof (o.response?.status ?? o.status) === 'number' ? { status: o.response?.status ?? o.status } : {}),
    };
  }
  const out: Record<string, unknown> = {};
  if (value instanceof Error) {
    out.type = value.name;
    out.message = value.message;
    if (value.stack) out.stack = value.stack;
  }
  for (const key of Object.keys(value)) {
    const lower = key.toLowerCase();
    const v = (value as Record<string, unknown>)[key];
    if (SECRET_KEYS.has(lower) && typeof v !== 'object') out[key] = '[redacted]';
    else if (REQUEST_KEYS.has(lower) && v !== null && typeof v === 'object') out[key] = '[omitted]';
    else out[key] = scrub(v, depth + 1, seen);
  }
  if (value instanceof Error && value.cause !== undefined && !('cause' in out)) out.cause = scrub(value.cause, depth + 1, seen);
  return out;
}

/** The JSON logger of every Switchyard process: every logged object goes through `scrub` first. */
export function createLogger(settings: Pick<Settings, 'LOG_LEVEL'>, name: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    name,
    level: settings.LOG_LEVEL,
    formatters: { log: (obj) => scrub(obj) as Record<string, unknown> },
    // Errors are plain objects by now; the default err serializer would only see those.
    serializers: { err: (e: unknown) => e },
  };
  return destination ? pino(options, destination) : pino(options);
}
export type { Logger };
