import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DemoConfig } from './config';
import { buildView, hash, pick, reversed, type Timeline } from './dataset';

/**
 * Zoho-shaped variants of the demo data, so the extractor's seed configs (Zoho CRM deals, Zoho Desk tickets)
 * run unchanged but for their host: /demo/zoho/crm/v2/deals and /demo/zoho/desk/api/v1/tickets. The real
 * Zoho CRM contacts fake lives under /zoho; these exist only as extraction targets.
 */

export type TokenCheck = 'ok' | 'missing' | 'expired' | 'invalid';

export interface ZohoDeps {
  config(): DemoConfig;
  baseUrl(): string;
  timeline(count: number): Timeline;
  checkToken(req: FastifyRequest): TokenCheck;
  /** Returns the access token, or undefined for an unknown refresh token. */
  grant(refreshToken: string): string | undefined;
  /** The fake clock. */
  now(): number;
  /** When each refresh token was last granted access tokens (cleared with the fake). */
  recentGrants: Map<string, number[]>;
}

const STAGES = ['Qualification', 'Needs Analysis', 'Value Proposition', 'Proposal/Price Quote', 'Negotiation/Review', 'Closed Won', 'Closed Lost'];
const SOURCES = ['Advertisement', 'Cold Call', 'Employee Referral', 'Partner', 'Web Download', 'Trade Show'];
const PEOPLE = ['Cristian Perez', 'Laura Gomez', 'Andres Rojas', 'Paula Castro', 'Juan Herrera'];
const ACCOUNTS = ['Acme Andina', 'Cafe del Sinu', 'Rio Logistics', 'Montes Energy', 'Pacifico Telecom', 'Llanos Agro'];
const SUBJECTS = ['Cannot log in', 'Invoice question', 'Router keeps rebooting', 'Change my plan', 'Refund request', 'Slow connection'];
const TICKET_STATUS: [string, string][] = [['Open', 'Open'], ['On Hold', 'On Hold'], ['Escalated', 'Open'], ['Closed', 'Closed']];

/** Zoho prints times in the org's zone: the seed's example is Bogota (-05:00). */
export function zohoTime(ms: number): string {
  return `${new Date(ms - 5 * 3_600_000).toISOString().slice(0, 19)}-05:00`;
}

const zohoId = (prefix: string, i: number): string => `${prefix}${String(i).padStart(9, '0')}`;
const user = (n: number) => {
  const name = pick(PEOPLE, n);
  return { name, id: zohoId('4876876000', 100 + (n % PEOPLE.length)), email: `${name.toLowerCase().replace(' ', '.')}@demo.test` };
};

/** A deal with every field the seed "deals" data_schema reads. */
export function zohoDeal(t: Timeline, i: number) {
  const h = hash(i + 1_000_003);
  const modified = t.epochMs + i * t.stepMs;
  const created = modified - (h % (30 * 86_400)) * 1000;
  const stage = pick(STAGES, h);
  const amount = (h % 50_000_000) / 100;
  const probability = stage === 'Closed Won' ? 100 : stage === 'Closed Lost' ? 0 : 10 + (h % 8) * 10;
  const account = pick(ACCOUNTS, h >>> 5);
  return {
    Owner: user(h >>> 3),
    Description: `Deal ${i} for ${account}; stage ${stage}`,
    $currency_symbol: '$',
    $field_states: null,
    $review_process: { approve: false, reject: false, resubmit: false },
    Duraci_n_del_contrato: `${12 + (h % 4) * 12} meses`,
    $followers: null,
    Numero_de_cotizaci_n: `COT-${String(i).padStart(6, '0')}`,
    Closing_Date: new Date(created + 45 * 86_400_000).toISOString().slice(0, 10),
    Causas_de_perdida: stage === 'Closed Lost' ? 'Precio' : null,
    Last_Activity_Time: zohoTime(modified),
    Opex: (h >>> 7) % 100_000,
    Modified_By: user(h >>> 9),
    $review: null,
    Lead_Conversion_Time: null,
    $state: 'save',
    $process_flow: false,
    Deal_Name: `${account} - ${pick(['Fibra', 'Cloud', 'Soporte', 'Licencias'], h >>> 11)} ${i}`,
    Expected_Revenue: Math.round(amount * probability) / 100,
    Overall_Sales_Duration: (h >>> 13) % 120,
    Stage: stage,
    Account_Name: { name: account, id: zohoId('4876876001', (h >>> 5) % ACCOUNTS.length) },
    id: zohoId('4876876000', i),
    Preventa_2: null,
    $approved: true,
    $approval: { delegate: false, approve: false, reject: false, resubmit: false },
    Modified_Time: zohoTime(modified),
    Created_Time: zohoTime(created),
    Amount: amount,
    $followed: false,
    Probability: probability,
    $editable: true,
    $orchestration: false,
    Contact_Name: { name: `${pick(PEOPLE, h >>> 15)} (contacto)`, id: zohoId('4876876002', i) },
    Sales_Cycle_Duration: (h >>> 17) % 90,
    Type: pick(['New Business', 'Existing Business'], h >>> 19),
    $in_merge: false,
    Capex: (h >>> 21) % 1_000_000,
    Lead_Source: pick(SOURCES, h >>> 23),
    Servicio: pick(['Internet', 'Telefonia', 'Datacenter'], h >>> 25),
    Created_By: user(h >>> 27),
    Tag: [],
    $approval_state: 'approved',
    $pathfinder: null,
  };
}

