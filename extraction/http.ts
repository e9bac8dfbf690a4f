/**
 * Requests as data. The engine builds them; the caller sends them (body as encodeBody says) and hands the
 * answer back. Resolution of references happens here, at request time, so a token refreshed mid-run is
 * used by the next request and no secret value is ever kept in pagination state.
 */
import { isFormValue, type BodyFormat, type Endpoint, type HttpMethod } from './config';
import { stringifyJson } from './json';
import { parseTemplate, resolveString, resolveValue, type ReferenceContext } from './references';
import { err, isPlainObject, ok, type Result } from './result';

export interface HttpRequest {
  method: HttpMethod;
  /** Absolute URL with the full query string. */
  url: string;
  headers: Record<string, string>;
  /** JSON value to send JSON-encoded (or form-encoded, see bodyFormat); undefined for no body. */
  body: unknown;
  /** Absent: JSON. */
  bodyFormat?: BodyFormat;
}

/** An endpoint with its references resolved; the config's query params are kept apart until a style merges them. */
export interface ResolvedEndpoint {
  method: HttpMethod;
  url: string;
  query: [string, string][];
  headers: Record<string, string>;
  body: unknown;
  bodyFormat?: BodyFormat;
}

export function resolveEndpoint(endpoint: Endpoint, ctx: ReferenceContext, defaultMethod: HttpMethod = 'GET'): Result<ResolvedEndpoint> {
  // Data-derived values (record::, last::, parent::) put into a URL path are percent-encoded; config values are not.
  const url = resolveString(endpoint.url, ctx, { encode: ['record', 'last', 'parent'] });
  if (!url.ok) return err(`endpoint.url: ${url.error}`);
  let parsed: URL;
  try {
    parsed = new URL(url.value);
  } catch {
    return err('endpoint.url: not an absolute URL after resolving references');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return err('endpoint.url: only http and https are supported');

  const query: [string, string][] = [];
  for (const [name, value] of Object.entries(endpoint.query_params ?? {})) {
    if (value === null) continue;
    for (const v of Array.isArray(value) ? value : [value]) {
      const r = typeof v === 'string' ? resolveString(v, ctx) : ok(String(v));
      if (!r.ok) return err(`endpoint.query_params.${name}: ${r.error}`);
      query.push([name, r.value]);
    }
  }

  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(endpoint.headers ?? {})) {
    const r = typeof value === 'string' ? resolveString(value, ctx) : ok(String(value));
    if (!r.ok) return err(`endpoint.headers.${name}: ${r.error}`);
    // A resolved value with a line break would smuggle extra headers into the request.
    if (/[\r\n]/.test(r.value)) return err(`endpoint.headers.${name}: value contains a line break`);
    headers[name] = r.value;
  }

  let body: unknown = undefined;
  if (endpoint.body !== undefined) {
    const r = resolveValue(endpoint.body, ctx, { typed: true });
    if (!r.ok) return err(`endpoint.body: ${r.error}`);
    body = r.value;
  }
  const method = endpoint.method ?? (body !== undefined && defaultMethod === 'GET' ? 'POST' : defaultMethod);
  return ok({ method, url: parsed.href, query, headers, body, ...(endpoint.body_format === 'form' ? { bodyFormat: 'form' as const } : {}) });
}

export interface EncodedBody {
  contentType: string;
  text: string;
}

/** The request's body as sent, or null without one. A form field that resolved to an object is an error. */
export function encodeBody(req: Pick<HttpRequest, 'body' | 'bodyFormat'>): Result<EncodedBody> | null {
  if (req.body === undefined) return null;
  if (req.bodyFormat !== 'form') return ok({ contentType: 'application/json', text: stringifyJson(req.body) });
  if (!isPlainObject(req.body)) return err('endpoint.body: a form body must be an object of fields');
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(req.body)) {
    if (!isFormValue(value)) return err(`endpoint.body.${name}: a form field must be text, a number, a boolean, null or a list of those`);
    for (const v of Array.isArray(value) ? value : [value]) if (v !== null) form.append(name, String(v));
  }
  return ok({ contentType: 'application/x-www-form-urlencoded', text: form.toString() });
}

