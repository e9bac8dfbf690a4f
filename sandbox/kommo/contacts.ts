import type { FastifyInstance, FastifyReply } from 'fastify';
import { hal, httpProblem, validationProblem, zodToKommo, type ValidationError, type ValidationItem } from './errors';
import { guard, type Params } from './guard';
import { intParam, pageLinks, pageParams } from './paging';
import { apiContactSchema, type ApiContact } from './schemas';
import type { KommoState } from './state';
import type { CustomFieldValue, KommoAccount, KommoContact } from './store';

/** Contacts API v4: list with filters and paging, get one, create and update in batches. */

type ValidItem = { input: ApiContact; values: CustomFieldValue[] | undefined; target?: KommoContact; requestId: string };
type Validated = { ok: true; items: ValidItem[] } | { ok: false; items: ValidationItem[] };

/** The answer to a contacts batch body that is not a non-empty array of at most maxBatch entries. */
function refuseBatch(state: KommoState, body: unknown, reply: FastifyReply): FastifyReply {
  if (!Array.isArray(body) || body.length === 0) {
    return httpProblem(reply, 400, 'Bad Request', 'Request body must be a non-empty JSON array of contacts');
  }
  return validationProblem(reply, [{ request_id: '0', errors: [{ code: 'LessThanOrEqual', path: '', detail: `A request may carry at most ${state.config.maxBatch} entities.` }] }]);
}

const batchOk = (state: KommoState, body: unknown): body is unknown[] => Array.isArray(body) && body.length > 0 && body.length <= state.config.maxBatch;

