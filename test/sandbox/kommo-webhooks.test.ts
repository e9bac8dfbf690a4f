import { describe, expect, it } from 'vitest';
import { settledDeliveries, useSandboxWithReceiver } from './kommo-fixtures';

// Kommo webhooks: old form-encoded layout, ~2 s deadline, retries with backoff, disabling after repeated failures.

const SUB = 'hooks';
const AT = 'at-hooks';

interface Delivery {
  id: number;
  event: string;
  status: string;
  reason?: string;
  contactIds: number[];
  attempts: { status?: number; error?: string }[];
}
interface State {
  accounts: { webhooks: { id: number; disabled: boolean; consecutiveFailures: number }[]; deliveries: Delivery[] }[];
}

const { sb, rx } = useSandboxWithReceiver(async () => {
  await sb.control.configure('kommo', { rateLimit: { perSecond: 0 }, webhook: { retryDelaysMs: [20, 40, 80] } });
});

async function seed(settings?: string[], contacts: unknown[] = []): Promise<void> {
  await sb.control.seed('kommo', {
    accounts: [
      {
        subdomain: SUB,
        accountId: 29_000_003,
        tokens: [{ accessToken: AT }],
        webhooks: [{ destination: rx.url, ...(settings ? { settings } : {}) }],
        contacts,
      },
    ],
  });
}

const settled = (count = 1): Promise<Delivery[]> => settledDeliveries<Delivery>(sb, SUB, count);