// Query strings are edited piece by piece, never re-serialised as a whole: a next link's own encoding
// (signed URLs, `filter[id][]=1`, `%20` vs `+`) must reach the API byte for byte.
function splitQuery(url: string): { base: string; pieces: string[] } {
  const noHash = url.split('#', 1)[0] as string;
  const q = noHash.indexOf('?');
  if (q < 0) return { base: noHash, pieces: [] };
  return { base: noHash.slice(0, q), pieces: noHash.slice(q + 1).split('&').filter((p) => p.length > 0) };
}

function pieceName(piece: string): string {
  const raw = piece.split('=', 1)[0] as string;
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}

const joinQuery = (base: string, pieces: readonly string[]): string => (pieces.length ? `${base}?${pieces.join('&')}` : base);
const encodePair = ([name, value]: readonly [string, string]): string => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`;

/** Sets params on a URL, replacing any of the same name (arrays repeat the name). */
export function setQuery(url: string, params: readonly [string, string][]): string {
  if (params.length === 0) return url;
  const names = new Set(params.map(([n]) => n));
  const { base, pieces } = splitQuery(url);
  return joinQuery(base, [...pieces.filter((p) => !names.has(pieceName(p))), ...params.map(encodePair)]);
}

/** Adds only the params whose names the URL does not already carry: a next link's own query wins. */
export function addMissingQuery(url: string, params: readonly [string, string][]): string {
  const { base, pieces } = splitQuery(url);
  const present = new Set(pieces.map(pieceName));
  const added = params.filter(([n]) => !present.has(n));
  return added.length ? joinQuery(base, [...pieces, ...added.map(encodePair)]) : url;
}

/** Removes params by name. */
export function stripQuery(url: string, names: readonly string[]): string {
  if (names.length === 0) return url;
  const { base, pieces } = splitQuery(url);
  const kept = pieces.filter((p) => !names.includes(pieceName(p)));
  return kept.length === pieces.length ? url : joinQuery(base, kept);
}

/** The values of one query param, decoded. */
export function queryValues(url: string, name: string): string[] {
  return splitQuery(url)
    .pieces.filter((p) => pieceName(p) === name)
    .map((p) => {
      const raw = p.includes('=') ? p.slice(p.indexOf('=') + 1) : '';
      try {
        return decodeURIComponent(raw.replace(/\+/g, ' '));
      } catch {
        return raw;
      }
    });
}

/** The request for a resolved endpoint, with the config's query params applied on top of the URL's own. */
export const baseRequest = (e: ResolvedEndpoint, extraQuery: readonly [string, string][] = []): HttpRequest => ({
  method: e.method,
  url: setQuery(setQuery(e.url, e.query), extraQuery),
  headers: { ...e.headers },
  body: e.body,
  ...(e.bodyFormat ? { bodyFormat: e.bodyFormat } : {}),
});

/**
 * Query params whose config value comes from a secret or from the config itself (tokens). Next links
 * often echo the request's query; these names are stripped before a link is kept in pagination state,
 * and added back from the config on the next request.
 */
export function sensitiveQueryNames(endpoint: Endpoint): string[] {
  const names: string[] = [];
  for (const [name, value] of Object.entries(endpoint.query_params ?? {})) {
    const values = Array.isArray(value) ? value : [value];
    const sensitive = values.some((v) => {
      if (typeof v !== 'string') return false;
      const t = parseTemplate(v);
      return !t.ok || t.value.some((p) => p.kind === 'ref' && (p.ref.type === 'secret' || p.ref.type === 'self'));
    });
    if (sensitive) names.push(name);
  }
  return names;
}

/** Response header lookup, case-insensitive (fetch lower-cases, recorded fixtures may not). */
export function header(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  const want = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === want) return v;
  return undefined;
}

/** A body with no content: absent, null, or blank text (204 answers, or a 200 with nothing in it). */
export const isBlankBody = (body: unknown): boolean =>
  body === undefined || body === null || (typeof body === 'string' && body.trim() === '');

/** Blank, or an empty JSON array/object. */
export const isEmptyBody = (body: unknown): boolean =>
  isBlankBody(body) ||
  (Array.isArray(body) && body.length === 0) ||
  (typeof body === 'object' && body !== null && Object.keys(body).length === 0);
