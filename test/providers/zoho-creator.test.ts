import { describe, expect, it } from 'vitest';
import { FailureType, ProviderError } from '../../providers/errors';
import { WindowPacer } from '../../providers/http';
import { CreatorClient, type CreatorClientOptions } from '../../providers/zoho/creator';
import type { RunningSandbox } from '../helpers/sandbox';
import { providerFailure } from './secrets';
import { useSandbox } from '../sandbox/use-sandbox';
import { ACCOUNT, seedCreatorApp, seedZohoBasics } from '../sandbox/zoho-fixtures';

const sb: RunningSandbox = useSandbox(async () => {
  await seedZohoBasics(sb);
  await seedCreatorApp(sb, { Name: 'text', Email: 'email', Tag: 'text' });
});

const REPORT = 'All_Contacts';
const cursors: string[] = [];

function client(over: Partial<CreatorClientOptions> = {}): CreatorClient {
  return new CreatorClient({
    apiDomain: `${sb.baseUrl}/zoho/api`,
    accessToken: async () => ACCOUNT.accessToken,
    owner: 'jdoe',
    app: 'crm-sync',
    requestsPerMinute: 10_000,
    retry: { attempts: 3, maxWaitMs: 5000, baseDelayMs: 50 },
    ...over,
  });
}

const failure = (p: Promise<unknown>): Promise<ProviderError> => providerFailure(p, () => [ACCOUNT.accessToken, ...cursors], /Zoho-oauthtoken/i);

const records = (n: number, tag = 'a') => Array.from({ length: n }, (_, i) => ({ Name: `N${i}`, Email: `n${i}@x.com`, Tag: tag }));

describe('Creator records', () => {
  it('add answers per record; get by ID; update and delete by ID', async () => {
    const c = client();
    const added = await c.add('Contact', [{ Name: 'Ann', Email: 'ann@x.com' }, { Name: 'No email' }]);
    expect(added[0]).toMatchObject({ index: 0, ok: true, id: expect.any(String) });
    expect(added[1]).toMatchObject({ index: 1, ok: false, fieldErrors: { Email: expect.any(String) } });
    const id = added[0]?.ok ? added[0].id : '';
    expect(await c.getById(REPORT, id)).toMatchObject({ ID: id, Name: 'Ann' });
    expect(await c.updateById(REPORT, id, { Name: 'Anna' })).toMatchObject({ ok: true, id });
    expect(await c.getById(REPORT, id)).toMatchObject({ Name: 'Anna' });
    const bad = await c.updateById(REPORT, id, { Email: 'nope' });
    expect(bad).toMatchObject({ ok: false, fieldErrors: { Email: expect.any(String) } });
    expect(await c.deleteById(REPORT, id)).toBe(true);
    expect(await c.deleteById(REPORT, id)).toBe(false);
    expect(await c.getById(REPORT, id)).toBeNull();
    expect(await c.updateById(REPORT, id, { Name: 'x' })).toMatchObject({ ok: false, error: { kind: FailureType.Invalid } });
    const sent = await sb.control.requests({ provider: 'zoho', method: 'POST' });
    expect((sent[0]?.body as { skip_workflow: string[] }).skip_workflow).toEqual(['form_workflow']);
  });

  it('lists a report page by page with the record_cursor header; no records is an empty listing', async () => {
    const c = client();
    expect((await c.listPage(REPORT)).records).toEqual([]);
    for (let i = 0; i < 3; i++) await c.add('Contact', records(200, `t${i}`));
    await c.add('Contact', records(50, 'x'));
    const pages: number[] = [];
    for await (const page of c.listAll(REPORT)) pages.push(page.length);
    expect(pages).toEqual([200, 200, 200, 50]);
    const first = await c.listPage(REPORT, { criteria: 'Tag == "t1"', maxRecords: 200 });
    expect(first.records).toHaveLength(200);
    expect(first.cursor).toBeUndefined();
    const logged = await sb.control.requests({ provider: 'zoho', method: 'GET' });
    const withCursor = logged.filter((r) => r.headers.record_cursor);
    expect(withCursor).toHaveLength(3);
    cursors.push(...withCursor.map((r) => r.headers.record_cursor ?? ''));
  });

  it('update and delete by criteria; more than 200 needs processUntilLimit, which says moreRecords', async () => {
    const c = client();
    await c.add('Contact', records(3, 'a'));
    await c.add('Contact', records(2, 'b'));
    const upd = await c.updateByCriteria(REPORT, 'Tag == "b"', { Name: 'B' });
    expect(upd.results.map((r) => r.ok)).toEqual([true, true]);
    expect(upd.moreRecords).toBe(false);
    expect(await c.deleteByCriteria(REPORT, 'Tag == "zzz"')).toEqual({ results: [], moreRecords: false });
    await c.add('Contact', records(200, 'a'));
    const refused = await failure(c.deleteByCriteria(REPORT, 'Tag == "a"'));
    expect(refused).toMatchObject({ kind: FailureType.Invalid, details: { code: '3960' } });
    const first = await c.deleteByCriteria(REPORT, 'Tag == "a"', { processUntilLimit: true });
    expect(first.results).toHaveLength(200);
    expect(first.moreRecords).toBe(true);
    expect((await c.deleteByCriteria(REPORT, 'Tag == "a"', { processUntilLimit: true })).results).toHaveLength(3);
  });

  it('more than 200 records to add is Invalid before any request', async () => {
    expect((await failure(client().add('Contact', records(201)))).kind).toBe(FailureType.Invalid);
    expect(await sb.control.requests({ provider: 'zoho' })).toHaveLength(0);
  });
});

