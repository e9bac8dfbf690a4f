import type { FastifyInstance } from 'fastify';
import { deskError, ZohoHttpError } from './errors';
import { authenticate, hasScope } from './oauth';
import type { OrgData, ZohoState } from './model';

/**
 * Zoho Desk "list tickets" (https://desk.zoho.com/DeskAPIDocument#Tickets#Tickets_Listalltickets), mounted at
 * /zoho/api/desk/api/v1/tickets with from/limit paging, as seed 001's tickets example calls it. Tickets are
 * generated from their index, so thousands cost nothing to hold.
 */

const INCLUDES = new Set(['contacts', 'products', 'departments', 'team', 'isRead', 'assignee']);
const SORT_KEYS = new Set(['ticketNumber', 'createdTime', 'modifiedTime', 'dueDate', 'recentThread', 'customerResponseTime']);
const STATUSES = ['Open', 'On Hold', 'Escalated', 'Closed'] as const;
const PRIORITIES = ['High', 'Medium', 'Low'] as const;
const CHANNELS = ['Email', 'Phone', 'Web', 'Chat'] as const;
const EPOCH = Date.UTC(2024, 0, 1);
const HOUR = 3_600_000;

const pick = <T>(list: readonly T[], n: number): T => list[n % list.length] as T;

/** Ticket n (1-based) of an org, always the same. */
export function makeTicket(org: OrgData, n: number, include: Set<string>): Record<string, unknown> {
  const base = BigInt(org.deskOrgId) * 1_000_000_000n;
  const id = (base + BigInt(n)).toString();
  const contactId = (base + 500_000_000n + BigInt(n % 50)).toString();
  const departmentId = (base + 900_000_000n + BigInt(n % 3)).toString();
  const assigneeId = (base + 800_000_000n + BigInt(n % 5)).toString();
  const created = EPOCH + n * HOUR;
  const status = pick(STATUSES, n);
  const closed = status === 'Closed';
  const t: Record<string, unknown> = {
    id,
    ticketNumber: String(100 + n),
    layoutId: (base + 700_000_000n).toString(),
    email: `customer${n % 50}@example.com`,
    phone: `+1 555 ${String(1000 + (n % 9000)).padStart(4, '0')}`,
    subject: `Ticket ${n}: ${pick(['Login problem', 'Invoice question', 'Feature request', 'Outage report'], n)}`,
    status,
    statusType: closed ? 'Closed' : status === 'On Hold' ? 'On Hold' : 'Open',
    createdTime: new Date(created).toISOString(),
    modifiedTime: new Date(created + (n % 7) * 600_000).toISOString(),
    category: pick(['General', 'Billing', 'Technical'], n),
    language: 'English',
    subCategory: null,
    priority: pick(PRIORITIES, n),
    channel: pick(CHANNELS, n),
    dueDate: new Date(created + 48 * HOUR).toISOString(),
    responseDueDate: closed ? null : new Date(created + 8 * HOUR).toISOString(),
    commentCount: String(n % 3),
    sentiment: pick(['POSITIVE', 'NEUTRAL', 'NEGATIVE'], n),
    threadCount: String(1 + (n % 5)),
    closedTime: closed ? new Date(created + 24 * HOUR).toISOString() : null,
    onholdTime: status === 'On Hold' ? new Date(created + 2 * HOUR).toISOString() : null,
    departmentId,
    contactId,
    productId: n % 4 === 0 ? (base + 600_000_000n + BigInt(n % 2)).toString() : null,
    assigneeId,
    teamId: n % 2 === 0 ? (base + 400_000_000n).toString() : null,
    webUrl: `https://desk.zoho.com/support/fake/ShowHomePage.do#Cases/dv/${id}`,
    channelCode: null,
    isSpam: false,
    source: { appName: null, appPhotoURL: null, permalink: null, type: 'SYSTEM', extId: null },
    lastThread: { channel: pick(CHANNELS, n).toUpperCase(), isDraft: false, isForward: false, direction: 'in' },
    customerResponseTime: new Date(created + HOUR).toISOString(),
    isArchived: false,
  };
  if (include.has('contacts')) {
    const c = n % 50;
    t.contact = {
      firstName: `First${c}`,
      lastName: `Last${c}`,
      email: `customer${c}@example.com`,
      mobile: null,
      phone: t.phone,
      type: c % 2 === 0 ? 'paid' : null,
      account: { accountName: `Account ${c % 10}`, website: `www.account${c % 10}.example.com`, id: (base + 300_000_000n + BigInt(c % 10)).toString() },
      id: contactId,
      isSpam: false,
    };
  }
  if (include.has('departments')) t.department = { id: departmentId, name: pick(['Support', 'Sales', 'Billing'], n) };
  if (include.has('team')) t.team = n % 2 === 0 ? { id: t.teamId, name: 'Tier 1' } : null;
  if (include.has('assignee')) {
    const a = n % 5;
    t.assignee = { id: assigneeId, email: `agent${a}@example.com`, photoURL: null, firstName: `Agent`, lastName: `${a}` };
  }
  if (include.has('products')) t.product = t.productId ? { id: t.productId, productName: `Product ${n % 2}` } : null;
  if (include.has('isRead')) t.isRead = n % 2 === 0;
  return t;
}

