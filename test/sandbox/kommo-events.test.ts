import { describe, expect, it } from 'vitest';
import { settledDeliveries, useSandboxWithReceiver } from './kommo-fixtures';

// Kommo deletions and restores: the trash, restore_contact webhooks (contacts[restore][...]) and the events log
// GET /api/v4/events?filter[type][]=contact_deleted&filter[type][]=contact_restored with paging and filter[created_at].

const SUB = 'trash';
const AT = 'at-trash';

interface KommoEvent {
  id: string;
  type: string;
  entity_id: number;
  entity_type: string;
  created_at: number;
  account_id: number;
}
interface EventsPage {
  _page: number;
  _links: { self: { href: string }; next?: { href: string } };
  _embedded: { events: KommoEvent[] };
}
interface Delivery {
  event: string;
  status: string;
  body: string;
}

const { sb, rx } = useSandboxWithReceiver(async () => {
  await sb.control.configure('kommo', { rateLimit: { perSecond: 0 }, webhook: { retryDelaysMs: [] } });
  await sb.control.seed('kommo', {
    accounts: [
      {
        subdomain: SUB,
        accountId: 29_000_004,
        tokens: [{ accessToken: AT }],
        contacts: [
          { id: 11, name: 'Eleven', email: 'eleven@x.test' },
          { id: 12, name: 'Twelve', email: 'twelve@x.test' },
          { id: 13, name: 'Thirteen' },
        ],
      },
    ],
  });
});

const api = (path: string): Promise<Response> => fetch(`${sb.baseUrl}/kommo/${SUB}${path}`, { headers: { authorization: `Bearer ${AT}` } });
const control = (path: string, ids: number[]): Promise<Record<string, unknown>> => sb.control.call('POST', `/kommo${path}`, { subdomain: SUB, ids });

async function events(query: string): Promise<{ status: number; body: EventsPage | undefined }> {
  const res = await api(`/api/v4/events${query}`);
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as EventsPage) : undefined };
}

const DELETES_AND_RESTORES = '?filter[type][]=contact_deleted&filter[type][]=contact_restored';

describe('kommo trash and restore', () => {
  it('takes deleted contacts out of the API and brings restored ones back unchanged', async () => {
    expect(await control('/contacts/delete', [12, 99])).toMatchObject({ deleted: [12] });
    const listed = (await (await api('/api/v4/contacts?filter[id][]=11&filter[id][]=12')).json()) as { _embedded: { contacts: { id: number }[] } };
    expect(listed._embedded.contacts.map((c) => c.id)).toEqual([11]);
    expect((await api('/api/v4/contacts/12')).status).toBe(204);
    expect(await control('/contacts/restore', [12, 11])).toMatchObject({ restored: [12] });
    const back = (await (await api('/api/v4/contacts/12')).json()) as { id: number; name: string; custom_fields_values: { values: { value: string }[] }[] };
    expect(back).toMatchObject({ id: 12, name: 'Twelve' });
    expect(back.custom_fields_values[0]?.values[0]?.value).toBe('twelve@x.test');
  });

  it('sends restore_contact webhooks in the contacts[restore][...] layout, with the whole contact by default', async () => {
    await sb.control.call('POST', '/kommo/webhooks', { subdomain: SUB, destination: rx.url, settings: ['delete_contact', 'restore_contact'] });
    await control('/contacts/delete', [11]);
    await control('/contacts/restore', [11]);
    expect((await settledDeliveries<Delivery>(sb, SUB, 2)).map((d) => [d.event, d.status])).toEqual([
      ['delete', 'delivered'],
      ['restore', 'delivered'],
    ]);
    const f = rx.received[1]?.form ?? {};
    expect(f['contacts[restore][0][id]']).toBe('11');
    expect(f['contacts[restore][0][name]']).toBe('Eleven');
    expect(f['contacts[restore][0][type]']).toBe('contact');
    expect(f['contacts[restore][0][custom_fields][0][code]']).toBe('EMAIL');
    expect(f['contacts[restore][0][custom_fields][0][values][0][value]']).toBe('eleven@x.test');
    expect(f['account[subdomain]']).toBe(SUB);
  });

  it('sends only the id when webhook.restoreLayout is "id", and nothing to hooks without restore_contact', async () => {
    await sb.control.configure('kommo', { webhook: { restoreLayout: 'id' } });
    await sb.control.call('POST', '/kommo/webhooks', { subdomain: SUB, destination: rx.url, settings: ['restore_contact'] });
    await sb.control.call('POST', '/kommo/webhooks', { subdomain: SUB, destination: `${rx.url}/other`, settings: ['delete_contact'] });
    await control('/contacts/delete', [13]);
    await control('/contacts/restore', [13]);
    const list = await settledDeliveries<Delivery>(sb, SUB, 2);
    expect(list.map((d) => d.event).sort()).toEqual(['delete', 'restore']);
    const restore = rx.received.find((r) => 'contacts[restore][0][id]' in r.form)?.form ?? {};
    expect(restore).toMatchObject({ 'contacts[restore][0][id]': '13', 'contacts[restore][0][type]': 'contact' });
    expect(restore['contacts[restore][0][name]']).toBeUndefined();
  });
});

