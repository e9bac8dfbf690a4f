import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodError } from 'zod';
import type { FakeProvider, FakeProviderFactory, SandboxContext } from '../types';
import {
  apiContactSchema,
  controlAuthorizeSchema,
  controlContactsSchema,
  controlDeleteSchema,
  controlWebhookSchema,
  kommoConfigSchema,
  kommoSeedSchema,
  tokenRequestSchema,
  webhookApiSchema,
  type ApiContact,
  type ContactSeed,
} from './schemas';
import {
  accountFromSeed,
  defaultKommoConfig,
  generatedContact,
  newToken,
  type CustomFieldValue,
  type KommoAccount,
  type KommoConfig,
  type KommoContact,
  type TokenRecord,
  type ValidationError,
} from './store';
import { WebhookEmitter } from './webhooks';

/**
 * Kommo (amoCRM) API v4 fake, mounted at /kommo/<subdomain>: the base URL https://<subdomain>.kommo.com of the
 * real API becomes <sandbox>/kommo/<subdomain>. See sandbox/README.md for the control API.
 */

const OAUTH_TYPE = 'https://developers.kommo.com/v3/errors/OAuthProblemJson';
const HTTP_TYPE = (status: number): string => `https://httpstatus.es/${status}`;
const KNOWN_WEBHOOK_SETTINGS = new Set([
  'add_contact', 'update_contact', 'delete_contact', 'restore_contact', 'note_contact',
  'add_lead', 'update_lead', 'delete_lead', 'restore_lead', 'status_lead', 'responsible_lead', 'note_lead',
  'add_company', 'update_company', 'delete_company', 'restore_company', 'note_company',
  'add_task', 'update_task', 'delete_task', 'add_talk', 'update_talk', 'add_chat_template_review',
]);

type Params = { subdomain: string };

function problem(reply: FastifyReply, status: number, body: Record<string, unknown>): FastifyReply {
  return reply.code(status).type('application/problem+json').send(JSON.stringify(body));
}

function httpProblem(reply: FastifyReply, status: number, title: string, detail: string): FastifyReply {
  return problem(reply, status, { title, type: HTTP_TYPE(status), status, detail });
}

function oauthProblem(reply: FastifyReply, status: number, hint: string, detail: string): FastifyReply {
  return problem(reply, status, { hint, title: status === 401 ? 'Unauthorized' : 'Bad Request', type: OAUTH_TYPE, status, detail });
}

function validationProblem(reply: FastifyReply, items: { request_id: string; errors: ValidationError[] }[]): FastifyReply {
  return problem(reply, 400, {
    'validation-errors': items,
    title: 'Bad Request',
    type: HTTP_TYPE(400),
    status: 400,
    detail: 'Request validation failed',
  });
}

function hal(reply: FastifyReply, body: unknown): FastifyReply {
  return reply.code(200).type('application/hal+json').send(JSON.stringify(body));
}

function zodToKommo(err: ZodError, prefix = ''): ValidationError[] {
  return err.issues.map((i) => ({
    code: i.code === 'invalid_type' ? 'InvalidType' : 'NotValid',
    path: `${prefix}${i.path.join('.')}`,
    detail: i.message,
  }));
}

function stripUndefined<T extends object>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}

const INVALID_GRANT =
  'The provided authorization grant (e.g., authorization code, resource owner credentials) or refresh token is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.';
const INVALID_REQUEST =
  'The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed.';

