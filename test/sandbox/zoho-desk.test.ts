import { describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../helpers/sandbox';
import { useSandbox } from './use-sandbox';
import { ACCOUNT, refreshParams, seedZohoBasics, zapi, zohoTokenQuery } from './zoho-fixtures';

const sb: RunningSandbox = useSandbox(async () => {
  await seedZohoBasics(sb);
});

/** The data_schema of seed 001's "Zoho Tickets" extraction: every key must be there to map. */
const SCHEMA_KEYS = [
  'id', 'ticketNumber', 'layoutId', 'email', 'phone', 'subject', 'status', 'statusType', 'createdTime', 'category', 'language',
  'subCategory', 'priority', 'channel', 'dueDate', 'responseDueDate', 'commentCount', 'sentiment', 'threadCount', 'closedTime',
  'onholdTime', 'departmentId', 'contactId', 'productId', 'assigneeId', 'teamId', 'department', 'contact', 'team', 'assignee',
  'product', 'webUrl', 'channelCode', 'isRead', 'isSpam', 'source', 'lastThread', 'customerResponseTime', 'isArchived',
];

describe('Desk tickets list with from/limit paging', () => {
  it('runs seed 001\'s tickets example: refresh via query params, from=1 step 100, limit 100, until a non-200', async () => {
    await sb.control.seed('zoho', { desk: [{ account: ACCOUNT.id, tickets: 250 }] });
    // auth.refresh_token.endpoint of the example: the token endpoint with query parameters.
    const token = ((await zohoTokenQuery(sb, refreshParams())).body as { access_token: string }).access_token;
    const query = { sortBy: 'ticketNumber', include: 'contacts,products,departments,team,isRead,assignee', limit: '100' };
    const rows: Record<string, unknown>[] = [];
    const statuses: number[] = [];
    for (let from = 1; ; from += 100) {
      const r = await zapi(sb, 'GET', `/desk/api/v1/tickets?${new URLSearchParams({ ...query, from: String(from) }).toString()}`, { token });
      statuses.push(r.status);
      if (r.status !== 200) break; // continue_while_status_code_is: 200
      rows.push(...(r.body as { data: Record<string, unknown>[] }).data);
    }
    expect(statuses).toEqual([200, 200, 200, 204]);
    expect(rows).toHaveLength(250);
    expect(rows.map((t) => t.ticketNumber)).toEqual(Array.from({ length: 250 }, (_, i) => String(101 + i)));
    for (const key of SCHEMA_KEYS) expect(rows[0]).toHaveProperty(key);
    expect(rows[0]?.contact).toMatchObject({ firstName: expect.any(String), account: { accountName: expect.any(String), id: expect.any(String) } });
    expect(rows[0]?.assignee).toMatchObject({ id: expect.any(String), email: expect.any(String), photoURL: null });
  });

  it('is deterministic, honours include and descending sort', async () => {
    await sb.control.seed('zoho', { desk: [{ org: 'org-1', tickets: 5 }] });
    const a = await zapi(sb, 'GET', '/desk/api/v1/tickets?limit=5');
    const b = await zapi(sb, 'GET', '/desk/api/v1/tickets?limit=5');
    expect(a.body).toEqual(b.body);
    const plain = (a.body as { data: Record<string, unknown>[] }).data[0];
    expect(plain).not.toHaveProperty('contact');
    expect(plain).not.toHaveProperty('isRead');
    const desc = (await zapi(sb, 'GET', '/desk/api/v1/tickets?sortBy=-ticketNumber&limit=2')).body as { data: { ticketNumber: string }[] };
    expect(desc.data.map((t) => t.ticketNumber)).toEqual(['105', '104']);
  });

  it('no tickets -> 204; bad limit/sortBy/include -> 422; bad token -> 401 INVALID_OAUTH', async () => {
    expect((await zapi(sb, 'GET', '/desk/api/v1/tickets')).status).toBe(204);
    await sb.control.seed('zoho', { desk: [{ org: 'org-1', tickets: 5 }] });
    const big = await zapi(sb, 'GET', '/desk/api/v1/tickets?limit=101');
    expect(big.status).toBe(422);
    expect(big.body).toMatchObject({ errorCode: 'UNPROCESSABLE_ENTITY', errors: [{ fieldName: '/limit' }] });
    expect((await zapi(sb, 'GET', '/desk/api/v1/tickets?sortBy=colour')).status).toBe(422);
    expect((await zapi(sb, 'GET', '/desk/api/v1/tickets?include=everything')).status).toBe(422);
    expect((await zapi(sb, 'GET', '/desk/api/v1/tickets?from=0')).status).toBe(422);
    const bad = await zapi(sb, 'GET', '/desk/api/v1/tickets', { token: '1000.bad' });
    expect(bad.status).toBe(401);
    expect(bad.body).toEqual({ errorCode: 'INVALID_OAUTH', message: 'The OAuth Token you provided is invalid.' });
  });

  it('switches: 0-based from, mandatory orgId header', async () => {
    const seeded = await sb.control.seed<{ desk: { orgId: string }[] }>('zoho', { desk: [{ org: 'org-1', tickets: 3 }] });
    const orgId = seeded.desk[0]?.orgId ?? '';
    await sb.control.configure('zoho', { deskFromBase: 0, deskRequireOrgId: true });
    expect((await zapi(sb, 'GET', '/desk/api/v1/tickets?from=0')).status).toBe(422);
    const ok = await zapi(sb, 'GET', '/desk/api/v1/tickets?from=0&limit=1&sortBy=ticketNumber', { headers: { orgId } });
    expect((ok.body as { data: { ticketNumber: string }[] }).data[0]?.ticketNumber).toBe('101');
    expect((await zapi(sb, 'GET', '/desk/api/v1/tickets', { headers: { orgId: '1' } })).status).toBe(403);
  });
});
