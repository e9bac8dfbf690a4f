import { describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../helpers/sandbox';
import { useSandbox } from './use-sandbox';

// The Zoho-shaped demo variants the extractor's seed configs target: CRM v2 deals and Desk v1 tickets.


const sb: RunningSandbox = useSandbox(async () => {
});

const get = async (path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown; text: string }> => {
  const res = await fetch(`${sb.baseUrl}/demo/zoho${path}`, { headers });
  const text = await res.text();
  return { status: res.status, text, body: text ? (JSON.parse(text) as unknown) : undefined };
};

// Every top-level key the seed "deals" data_schema reads.
const DEAL_KEYS = [
  'Owner', 'Description', '$currency_symbol', '$field_states', '$review_process', 'Duraci_n_del_contrato', '$followers', 'Numero_de_cotizaci_n',
  'Closing_Date', 'Causas_de_perdida', 'Last_Activity_Time', 'Opex', 'Modified_By', '$review', 'Lead_Conversion_Time', '$state', '$process_flow',
  'Deal_Name', 'Expected_Revenue', 'Overall_Sales_Duration', 'Stage', 'Account_Name', 'id', 'Preventa_2', '$approved', '$approval', 'Modified_Time',
  'Created_Time', 'Amount', '$followed', 'Probability', '$editable', '$orchestration', 'Contact_Name', 'Sales_Cycle_Duration', 'Type', '$in_merge',
  'Capex', 'Lead_Source', 'Servicio', 'Created_By', 'Tag', '$approval_state', '$pathfinder',
];
const TICKET_KEYS = [
  'id', 'ticketNumber', 'layoutId', 'email', 'phone', 'subject', 'status', 'statusType', 'createdTime', 'category', 'language', 'subCategory', 'priority',
  'channel', 'dueDate', 'responseDueDate', 'commentCount', 'sentiment', 'threadCount', 'closedTime', 'onholdTime', 'departmentId', 'contactId', 'productId',
  'assigneeId', 'teamId', 'webUrl', 'channelCode', 'isSpam', 'source', 'lastThread', 'customerResponseTime', 'isArchived',
];

type Deal = Record<string, unknown> & { id: string; Modified_Time: string };
type DealsPage = { data: Deal[]; info: { more_records: boolean; page: number; per_page: number; count: number; sort_by: string; sort_order: string } };

describe('Zoho-shaped token endpoint', () => {
  it('grants a token from query parameters with api_domain pointing at the demo', async () => {
    const res = await fetch(`${sb.baseUrl}/demo/zoho/oauth/v2/token?refresh_token=demo-refresh-token&client_id=c&client_secret=s&grant_type=refresh_token`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ access_token: expect.any(String), api_domain: `${sb.baseUrl}/demo/zoho`, token_type: 'Bearer', expires_in: 3600 });
  });

  it('answers errors with HTTP 200 {"error"}, as Zoho does', async () => {
    const bad = await fetch(`${sb.baseUrl}/demo/zoho/oauth/v2/token?refresh_token=nope&grant_type=refresh_token`, { method: 'POST' });
    expect(bad.status).toBe(200);
    expect(await bad.json()).toEqual({ error: 'invalid_code' });
    await sb.control.configure('demo', { auth: { clientId: 'cid' } });
    const client = await fetch(`${sb.baseUrl}/demo/zoho/oauth/v2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'refresh_token=demo-refresh-token&grant_type=refresh_token&client_id=other',
    });
    expect(await client.json()).toEqual({ error: 'invalid_client' });
    const grant = await fetch(`${sb.baseUrl}/demo/zoho/oauth/v2/token?refresh_token=demo-refresh-token`, { method: 'POST' });
    expect(await grant.json()).toEqual({ error: 'unsupported_grant_type' });
  });

  it('throttles past 10 tokens per refresh token in 10 minutes with 400 Access Denied, until the window passes', async () => {
    await sb.control.resetProvider('demo');
    const refresh = () => fetch(`${sb.baseUrl}/demo/zoho/oauth/v2/token?refresh_token=demo-refresh-token&grant_type=refresh_token`, { method: 'POST' });
    for (let i = 0; i < 10; i++) expect((await refresh()).status).toBe(200);
    const throttled = await refresh();
    expect(throttled.status).toBe(400);
    expect(await throttled.json()).toEqual({ error: 'Access Denied', error_description: expect.stringMatching(/^You have made too many requests continuously/), status: 'failure' });
    await sb.control.advanceClock(601_000);
    expect((await refresh()).status).toBe(200);
    await sb.control.configure('demo', { zoho: { tokensPerWindow: 0 } });
    for (let i = 0; i < 12; i++) expect((await refresh()).status).toBe(200);
    await sb.control.resetProvider('demo');
  });
});

describe('CRM v2 deals (seed "Zoho" config)', () => {
  it('pages with page + info.more_records until the end, then 204', async () => {
    await sb.control.configure('demo', { zoho: { deals: 450 } });
    const seen: string[] = [];
    let page = 1;
    for (;;) {
      const g = await get(`/crm/v2/deals?sort_by=Modified_Time&sort_order=asc&page=${page}`);
      const body = g.body as DealsPage;
      seen.push(...body.data.map((d) => d.id));
      if (!body.info.more_records) break;
      page++;
    }
    expect(page).toBe(3);
    expect(new Set(seen).size).toBe(450);
    expect((await get('/crm/v2/deals?page=4')).status).toBe(204);
  });

  it('carries every field the seed data_schema maps, with Zoho-style times', async () => {
    const body = (await get('/crm/v2/deals?per_page=2')).body as DealsPage;
    const deal = body.data[0] ?? ({} as Deal);
    expect(Object.keys(deal).sort()).toEqual([...DEAL_KEYS].sort());
    expect(deal.Modified_Time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-05:00$/);
    expect(deal.Owner).toMatchObject({ name: expect.any(String), id: expect.any(String), email: expect.any(String) });
    expect(String(deal.Description)).toContain(';');
    expect(body.info).toMatchObject({ per_page: 2, count: 2, page: 1, sort_by: 'id', sort_order: 'asc', more_records: true });
    const desc = (await get('/crm/v2/Deals?per_page=1&sort_order=desc')).body as DealsPage;
    expect(desc.data[0]?.id).toBe('4876876000000000450');
  });

  it('filters with If-Modified-Since (the seed\'s last::Modified_Time) and answers 304 when nothing changed', async () => {
    const all = ((await get('/crm/v2/deals?per_page=200')).body as DealsPage).data;
    const pivot = all[99]?.Modified_Time ?? '';
    const newer = (await get('/crm/v2/deals?per_page=200', { 'If-Modified-Since': pivot })).body as DealsPage;
    expect(newer.data[0]?.id).toBe(all[100]?.id);
    expect(newer.data).toHaveLength(200);
    const lastPage = ((await get('/crm/v2/deals?page=3&per_page=200')).body as DealsPage).data;
    const latest = lastPage[lastPage.length - 1]?.Modified_Time ?? '';
    expect((await get('/crm/v2/deals', { 'If-Modified-Since': latest })).status).toBe(304);
    expect((await get('/crm/v2/deals', { 'If-Modified-Since': 'soon' })).status).toBe(400);
  });

  it('rejects per_page > 200 and pages past the 2000-record limit', async () => {
    expect((await get('/crm/v2/deals?per_page=201')).status).toBe(400);
    await sb.control.configure('demo', { zoho: { deals: 5000 } });
    expect((await get('/crm/v2/deals?page=10&per_page=200')).status).toBe(200);
    const over = await get('/crm/v2/deals?page=11&per_page=200');
    expect(over.status).toBe(400);
    expect(over.body).toMatchObject({ code: 'DISCRETE_PAGINATION_LIMIT_EXCEEDED', status: 'error' });
  });

  it('requires a token when auth is on: Bearer (as in the seed) or Zoho-oauthtoken', async () => {
    await sb.control.configure('demo', { auth: { required: true } });
    const none = await get('/crm/v2/deals');
    expect(none.status).toBe(401);
    expect(none.body).toEqual({ code: 'INVALID_TOKEN', details: {}, message: 'invalid oauth token', status: 'error' });
    const res = await fetch(`${sb.baseUrl}/demo/zoho/oauth/v2/token?refresh_token=demo-refresh-token&grant_type=refresh_token`, { method: 'POST' });
    const tok = ((await res.json()) as { access_token: string }).access_token;
    expect((await get('/crm/v2/deals', { authorization: `Bearer ${tok}` })).status).toBe(200);
    expect((await get('/desk/api/v1/tickets', { authorization: `Zoho-oauthtoken ${tok}` })).status).toBe(200);
    const desk = await get('/desk/api/v1/tickets');
    expect(desk.status).toBe(401);
    expect(desk.body).toMatchObject({ errorCode: 'INVALID_OAUTH' });
  });
});

describe('Desk v1 tickets (seed "Zoho Tickets" config)', () => {
  it('pages with from (start 1, step 100) until the status is no longer 200', async () => {
    await sb.control.configure('demo', { zoho: { tickets: 350 } });
    const seen: string[] = [];
    let from = 1;
    let status = 200;
    while (status === 200) {
      const g = await get(`/desk/api/v1/tickets?sortBy=ticketNumber&include=contacts,products,departments,team,isRead,assignee&limit=100&from=${from}`);
      status = g.status;
      if (status === 200) seen.push(...(g.body as { data: { id: string }[] }).data.map((t) => t.id));
      from += 100;
    }
    expect(status).toBe(204);
    expect(new Set(seen).size).toBe(350);
  });

  it('carries the mapped fields, and embedded objects only when included', async () => {
    const withAll = (await get('/desk/api/v1/tickets?limit=1&include=contacts,products,departments,team,isRead,assignee')).body as { data: Record<string, unknown>[] };
    const t = withAll.data[0] ?? {};
    for (const k of TICKET_KEYS) expect(t, k).toHaveProperty(k);
    expect(t.contact).toMatchObject({ firstName: expect.any(String), account: { accountName: expect.any(String), website: expect.any(String), id: expect.any(String) } });
    expect(t.assignee).toMatchObject({ id: expect.any(String), firstName: expect.any(String) });
    expect(t.department).toMatchObject({ name: 'Soporte' });
    expect(t).toHaveProperty('isRead');
    const plain = ((await get('/desk/api/v1/tickets?limit=1')).body as { data: Record<string, unknown>[] }).data[0] ?? {};
    expect(plain).not.toHaveProperty('contact');
    expect(plain).not.toHaveProperty('assignee');
  });

  it('validates limit (<= 100), from and sortBy with 422', async () => {
    expect((await get('/desk/api/v1/tickets?limit=101')).status).toBe(422);
    expect((await get('/desk/api/v1/tickets?from=0')).status).toBe(422);
    expect((await get('/desk/api/v1/tickets?sortBy=color')).status).toBe(422);
    const desc = (await get('/desk/api/v1/tickets?limit=1&sortBy=-ticketNumber')).body as { data: { ticketNumber: string }[] };
    expect(desc.data[0]?.ticketNumber).toBe(String(100 + 350));
  });

  it('switches the from base and the past-the-end status', async () => {
    await sb.control.configure('demo', { zoho: { tickets: 3, deskFromBase: 0, deskPastEndStatus: 404 } });
    expect(((await get('/desk/api/v1/tickets?from=0&limit=5')).body as { data: unknown[] }).data).toHaveLength(3);
    expect((await get('/desk/api/v1/tickets?from=3&limit=5')).status).toBe(404);
  });
});
