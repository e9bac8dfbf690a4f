/** Unisender's error codes. Every answer is HTTP 200; a failure is {"error": text, "code": one of these}. */
export const ERROR_CODES = [
  'invalid_api_key',
  'access_denied',
  'unknown_method',
  'invalid_arg',
  'retry_later',
  'api_call_limit_exceeded_for_api_key',
  'api_call_limit_exceeded_for_ip',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class UnisenderError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

// A declaration (not an arrow) so TypeScript narrows after `if (...) fail(...)`.
export function fail(code: ErrorCode, message: string): never {
  throw new UnisenderError(code, message);
}