/** A Zoho Desk ticket with the fields the seed "tickets" data_schema reads; embedded objects only when included. */
export function deskTicket(t: Timeline, i: number, include: Set<string>) {
  const h = hash(i + 2_000_003);
  const created = t.epochMs + i * t.stepMs;
  const [status, statusType] = pick(TICKET_STATUS, h);
  const first = pick(['Maria', 'Jose', 'Lucia', 'Carlos', 'Sofia'], h >>> 3);
  const last = pick(['Vargas', 'Mendoza', 'Ortiz', 'Reyes'], h >>> 6);
  const account = pick(ACCOUNTS, h >>> 9);
  const ticket: Record<string, unknown> = {
    id: zohoId('3876876000', i),
    ticketNumber: String(100 + i),
    layoutId: '387687600000074011',
    email: `${first}.${last}.${i}@demo.test`.toLowerCase(),
    phone: `+57 31${String(h % 100_000_000).padStart(8, '0')}`,
    subject: `${pick(SUBJECTS, h >>> 12)} #${i}`,
    status,
    statusType,
    createdTime: new Date(created).toISOString(),
    category: pick(['Billing', 'Technical', 'General'], h >>> 14),
    language: 'Spanish',
    subCategory: null,
    priority: pick(['Low', 'Medium', 'High'], h >>> 16),
    channel: pick(['Email', 'Phone', 'Web', 'Chat'], h >>> 18),
    dueDate: new Date(created + 3 * 86_400_000).toISOString(),
    responseDueDate: null,
    commentCount: String(h % 4),
    sentiment: null,
    threadCount: String(1 + (h % 6)),
    closedTime: statusType === 'Closed' ? new Date(created + 86_400_000).toISOString() : null,
    onholdTime: null,
    departmentId: '387687600000006907',
    contactId: zohoId('3876876001', i),
    productId: null,
    assigneeId: zohoId('3876876002', h % 5),
    teamId: null,
    webUrl: `https://desk.demo.test/support/demo/ShowHomePage.do#Cases/dv/${zohoId('3876876000', i)}`,
    channelCode: null,
    isSpam: false,
    source: { appName: null, appPhotoURL: null, permalink: null, type: 'SYSTEM', extId: null },
    lastThread: { channel: 'EMAIL', isDraft: false, isForward: false, direction: 'in' },
    customerResponseTime: new Date(created + 3_600_000).toISOString(),
    isArchived: false,
  };
  if (include.has('contacts')) {
    ticket.contact = {
      firstName: first,
      lastName: last,
      email: ticket.email,
      mobile: null,
      phone: ticket.phone,
      type: null,
      account: { accountName: account, website: `https://${account.toLowerCase().replace(/\s+/g, '')}.demo.test`, id: zohoId('3876876003', (h >>> 9) % ACCOUNTS.length) },
      id: ticket.contactId,
    };
  }
  if (include.has('assignee')) {
    const name = pick(PEOPLE, h % 5).split(' ');
    ticket.assignee = { id: ticket.assigneeId, email: `agent${h % 5}@demo.test`, photoURL: null, firstName: name[0], lastName: name[1] };
  }
  if (include.has('departments')) ticket.department = { id: ticket.departmentId, name: 'Soporte' };
  if (include.has('team')) ticket.team = null;
  if (include.has('products')) ticket.product = null;
  if (include.has('isRead')) ticket.isRead = ((h >>> 2) & 1) === 1;
  return ticket;
}

