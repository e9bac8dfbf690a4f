import pino, { type Logger } from 'pino';
import type { Settings } from './index';

/** Keys whose values are never written: a token or secret value in a log line is a bug. */
export const REDACT_PATHS = [
  'accessToken', 'refreshToken', 'access_token', 'refresh_token', 'clientSecret', 'client_secret', 'password', 'apiKey', 'api_key', 'authorization', 'token', 'secret',
].flatMap((k) => [k, `*.${k}`]);

/** The JSON logger of every Switchyard process. */
export function createLogger(settings: Pick<Settings, 'LOG_LEVEL'>, name: string, destination?: pino.DestinationStream): Logger {
  const options = { name, level: settings.LOG_LEVEL, redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}
export type { Logger };
