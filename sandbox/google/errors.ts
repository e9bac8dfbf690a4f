/**
 * Google's two error dialects: the OAuth token endpoint's flat {"error","error_description"} and the
 * People API's google.rpc.Status envelope {"error":{"code","message","status","details":[ErrorInfo...]}}.
 */

export interface ErrorInfoDetail {
  '@type': 'type.googleapis.com/google.rpc.ErrorInfo';
  reason: string;
  domain: string;
  metadata?: Record<string, string>;
}

export interface BadRequestDetail {
  '@type': 'type.googleapis.com/google.rpc.BadRequest';
  fieldViolations: { field: string; description: string }[];
}

export type ErrorDetail = ErrorInfoDetail | BadRequestDetail;

export interface GoogleErrorBody {
  error: { code: number; message: string; status: string; details: ErrorDetail[] };
}

/** A People API failure; handlers throw it and the dispatcher turns it into the envelope. */
export class GoogleApiError extends Error {
  constructor(
    readonly httpCode: number,
    readonly status: string,
    message: string,
    /** ErrorInfo.reason. Where Google's reason for a case is not known, the status name is used (a guess). */
    readonly reason: string = status,
    readonly domain: string = 'people.googleapis.com',
    readonly extra: { metadata?: Record<string, string>; fieldViolations?: { field: string; description: string }[]; headers?: Record<string, string> } = {},
  ) {
    super(message);
  }

  body(): GoogleErrorBody {
    const info: ErrorInfoDetail = { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: this.reason, domain: this.domain };
    if (this.extra.metadata) info.metadata = this.extra.metadata;
    const details: ErrorDetail[] = [info];
    if (this.extra.fieldViolations) {
      details.push({ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: this.extra.fieldViolations });
    }
    return { error: { code: this.httpCode, message: this.message, status: this.status, details } };
  }
}

export const invalidArgument = (message: string, field?: string): GoogleApiError =>
  new GoogleApiError(400, 'INVALID_ARGUMENT', message, 'INVALID_ARGUMENT', 'people.googleapis.com', field ? { fieldViolations: [{ field, description: message }] } : {});

export const notFound = (): GoogleApiError => new GoogleApiError(404, 'NOT_FOUND', 'Requested entity was not found.');

export const staleEtag = (): GoogleApiError =>
  new GoogleApiError(
    400,
    'FAILED_PRECONDITION',
    'Request person.etag is different than the current person.etag. Clear local cache and get the latest person.',
  );

const AUTH_HELP = 'Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.';
/** Google sends this with every 401 of its APIs. */
const WWW_AUTHENTICATE = { 'www-authenticate': 'Bearer realm="https://accounts.google.com/", error="invalid_token"' };

export const credentialsMissing = (method: string): GoogleApiError =>
  new GoogleApiError(401, 'UNAUTHENTICATED', `Request is missing required authentication credential. ${AUTH_HELP}`, 'CREDENTIALS_MISSING', 'googleapis.com', {
    metadata: { service: 'people.googleapis.com', method },
    headers: WWW_AUTHENTICATE,
  });

/** GUESS: the reason Google gives for a token it does not know (garbage, revoked) is not documented. */
export const invalidCredentials = (method: string): GoogleApiError =>
  new GoogleApiError(401, 'UNAUTHENTICATED', `Request had invalid authentication credentials. ${AUTH_HELP}`, 'ACCESS_TOKEN_TYPE_UNSUPPORTED', 'googleapis.com', {
    metadata: { service: 'people.googleapis.com', method },
    headers: WWW_AUTHENTICATE,
  });

export const accessTokenExpired = (method: string): GoogleApiError =>
  new GoogleApiError(401, 'UNAUTHENTICATED', `Request had invalid authentication credentials. ${AUTH_HELP}`, 'ACCESS_TOKEN_EXPIRED', 'googleapis.com', {
    metadata: { service: 'people.googleapis.com', method },
    headers: WWW_AUTHENTICATE,
  });

export const insufficientScopes = (method: string): GoogleApiError =>
  new GoogleApiError(403, 'PERMISSION_DENIED', 'Request had insufficient authentication scopes.', 'ACCESS_TOKEN_SCOPE_INSUFFICIENT', 'googleapis.com', {
    metadata: { service: 'people.googleapis.com', method },
  });

/**
 * GUESS: Google documents only that concurrent mutate requests for one user "may fail"; the fake answers the
 * second one 409 ABORTED (the google.rpc code for concurrency conflicts).
 */
export const concurrentMutation = (method: string): GoogleApiError =>
  new GoogleApiError(409, 'ABORTED', 'The operation was aborted: another mutate request for this user is in progress. Send mutate requests for one user sequentially.', 'ABORTED', 'people.googleapis.com', {
    metadata: { service: 'people.googleapis.com', method },
  });

export type QuotaKind = 'read' | 'write';

const QUOTA_METRIC: Record<QuotaKind, string> = {
  read: 'Critical read requests (Contact and Profile Reads)',
  write: 'Critical write requests (Contact Creates and Updates)',
};

export const quotaExceeded = (kind: QuotaKind, retryAfterSeconds: number | null): GoogleApiError =>
  new GoogleApiError(
    429,
    'RESOURCE_EXHAUSTED',
    `Quota exceeded for quota metric '${QUOTA_METRIC[kind]}' and limit '${QUOTA_METRIC[kind]} per minute per user' of service 'people.googleapis.com' for consumer 'project_number:1000000000000'.`,
    'RATE_LIMIT_EXCEEDED',
    'googleapis.com',
    {
      metadata: {
        service: 'people.googleapis.com',
        quota_metric: `people.googleapis.com/${kind === 'read' ? 'contact_reads' : 'contact_writes'}`,
        quota_limit: kind === 'read' ? 'CriticalReadRequestsPerMinutePerUser' : 'CriticalWriteRequestsPerMinutePerUser',
        consumer: 'projects/1000000000000',
      },
      ...(retryAfterSeconds === null ? {} : { headers: { 'retry-after': String(retryAfterSeconds) } }),
    },
  );

/** An OAuth token endpoint failure: {"error","error_description"} with its own HTTP status. */
export class OAuthError extends Error {
  constructor(
    readonly httpCode: number,
    readonly error: string,
    readonly description: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(`${error}: ${description}`);
  }

  body(): { error: string; error_description: string } {
    return { error: this.error, error_description: this.description };
  }
}
