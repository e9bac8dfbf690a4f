import { describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../helpers/sandbox';
import { useSandbox } from './use-sandbox';
import { seedCreatorApp, seedZohoBasics, zapi } from './zoho-fixtures';

/** Creator v2.1 update, delete and get, by ID and by criteria, and the form workflows skip_workflow skips. */
const sb: RunningSandbox = useSandbox(async () => {
  await seedZohoBasics(sb);
  await seedCreatorApp(sb, { Name: 'text', Email: 'email', Tag: 'text' });
});

const FORM = '/creator/v2.1/data/jdoe/crm-sync/form/Contact';
const REPORT = '/creator/v2.1/data/jdoe/crm-sync/report/All_Contacts';
type One = { code: number; data?: Record<string, unknown> & { ID: string }; message?: string; error?: Record<string, string> };
type Bulk = { code: number; result: One[]; more_records?: boolean };

async function seedRecords(n: number, tag = 'a'): Promise<string[]> {
  const r = await sb.control.seed<{ creator: { records: Record<string, string[]> }[] }>('zoho', {
    creator: [{ owner: 'jdoe', app: 'crm-sync', forms: [{ name: 'Contact', records: Array.from({ length: n }, (_, i) => ({ Name: `N${i}`, Email: `n${i}@x.com`, Tag: tag })) }] }],
  });
  return r.creator[0]?.records.Contact ?? [];
}

describe('Creator v2.1 by ID', () => {
  it('get, update and delete one record by its ID', async () => {
    const [id] = await seedRecords(2);
    const got = await zapi(sb, 'GET', `${REPORT}/${id}`);
    expect(got.body).toEqual({ code: 3000, data: { ID: id, Name: 'N0', Email: 'n0@x.com', Tag: 'a' } });
    const upd = await zapi(sb, 'PATCH', `${REPORT}/${id}`, { body: { data: { Name: 'Renamed' } } });
    expect(upd.body).toEqual({ code: 3000, data: { ID: id }, message: 'Data Updated Successfully!' });
    expect(((await zapi(sb, 'GET', `${REPORT}/${id}`)).body as One).data?.Name).toBe('Renamed');
    const bad = await zapi(sb, 'PATCH', `${REPORT}/${id}`, { body: { data: { Email: 'not-an-email' } } });
    expect(bad.body).toMatchObject({ code: 3002, error: { Email: expect.any(String) } });
    const del = await zapi(sb, 'DELETE', `${REPORT}/${id}`);
    expect(del.body).toEqual({ code: 3000, data: { ID: id }, message: 'Data Deleted Successfully!' });
    const gone = await zapi(sb, 'GET', `${REPORT}/${id}`);
    expect(gone.status).toBe(400);
    expect(gone.body).toMatchObject({ code: 9280 });
    expect((await zapi(sb, 'PATCH', `${REPORT}/${id}`, { body: { data: { Name: 'x' } } })).body).toMatchObject({ code: 9280 });
    expect((await zapi(sb, 'DELETE', `${REPORT}/${id}`)).body).toMatchObject({ code: 9280 });
    expect((await zapi(sb, 'PATCH', `${REPORT}/${id}`, { body: {} })).body).toMatchObject({ code: 1000 });
  });
});

describe('Creator v2.1 by criteria', () => {
  it('update and delete every record the criteria match; none -> 9280', async () => {
    await seedRecords(3, 'a');
    await seedRecords(2, 'b');
    const upd = await zapi(sb, 'PATCH', REPORT, { body: { criteria: 'Tag == "b"', data: { Name: 'B' } } });
    expect(upd.status).toBe(200);
    const body = upd.body as Bulk;
    expect(body.code).toBe(3000);
    expect(body.result.map((r) => r.message)).toEqual(['Data Updated Successfully!', 'Data Updated Successfully!']);
    const del = await zapi(sb, 'DELETE', REPORT, { body: { criteria: 'Tag == "a"' } });
    expect((del.body as Bulk).result).toHaveLength(3);
    const left = await zapi(sb, 'GET', REPORT);
    expect(((left.body as { data: Record<string, unknown>[] }).data).map((r) => r.Name)).toEqual(['B', 'B']);
    expect((await zapi(sb, 'DELETE', REPORT, { body: { criteria: 'Tag == "a"' } })).body).toMatchObject({ code: 9280 });
    expect((await zapi(sb, 'PATCH', REPORT, { body: { criteria: 'Tag ~ 1', data: {} } })).status).toBe(400);
  });

  it('more than 200 matches -> code 3960 unless process_until_limit takes the first 200 (more_records says the rest)', async () => {
    await seedRecords(205);
    const refused = await zapi(sb, 'PATCH', REPORT, { body: { criteria: 'Tag == "a"', data: { Name: 'x' } } });
    expect(refused.body).toMatchObject({ code: 3960 });
    const first = await zapi(sb, 'DELETE', REPORT, { body: { criteria: 'Tag == "a"', process_until_limit: true } });
    expect(first.body).toMatchObject({ code: 3000, more_records: true });
    expect((first.body as Bulk).result).toHaveLength(200);
    const rest = await zapi(sb, 'DELETE', `${REPORT}?process_until_limit=true`, { body: { criteria: 'Tag == "a"' } });
    expect(rest.body).toMatchObject({ more_records: false });
    expect((rest.body as Bulk).result).toHaveLength(5);
  });
});

describe('Creator form workflows and skip_workflow', () => {
  it('a configured form workflow rewrites a field after add/edit; skip_workflow ["form_workflow"] or ["all"] skips it', async () => {
    await sb.control.configure('zoho', { creatorWorkflowRules: [{ app: 'jdoe/crm-sync', form: 'Contact', field: 'Name', action: 'upper' }] });
    const add = await zapi(sb, 'POST', FORM, { body: { data: [{ Name: 'loud', Email: 'l@x.com' }, { Name: 'also', Email: 'a@x.com' }] } });
    const [loud, also] = (add.body as Bulk).result.map((r) => r.data?.ID ?? '');
    expect(((await zapi(sb, 'GET', `${REPORT}/${loud}`)).body as One).data?.Name).toBe('LOUD');
    const quiet = await zapi(sb, 'POST', FORM, { body: { data: [{ Name: 'quiet', Email: 'q@x.com' }], skip_workflow: ['form_workflow'] } });
    const qid = (quiet.body as Bulk).result[0]?.data?.ID ?? '';
    expect(((await zapi(sb, 'GET', `${REPORT}/${qid}`)).body as One).data?.Name).toBe('quiet');
    await zapi(sb, 'PATCH', `${REPORT}/${also}`, { body: { data: { Name: 'edited' }, skip_workflow: ['all'] } });
    expect(((await zapi(sb, 'GET', `${REPORT}/${also}`)).body as One).data?.Name).toBe('edited');
    await zapi(sb, 'PATCH', `${REPORT}/${also}`, { body: { data: { Name: 'edited' } } });
    expect(((await zapi(sb, 'GET', `${REPORT}/${also}`)).body as One).data?.Name).toBe('EDITED');
    expect((await zapi(sb, 'POST', FORM, { body: { data: [{ Email: 'z@x.com' }], skip_workflow: ['nope'] } })).status).toBe(400);
  });

  it('50 requests a minute per API endpoint: calls on different record IDs share one budget', async () => {
    const ids = await seedRecords(2);
    const { now } = (await (await fetch(sb.control.url('/_control/clock'))).json()) as { now: string };
    await sb.control.advanceClock(60_000 - (Date.parse(now) % 60_000) + 1);
    for (let i = 0; i < 50; i++) expect((await zapi(sb, 'GET', `${REPORT}/${ids[i % 2]}`)).status).toBe(200);
    const over = await zapi(sb, 'GET', `${REPORT}/${ids[0]}`);
    expect(over.status).toBe(429);
    expect(over.body).toMatchObject({ code: 2955 });
    // The list endpoint is another API.
    expect((await zapi(sb, 'GET', REPORT)).status).toBe(200);
  });
});