describe('Creator errors and pacing', () => {
  it('bad token -> AuthExpired (1030); daily limit (4000, HTTP 200) -> RateLimited; a 429 is retried then surfaced', async () => {
    const bad = client({ accessToken: async () => '1000.wrong.token' });
    expect(await failure(bad.listPage(REPORT))).toMatchObject({ kind: FailureType.AuthExpired, details: { status: 401, code: '1030' } });
    await sb.control.configure('zoho', { creatorDailyLimit: 1 });
    const c = client({ retry: { attempts: 2, maxWaitMs: 1000 } });
    await c.listPage(REPORT);
    expect(await failure(c.listPage(REPORT))).toMatchObject({ kind: FailureType.RateLimited, details: { code: '4000', retryAfterMs: 3_600_000 } });
    await sb.control.configure('zoho', { creatorDailyLimit: null });
    await sb.control.armFault({ provider: 'zoho', path: '/report/All_Contacts', status: 429, retryAfter: 1, body: { code: 2955, description: 'slow down' } });
    expect((await c.listPage(REPORT)).records).toEqual([]);
    await sb.control.armFault({ provider: 'zoho', path: '/report/All_Contacts', status: 429, retryAfter: 1, body: { code: 2955, description: 'slow down' }, times: 3 });
    expect(await failure(c.listPage(REPORT))).toMatchObject({ kind: FailureType.RateLimited, details: { retryAfterMs: 1000 } });
  });

  it('a 5xx is Transient; a read is retried past it, a write is not resent', async () => {
    const c = client();
    await sb.control.armFault({ provider: 'zoho', path: '/report/All_Contacts', status: 502 });
    expect((await c.listPage(REPORT)).records).toEqual([]);
    await sb.control.armFault({ provider: 'zoho', path: '/form/Contact', status: 500 });
    expect((await failure(c.add('Contact', records(1)))).kind).toBe(FailureType.Transient);
    expect(await sb.control.requests({ provider: 'zoho', method: 'POST' })).toHaveLength(1);
  });

  it('paced per endpoint: a third call to one endpoint waits for its window, another endpoint does not', async () => {
    let now = 0;
    const pacers = new Map<string, WindowPacer>();
    const c = client({ pacerFor: (endpoint) => pacers.get(endpoint) ?? pacers.set(endpoint, new WindowPacer(2, 1000, () => now)).get(endpoint)! });
    await c.listPage(REPORT);
    await c.listPage(REPORT);
    const third = c.listPage(REPORT);
    await c.add('Contact', records(1));
    await new Promise((r) => setTimeout(r, 100));
    expect(await sb.control.requests({ provider: 'zoho', method: 'GET' })).toHaveLength(2);
    now = 1001;
    await third;
    expect(await sb.control.requests({ provider: 'zoho', method: 'GET' })).toHaveLength(3);
  });
});
