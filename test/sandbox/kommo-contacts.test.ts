import { describe, expect, it } from 'vitest';
import { useKommoContacts, type Contact, type Page, type Problem } from './kommo-fixtures';

// Kommo API v4 contacts, reading: hal+json paging with _links.next, 204 for nothing, filters, order, the contact shape.

const SUB = 'acme';
const AT = 'at-contacts';
const { sb, seed, api, page } = useKommoContacts(SUB, AT, 29_000_002);
const base = (): string => `${sb.baseUrl}/kommo/${SUB}`;

describe('GET /api/v4/contacts paging', () => {
  it('pages with limit, puts next on every page but the last, and answers 204 past the end', async () => {
    await seed({ count: 120 });
    const p1 = await page('?limit=50');
    expect(p1.status).toBe(200);
    expect(p1.type).toContain('application/hal+json');
    expect(p1.body._page).toBe(1);
    expect(p1.body._embedded.contacts).toHaveLength(50);
    expect(p1.body._links.self.href).toContain(`${base()}/api/v4/contacts?`);
    const next = new URL(p1.body._links.next?.href ?? '');
    expect(next.searchParams.get('page')).toBe('2');
    expect(next.searchParams.get('limit')).toBe('50');

    const p3 = await page('?limit=50&page=3');
    expect(p3.body._embedded.contacts).toHaveLength(20);
    expect(p3.body._links.next).toBeUndefined();

    const p4 = await api('/api/v4/contacts?limit=50&page=4');
    expect(p4.status).toBe(204);
    expect(await p4.text()).toBe('');
  });

  it('follows next links to collect every contact exactly once', async () => {
    await seed({ count: 260 });
    const seen = new Set<number>();
    let href: string | undefined = `${base()}/api/v4/contacts?limit=250`;
    let pages = 0;
    while (href) {
      const res = await fetch(href, { headers: { authorization: `Bearer ${AT}` } });
      const body = (await res.json()) as Page;
      for (const c of body._embedded.contacts) seen.add(c.id);
      href = body._links.next?.href;
      pages++;
    }
    expect(pages).toBe(2);
    expect(seen.size).toBe(260);
  });

  it('defaults to 50 a page and rejects limit > 250 with validation-errors', async () => {
    await seed({ count: 60 });
    expect((await page('')).body._embedded.contacts).toHaveLength(50);
    expect((await page('?limit=250')).status).toBe(200);
    const res = await api('/api/v4/contacts?limit=251');
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const body = (await res.json()) as Problem;
    expect(body.status).toBe(400);
    expect(body['validation-errors']?.[0]?.errors[0]).toMatchObject({ path: 'limit' });
    expect((await api('/api/v4/contacts?page=zero')).status).toBe(400);
  });

  it('answers 204 when nothing matches', async () => {
    await seed();
    expect((await api('/api/v4/contacts')).status).toBe(204);
  });

  it('puts a next link on a full last page when nextLinkOnFullLastPage is on', async () => {
    await seed({ count: 100 });
    expect((await page('?limit=50&page=2')).body._links.next).toBeUndefined();
    await sb.control.configure('kommo', { nextLinkOnFullLastPage: true });
    const p2 = await page('?limit=50&page=2');
    expect(p2.body._links.next).toBeDefined();
    expect((await api('/api/v4/contacts?limit=50&page=3')).status).toBe(204);
  });
});

