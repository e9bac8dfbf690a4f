import { describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../helpers/sandbox';
import { useSandbox } from './use-sandbox';
import { seedCreatorApp, seedZohoBasics, zapi } from './zoho-fixtures';

const sb: RunningSandbox = useSandbox(async () => {
  await seedZohoBasics(sb);
  await seedCreatorApp(sb, { Name: 'text', Email: 'email', Age: 'number' });
});

const FORM = '/creator/v2.1/data/jdoe/crm-sync/form/Contact';
const REPORT = '/creator/v2.1/data/jdoe/crm-sync/report/All_Contacts';
type AddBody = { code: number; result: { code: number; data?: { ID: string }; message: string; error?: Record<string, string> }[] };

async function seedRecords(n: number): Promise<void> {
  await sb.control.seed('zoho', {
    creator: [{ owner: 'jdoe', app: 'crm-sync', forms: [{ name: 'Contact', records: Array.from({ length: n }, (_, i) => ({ Name: `N${i}`, Email: `n${i}@x.com`, Age: i % 2 })) }] }],
  });
}

describe('Creator v2.1 add records', () => {
  it('adds records: code 3000 per record with the new ID', async () => {
    const r = await zapi(sb, 'POST', FORM, { body: { data: [{ Name: 'Ann', Email: 'ann@x.com' }] } });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ code: 3000, result: [{ code: 3000, data: { ID: expect.stringMatching(/^\d+$/) }, message: 'Data Added Successfully!' }] });
    const st = await sb.control.state<{ forms: { Contact: { Name: string }[] } }>('zoho', { creator: 'jdoe/crm-sync' });
    expect(st.forms.Contact.map((c) => c.Name)).toEqual(['Ann']);
  });

  it('validates per record (mandatory, email, unknown field) and refuses more than 200 with code 3950', async () => {
    const r = await zapi(sb, 'POST', FORM, { body: { data: [{ Name: 'no email' }, { Email: 'bad' }, { Email: 'ok@x.com', Foo: 1 }, { Email: 'ok@x.com' }] } });
    const body = r.body as AddBody;
    expect(body.code).toBe(3000);
    expect(body.result.map((x) => x.code)).toEqual([3002, 3002, 3002, 3000]);
    expect(body.result[0]?.error).toEqual({ Email: 'Enter a value for Email' });
    const many = Array.from({ length: 201 }, (_, i) => ({ Email: `m${i}@x.com` }));
    const over = await zapi(sb, 'POST', FORM, { body: { data: many } });
    expect(over.status).toBe(200);
    expect(over.body).toEqual({ code: 3950, description: 'A maximum of 200 records can be added per request.' });
    expect((await zapi(sb, 'POST', FORM, { body: { nodata: 1 } })).status).toBe(400);
  });

  it('bad token -> 401 code 1030; unknown owner -> 404 code 1040; unknown form -> 404', async () => {
    const r = await zapi(sb, 'POST', FORM, { token: '1000.bad', body: { data: [{ Email: 'a@x.com' }] } });
    expect(r.status).toBe(401);
    expect((r.body as { code: number }).code).toBe(1030);
    const owner = await zapi(sb, 'GET', '/creator/v2.1/data/nobody/crm-sync/report/All_Contacts');
    expect(owner.status).toBe(404);
    expect((owner.body as { code: number }).code).toBe(1040);
    expect((await zapi(sb, 'POST', '/creator/v2.1/data/jdoe/crm-sync/form/Nope', { body: { data: [] } })).status).toBe(404);
  });
});

describe('Creator v2.1 get records', () => {
  it('pages with record_cursor: a response header sent back as a request header', async () => {
    await seedRecords(450);
    const pages: number[] = [];
    let cursor: string | null = null;
    const ids = new Set<unknown>();
    do {
      const r = await zapi(sb, 'GET', `${REPORT}?max_records=200`, cursor ? { headers: { record_cursor: cursor } } : {});
      expect(r.status).toBe(200);
      const data = (r.body as { code: number; data: { ID: string }[] }).data;
      pages.push(data.length);
      data.forEach((d) => ids.add(d.ID));
      cursor = r.headers.get('record_cursor');
    } while (cursor);
    expect(pages).toEqual([200, 200, 50]);
    expect(ids.size).toBe(450);
  });

  it('criteria filter by simple equality; nothing found -> HTTP 400 code 9280', async () => {
    await seedRecords(10);
    const r = await zapi(sb, 'GET', `${REPORT}?criteria=${encodeURIComponent('(Email == "n3@x.com")')}`);
    expect((r.body as { data: { Name: string }[] }).data.map((d) => d.Name)).toEqual(['N3']);
    const both = await zapi(sb, 'GET', `${REPORT}?criteria=${encodeURIComponent('Age == 1 && Name != "N1"')}`);
    expect((both.body as { data: unknown[] }).data).toHaveLength(4);
    const none = await zapi(sb, 'GET', `${REPORT}?criteria=${encodeURIComponent('Email == "nobody@x.com"')}`);
    expect(none.status).toBe(400);
    expect((none.body as { code: number }).code).toBe(9280);
    expect((await zapi(sb, 'GET', `${REPORT}?criteria=${encodeURIComponent('Email contains "x"')}`)).status).toBe(400);
  });

  it('max_records must be 200, 500 or 1000; an empty report -> 9280; an unknown cursor -> 400', async () => {
    expect((await zapi(sb, 'GET', REPORT)).body).toMatchObject({ code: 9280 });
    await seedRecords(3);
    expect((await zapi(sb, 'GET', `${REPORT}?max_records=300`)).status).toBe(400);
    expect((await zapi(sb, 'GET', `${REPORT}?max_records=1000`)).status).toBe(200);
    expect((await zapi(sb, 'GET', REPORT, { headers: { record_cursor: 'made-up' } })).status).toBe(400);
  });

  it('50 requests a minute per endpoint -> 429; the daily Developer API limit -> code 4000', async () => {
    await seedRecords(1);
    const statuses: number[] = [];
    for (let i = 0; i < 51; i++) statuses.push((await zapi(sb, 'GET', REPORT)).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(50);
    expect(statuses[50]).toBe(429);
    // Another endpoint has its own minute.
    expect((await zapi(sb, 'POST', FORM, { body: { data: [{ Email: 'a@x.com' }] } })).status).toBe(200);
    await sb.control.advanceClock(60_000);
    await sb.control.configure('zoho', { creatorDailyLimit: 2 });
    await sb.control.advanceClock(24 * 3600 * 1000);
    expect((await zapi(sb, 'GET', REPORT)).status).toBe(200);
    expect((await zapi(sb, 'GET', REPORT)).status).toBe(200);
    const over = await zapi(sb, 'GET', REPORT);
    expect(over.status).toBe(200);
    expect(over.body).toEqual({ code: 4000, description: "Account's Developer API limit has been reached. Please upgrade to execute more REST API calls." });
  });
});
