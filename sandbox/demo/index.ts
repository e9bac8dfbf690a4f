import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FakeProvider, FakeProviderFactory, SandboxContext } from '../types';
import { defaultDemoConfig, demoSeedSchema, demoTouchSchema, mergeDemoConfig, type DemoConfig, type DemoSwitches } from './config';
import { baseUpdatedAt, buildView, demoDetails, demoEvent, demoEventCount, demoRecord, type Timeline, type View } from './dataset';
import { registerZohoVariants, type TokenCheck } from './zoho';

/**
 * The demo REST API: one deterministic data set served through every pagination style the config-driven
 * extractor supports, with switches for the ways real APIs break pagination. See sandbox/README.md.
 */

export const PAGE_STYLES = ['more-records', 'total-pages', 'status', 'empty-array', 'empty-body', 'next-link', 'next-link-relative', 'link-header'] as const;
export const STYLES = [...PAGE_STYLES, 'offset', 'cursor'] as const;
type PageStyle = (typeof PAGE_STYLES)[number];

const DEFAULT_REFRESH_TOKEN = 'demo-refresh-token';

class BadRequest extends Error {}

/** One value per parameter: repeated equal values are fine (duplicated next links), differing ones are not. */
function param(sp: URLSearchParams, name: string): string | undefined {
  const all = sp.getAll(name);
  if (all.length > 1 && all.some((v) => v !== all[0])) throw new BadRequest(`conflicting values for ${name}: ${all.join(', ')}`);
  return all[0];
}