describe('GET /api/v4/contacts filters and order', () => {
  it('filters updated_at from/to inclusively and keeps filters in next links', async () => {
    await seed({ count: 100, updatedAtFrom: 1_700_000_000, updatedAtStepSeconds: 10 });
    const from = 1_700_000_000 + 200;
    const to = 1_700_000_000 + 590;
    const p = await page(`?filter[updated_at][from]=${from}&filter[updated_at][to]=${to}&limit=25`);
    expect(p.status).toBe(200);
    const all = p.body._embedded.contacts;
    expect(all).toHaveLength(25);
    expect(all.every((c) => c.updated_at >= from && c.updated_at <= to)).toBe(true);
    const next = new URL(p.body._links.next?.href ?? '');
    expect(next.searchParams.get('filter[updated_at][from]')).toBe(String(from));
    const p2 = (await (await fetch(next, { headers: { authorization: `Bearer ${AT}` } })).json()) as Page;
    expect(p2._embedded.contacts).toHaveLength(15); // 40 match: 200..590 step 10
    expect((await api(`/api/v4/contacts?filter[updated_at][from]=abc`)).status).toBe(400);
  });

  it('filters by an exact updated_at and by created_at ranges', async () => {
    await seed(undefined, [
      { name: 'a', created_at: 100, updated_at: 1_000 },
      { name: 'b', created_at: 200, updated_at: 2_000 },
      { name: 'c', created_at: 300, updated_at: 2_000 },
    ]);
    expect((await page('?filter[updated_at]=2000')).body._embedded.contacts.map((c) => c.name)).toEqual(['b', 'c']);
    expect((await page('?filter[created_at][from]=150&filter[created_at][to]=250')).body._embedded.contacts.map((c) => c.name)).toEqual(['b']);
    expect((await api('/api/v4/contacts?filter[updated_at]=5')).status).toBe(204);
  });

  it('filters by id in all three spellings', async () => {
    const { firstId } = await seed({ count: 10 });
    const a = await page(`?filter[id][]=${firstId}&filter[id][]=${firstId + 2}`);
    expect(a.body._embedded.contacts.map((c) => c.id)).toEqual([firstId, firstId + 2]);
    const b = await page(`?filter[id]=${firstId + 1}`);
    expect(b.body._embedded.contacts.map((c) => c.id)).toEqual([firstId + 1]);
    const c = await page(`?filter[id][0]=${firstId + 3}&filter[id][1]=${firstId + 4}`);
    expect(c.body._embedded.contacts.map((x) => x.id)).toEqual([firstId + 3, firstId + 4]);
  });

  it('answers 250 filter[id][] on one page and leaves deleted ids out', async () => {
    const { firstId } = await seed({ count: 300 });
    const ids = Array.from({ length: 250 }, (_, i) => firstId + i);
    await sb.control.call('POST', '/kommo/contacts/delete', { subdomain: SUB, ids: [firstId + 7, firstId + 100] });
    const p = await page(`?limit=250&${ids.map((id) => `filter[id][]=${id}`).join('&')}`);
    expect(p.status).toBe(200);
    const got = p.body._embedded.contacts.map((c) => c.id);
    expect(got).toHaveLength(248);
    expect(got).not.toContain(firstId + 7);
    expect(got).not.toContain(firstId + 100);
    expect(p.body._links.next).toBeUndefined();
  });

  it('reads changes since a time in updated_at order, and 204 once nothing changed', async () => {
    await seed(undefined, [
      { id: 1, name: 'a', updated_at: 1_000 },
      { id: 2, name: 'b', updated_at: 3_000 },
      { id: 3, name: 'c', updated_at: 2_000 },
    ]);
    const changed = await page('?filter[updated_at][from]=2000&order[updated_at]=asc');
    expect(changed.body._embedded.contacts.map((c) => c.id)).toEqual([3, 2]);
    const none = await api('/api/v4/contacts?filter[updated_at][from]=3001&order[updated_at]=asc');
    expect(none.status).toBe(204);
    expect(await none.text()).toBe('');
  });

  it('orders by updated_at asc/desc and rejects other orders', async () => {
    await seed(undefined, [
      { name: 'old', updated_at: 1_000 },
      { name: 'new', updated_at: 3_000 },
      { name: 'mid', updated_at: 2_000 },
    ]);
    expect((await page('?order[updated_at]=asc')).body._embedded.contacts.map((c) => c.name)).toEqual(['old', 'mid', 'new']);
    expect((await page('?order[updated_at]=desc')).body._embedded.contacts.map((c) => c.name)).toEqual(['new', 'mid', 'old']);
    expect((await page('')).body._embedded.contacts.map((c) => c.name)).toEqual(['old', 'new', 'mid']);
    expect((await api('/api/v4/contacts?order[updated_at]=sideways')).status).toBe(400);
    expect((await api('/api/v4/contacts?order[name]=asc')).status).toBe(400);
  });

  it('searches with query= in names and field values', async () => {
    await seed(undefined, [{ name: 'Alice', email: 'a@x.test' }, { name: 'Bob', email: 'bob@findme.test' }]);
    expect((await page('?query=findme')).body._embedded.contacts.map((c) => c.name)).toEqual(['Bob']);
  });
});

describe('contact shape', () => {
  it('has Kommo fields: multitext EMAIL/PHONE with enum ids, null custom fields when none, account_id, _links', async () => {
    await seed(undefined, [{ name: 'Full', first_name: 'Ful', last_name: 'L', email: ['w@x.test'], phone: '+100' }, { name: 'Bare' }]);
    const list = (await page('?with=leads')).body._embedded.contacts;
    const full = list[0];
    expect(full).toMatchObject({ name: 'Full', first_name: 'Ful', last_name: 'L', is_deleted: false, account_id: 29_000_002 });
    expect(full?._links.self.href).toBe(`${base()}/api/v4/contacts/${full?.id}`);
    expect(full?._embedded.leads).toEqual([]);
    const email = full?.custom_fields_values?.find((f) => f.field_code === 'EMAIL');
    expect(email).toMatchObject({ field_name: 'Email', field_type: 'multitext' });
    expect(email?.values[0]).toEqual({ value: 'w@x.test', enum_id: expect.any(Number), enum_code: 'WORK' });
    expect(full?.custom_fields_values?.find((f) => f.field_code === 'PHONE')?.values[0]?.value).toBe('+100');
    expect(list[1]?.custom_fields_values).toBeNull();
  });

  it('GET /api/v4/contacts/{id}: the contact, 204 when missing (404 when configured)', async () => {
    const { firstId } = await seed({ count: 2 });
    const one = await api(`/api/v4/contacts/${firstId}`);
    expect(one.status).toBe(200);
    expect(((await one.json()) as Contact).id).toBe(firstId);
    expect((await api('/api/v4/contacts/999')).status).toBe(204);
    await sb.control.configure('kommo', { missingContactStatus: 404 });
    expect((await api('/api/v4/contacts/999')).status).toBe(404);
  });

  it('GET /api/v4/account describes the account', async () => {
    await seed();
    const res = await api('/api/v4/account');
    expect(await res.json()).toMatchObject({ id: 29_000_002, subdomain: SUB });
  });

  // How fast is measured by `npm run bench -- sandbox` (kommo_seed_50k_ms, kommo_deep_page_ms).
  it('generates large contact sets and pages deep into them', async () => {
    const { firstId } = await seed({ count: 50_000 });
    const deep = await page('?limit=250&page=200');
    expect(deep.body._embedded.contacts.map((c) => c.id)).toEqual(Array.from({ length: 250 }, (_, k) => firstId + 49_750 + k));
    const state = await sb.control.state<{ accounts: { contactCount: number; contacts?: unknown[] }[] }>('kommo', { contacts: '0' });
    expect(state.accounts[0]?.contactCount).toBe(50_000);
    expect(state.accounts[0]?.contacts).toBeUndefined();
  });
});
