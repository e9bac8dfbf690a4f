/**
 * Zoho's error dialects: accounts (HTTP 200 {"error":"..."}), CRM ({"code","details","message","status":"error"}),
 * Creator ({"code": <number>, "description"}) and Desk ({"errorCode","message"}).
 */
export class ZohoHttpError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly payload: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(`zoho ${httpStatus}`);
  }
}

export const crmError = (httpStatus: number, code: string, message: string, details: Record<string, unknown> = {}): ZohoHttpError =>
  new ZohoHttpError(httpStatus, { code, details, message, status: 'error' });

export const crmInvalidToken = (): ZohoHttpError => crmError(401, 'INVALID_TOKEN', 'invalid oauth token');
export const crmAuthFailure = (): ZohoHttpError => crmError(401, 'AUTHENTICATION_FAILURE', 'Authentication failed');
export const crmScopeMismatch = (): ZohoHttpError => crmError(401, 'OAUTH_SCOPE_MISMATCH', 'invalid oauth scope to access this URL');
export const crmInvalidParam = (param: string, message = 'invalid data'): ZohoHttpError => crmError(400, 'INVALID_DATA', message, { param_name: param });

/** GUESS: Creator's error body uses "description" for the text (its docs tabulate it as the message). */
export const creatorError = (httpStatus: number, code: number, description: string): ZohoHttpError => new ZohoHttpError(httpStatus, { code, description });

export const deskError = (httpStatus: number, errorCode: string, message: string, extra: Record<string, unknown> = {}): ZohoHttpError =>
  new ZohoHttpError(httpStatus, { errorCode, message, ...extra });