function json(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).type('application/json;charset=UTF-8').send(JSON.stringify(body));
}

function posInt(raw: string | undefined, fallback: number): number | undefined {
  if (raw === undefined) return fallback;
  return /^\d+$/.test(raw) ? Number(raw) : undefined;
}

export function registerZohoVariants(app: FastifyInstance, deps: ZohoDeps): void {
  const crmUnauthorized = (reply: FastifyReply): FastifyReply =>
    json(reply, 401, { code: 'INVALID_TOKEN', details: {}, message: 'invalid oauth token', status: 'error' });

  // Zoho's token endpoint: query or form parameters; failures are HTTP 200 with {"error"} like the real one.
  app.post('/zoho/oauth/v2/token', async (req, reply) => {
    const sp = new URL(req.url, 'http://sandbox').searchParams;
    const body = req.body && typeof req.body === 'object' && !Array.isArray(req.body) ? (req.body as Record<string, unknown>) : {};
    const param = (k: string): string | undefined => (typeof body[k] === 'string' ? (body[k] as string) : (sp.get(k) ?? undefined));
    const cfg = { ...deps.config().auth, zoho: deps.config().zoho };
    if (param('grant_type') !== 'refresh_token') return json(reply, 200, { error: 'unsupported_grant_type' });
    if ((cfg.clientId && param('client_id') !== cfg.clientId) || (cfg.clientSecret && param('client_secret') !== cfg.clientSecret)) {
      return json(reply, 200, { error: 'invalid_client' });
    }
    const refreshToken = param('refresh_token') ?? '';
    // Zoho's throttling of token requests is a 400 "Access Denied", unlike its other token errors (HTTP 200).
    const now = deps.now();
    const recent = (deps.recentGrants.get(refreshToken) ?? []).filter((t) => t > now - cfg.zoho.tokenWindowSeconds * 1000);
    if (cfg.zoho.tokensPerWindow > 0 && recent.length >= cfg.zoho.tokensPerWindow) {
      return json(reply, 400, { error: 'Access Denied', error_description: 'You have made too many requests continuously. Please try again after some time.', status: 'failure' });
    }
    const token = deps.grant(refreshToken);
    if (!token) return json(reply, 200, { error: 'invalid_code' });
    deps.recentGrants.set(refreshToken, [...recent, now]);
    return json(reply, 200, {
      access_token: token,
      scope: 'ZohoCRM.modules.ALL Desk.tickets.READ',
      api_domain: `${deps.baseUrl()}/demo/zoho`,
      token_type: 'Bearer',
      expires_in: cfg.tokenTtlSeconds,
    });
  });

  // https://www.zoho.com/crm/developer/docs/api/v2/get-records.html
  const deals = async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const cfg = deps.config();
    if (cfg.auth.required && deps.checkToken(req) !== 'ok') return crmUnauthorized(reply);
    const sp = new URL(req.url, 'http://sandbox').searchParams;
    const page = posInt(sp.get('page') ?? undefined, 1);
    const perPage = posInt(sp.get('per_page') ?? undefined, 200);
    if (!page || !perPage || perPage > 200) {
      return json(reply, 400, { code: 'INVALID_DATA', details: { param: !page ? 'page' : 'per_page' }, message: 'invalid data', status: 'error' });
    }
    const sortBy = sp.get('sort_by') ?? 'id';
    const sortOrder = sp.get('sort_order') ?? 'asc';
    if (!['id', 'Modified_Time', 'Created_Time'].includes(sortBy) || !['asc', 'desc'].includes(sortOrder)) {
      return json(reply, 400, { code: 'INVALID_DATA', details: { param: 'sort_by' }, message: 'invalid data', status: 'error' });
    }
    if (cfg.zoho.pageLimit > 0 && page * perPage > cfg.zoho.pageLimit) {
      return json(reply, 400, {
        code: 'DISCRETE_PAGINATION_LIMIT_EXCEEDED',
        details: {},
        message: `cannot fetch more than ${cfg.zoho.pageLimit} records. Use page_token for fetching more records.`,
        status: 'error',
      });
    }
    const t = deps.timeline(cfg.zoho.deals);
    const ims = req.headers['if-modified-since'];
    let sinceMs: number | undefined;
    if (typeof ims === 'string' && ims) {
      sinceMs = Date.parse(ims);
      if (Number.isNaN(sinceMs)) return json(reply, 400, { code: 'INVALID_DATA', details: { header: 'If-Modified-Since' }, message: 'invalid data', status: 'error' });
    }
    // Modified_Time and Created_Time both grow with the id in this data set, so one ordered view serves all sorts.
    const base = buildView(t, new Map(), { ...(sinceMs !== undefined ? { sinceMs } : {}), inclusive: false, sort: 'id' });
    if (sinceMs !== undefined && base.total === 0) return reply.code(304).send();
    const view = sortOrder === 'desc' ? reversed(base) : base;
    const start = (page - 1) * perPage;
    if (start >= view.total) return reply.code(204).send();
    const ids = view.slice(start, perPage);
    return json(reply, 200, {
      data: ids.map((i) => zohoDeal(t, i)),
      info: { per_page: perPage, count: ids.length, page, sort_by: sortBy, sort_order: sortOrder, more_records: start + ids.length < view.total },
    });
  };
  app.get('/zoho/crm/v2/deals', deals);
  app.get('/zoho/crm/v2/Deals', deals);

  // https://desk.zoho.com/DeskAPIDocument#Tickets#Tickets_Listalltickets
  app.get('/zoho/desk/api/v1/tickets', async (req, reply) => {
    const cfg = deps.config();
    if (cfg.auth.required && deps.checkToken(req) !== 'ok') {
      return json(reply, 401, { errorCode: 'INVALID_OAUTH', message: 'The OAuth Token you provided is invalid.' });
    }
    const sp = new URL(req.url, 'http://sandbox').searchParams;
    const from = posInt(sp.get('from') ?? undefined, cfg.zoho.deskFromBase);
    const limit = posInt(sp.get('limit') ?? undefined, 10);
    if (from === undefined || from < cfg.zoho.deskFromBase || !limit || limit > 100) {
      return json(reply, 422, { errorCode: 'INVALID_DATA', message: 'The data is invalid due to validation restrictions', errors: [{ fieldName: from === undefined || from < cfg.zoho.deskFromBase ? '/from' : '/limit', errorType: 'invalid' }] });
    }
    const sortBy = sp.get('sortBy') ?? 'createdTime';
    if (!/^-?(ticketNumber|createdTime|modifiedTime|dueDate|customerResponseTime|responseDueDate)$/.test(sortBy)) {
      return json(reply, 422, { errorCode: 'INVALID_DATA', message: 'The data is invalid due to validation restrictions', errors: [{ fieldName: '/sortBy', errorType: 'invalid' }] });
    }
    const t = deps.timeline(cfg.zoho.tickets);
    const base = buildView(t, new Map(), { inclusive: true, sort: 'id' });
    const view = sortBy.startsWith('-') ? reversed(base) : base;
    const offset = from - cfg.zoho.deskFromBase;
    // Desk answers "nothing more" with a bare status, which is why the seed config stops on status != 200.
    if (offset >= view.total) return reply.code(cfg.zoho.deskPastEndStatus).send();
    const include = new Set((sp.get('include') ?? '').split(',').map((s) => s.trim()).filter(Boolean));
    return json(reply, 200, { data: view.slice(offset, limit).map((i) => deskTicket(t, i, include)) });
  });
}