function intParam(sp: URLSearchParams, name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = param(sp, name);
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new BadRequest(`${name} must be an integer, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new BadRequest(`${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

/** ISO 8601 or unix seconds (or milliseconds, when the number is that large). */
function instant(raw: string, name: string): number {
  if (/^\d+$/.test(raw)) return raw.length >= 13 ? Number(raw) : Number(raw) * 1000;
  const ms = Date.parse(raw);
  if (Number.isNaN(ms)) throw new BadRequest(`${name} is not a date: "${raw}"`);
  return ms;
}

function json(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send(JSON.stringify(body));
}

/** Page geometry with an optional short page: later pages shift back so no record is skipped. */
function layout(total: number, perPage: number, short: DemoSwitches['shortPage']) {
  const s = short && short.size < perPage ? short : null;
  const deficit = s ? perPage - s.size : 0;
  const start = (q: number): number => (q - 1) * perPage - (s && q > s.page ? deficit : 0);
  const size = (q: number): number => (s && q === s.page ? s.size : perPage);
  let last = Math.max(1, Math.ceil(total / perPage));
  if (s && total > start(s.page) + s.size) last = Math.ceil((total + deficit) / perPage);
  return { last, start, size: (q: number) => Math.max(0, Math.min(size(q), total - start(q))) };
}

export const createDemoFake: FakeProviderFactory = (ctx: SandboxContext): FakeProvider => {
  let config: DemoConfig = defaultDemoConfig();
  const touched = new Map<number, { at: number; version: number }>();
  const refreshTokens = new Set<string>([DEFAULT_REFRESH_TOKEN]);
  const accessTokens = new Map<string, number>();
  let grants = 0;
  const recentGrants = new Map<string, number[]>();

  const timeline = (count = config.count): Timeline => ({ epochMs: Date.parse(config.epoch), stepMs: config.stepSeconds * 1000, count });

  function grant(refreshToken: string): string | undefined {
    if (!refreshTokens.has(refreshToken)) return undefined;
    const token = `demo-at-${randomBytes(18).toString('base64url')}`;
    accessTokens.set(token, ctx.clock.now() + config.auth.tokenTtlSeconds * 1000);
    grants++;
    return token;
  }

  function checkToken(req: FastifyRequest): TokenCheck {
    const m = /^(?:Bearer|Zoho-oauthtoken)\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!m?.[1]) return 'missing';
    const exp = accessTokens.get(m[1]);
    if (exp === undefined) return 'invalid';
    return exp <= ctx.clock.now() ? 'expired' : 'ok';
  }

  /** The API key or basic credentials of the request, checked against the configured ones. */
  function checkCredentials(req: FastifyRequest): 'ok' | 'missing' | 'invalid' {
    const { apiKey, basic, scheme } = config.auth;
    let given: string | undefined;
    if (scheme === 'api_key') {
      if (!apiKey) return 'invalid';
      const raw = apiKey.in === 'header' ? req.headers[apiKey.name.toLowerCase()] : new URL(req.url, 'http://x').searchParams.get(apiKey.name);
      given = typeof raw === 'string' ? raw : undefined;
      return given === undefined ? 'missing' : given === apiKey.value ? 'ok' : 'invalid';
    }
    const m = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!m?.[1]) return 'missing';
    given = Buffer.from(m[1], 'base64').toString('utf8');
    return basic && given === `${basic.username}:${basic.password}` ? 'ok' : 'invalid';
  }

  /** 401 with the reason in the body and in WWW-Authenticate (RFC 6750, RFC 7617), or undefined when allowed. */
  function unauthorized(req: FastifyRequest, reply: FastifyReply): FastifyReply | undefined {
    if (!config.auth.required) return undefined;
    if (config.auth.scheme !== 'bearer') {
      const c = checkCredentials(req);
      if (c === 'ok') return undefined;
      if (config.auth.scheme === 'basic') reply.header('www-authenticate', 'Basic realm="demo", charset="UTF-8"');
      const what = config.auth.scheme === 'basic' ? 'user name and password' : 'API key';
      return json(reply, 401, { error: c === 'missing' ? 'unauthorized' : 'invalid_credentials', message: c === 'missing' ? `${what} required` : `The ${what} is invalid` });
    }
    const check = checkToken(req);
    if (check === 'ok') return undefined;
    const description = check === 'missing' ? 'Bearer token required' : check === 'expired' ? 'The access token expired' : 'The access token is invalid';
    reply.header('www-authenticate', check === 'missing' ? 'Bearer realm="demo"' : `Bearer realm="demo", error="invalid_token", error_description="${description}"`);
    return json(reply, 401, { error: check === 'missing' ? 'unauthorized' : check === 'expired' ? 'token_expired' : 'invalid_token', message: description });
  }

  const record = (id: number) => demoRecord(timeline(), id, touched.get(id));

  function viewFor(req: FastifyRequest, sp: URLSearchParams): { view: View; fingerprint: string } {
    const sort = param(sp, 'sort') ?? 'id';
    if (sort !== 'id' && sort !== 'updated_at') throw new BadRequest(`sort must be id or updated_at, got "${sort}"`);
    const since = param(sp, 'updated_since');
    let sinceMs: number | undefined;
    let inclusive = config.updatedSinceInclusive;
    if (since !== undefined && since !== '') sinceMs = instant(since, 'updated_since');
    else {
      const ims = req.headers['if-modified-since'];
      if (typeof ims === 'string' && ims) {
        // HTTP semantics: modified strictly after the given time.
        sinceMs = instant(ims, 'If-Modified-Since');
        inclusive = false;
      }
    }
    const view = buildView(timeline(), touched, { ...(sinceMs !== undefined ? { sinceMs } : {}), inclusive, sort });
    return { view, fingerprint: `${sinceMs ?? ''}|${inclusive ? 1 : 0}|${sort}` };
  }

  /** A link to this same endpoint with some parameters changed, shaped by the relative/duplicate switches. */
  function linkTo(req: FastifyRequest, sp: URLSearchParams, changes: Record<string, string>, relative: DemoSwitches['relativeLinks']): string {
    const path = new URL(req.url, 'http://sandbox').pathname;
    const params = new URLSearchParams();
    const seen = new Set<string>();
    for (const [k, v] of sp) {
      if (seen.has(k)) continue;
      seen.add(k);
      params.set(k, changes[k] ?? v);
    }
    for (const [k, v] of Object.entries(changes)) if (!seen.has(k)) params.set(k, v);
    if (config.switches.duplicateQueryParams) {
      for (const [k, v] of [...params]) if (!(k in changes && (k === 'page' || k === 'cursor'))) params.append(k, v);
    }
    const query = params.toString();
    if (relative === 'root') return `${path}?${query}`;
    if (relative === 'path') return `${path.split('/').pop() ?? ''}?${query}`;
    return `${ctx.baseUrl}${path}?${query}`;
  }

  function pageStyle(style: PageStyle) {
    return async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
      const denied = unauthorized(req, reply);
      if (denied) return denied;
      const sp = new URL(req.url, 'http://sandbox').searchParams;
      const sw = config.switches;
      const page = intParam(sp, 'page', 1, 1);
      const perPage = intParam(sp, 'per_page', config.defaultPageSize, 1, config.maxPageSize);
      const { view } = viewFor(req, sp);
      const geo = layout(view.total, perPage, sw.shortPage);
      const linkStyle = style === 'next-link' || style === 'next-link-relative' || style === 'link-header';
      // Page styles serve the end twice by repeating the last page once; link styles by a self-referencing link.
      const repeat = sw.lastPageTwice && !linkStyle && page === geo.last + 1;
      const served = repeat ? geo.last : page;
      const pastEnd = page > geo.last && !repeat;
      const data = pastEnd ? [] : view.slice(geo.start(served), geo.size(served)).map(record);
      const more = !pastEnd && !repeat && (page < geo.last || (sw.lastPageTwice && page === geo.last));
      const relative = style === 'next-link-relative' && sw.relativeLinks === 'none' ? 'root' : sw.relativeLinks;
      const next = pastEnd ? null : page < geo.last ? page + 1 : sw.lastPageTwice ? page : null;
      const nextLink = next === null ? null : linkTo(req, sp, { page: String(next), per_page: String(perPage) }, relative);

      switch (style) {
        case 'more-records': {
          const omit = sw.omitMoreRecords === 'always' || (sw.omitMoreRecords === 'last' && !more);
          return json(reply, 200, { data, info: { page, per_page: perPage, count: data.length, ...(omit ? {} : { more_records: more }) } });
        }
        case 'total-pages': {
          const totalPages = geo.last + (sw.lastPageTwice ? 1 : 0);
          return json(reply, 200, { data, info: { current_page: page, total_pages: totalPages, per_page: perPage, total_records: view.total } });
        }
        case 'status':
          if (pastEnd) {
            if (config.pastEndStatus === 204 || config.pastEndStatus === 304) return reply.code(config.pastEndStatus).send();
            return json(reply, config.pastEndStatus, { error: 'not_found', message: `page ${page} is past the last page (${geo.last})` });
          }
          return json(reply, 200, { data, info: { page, per_page: perPage } });
        case 'empty-array':
          return json(reply, 200, data);
        case 'empty-body':
          // Past the end: 200 and zero bytes, not even "[]" — a JSON parser that is not told to expect it throws.
          if (pastEnd) return reply.code(200).type('application/json').send('');
          return json(reply, 200, data);
        case 'next-link':
        case 'next-link-relative':
          return json(reply, 200, { data, pagination: { page, per_page: perPage, next_link: nextLink } });
        case 'link-header': {
          const rels: string[] = [];
          if (nextLink) rels.push(`<${nextLink}>; rel="next"`);
          if (page > 1 && !pastEnd) rels.push(`<${linkTo(req, sp, { page: String(page - 1), per_page: String(perPage) }, relative)}>; rel="prev"`);
          rels.push(`<${linkTo(req, sp, { page: '1', per_page: String(perPage) }, relative)}>; rel="first"`);
          rels.push(`<${linkTo(req, sp, { page: String(geo.last), per_page: String(perPage) }, relative)}>; rel="last"`);
          reply.header('link', rels.join(', '));
          return json(reply, 200, data);
        }
      }
    };
  }

  async function offsetStyle(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const denied = unauthorized(req, reply);
    if (denied) return denied;
    const sp = new URL(req.url, 'http://sandbox').searchParams;
    const sw = config.switches;
    const from = intParam(sp, 'from', config.offsetBase, config.offsetBase);
    const limit = intParam(sp, 'limit', config.defaultPageSize, 1, config.maxPageSize);
    const { view } = viewFor(req, sp);
    const o = from - config.offsetBase;
    let ids: number[];
    if (o < view.total) {
      // The client chooses offsets, so a short page here loses the rest of that window, as it would for real.
      const short = sw.shortPage && o === (sw.shortPage.page - 1) * limit ? Math.min(sw.shortPage.size, limit) : limit;
      ids = view.slice(o, short);
    } else if (sw.lastPageTwice && view.total > 0 && o < view.total + limit) {
      ids = view.slice(Math.floor((view.total - 1) / limit) * limit, limit);
    } else {
      return config.offsetPastEnd === 'no-content' ? reply.code(204).send() : json(reply, 200, { data: [] });
    }
    // total: what an offset/limit client needs to know where the end is (the extractor's offset style).
    return json(reply, 200, { data: ids.map(record), total: view.total });
  }

  async function cursorStyle(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const denied = unauthorized(req, reply);
    if (denied) return denied;
    const sp = new URL(req.url, 'http://sandbox').searchParams;
    const sw = config.switches;
    const limit = intParam(sp, 'limit', config.defaultPageSize, 1, config.maxPageSize);
    const { view, fingerprint } = viewFor(req, sp);
    const raw = param(sp, 'cursor');
    let at = { o: 0, p: 1 };
    if (raw) {
      // Opaque to clients, bound to the filter and order it was issued for, like most cursor APIs.
      let decoded: unknown;
      try {
        decoded = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
      } catch {
        decoded = undefined;
      }
      const d = decoded as { o?: unknown; p?: unknown; f?: unknown } | undefined;
      if (!d || typeof d.o !== 'number' || typeof d.p !== 'number' || d.f !== fingerprint) {
        return json(reply, 400, { error: 'invalid_cursor', message: 'cursor is malformed or was issued for other parameters' });
      }
      at = { o: d.o, p: d.p };
    }
    const encode = (c: { o: number; p: number }): string => Buffer.from(JSON.stringify({ ...c, f: fingerprint })).toString('base64url');
    const size = sw.shortPage && at.p === sw.shortPage.page ? Math.min(sw.shortPage.size, limit) : limit;
    const ids = view.slice(at.o, size);
    const nextO = at.o + ids.length;
    const next = nextO < view.total ? encode({ o: nextO, p: at.p + 1 }) : sw.lastPageTwice && ids.length ? (raw ?? encode(at)) : null;
    return json(reply, 200, { data: ids.map(record), next_cursor: next });
  }

  function tokenEndpoint(req: FastifyRequest, reply: FastifyReply): FastifyReply {
    const sp = new URL(req.url, 'http://sandbox').searchParams;
    const body = req.body && typeof req.body === 'object' && !Array.isArray(req.body) ? (req.body as Record<string, unknown>) : {};
    const get = (k: string): string | undefined => (typeof body[k] === 'string' ? (body[k] as string) : (sp.get(k) ?? undefined));
    const auth = config.auth;
    const grantType = get('grant_type');
    if (grantType === 'client_credentials') return clientCredentials(req, reply, get);
    if (grantType !== undefined && grantType !== 'refresh_token') return json(reply, 400, { error: 'unsupported_grant_type', error_description: `grant_type ${grantType} is not supported` });
    const refreshToken = get('refresh_token');
    if (!refreshToken) return json(reply, 400, { error: 'invalid_request', error_description: 'refresh_token is required' });
    if ((auth.clientId && get('client_id') !== auth.clientId) || (auth.clientSecret && get('client_secret') !== auth.clientSecret)) {
      return json(reply, 401, { error: 'invalid_client', error_description: 'Client authentication failed' });
    }
    const token = grant(refreshToken);
    if (!token) return json(reply, 400, { error: 'invalid_grant', error_description: 'The refresh token is invalid or revoked' });
    return json(reply, 200, { [auth.tokenKey]: token, token_type: 'Bearer', expires_in: auth.tokenTtlSeconds, api_domain: `${ctx.baseUrl}/demo` });
  }

  /**
   * RFC 6749 4.4: the client authenticates with client_id/client_secret form fields or an HTTP basic header (each part
   * form-urlencoded, 2.3.1), never both; an unknown client is 401 invalid_client (with WWW-Authenticate for basic).
   */
  function clientCredentials(req: FastifyRequest, reply: FastifyReply, get: (k: string) => string | undefined): FastifyReply {
    const auth = config.auth;
    const m = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    let id = get('client_id');
    let secret = get('client_secret');
    if (m?.[1]) {
      if (id !== undefined || secret !== undefined) return json(reply, 400, { error: 'invalid_request', error_description: 'Use one client authentication method' });
      const [u, p] = Buffer.from(m[1], 'base64').toString('utf8').split(':');
      id = decodeURIComponent(u ?? '');
      secret = decodeURIComponent(p ?? '');
    }
    if (!auth.clientId || id !== auth.clientId || secret !== auth.clientSecret) {
      if (m) reply.header('www-authenticate', 'Basic realm="demo"');
      return json(reply, 401, { error: 'invalid_client', error_description: 'Client authentication failed' });
    }
    const token = `demo-at-${randomBytes(18).toString('base64url')}`;
    accessTokens.set(token, ctx.clock.now() + auth.tokenTtlSeconds * 1000);
    grants++;
    return json(reply, 200, { [auth.tokenKey]: token, token_type: 'Bearer', expires_in: auth.tokenTtlSeconds, ...(get('scope') ? { scope: get('scope') } : {}) });
  }

  function recordId(raw: string): number | undefined {
    if (!/^\d+$/.test(raw)) return undefined;
    const id = Number(raw);
    return id >= 1 && id <= config.count ? id : undefined;
  }

  return {
    name: 'demo',

    routes(app: FastifyInstance) {
      app.setErrorHandler((err, _req, reply) => {
        if (err instanceof BadRequest) return json(reply, 400, { error: 'invalid_parameter', message: err.message });
        const status = typeof (err as { statusCode?: unknown }).statusCode === 'number' ? (err as { statusCode: number }).statusCode : 500;
        return json(reply, status, { error: 'error', message: err instanceof Error ? err.message : String(err) });
      });

      app.get('/api', async () => ({
        records: config.count,
        styles: Object.fromEntries(STYLES.map((s) => [s, `${ctx.baseUrl}/demo/api/${s}/records`])),
        record: `${ctx.baseUrl}/demo/api/records/{id}`,
        details: `${ctx.baseUrl}/demo/api/records/{id}/details`,
        events: `${ctx.baseUrl}/demo/api/records/{id}/events`,
        token: `${ctx.baseUrl}/demo/oauth/token`,
        zoho: { token: `${ctx.baseUrl}/demo/zoho/oauth/v2/token`, deals: `${ctx.baseUrl}/demo/zoho/crm/v2/deals`, tickets: `${ctx.baseUrl}/demo/zoho/desk/api/v1/tickets` },
      }));

      for (const style of PAGE_STYLES) app.get(`/api/${style}/records`, pageStyle(style));
      app.get('/api/offset/records', offsetStyle);
      app.get('/api/cursor/records', cursorStyle);

      app.get<{ Params: { id: string } }>('/api/records/:id', async (req, reply) => {
        const denied = unauthorized(req, reply);
        if (denied) return denied;
        const id = recordId(req.params.id);
        if (id === undefined) return json(reply, 404, { error: 'not_found', message: `record ${req.params.id} does not exist` });
        return json(reply, 200, record(id));
      });

      app.get<{ Params: { id: string } }>('/api/records/:id/details', async (req, reply) => {
        const denied = unauthorized(req, reply);
        if (denied) return denied;
        const id = recordId(req.params.id);
        if (id === undefined) return json(reply, 404, { error: 'not_found', message: `record ${req.params.id} does not exist` });
        return json(reply, 200, demoDetails(id));
      });

      // A record's events, paged like more-records; the count per record comes from its id (demoEventCount).
      app.get<{ Params: { id: string } }>('/api/records/:id/events', async (req, reply) => {
        const denied = unauthorized(req, reply);
        if (denied) return denied;
        const id = recordId(req.params.id);
        if (id === undefined) return json(reply, 404, { error: 'not_found', message: `record ${req.params.id} does not exist` });
        const sp = new URL(req.url, 'http://sandbox').searchParams;
        const page = intParam(sp, 'page', 1, 1);
        const perPage = intParam(sp, 'per_page', config.defaultPageSize, 1, config.maxPageSize);
        const total = demoEventCount(id);
        const first = (page - 1) * perPage + 1;
        const data = Array.from({ length: Math.max(0, Math.min(perPage, total - first + 1)) }, (_, k) => demoEvent(id, first + k));
        return json(reply, 200, { data, info: { page, per_page: perPage, count: data.length, more_records: first + perPage - 1 < total } });
      });

      app.post('/oauth/token', async (req, reply) => tokenEndpoint(req, reply));

      registerZohoVariants(app, { config: () => config, baseUrl: () => ctx.baseUrl, timeline, checkToken, grant, now: () => ctx.clock.now(), recentGrants });
    },

    reset() {
      config = defaultDemoConfig();
      touched.clear();
      refreshTokens.clear();
      refreshTokens.add(DEFAULT_REFRESH_TOKEN);
      accessTokens.clear();
      recentGrants.clear();
      grants = 0;
    },

    seed(body: unknown) {
      const s = demoSeedSchema.parse(body);
      for (const t of s.refreshTokens ?? []) refreshTokens.add(t);
      const now = ctx.clock.now();
      for (const t of s.accessTokens ?? []) accessTokens.set(t.token, now + (t.expiresInSeconds ?? config.auth.tokenTtlSeconds) * 1000);
      return { refreshTokens: [...refreshTokens], accessTokens: (s.accessTokens ?? []).map((t) => t.token) };
    },

    configure(body: unknown) {
      config = mergeDemoConfig(config, body);
      return config;
    },

    state() {
      const t = timeline();
      const now = ctx.clock.now();
      return {
        config,
        records: config.count,
        firstUpdatedAt: config.count ? new Date(baseUpdatedAt(t, 1)).toISOString() : null,
        lastBaseUpdatedAt: config.count ? new Date(baseUpdatedAt(t, config.count)).toISOString() : null,
        touched: [...touched.entries()].map(([id, v]) => ({ id, updated_at: new Date(v.at).toISOString(), version: v.version })),
        refreshTokens: [...refreshTokens],
        accessTokens: [...accessTokens.entries()].map(([token, exp]) => ({ token, expiresAt: new Date(exp).toISOString(), active: exp > now })),
        tokenGrants: grants,
      };
    },

    controlRoutes(app: FastifyInstance) {
      // An edit in the source system: the records get a new updated_at (now, and after every untouched record).
      app.post('/touch', async (req) => {
        const { ids } = demoTouchSchema.parse(req.body ?? {});
        const t = timeline();
        const missing = ids.filter((id) => id > config.count);
        if (missing.length) throw Object.assign(new Error(`records ${missing.join(', ')} do not exist`), { statusCode: 400 });
        let at = Math.max(ctx.clock.now(), baseUpdatedAt(t, config.count) + 1000);
        for (const v of touched.values()) at = Math.max(at, v.at);
        const out = ids.map((id) => {
          const version = (touched.get(id)?.version ?? 1) + 1;
          touched.set(id, { at, version });
          return record(id);
        });
        return { records: out };
      });
    },
  };
};