export const createKommoFake: FakeProviderFactory = (ctx: SandboxContext): FakeProvider => {
  let config: KommoConfig = defaultKommoConfig();
  const accounts = new Map<string, KommoAccount>();
  const tokens = new Map<string, TokenRecord>();
  const emitter = new WebhookEmitter(ctx.clock, () => config, () => ctx.baseUrl);
  let seeded = 0;

  const accountUrl = (acc: KommoAccount): string => `${ctx.baseUrl}/kommo/${acc.subdomain}`;

  function contactJson(acc: KommoAccount, c: KommoContact, withs: Set<string> = new Set()): Record<string, unknown> {
    const embedded: Record<string, unknown[]> = { tags: [], companies: [] };
    for (const w of ['leads', 'customers', 'catalog_elements']) if (withs.has(w)) embedded[w] = [];
    return {
      id: c.id,
      name: c.name,
      first_name: c.first_name,
      last_name: c.last_name,
      responsible_user_id: c.responsible_user_id,
      group_id: c.group_id,
      created_by: c.created_by,
      updated_by: c.updated_by,
      created_at: c.created_at,
      updated_at: c.updated_at,
      closest_task_at: null,
      is_deleted: false,
      is_unsorted: false,
      // Kommo sends null, not [], for a contact without custom fields: clients must cope.
      custom_fields_values: c.custom_fields_values.length ? c.custom_fields_values : null,
      account_id: acc.accountId,
      _links: { self: { href: `${accountUrl(acc)}/api/v4/contacts/${c.id}` } },
      _embedded: embedded,
    };
  }

  // ---- tokens -------------------------------------------------------------------------------------------

  function issueTokens(acc: KommoAccount, parent?: string): { access: string; refresh: string } {
    const now = ctx.clock.now();
    const access = newToken('kat.');
    const refresh = newToken('krt.');
    tokens.set(access, { token: access, kind: 'access', subdomain: acc.subdomain, issuedAt: now, expiresAt: now + config.accessTokenTtlSeconds * 1000 });
    tokens.set(refresh, {
      token: refresh,
      kind: 'refresh',
      subdomain: acc.subdomain,
      issuedAt: now,
      expiresAt: now + config.refreshTokenTtlSeconds * 1000,
      pair: access,
      ...(parent ? { parent } : {}),
    });
    return { access, refresh };
  }

  function revokeDescendants(root: string, now: number): void {
    const family = new Set([root]);
    let grew = true;
    while (grew) {
      grew = false;
      for (const t of tokens.values()) {
        if (t.parent && family.has(t.parent) && !family.has(t.token)) {
          family.add(t.token);
          t.revokedAt ??= now;
          const pair = t.pair ? tokens.get(t.pair) : undefined;
          if (pair) pair.revokedAt ??= now;
          grew = true;
        }
      }
    }
  }

  // ---- guards ---------------------------------------------------------------------------------------------

  /** Rate limit, then auth, as Kommo's edge does: a throttled request is refused before its token is looked at. */
  /** The answer to a contacts batch body that is not a non-empty array of at most maxBatch entries. */
  function refuseBatch(body: unknown, reply: FastifyReply): FastifyReply {
    if (!Array.isArray(body) || body.length === 0) {
      return httpProblem(reply, 400, 'Bad Request', 'Request body must be a non-empty JSON array of contacts');
    }
    return validationProblem(reply, [{ request_id: '0', errors: [{ code: 'LessThanOrEqual', path: '', detail: `A request may carry at most ${config.maxBatch} entities.` }] }]);
  }

  function guard(req: FastifyRequest<{ Params: Params }>, reply: FastifyReply): KommoAccount | undefined {
    const acc = accounts.get(req.params.subdomain);
    if (!acc) {
      httpProblem(reply, 404, 'Not Found', `Account ${req.params.subdomain} not found`);
      return undefined;
    }
    const now = ctx.clock.now();
    const rl = config.rateLimit;
    if (acc.blockedUntil > now) {
      httpProblem(reply, 403, 'Forbidden', 'Account is blocked for exceeding the API request limits');
      return undefined;
    }
    if (rl.perSecond > 0) {
      acc.recentRequests = acc.recentRequests.filter((t) => t > now - 1000);
      if (acc.recentRequests.length >= rl.perSecond) {
        acc.recentViolations = acc.recentViolations.filter((t) => t > now - rl.blockWindowSeconds * 1000);
        acc.recentViolations.push(now);
        if (rl.blockAfter > 0 && acc.recentViolations.length >= rl.blockAfter) {
          acc.blockedUntil = now + rl.blockSeconds * 1000;
          acc.recentViolations = [];
        }
        // Kommo's 429 comes from its edge, not the API: no problem+json, often no body at all.
        reply.code(429).type(rl.contentType).send(rl.body);
        return undefined;
      }
      acc.recentRequests.push(now);
    }
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m?.[1]) {
      httpProblem(reply, 401, 'Unauthorized', 'Authorization header with a Bearer access token is required');
      return undefined;
    }
    const rec = tokens.get(m[1]);
    if (!rec || rec.kind !== 'access' || rec.subdomain !== acc.subdomain) {
      httpProblem(reply, 401, 'Unauthorized', 'Access token is invalid');
      return undefined;
    }
    if (rec.revokedAt !== undefined) {
      httpProblem(reply, 401, 'Unauthorized', 'Access token has been revoked');
      return undefined;
    }
    if (rec.expiresAt <= now) {
      httpProblem(reply, 401, 'Unauthorized', 'Access token has expired');
      return undefined;
    }
    return acc;
  }

  function listUrl(acc: KommoAccount, sp: URLSearchParams, page: number, limit: number): string {
    const q = new URLSearchParams(sp);
    q.set('page', String(page));
    q.set('limit', String(limit));
    return `${accountUrl(acc)}/api/v4/contacts?${q.toString()}`;
  }

  // ---- writes shared by the API and the control API --------------------------------------------------------

  function validateContacts(acc: KommoAccount, body: unknown, mode: 'create' | 'update'):
    | { ok: true; items: { input: ApiContact; values: CustomFieldValue[] | undefined; target?: KommoContact; requestId: string }[] }
    | { ok: false; items: { request_id: string; errors: ValidationError[] }[] } {
    const list = body as unknown[];
    const items: { input: ApiContact; values: CustomFieldValue[] | undefined; target?: KommoContact; requestId: string }[] = [];
    const failures: { request_id: string; errors: ValidationError[] }[] = [];
    list.forEach((raw, i) => {
      const parsed = apiContactSchema.safeParse(raw);
      const requestId = typeof (raw as { request_id?: unknown } | null)?.request_id === 'string' ? String((raw as { request_id: string }).request_id) : String(i);
      if (!parsed.success) {
        failures.push({ request_id: requestId, errors: zodToKommo(parsed.error) });
        return;
      }
      const input = parsed.data;
      const errors: ValidationError[] = [];
      let target: KommoContact | undefined;
      if (mode === 'update') {
        if (input.id === undefined) errors.push({ code: 'NotBlank', path: 'id', detail: 'This value should not be blank.' });
        else {
          target = acc.contacts.get(input.id);
          if (!target) errors.push({ code: 'NotFound', path: 'id', detail: 'Entity not found.' });
        }
      }
      let values: CustomFieldValue[] | undefined;
      if (input.custom_fields_values) {
        const r = acc.resolveCustomFields(input.custom_fields_values, '');
        errors.push(...r.errors);
        values = r.values;
      } else if (mode === 'create') values = [];
      if (errors.length) failures.push({ request_id: requestId, errors });
      else items.push({ input, values, ...(target ? { target } : {}), requestId });
    });
    return failures.length ? { ok: false, items: failures } : { ok: true, items };
  }

  function deleteContacts(acc: KommoAccount, ids: number[]): { removed: KommoContact[]; deliveries: number[] } {
    const removed: KommoContact[] = [];
    for (const id of ids) {
      const c = acc.contacts.get(id);
      if (!c) continue;
      acc.contacts.delete(id);
      removed.push(c);
    }
    if (removed.length) acc.touch();
    return { removed, deliveries: emitter.emit(acc, 'delete', removed).map((d) => d.id) };
  }

  function requireAccount(subdomain: string): KommoAccount {
    const acc = accounts.get(subdomain);
    if (!acc) throw Object.assign(new Error(`unknown kommo subdomain ${subdomain}`), { statusCode: 404 });
    return acc;
  }

  // ---- the provider ---------------------------------------------------------------------------------------

  return {
    name: 'kommo',

    async routes(app: FastifyInstance) {
      // Kommo answers malformed bodies with problem+json too, not with Fastify's default error shape.
      app.setErrorHandler((err, _req, reply) => {
        const status = typeof (err as { statusCode?: unknown }).statusCode === 'number' ? (err as { statusCode: number }).statusCode : 500;
        return httpProblem(reply, status, status === 400 ? 'Bad Request' : 'Internal Server Error', err instanceof Error ? err.message : String(err));
      });

      // https://www.kommo.com/developers/content/oauth/step-by-step/
      app.post<{ Params: Params }>('/:subdomain/oauth2/access_token', async (req, reply) => {
        const acc = accounts.get(req.params.subdomain);
        if (!acc) return httpProblem(reply, 404, 'Not Found', `Account ${req.params.subdomain} not found`);
        const parsed = tokenRequestSchema.safeParse(req.body ?? {});
        if (!parsed.success || typeof req.body !== 'object' || req.body === null) {
          return oauthProblem(reply, 400, 'Check the `grant_type` parameter', INVALID_REQUEST);
        }
        const b = parsed.data;
        const grant = b.grant_type;
        const event = (outcome: string): void => {
          acc.tokenEvents.push({ at: new Date(ctx.clock.now()).toISOString(), grant: grant ?? '', outcome });
        };
        if (grant !== 'refresh_token' && grant !== 'authorization_code') {
          event('unsupported_grant_type');
          if (!grant) return oauthProblem(reply, 400, 'Check the `grant_type` parameter', INVALID_REQUEST);
          return oauthProblem(reply, 400, 'Check that all required parameters have been provided', 'The authorization grant type is not supported by the authorization server.');
        }
        if (!b.client_id) return oauthProblem(reply, 400, 'Check the `client_id` parameter', INVALID_REQUEST);
        if (b.client_id !== acc.clientId || b.client_secret !== acc.clientSecret) {
          event('invalid_client');
          return oauthProblem(reply, 401, 'Client authentication failed', 'Client authentication failed');
        }
        const now = ctx.clock.now();
        let pair: { access: string; refresh: string };
        if (grant === 'authorization_code') {
          if (!b.code) return oauthProblem(reply, 400, 'Check the `code` parameter', INVALID_REQUEST);
          if (!b.redirect_uri) return oauthProblem(reply, 400, 'Check the `redirect_uri` parameter', INVALID_REQUEST);
          const code = acc.authCodes.get(b.code);
          if (!code) {
            event('invalid_code');
            return oauthProblem(reply, 400, 'Cannot decrypt the authorization code', INVALID_REQUEST);
          }
          if (code.usedAt !== undefined) {
            event('code_revoked');
            return oauthProblem(reply, 400, 'Authorization code has been revoked', INVALID_GRANT);
          }
          if (code.expiresAt <= now) {
            event('code_expired');
            return oauthProblem(reply, 400, 'Authorization code has expired', INVALID_GRANT);
          }
          if (b.redirect_uri !== acc.redirectUri) {
            event('redirect_uri_mismatch');
            return oauthProblem(reply, 400, 'Invalid redirect URI', INVALID_REQUEST);
          }
          code.usedAt = now;
          pair = issueTokens(acc);
        } else {
          if (!b.refresh_token) return oauthProblem(reply, 400, 'Check the `refresh_token` parameter', INVALID_REQUEST);
          if (config.requireRedirectUriOnRefresh && !b.redirect_uri) return oauthProblem(reply, 400, 'Check the `redirect_uri` parameter', INVALID_REQUEST);
          if (b.redirect_uri !== undefined && b.redirect_uri !== acc.redirectUri) {
            event('redirect_uri_mismatch');
            return oauthProblem(reply, 400, 'Invalid redirect URI', INVALID_REQUEST);
          }
          const rec = tokens.get(b.refresh_token);
          if (!rec || rec.kind !== 'refresh') {
            event('invalid_refresh_token');
            return oauthProblem(reply, 400, 'Cannot decrypt the refresh token', 'The refresh token is invalid.');
          }
          if (rec.subdomain !== acc.subdomain) {
            event('token_not_linked');
            return oauthProblem(reply, 400, 'Token is not linked to client', 'The refresh token is invalid.');
          }
          if (rec.revokedAt !== undefined) {
            event('refresh_token_revoked');
            if (config.revokeFamilyOnReuse) revokeDescendants(rec.token, now);
            return oauthProblem(reply, 400, 'Token has been revoked', 'The refresh token is invalid.');
          }
          if (rec.expiresAt <= now) {
            event('refresh_token_expired');
            return oauthProblem(reply, 400, 'Token has expired', 'The refresh token is invalid.');
          }
          // Single use: the old refresh token dies the moment a new one is minted, answered or not.
          rec.revokedAt = now;
          if (config.revokeAccessTokenOnRefresh && rec.pair) {
            const old = tokens.get(rec.pair);
            if (old) old.revokedAt ??= now;
          }
          pair = issueTokens(acc, rec.token);
        }
        if (config.loseTokenResponses > 0) {
          config.loseTokenResponses--;
          event('issued_response_lost');
          reply.hijack();
          req.raw.socket.destroy();
          return reply;
        }
        event('issued');
        return reply.code(200).type('application/json').send(
          JSON.stringify({ token_type: 'Bearer', expires_in: config.accessTokenTtlSeconds, access_token: pair.access, refresh_token: pair.refresh }),
        );
      });

      // https://www.kommo.com/developers/content/crm_platform/account-info/
      app.get<{ Params: Params }>('/:subdomain/api/v4/account', async (req, reply) => {
        const acc = guard(req, reply);
        if (!acc) return reply;
        return hal(reply, {
          id: acc.accountId,
          name: acc.name,
          subdomain: acc.subdomain,
          created_at: 1_600_000_000,
          created_by: acc.defaultUser,
          updated_at: 1_600_000_000,
          updated_by: acc.defaultUser,
          current_user_id: acc.defaultUser,
          country: 'US',
          currency: 'USD',
          currency_symbol: '$',
          customers_mode: 'disabled',
          is_unsorted_on: true,
          is_loss_reason_enabled: true,
          is_helpbot_enabled: false,
          is_technical_account: false,
          contact_name_display_order: 1,
          _links: { self: { href: `${accountUrl(acc)}/api/v4/account` } },
        });
      });

      // https://www.kommo.com/developers/content/crm_platform/contacts-api/#contacts-list
      app.get<{ Params: Params }>('/:subdomain/api/v4/contacts', async (req, reply) => {
        const acc = guard(req, reply);
        if (!acc) return reply;
        const sp = new URL(req.url, 'http://sandbox').searchParams;
        const errors: ValidationError[] = [];
        const int = (path: string, raw: string | null, fallback: number): number => {
          if (raw === null) return fallback;
          if (!/^-?\d+$/.test(raw)) {
            errors.push({ code: 'InvalidType', path, detail: 'This value should be of type int.' });
            return fallback;
          }
          return Number(raw);
        };
        const page = int('page', sp.get('page'), 1);
        const limit = int('limit', sp.get('limit'), 50);
        if (page < 1) errors.push({ code: 'GreaterThanOrEqual', path: 'page', detail: 'This value should be greater than or equal to 1.' });
        if (limit < 1) errors.push({ code: 'GreaterThanOrEqual', path: 'limit', detail: 'This value should be greater than or equal to 1.' });
        if (limit > 250) errors.push({ code: 'LessThanOrEqual', path: 'limit', detail: 'This value should be less than or equal to 250.' });

        const ids: number[] = [];
        const ranges: { field: 'updated_at' | 'created_at'; from?: number; to?: number; eq?: number }[] = [];
        let order = config.defaultOrder;
        for (const [k, v] of sp) {
          if (k === 'filter[id]' || k === 'filter[id][]' || /^filter\[id\]\[\d+\]$/.test(k)) {
            for (const part of v.split(',')) ids.push(int(k.replace(/\[\]$/, ''), part, 0));
            continue;
          }
          const r = /^filter\[(updated_at|created_at)\](?:\[(from|to)\])?$/.exec(k);
          if (r) {
            const field = r[1] as 'updated_at' | 'created_at';
            const n = int(`filter.${field}${r[2] ? `.${r[2]}` : ''}`, v, 0);
            ranges.push(r[2] === 'from' ? { field, from: n } : r[2] === 'to' ? { field, to: n } : { field, eq: n });
            continue;
          }
          const o = /^order\[(\w+)\]$/.exec(k);
          if (o) {
            if ((o[1] !== 'id' && o[1] !== 'updated_at') || (v !== 'asc' && v !== 'desc')) {
              errors.push({ code: 'NotSupportedChoice', path: `order.${o[1] ?? ''}`, detail: 'The value you selected is not a valid choice.' });
            } else order = { field: o[1], dir: v };
          }
        }
        if (errors.length) return validationProblem(reply, [{ request_id: '0', errors }]);
        const withs = new Set((sp.get('with') ?? '').split(',').filter(Boolean));
        const query = sp.get('query')?.toLowerCase();

        let list = acc.sorted(order.field, order.dir);
        if (ids.length || ranges.length || query) {
          const idSet = new Set(ids);
          list = list.filter(
            (c) =>
              (!idSet.size || idSet.has(c.id)) &&
              ranges.every((r) => (r.from === undefined || c[r.field] >= r.from) && (r.to === undefined || c[r.field] <= r.to) && (r.eq === undefined || c[r.field] === r.eq)) &&
              (!query || c.name.toLowerCase().includes(query) || c.custom_fields_values.some((f) => f.values.some((x) => x.value.toLowerCase().includes(query)))),
          );
        }
        const start = (page - 1) * limit;
        // Kommo answers an empty page with 204 and no body at all, not with an empty list.
        if (start >= list.length) return reply.code(204).send();
        const items = list.slice(start, start + limit);
        const hasNext = start + limit < list.length || (config.nextLinkOnFullLastPage && items.length === limit);
        const links: Record<string, { href: string }> = { self: { href: listUrl(acc, sp, page, limit) } };
        if (hasNext) links.next = { href: listUrl(acc, sp, page + 1, limit) };
        links.first = { href: listUrl(acc, sp, 1, limit) };
        if (page > 1) links.prev = { href: listUrl(acc, sp, page - 1, limit) };
        return hal(reply, { _page: page, _links: links, _embedded: { contacts: items.map((c) => contactJson(acc, c, withs)) } });
      });

      // https://www.kommo.com/developers/content/crm_platform/contacts-api/#contact-by-id
      app.get<{ Params: Params & { id: string } }>('/:subdomain/api/v4/contacts/:id', async (req, reply) => {
        const acc = guard(req, reply);
        if (!acc) return reply;
        const c = /^\d+$/.test(req.params.id) ? acc.contacts.get(Number(req.params.id)) : undefined;
        if (!c) {
          return config.missingContactStatus === 204 ? reply.code(204).send() : httpProblem(reply, 404, 'Not Found', 'Contact not found');
        }
        const withs = new Set((new URL(req.url, 'http://sandbox').searchParams.get('with') ?? '').split(',').filter(Boolean));
        return hal(reply, contactJson(acc, c, withs));
      });

      // https://www.kommo.com/developers/content/crm_platform/contacts-api/#contacts-add
      app.post<{ Params: Params }>('/:subdomain/api/v4/contacts', async (req, reply) => {
        const acc = guard(req, reply);
        if (!acc) return reply;
        if (!Array.isArray(req.body) || req.body.length === 0 || req.body.length > config.maxBatch) return refuseBatch(req.body, reply);
        const v = validateContacts(acc, req.body, 'create');
        if (!v.ok) return validationProblem(reply, v.items);
        const now = ctx.clock.nowSeconds();
        const created = v.items.map(({ input, values }) => {
          const c = acc.contactFromApi(input, values ?? [], now);
          acc.contacts.set(c.id, c);
          return c;
        });
        acc.touch();
        emitter.emit(acc, 'add', created);
        return hal(reply, {
          _links: { self: { href: `${accountUrl(acc)}/api/v4/contacts` } },
          _embedded: {
            contacts: created.map((c, i) => ({
              id: c.id,
              request_id: v.items[i]?.requestId ?? String(i),
              _links: { self: { href: `${accountUrl(acc)}/api/v4/contacts/${c.id}` } },
            })),
          },
        });
      });

      const patch = (acc: KommoAccount, body: unknown[], reply: FastifyReply, single: boolean): FastifyReply => {
        const v = validateContacts(acc, body, 'update');
        if (!v.ok) return validationProblem(reply, v.items);
        const now = ctx.clock.nowSeconds();
        const updated = v.items.map(({ input, values, target }) => {
          const c = target as KommoContact;
          acc.applyPatch(c, input, values, now);
          return c;
        });
        acc.touch();
        emitter.emit(acc, 'update', updated);
        const summary = updated.map((c, i) => ({
          id: c.id,
          name: c.name,
          updated_at: c.updated_at,
          request_id: v.items[i]?.requestId ?? String(i),
          _links: { self: { href: `${accountUrl(acc)}/api/v4/contacts/${c.id}` } },
        }));
        if (single) return hal(reply, summary[0]);
        return hal(reply, { _links: { self: { href: `${accountUrl(acc)}/api/v4/contacts` } }, _embedded: { contacts: summary } });
      };

      // https://www.kommo.com/developers/content/crm_platform/contacts-api/#contacts-edit
      app.patch<{ Params: Params }>('/:subdomain/api/v4/contacts', async (req, reply) => {
        const acc = guard(req, reply);
        if (!acc) return reply;
        if (!Array.isArray(req.body) || req.body.length === 0 || req.body.length > config.maxBatch) return refuseBatch(req.body, reply);
        return patch(acc, req.body, reply, false);
      });

      app.patch<{ Params: Params & { id: string } }>('/:subdomain/api/v4/contacts/:id', async (req, reply) => {
        const acc = guard(req, reply);
        if (!acc) return reply;
        if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) {
          return httpProblem(reply, 400, 'Bad Request', 'Request body must be a JSON object');
        }
        if (!/^\d+$/.test(req.params.id) || !acc.contacts.has(Number(req.params.id))) return httpProblem(reply, 404, 'Not Found', 'Contact not found');
        return patch(acc, [{ ...(req.body as Record<string, unknown>), id: Number(req.params.id) }], reply, true);
      });

      // https://www.kommo.com/developers/content/crm_platform/webhooks-api/
      app.get<{ Params: Params }>('/:subdomain/api/v4/webhooks', async (req, reply) => {
        const acc = guard(req, reply);
        if (!acc) return reply;
        return hal(reply, { _total_items: acc.webhooks.length, _embedded: { webhooks: acc.webhooks.map((w) => webhookJson(acc, w)) } });
      });

      app.post<{ Params: Params }>('/:subdomain/api/v4/webhooks', async (req, reply) => {
        const acc = guard(req, reply);
        if (!acc) return reply;
        const parsed = webhookApiSchema.safeParse(req.body);
        if (!parsed.success) return validationProblem(reply, [{ request_id: '0', errors: zodToKommo(parsed.error) }]);
        const unknown = parsed.data.settings.findIndex((s) => !KNOWN_WEBHOOK_SETTINGS.has(s));
        if (unknown >= 0) {
          return validationProblem(reply, [{ request_id: '0', errors: [{ code: 'NotSupportedChoice', path: `settings.${unknown}`, detail: 'The value you selected is not a valid choice.' }] }]);
        }
        if (!URL.canParse(parsed.data.destination)) {
          return validationProblem(reply, [{ request_id: '0', errors: [{ code: 'InvalidUrl', path: 'destination', detail: 'This value is not a valid URL.' }] }]);
        }
        return hal(reply, webhookJson(acc, upsertWebhook(acc, parsed.data.destination, parsed.data.settings)));
      });

      app.delete<{ Params: Params }>('/:subdomain/api/v4/webhooks', async (req, reply) => {
        const acc = guard(req, reply);
        if (!acc) return reply;
        const dest = (req.body as { destination?: unknown } | undefined)?.destination;
        if (typeof dest !== 'string') {
          return validationProblem(reply, [{ request_id: '0', errors: [{ code: 'NotBlank', path: 'destination', detail: 'This value should not be blank.' }] }]);
        }
        const i = acc.webhooks.findIndex((w) => w.destination === dest);
        if (i < 0) return httpProblem(reply, 404, 'Not Found', 'Webhook not found');
        acc.webhooks.splice(i, 1);
        return reply.code(204).send();
      });
    },

    reset() {
      config = defaultKommoConfig();
      accounts.clear();
      tokens.clear();
      emitter.reset();
      seeded = 0;
    },

    seed(body: unknown) {
      const seed = kommoSeedSchema.parse(body);
      const now = ctx.clock.now();
      return {
        accounts: seed.accounts.map((s) => {
          let acc = accounts.get(s.subdomain);
          if (!acc) {
            acc = accountFromSeed(s, seeded++);
            accounts.set(acc.subdomain, acc);
          } else {
            if (s.clientId) acc.clientId = s.clientId;
            if (s.clientSecret) acc.clientSecret = s.clientSecret;
            if (s.redirectUri) acc.redirectUri = s.redirectUri;
            if (s.name) acc.name = s.name;
            if (s.userIds) acc.userIds = s.userIds;
          }
          const codes = (s.authorizationCodes ?? []).map((c) => {
            const code = typeof c === 'string' ? { code: c } : c;
            acc.authCodes.set(code.code, { code: code.code, expiresAt: now + (code.expiresInSeconds ?? config.authorizationCodeTtlSeconds) * 1000 });
            return code.code;
          });
          const seededTokens = (s.tokens ?? []).map((t) => {
            const access = t.accessToken ?? newToken('kat.');
            const refresh = t.refreshToken ?? newToken('krt.');
            const accessExpiresAt = now + (t.accessExpiresInSeconds ?? config.accessTokenTtlSeconds) * 1000;
            const refreshExpiresAt = now + (t.refreshExpiresInSeconds ?? config.refreshTokenTtlSeconds) * 1000;
            tokens.set(access, { token: access, kind: 'access', subdomain: acc.subdomain, issuedAt: now, expiresAt: accessExpiresAt });
            tokens.set(refresh, { token: refresh, kind: 'refresh', subdomain: acc.subdomain, issuedAt: now, expiresAt: refreshExpiresAt, pair: access });
            return {
              accessToken: access,
              refreshToken: refresh,
              accessExpiresAt: new Date(accessExpiresAt).toISOString(),
              refreshExpiresAt: new Date(refreshExpiresAt).toISOString(),
            };
          });
          for (const w of s.webhooks ?? []) upsertWebhook(acc, w.destination, w.settings);
          const created: number[] = [];
          const nowS = ctx.clock.nowSeconds();
          for (const c of s.contacts ?? []) {
            const contact = acc.contactFromSeed(c, nowS);
            acc.contacts.set(contact.id, contact);
            created.push(contact.id);
          }
          if (s.generateContacts) {
            const g = s.generateContacts;
            const opts = { ...g, updatedAtFrom: g.updatedAtFrom ?? nowS - g.count * g.updatedAtStepSeconds };
            for (let i = 0; i < g.count; i++) {
              const contact = acc.contactFromSeed(generatedContact(acc, i, opts), nowS);
              acc.contacts.set(contact.id, contact);
              created.push(contact.id);
            }
          }
          acc.touch();
          return {
            subdomain: acc.subdomain,
            accountId: acc.accountId,
            baseUrl: accountUrl(acc),
            clientId: acc.clientId,
            clientSecret: acc.clientSecret,
            redirectUri: acc.redirectUri,
            authorizationCodes: codes,
            tokens: seededTokens,
            webhooks: acc.webhooks.map((w) => ({ id: w.id, destination: w.destination, settings: w.settings })),
            contacts: {
              created: created.length,
              total: acc.contacts.size,
              firstId: created[0] ?? null,
              lastId: created[created.length - 1] ?? null,
              ...(created.length <= 1000 ? { ids: created } : {}),
            },
          };
        }),
      };
    },

    configure(body: unknown) {
      const p = kommoConfigSchema.parse(body);
      const { rateLimit, webhook, ...rest } = p;
      config = {
        ...config,
        ...stripUndefined(rest),
        rateLimit: { ...config.rateLimit, ...stripUndefined(rateLimit ?? {}) },
        webhook: { ...config.webhook, ...stripUndefined(webhook ?? {}) },
      };
      return config;
    },

    state(query: Record<string, string>) {
      const list = [...accounts.values()].filter((a) => !query.subdomain || a.subdomain === query.subdomain);
      const now = ctx.clock.now();
      return {
        config,
        accounts: list.map((acc) => ({
          subdomain: acc.subdomain,
          accountId: acc.accountId,
          name: acc.name,
          baseUrl: accountUrl(acc),
          clientId: acc.clientId,
          clientSecret: acc.clientSecret,
          redirectUri: acc.redirectUri,
          userIds: acc.userIds,
          fields: acc.fields,
          authorizationCodes: [...acc.authCodes.values()].map((c) => ({
            code: c.code,
            expiresAt: new Date(c.expiresAt).toISOString(),
            ...(c.usedAt !== undefined ? { usedAt: new Date(c.usedAt).toISOString() } : {}),
          })),
          tokens: [...tokens.values()]
            .filter((t) => t.subdomain === acc.subdomain)
            .map((t) => ({
              token: t.token,
              kind: t.kind,
              issuedAt: new Date(t.issuedAt).toISOString(),
              expiresAt: new Date(t.expiresAt).toISOString(),
              ...(t.revokedAt !== undefined ? { revokedAt: new Date(t.revokedAt).toISOString() } : {}),
              active: t.revokedAt === undefined && t.expiresAt > now,
            })),
          tokenEvents: acc.tokenEvents,
          contactCount: acc.contacts.size,
          ...(query.contacts === '0' ? {} : { contacts: acc.sorted('id', 'asc').map((c) => contactJson(acc, c)) }),
          webhooks: acc.webhooks.map((w) => ({ ...w })),
          deliveries: emitter.list(acc.subdomain),
          rateLimit: {
            blockedUntil: acc.blockedUntil > now ? new Date(acc.blockedUntil).toISOString() : null,
            recentViolations: acc.recentViolations.length,
          },
        })),
      };
    },

    async controlRoutes(app: FastifyInstance) {
      // What Kommo does when a user installs the integration: mint a code and redirect to redirect_uri.
      app.post('/authorize', async (req) => {
        const b = controlAuthorizeSchema.parse(req.body ?? {});
        const acc = requireAccount(b.subdomain);
        const code = newToken('kac.');
        acc.authCodes.set(code, { code, expiresAt: ctx.clock.now() + config.authorizationCodeTtlSeconds * 1000 });
        const url = new URL(acc.redirectUri);
        url.searchParams.set('code', code);
        if (b.state !== undefined) url.searchParams.set('state', b.state);
        url.searchParams.set('referer', `${acc.subdomain}.kommo.com`);
        url.searchParams.set('client_id', acc.clientId);
        url.searchParams.set('platform', '2');
        return { code, redirectUrl: url.toString(), baseUrl: accountUrl(acc) };
      });

      // Contact changes made "by a user in the Kommo UI": each contact of the body is written, then the webhooks
      // fire like API writes do.
      const uiWrite =
        (event: 'add' | 'update', write: (acc: KommoAccount, s: ContactSeed, now: number) => KommoContact) =>
        async (req: FastifyRequest) => {
          const b = controlContactsSchema.parse(req.body ?? {});
          const acc = requireAccount(b.subdomain);
          const now = ctx.clock.nowSeconds();
          const changed = b.contacts.map((s) => write(acc, s, now));
          acc.touch();
          const deliveries = emitter.emit(acc, event, changed);
          return { contacts: changed.map((c) => contactJson(acc, c)), deliveries: deliveries.map((d) => d.id) };
        };

      app.post(
        '/contacts',
        uiWrite('add', (acc, s, now) => {
          const c = acc.contactFromSeed(s, now);
          if (acc.contacts.has(c.id)) throw Object.assign(new Error(`contact ${c.id} exists`), { statusCode: 409 });
          acc.contacts.set(c.id, c);
          return c;
        }),
      );

      app.patch(
        '/contacts',
        uiWrite('update', (acc, s, now) => {
          const existing = s.id !== undefined ? acc.contacts.get(s.id) : undefined;
          if (!existing) throw Object.assign(new Error(`contact ${s.id ?? '(no id)'} not found`), { statusCode: 404 });
          // Rebuild from the seed shape, keeping what the patch does not mention.
          const next = acc.contactFromSeed({ ...s, created_at: existing.created_at }, now);
          const merged: KommoContact = {
            ...existing,
            ...(s.name !== undefined ? { name: next.name } : {}),
            ...(s.first_name !== undefined ? { first_name: next.first_name } : {}),
            ...(s.last_name !== undefined ? { last_name: next.last_name } : {}),
            ...(s.responsible_user_id !== undefined ? { responsible_user_id: next.responsible_user_id } : {}),
            custom_fields_values:
              s.email !== undefined || s.phone !== undefined || s.custom_fields_values !== undefined
                ? [
                    ...existing.custom_fields_values.filter((f) => !next.custom_fields_values.some((n) => n.field_id === f.field_id)),
                    ...next.custom_fields_values,
                  ]
                : existing.custom_fields_values,
            updated_at: s.updated_at ?? Math.max(now, existing.updated_at),
          };
          acc.contacts.set(merged.id, merged);
          return merged;
        }),
      );

      app.post('/contacts/delete', async (req) => {
        const b = controlDeleteSchema.parse(req.body ?? {});
        const acc = requireAccount(b.subdomain);
        const { removed, deliveries } = deleteContacts(acc, b.ids);
        return { deleted: removed.map((c) => c.id), deliveries };
      });

      app.post('/webhooks', async (req) => {
        const b = controlWebhookSchema.parse(req.body ?? {});
        const acc = requireAccount(b.subdomain);
        return upsertWebhook(acc, b.destination, b.settings);
      });

      app.get<{ Querystring: { subdomain?: string } }>('/deliveries', async (req) => {
        const subs = req.query.subdomain ? [req.query.subdomain] : [...accounts.keys()];
        return { deliveries: subs.flatMap((s) => emitter.list(s)) };
      });
    },
  };

  function upsertWebhook(acc: KommoAccount, destination: string, settings: string[]) {
    const now = ctx.clock.nowSeconds();
    const existing = acc.webhooks.find((w) => w.destination === destination);
    if (existing) {
      existing.settings = settings;
      existing.updated_at = now;
      // Re-subscribing is how an integration revives a disabled webhook.
      existing.disabled = false;
      existing.consecutiveFailures = 0;
      return existing;
    }
    const hook = { id: acc.nextWebhookId++, destination, settings, created_at: now, updated_at: now, disabled: false, consecutiveFailures: 0 };
    acc.webhooks.push(hook);
    return hook;
  }

  function webhookJson(acc: KommoAccount, w: { id: number; destination: string; settings: string[]; created_at: number; updated_at: number; disabled: boolean }) {
    return {
      id: w.id,
      destination: w.destination,
      created_at: w.created_at,
      updated_at: w.updated_at,
      account_id: acc.accountId,
      created_by: acc.defaultUser,
      sort: 1,
      disabled: w.disabled,
      settings: w.settings,
    };
  }
};
