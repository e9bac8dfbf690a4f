import type { FastifyInstance } from 'fastify';
import { hal, validationProblem, type ValidationError } from './errors';
import { guard, type Params } from './guard';
import { intParam, pageLinks, pageParams } from './paging';
import type { KommoState } from './state';
import type { KommoAccount, KommoContact } from './store';
import type { ContactEvent } from './webhooks';

/**
 * Kommo's events log, GET /api/v4/events: how an integration finds deletions and restores it may have missed
 * as webhooks. The fake logs contact_added, contact_deleted and contact_restored (not field changes).
 */

export interface KommoEvent {
  id: string;
  seq: number;
  type: string;
  entityId: number;
  createdBy: number;
  createdAt: number;
}

const EVENT_TYPE: Partial<Record<ContactEvent, string>> = { add: 'contact_added', delete: 'contact_deleted', restore: 'contact_restored' };

/** Kommo event ids are 26-character strings (ULID-like), not numbers. */
const eventId = (seq: number): string => `01${seq.toString(32).padStart(24, '0')}`;

export function recordEvents(acc: KommoAccount, event: ContactEvent, contacts: KommoContact[], nowS: number): void {
  const type = EVENT_TYPE[event];
  if (!type) return;
  for (const c of contacts) {
    const seq = acc.nextEventSeq++;
    acc.events.push({ id: eventId(seq), seq, type, entityId: c.id, createdBy: acc.defaultUser, createdAt: nowS });
  }
}

type Range = { from?: number; to?: number };

/** filter[type][]=a&filter[type][]=b (or a comma list), filter[entity], filter[entity_id][], filter[created_at] (exact, "from,to" or [from]/[to]). */
function eventFilters(sp: URLSearchParams, errors: ValidationError[]) {
  const types = new Set<string>();
  const entities = new Set<string>();
  const entityIds = new Set<number>();
  const created: Range = {};
  for (const [k, v] of sp) {
    const name = k.replace(/\[\d*\]$/, '');
    if (name === 'filter[type]') for (const t of v.split(',')) types.add(t.trim());
    else if (name === 'filter[entity]') for (const t of v.split(',')) entities.add(t.trim());
    else if (name === 'filter[entity_id]') for (const t of v.split(',')) entityIds.add(intParam(errors, 'filter.entity_id', t.trim(), 0));
    else if (k === 'filter[created_at][from]') created.from = intParam(errors, 'filter.created_at.from', v, 0);
    else if (k === 'filter[created_at][to]') created.to = intParam(errors, 'filter.created_at.to', v, 0);
    else if (k === 'filter[created_at]') {
      const [a, b] = v.split(',');
      created.from = intParam(errors, 'filter.created_at', a ?? '', 0);
      created.to = b === undefined ? created.from : intParam(errors, 'filter.created_at', b, 0);
    }
  }
  return (e: KommoEvent): boolean =>
    (!types.size || types.has(e.type)) &&
    (!entities.size || entities.has('contact')) &&
    (!entityIds.size || entityIds.has(e.entityId)) &&
    (created.from === undefined || e.createdAt >= created.from) &&
    (created.to === undefined || e.createdAt <= created.to);
}

export function registerEventRoutes(app: FastifyInstance, state: KommoState): void {
  // https://www.kommo.com/developers/content/crm_platform/events-and-notes/#events-list
  app.get<{ Params: Params }>('/:subdomain/api/v4/events', async (req, reply) => {
    const acc = guard(state, req, reply);
    if (!acc) return reply;
    const sp = new URL(req.url, 'http://sandbox').searchParams;
    const errors: ValidationError[] = [];
    const { page, limit } = pageParams(errors, sp, state.config.events.maxLimit);
    const keep = eventFilters(sp, errors);
    if (errors.length) return validationProblem(reply, [{ request_id: '0', errors }]);
    const matching = acc.events.filter(keep);
    if (state.config.events.order === 'desc') matching.reverse();
    const start = (page - 1) * limit;
    if (start >= matching.length) return reply.code(204).send();
    const base = state.accountUrl(acc);
    const events = matching.slice(start, start + limit).map((e) => ({
      id: e.id,
      type: e.type,
      entity_id: e.entityId,
      entity_type: 'contact',
      created_by: e.createdBy,
      created_at: e.createdAt,
      value_after: [],
      value_before: [],
      account_id: acc.accountId,
      _links: { self: { href: `${base}/api/v4/events/${e.id}` } },
      _embedded: { entity: { id: e.entityId, _links: { self: { href: `${base}/api/v4/contacts/${e.entityId}` } } } },
    }));
    const links = pageLinks(`${base}/api/v4/events`, sp, page, limit, start + limit < matching.length);
    return hal(reply, { _page: page, _links: links, _embedded: { events } });
  });
}