const api = (path: string, method: string, body?: unknown): Promise<Response> =>
  fetch(`${sb.baseUrl}/kommo/${SUB}${path}`, {
    method,
    headers: { authorization: `Bearer ${AT}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });

const control = async (method: string, path: string, body: unknown): Promise<Record<string, unknown>> => {
  const res = await fetch(`${sb.baseUrl}/_control/kommo${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
};

describe('kommo webhook payloads', () => {
  it('sends contacts[add] in the old form layout when the API creates contacts', async () => {
    await seed();
    const res = await api('/api/v4/contacts', 'POST', [
      { name: 'Hook Me', custom_fields_values: [{ field_code: 'EMAIL', values: [{ value: 'hook@x.test', enum_code: 'WORK' }] }] },
    ]);
    const id = ((await res.json()) as { _embedded: { contacts: { id: number }[] } })._embedded.contacts[0]?.id;
    const [d] = await settled();
    expect(d).toMatchObject({ event: 'add', status: 'delivered', contactIds: [id] });
    const got = rx.received[0];
    expect(got?.contentType).toBe('application/x-www-form-urlencoded');
    const f = got?.form ?? {};
    expect(f['contacts[add][0][id]']).toBe(String(id));
    expect(f['contacts[add][0][name]']).toBe('Hook Me');
    expect(f['contacts[add][0][responsible_user_id]']).toMatch(/^\d+$/);
    expect(f['contacts[add][0][date_create]']).toMatch(/^\d+$/);
    expect(f['contacts[add][0][last_modified]']).toMatch(/^\d+$/);
    expect(f['contacts[add][0][custom_fields][0][code]']).toBe('EMAIL');
    expect(f['contacts[add][0][custom_fields][0][name]']).toBe('Email');
    expect(f['contacts[add][0][custom_fields][0][id]']).toMatch(/^\d+$/);
    expect(f['contacts[add][0][custom_fields][0][values][0][value]']).toBe('hook@x.test');
    expect(f['contacts[add][0][custom_fields][0][values][0][enum]']).toMatch(/^\d+$/);
    expect(f['account[subdomain]']).toBe(SUB);
    expect(f['account[id]']).toBe('29000003');
  });

  it('sends contacts[update] for API PATCH and contacts[delete] for a deletion in the UI (control)', async () => {
    await seed(undefined, [{ id: 501, name: 'U', email: 'u@x.test' }]);
    await api('/api/v4/contacts', 'PATCH', [{ id: 501, name: 'U2' }]);
    await settled(1);
    const del = await control('POST', '/contacts/delete', { subdomain: SUB, ids: [501, 999] });
    expect(del.deleted).toEqual([501]);
    await settled(2);
    expect(rx.received[0]?.form['contacts[update][0][name]']).toBe('U2');
    expect(rx.received[0]?.form['contacts[update][0][custom_fields][0][values][0][value]']).toBe('u@x.test');
    expect(rx.received[1]?.form).toMatchObject({ 'contacts[delete][0][id]': '501', 'contacts[delete][0][type]': 'contact', 'account[subdomain]': SUB });
    expect((await api('/api/v4/contacts/501', 'GET')).status).toBe(204);
  });

  it('fires add/update hooks for control-made contact changes too', async () => {
    await seed();
    const added = await control('POST', '/contacts', { subdomain: SUB, contacts: [{ id: 700, name: 'UI made', email: 'ui@x.test' }] });
    expect((added.deliveries as number[]).length).toBe(1);
    await control('PATCH', '/contacts', { subdomain: SUB, contacts: [{ id: 700, email: 'ui2@x.test' }] });
    const list = await settled(2);
    expect(list.map((d) => d.event)).toEqual(['add', 'update']);
    expect(rx.received[1]?.form['contacts[update][0][custom_fields][0][values][0][value]']).toBe('ui2@x.test');
    expect(rx.received[1]?.form['contacts[update][0][name]']).toBe('UI made');
  });

  it('sends enum codes instead of ids when webhook.enumAs=code', async () => {
    await seed();
    await sb.control.configure('kommo', { webhook: { enumAs: 'code' } });
    await control('POST', '/contacts', { subdomain: SUB, contacts: [{ name: 'E', email: 'e@x.test' }] });
    await settled();
    expect(rx.received[0]?.form['contacts[add][0][custom_fields][0][values][0][enum]']).toBe('WORK');
  });

  it('only sends events the webhook subscribed to', async () => {
    await seed(['update_contact']);
    await control('POST', '/contacts', { subdomain: SUB, contacts: [{ id: 1, name: 'quiet' }] });
    await control('PATCH', '/contacts', { subdomain: SUB, contacts: [{ id: 1, name: 'loud' }] });
    const list = await settled(1);
    expect(list.map((d) => d.event)).toEqual(['update']);
  });
});

describe('kommo webhook delivery', () => {
  it('retries non-2xx answers with backoff until one succeeds', async () => {
    await seed();
    rx.script = [{ status: 500 }, { status: 404 }];
    await control('POST', '/contacts', { subdomain: SUB, contacts: [{ name: 'retry' }] });
    const [d] = await settled();
    expect(d?.status).toBe('delivered');
    expect(d?.attempts.map((a) => a.status)).toEqual([500, 404, 200]);
    expect(rx.received).toHaveLength(3);
  });

  it('treats an answer slower than the timeout as a failure and retries', async () => {
    await seed();
    await sb.control.configure('kommo', { webhook: { timeoutMs: 300 } });
    rx.script = [{ delayMs: 900 }];
    await control('POST', '/contacts', { subdomain: SUB, contacts: [{ name: 'slow' }] });
    const [d] = await settled();
    expect(d?.attempts[0]?.error).toMatch(/timeout/);
    expect(d?.attempts[1]?.status).toBe(200);
    expect(d?.status).toBe('delivered');
  });

  it('gives up after the configured attempts', async () => {
    await seed();
    rx.script = [{ status: 500 }, { status: 500 }, { status: 500 }, { status: 500 }];
    await control('POST', '/contacts', { subdomain: SUB, contacts: [{ name: 'doomed' }] });
    const [d] = await settled();
    expect(d?.status).toBe('failed');
    expect(d?.attempts).toHaveLength(4);
  });

  it('records connection errors to an unreachable destination', async () => {
    await sb.control.seed('kommo', { accounts: [{ subdomain: SUB, webhooks: [{ destination: 'http://127.0.0.1:9/nowhere' }] }] });
    await sb.control.configure('kommo', { webhook: { retryDelaysMs: [] } });
    await control('POST', '/contacts', { subdomain: SUB, contacts: [{ name: 'x' }] });
    const [d] = await settled();
    expect(d?.status).toBe('failed');
    expect(d?.attempts[0]?.error).toBeTruthy();
  });

  it('disables a webhook after too many consecutive failures and skips later events', async () => {
    await seed();
    await sb.control.configure('kommo', { webhook: { disableAfterFailures: 3, retryDelaysMs: [10, 10, 10, 10] } });
    rx.script = Array.from({ length: 10 }, () => ({ status: 503 }));
    await control('POST', '/contacts', { subdomain: SUB, contacts: [{ name: 'x' }] });
    const [d] = await settled();
    expect(d?.status).toBe('failed');
    expect(d?.reason).toMatch(/disabled/);
    expect(d?.attempts).toHaveLength(3);
    await control('POST', '/contacts', { subdomain: SUB, contacts: [{ name: 'y' }] });
    const list = await settled(2);
    expect(list[1]?.status).toBe('skipped');
    const state = await sb.control.state<State>('kommo', { subdomain: SUB, contacts: '0' });
    expect(state.accounts[0]?.webhooks[0]).toMatchObject({ disabled: true, consecutiveFailures: 3 });
    const listed = (await (await api('/api/v4/webhooks', 'GET')).json()) as { _embedded: { webhooks: { destination: string; disabled: boolean }[] } };
    expect(listed._embedded.webhooks).toEqual([expect.objectContaining({ destination: rx.url, disabled: true })]);

    // Subscribing again (as an integration would) revives it.
    await control('POST', '/webhooks', { subdomain: SUB, destination: rx.url });
    rx.script = [];
    await control('POST', '/contacts', { subdomain: SUB, contacts: [{ name: 'z' }] });
    expect((await settled(3))[2]?.status).toBe('delivered');
  });
});

describe('kommo /api/v4/webhooks', () => {
  it('subscribes, lists and unsubscribes a destination', async () => {
    await sb.control.seed('kommo', { accounts: [{ subdomain: SUB, tokens: [{ accessToken: AT }] }] });
    const created = await api('/api/v4/webhooks', 'POST', { destination: rx.url, settings: ['add_contact', 'delete_contact'] });
    expect(created.status).toBe(200);
    expect(await created.json()).toMatchObject({ destination: rx.url, settings: ['add_contact', 'delete_contact'], disabled: false });
    const list = (await (await api('/api/v4/webhooks', 'GET')).json()) as { _total_items: number; _embedded: { webhooks: { destination: string }[] } };
    expect(list._total_items).toBe(1);
    await control('POST', '/contacts', { subdomain: SUB, contacts: [{ name: 'via api hook' }] });
    await settled(1);
    expect(rx.received[0]?.form['contacts[add][0][name]']).toBe('via api hook');

    expect((await api('/api/v4/webhooks', 'DELETE', { destination: rx.url })).status).toBe(204);
    expect((await api('/api/v4/webhooks', 'DELETE', { destination: rx.url })).status).toBe(404);
    expect(((await (await api('/api/v4/webhooks', 'GET')).json()) as { _total_items: number })._total_items).toBe(0);
  });

  it('rejects unknown settings and missing destinations', async () => {
    await sb.control.seed('kommo', { accounts: [{ subdomain: SUB, tokens: [{ accessToken: AT }] }] });
    expect((await api('/api/v4/webhooks', 'POST', { destination: rx.url, settings: ['add_unicorn'] })).status).toBe(400);
    expect((await api('/api/v4/webhooks', 'POST', { settings: ['add_contact'] })).status).toBe(400);
    expect((await api('/api/v4/webhooks', 'DELETE', {})).status).toBe(400);
  });
});