describe('kommo GET /api/v4/events', () => {
  it('lists deletions and restores, newest first, with Kommo event fields', async () => {
    await control('/contacts/delete', [11]);
    await sb.control.advanceClock(5_000);
    await control('/contacts/restore', [11]);
    const { status, body } = await events(DELETES_AND_RESTORES);
    expect(status).toBe(200);
    expect(body?._embedded.events.map((e) => [e.type, e.entity_id])).toEqual([
      ['contact_restored', 11],
      ['contact_deleted', 11],
    ]);
    const [restored, deleted] = body?._embedded.events ?? [];
    expect(restored?.id).toMatch(/^[0-9a-z]{26}$/);
    expect(restored).toMatchObject({ entity_type: 'contact', account_id: 29_000_004 });
    expect((restored?.created_at ?? 0) - (deleted?.created_at ?? 0)).toBe(5);
  });

  it('filters by type (also as a comma list) and logs added contacts as contact_added', async () => {
    await sb.control.call('POST', '/kommo/contacts', { subdomain: SUB, contacts: [{ name: 'New one' }] });
    await control('/contacts/delete', [12]);
    expect((await events('?filter[type][]=contact_deleted')).body?._embedded.events.map((e) => e.entity_id)).toEqual([12]);
    expect((await events('?filter[type]=contact_added')).body?._embedded.events).toHaveLength(1);
    expect((await events('?filter[type]=contact_deleted,contact_restored')).body?._embedded.events).toHaveLength(1);
  });

  it('filters by filter[created_at] as from/to, an exact time or "from,to"', async () => {
    const t0 = Math.floor(new Date((await sb.control.call<{ now: string }>('GET', '/clock')).now).getTime() / 1000);
    await control('/contacts/delete', [11]);
    await sb.control.advanceClock(60_000);
    await control('/contacts/delete', [12]);
    await sb.control.advanceClock(60_000);
    await control('/contacts/delete', [13]);
    const ids = async (q: string): Promise<number[]> => (await events(`${DELETES_AND_RESTORES}${q}`)).body?._embedded.events.map((e) => e.entity_id) ?? [];
    expect(await ids(`&filter[created_at][from]=${t0 + 60}`)).toEqual([13, 12]);
    expect(await ids(`&filter[created_at][to]=${t0 + 59}`)).toEqual([11]);
    expect(await ids(`&filter[created_at]=${t0 + 60},${t0 + 119}`)).toEqual([12]);
  });

  it('pages with limit and _links.next, answers 204 past the end and when nothing matches', async () => {
    await control('/contacts/delete', [11, 12, 13]);
    const first = await events(`${DELETES_AND_RESTORES}&limit=2`);
    expect(first.body?._embedded.events).toHaveLength(2);
    const next = first.body?._links.next?.href ?? '';
    expect(next).toContain('filter%5Btype%5D%5B%5D=contact_deleted');
    const second = (await (await fetch(next, { headers: { authorization: `Bearer ${AT}` } })).json()) as EventsPage;
    expect(second._page).toBe(2);
    expect(second._links.next).toBeUndefined();
    const all = [...(first.body?._embedded.events ?? []), ...second._embedded.events].map((e) => e.entity_id).sort();
    expect(all).toEqual([11, 12, 13]);
    expect((await events(`${DELETES_AND_RESTORES}&limit=2&page=3`)).status).toBe(204);
    expect((await events('?filter[type][]=contact_restored')).status).toBe(204);
  });

  it('refuses limit over 100 and non-integer times with validation-errors; order is a switch', async () => {
    const big = await api('/api/v4/events?limit=101');
    expect(big.status).toBe(400);
    expect(await big.json()).toMatchObject({ 'validation-errors': [{ errors: [{ code: 'LessThanOrEqual', path: 'limit' }] }] });
    expect((await api('/api/v4/events?filter[created_at][from]=yesterday')).status).toBe(400);
    await control('/contacts/delete', [11, 12]);
    await sb.control.configure('kommo', { events: { order: 'asc' } });
    expect((await events(DELETES_AND_RESTORES)).body?._embedded.events.map((e) => e.entity_id)).toEqual([11, 12]);
  });

  it('is behind the same auth and limits as the rest of the API', async () => {
    expect((await fetch(`${sb.baseUrl}/kommo/${SUB}/api/v4/events`)).status).toBe(401);
  });
});