/** Kommo validates a whole batch first: one bad item fails the request and nothing is written. */
function validateContacts(acc: KommoAccount, list: unknown[], mode: 'create' | 'update'): Validated {
  const items: ValidItem[] = [];
  const failures: ValidationItem[] = [];
  list.forEach((raw, i) => {
    const parsed = apiContactSchema.safeParse(raw);
    const rid = (raw as { request_id?: unknown } | null)?.request_id;
    const requestId = typeof rid === 'string' ? rid : String(i);
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

type Range = { field: 'updated_at' | 'created_at'; from?: number; to?: number; eq?: number };

/** The list's filters and order, or the validation errors they cause. */
function listQuery(state: KommoState, sp: URLSearchParams) {
  const errors: ValidationError[] = [];
  const { page, limit } = pageParams(errors, sp, 250);
  const ids: number[] = [];
  const ranges: Range[] = [];
  let order = state.config.defaultOrder;
  for (const [k, v] of sp) {
    if (k === 'filter[id]' || k === 'filter[id][]' || /^filter\[id\]\[\d+\]$/.test(k)) {
      for (const part of v.split(',')) ids.push(intParam(errors, k.replace(/\[\]$/, ''), part, 0));
      continue;
    }
    const r = /^filter\[(updated_at|created_at)\](?:\[(from|to)\])?$/.exec(k);
    if (r) {
      const field = r[1] as Range['field'];
      const n = intParam(errors, `filter.${field}${r[2] ? `.${r[2]}` : ''}`, v, 0);
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
  const withs = new Set((sp.get('with') ?? '').split(',').filter(Boolean));
  return { errors, page, limit, ids, ranges, order, withs, query: sp.get('query')?.toLowerCase() };
}

function matches(c: KommoContact, idSet: Set<number>, ranges: Range[], query: string | undefined): boolean {
  if (idSet.size && !idSet.has(c.id)) return false;
  const inRange = (r: Range): boolean =>
    (r.from === undefined || c[r.field] >= r.from) && (r.to === undefined || c[r.field] <= r.to) && (r.eq === undefined || c[r.field] === r.eq);
  if (!ranges.every(inRange)) return false;
  return !query || c.name.toLowerCase().includes(query) || c.custom_fields_values.some((f) => f.values.some((x) => x.value.toLowerCase().includes(query)));
}

export function registerContactRoutes(app: FastifyInstance, state: KommoState): void {
  // https://www.kommo.com/developers/content/crm_platform/contacts-api/#contacts-list
  app.get<{ Params: Params }>('/:subdomain/api/v4/contacts', async (req, reply) => {
    const acc = guard(state, req, reply);
    if (!acc) return reply;
    const sp = new URL(req.url, 'http://sandbox').searchParams;
    const q = listQuery(state, sp);
    if (q.errors.length) return validationProblem(reply, [{ request_id: '0', errors: q.errors }]);
    let list = acc.sorted(q.order.field, q.order.dir);
    if (q.ids.length || q.ranges.length || q.query) {
      const idSet = new Set(q.ids);
      list = list.filter((c) => matches(c, idSet, q.ranges, q.query));
    }
    const start = (q.page - 1) * q.limit;
    // Kommo answers an empty page with 204 and no body at all, not with an empty list.
    if (start >= list.length) return reply.code(204).send();
    const items = list.slice(start, start + q.limit);
    const hasNext = start + q.limit < list.length || (state.config.nextLinkOnFullLastPage && items.length === q.limit);
    const links = pageLinks(`${state.accountUrl(acc)}/api/v4/contacts`, sp, q.page, q.limit, hasNext);
    return hal(reply, { _page: q.page, _links: links, _embedded: { contacts: items.map((c) => state.contactJson(acc, c, q.withs)) } });
  });

  // https://www.kommo.com/developers/content/crm_platform/contacts-api/#contact-by-id
  app.get<{ Params: Params & { id: string } }>('/:subdomain/api/v4/contacts/:id', async (req, reply) => {
    const acc = guard(state, req, reply);
    if (!acc) return reply;
    const c = /^\d+$/.test(req.params.id) ? acc.contacts.get(Number(req.params.id)) : undefined;
    if (!c) {
      return state.config.missingContactStatus === 204 ? reply.code(204).send() : httpProblem(reply, 404, 'Not Found', 'Contact not found');
    }
    const withs = new Set((new URL(req.url, 'http://sandbox').searchParams.get('with') ?? '').split(',').filter(Boolean));
    return hal(reply, state.contactJson(acc, c, withs));
  });

  // https://www.kommo.com/developers/content/crm_platform/contacts-api/#contacts-add
  app.post<{ Params: Params }>('/:subdomain/api/v4/contacts', async (req, reply) => {
    const acc = guard(state, req, reply);
    if (!acc) return reply;
    if (!batchOk(state, req.body)) return refuseBatch(state, req.body, reply);
    const v = validateContacts(acc, req.body, 'create');
    if (!v.ok) return validationProblem(reply, v.items);
    const now = state.ctx.clock.nowSeconds();
    const created = v.items.map(({ input, values }) => {
      const c = acc.contactFromApi(input, values ?? [], now);
      acc.contacts.set(c.id, c);
      return c;
    });
    acc.touch();
    state.announce(acc, 'add', created);
    const base = state.accountUrl(acc);
    return hal(reply, {
      _links: { self: { href: `${base}/api/v4/contacts` } },
      _embedded: {
        contacts: created.map((c, i) => ({ id: c.id, request_id: v.items[i]?.requestId ?? String(i), _links: { self: { href: `${base}/api/v4/contacts/${c.id}` } } })),
      },
    });
  });

  const patch = (acc: KommoAccount, body: unknown[], reply: FastifyReply, single: boolean): FastifyReply => {
    const v = validateContacts(acc, body, 'update');
    if (!v.ok) return validationProblem(reply, v.items);
    const now = state.ctx.clock.nowSeconds();
    const updated = v.items.map(({ input, values, target }) => {
      const c = target as KommoContact;
      acc.applyPatch(c, input, values, now);
      return c;
    });
    acc.touch();
    state.announce(acc, 'update', updated);
    const base = state.accountUrl(acc);
    const summary = updated.map((c, i) => ({
      id: c.id,
      name: c.name,
      updated_at: c.updated_at,
      request_id: v.items[i]?.requestId ?? String(i),
      _links: { self: { href: `${base}/api/v4/contacts/${c.id}` } },
    }));
    if (single) return hal(reply, summary[0]);
    return hal(reply, { _links: { self: { href: `${base}/api/v4/contacts` } }, _embedded: { contacts: summary } });
  };

  // https://www.kommo.com/developers/content/crm_platform/contacts-api/#contacts-edit
  app.patch<{ Params: Params }>('/:subdomain/api/v4/contacts', async (req, reply) => {
    const acc = guard(state, req, reply);
    if (!acc) return reply;
    if (!batchOk(state, req.body)) return refuseBatch(state, req.body, reply);
    return patch(acc, req.body, reply, false);
  });

  app.patch<{ Params: Params & { id: string } }>('/:subdomain/api/v4/contacts/:id', async (req, reply) => {
    const acc = guard(state, req, reply);
    if (!acc) return reply;
    if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) {
      return httpProblem(reply, 400, 'Bad Request', 'Request body must be a JSON object');
    }
    if (!/^\d+$/.test(req.params.id) || !acc.contacts.has(Number(req.params.id))) return httpProblem(reply, 404, 'Not Found', 'Contact not found');
    return patch(acc, [{ ...(req.body as Record<string, unknown>), id: Number(req.params.id) }], reply, true);
  });
}