const unprocessable = (field: string): ZohoHttpError =>
  deskError(422, 'UNPROCESSABLE_ENTITY', 'The data is invalid due to validation restrictions', { errors: [{ fieldName: `/${field}`, errorType: 'invalid', errorMessage: '' }] });

export function registerDeskRoutes(app: FastifyInstance, state: ZohoState): void {
  app.get('/api/desk/api/v1/tickets', async (req, reply) => {
    try {
      const auth = authenticate(state, req.headers.authorization);
      if (!auth.ok) throw deskError(401, 'INVALID_OAUTH', 'The OAuth Token you provided is invalid.');
      // GUESS at the scope error's code.
      if (!hasScope(auth.token.scope, 'Desk.')) throw deskError(401, 'SCOPE_MISMATCH', 'The OAuth token does not have the scope required for this operation.');
      const org = state.org(auth.account.org);
      const cfg = state.config;
      const orgHeader = req.headers.orgid;
      if (orgHeader === undefined && cfg.deskRequireOrgId) throw deskError(422, 'UNPROCESSABLE_ENTITY', 'The data is invalid due to validation restrictions', { errors: [{ fieldName: 'orgId', errorType: 'missing', errorMessage: '' }] });
      if (orgHeader !== undefined && orgHeader !== org.deskOrgId) throw deskError(403, 'FORBIDDEN', 'You do not have sufficient permission to perform this operation.');

      const q = new URLSearchParams(req.url.split('?', 2)[1] ?? '');
      const int = (name: string, def: number, min: number, max: number): number => {
        const raw = q.get(name);
        if (raw === null || raw === '') return def;
        const n = Number(raw);
        if (!Number.isInteger(n) || n < min || n > max) throw unprocessable(name);
        return n;
      };
      const from = int('from', cfg.deskFromBase, cfg.deskFromBase, Number.MAX_SAFE_INTEGER);
      const limit = int('limit', 10, 1, cfg.deskMaxLimit);
      const sortBy = q.get('sortBy') ?? 'createdTime';
      const desc = sortBy.startsWith('-');
      const sortKey = desc ? sortBy.slice(1) : sortBy;
      if (!SORT_KEYS.has(sortKey)) throw unprocessable('sortBy');
      const include = new Set((q.get('include') ?? '').split(',').map((s) => s.trim()).filter(Boolean));
      for (const i of include) if (!INCLUDES.has(i)) throw unprocessable('include');

      // Every generated key grows with the ticket number, so ascending order is 1..N for all of them.
      const total = org.deskTickets;
      const start = from - cfg.deskFromBase;
      const out: Record<string, unknown>[] = [];
      for (let k = start; k < Math.min(total, start + limit); k++) {
        const n = desc ? total - k : k + 1;
        out.push(makeTicket(org, n, include));
      }
      // Past the last ticket Desk answers 204 with no body (seed 001 stops on the first non-200).
      if (out.length === 0) return reply.code(204).send();
      return reply.code(200).send({ data: out });
    } catch (e) {
      if (e instanceof ZohoHttpError) return reply.code(e.httpStatus).headers(e.headers).send(e.payload);
      throw e;
    }
  });
}
