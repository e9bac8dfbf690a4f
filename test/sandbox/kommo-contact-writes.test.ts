import { describe, expect, it } from 'vitest';
import { useKommoContacts, type Contact, type Problem } from './kommo-fixtures';

// Kommo API v4 contacts, writing: POST and PATCH batches, validation-errors, PATCH replacing only named fields.

const { sb, seed, api } = useKommoContacts('acme', 'at-contacts', 29_000_002);

describe('POST and PATCH /api/v4/contacts', () => {
  it('creates contacts from an array and reports ids with request_id', async () => {
    await seed();
    await sb.control.advanceClock(60_000);
    const res = await api('/api/v4/contacts', {
      method: 'POST',
      body: JSON.stringify([
        { name: 'New One', custom_fields_values: [{ field_code: 'EMAIL', values: [{ value: 'n1@x.test', enum_code: 'WORK' }] }] },
        { first_name: 'Two', last_name: 'New', request_id: 'r2' },
      ]),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { _embedded: { contacts: { id: number; request_id: string }[] } };
    expect(body._embedded.contacts.map((c) => c.request_id)).toEqual(['0', 'r2']);
    const id = body._embedded.contacts[0]?.id ?? 0;
    const got = (await (await api(`/api/v4/contacts/${id}`)).json()) as Contact;
    expect(got.custom_fields_values?.[0]?.values[0]?.value).toBe('n1@x.test');
    const clock = (await (await fetch(`${sb.baseUrl}/_control/clock`)).json()) as { now: string };
    expect(Math.abs(got.updated_at - Math.floor(Date.parse(clock.now) / 1000))).toBeLessThan(5);
    const second = (await (await api(`/api/v4/contacts/${body._embedded.contacts[1]?.id}`)).json()) as Contact;
    expect(second.name).toBe('Two New');
  });

  it('rejects bad items with validation-errors and writes nothing', async () => {
    await seed();
    const res = await api('/api/v4/contacts', {
      method: 'POST',
      body: JSON.stringify([
        { name: 'ok' },
        { name: 42 },
        { name: 'bad field', custom_fields_values: [{ field_id: 1, values: [{ value: 'x' }] }] },
        { name: 'bad enum', custom_fields_values: [{ field_code: 'EMAIL', values: [{ value: 'x', enum_code: 'NOPE' }] }] },
      ]),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as Problem;
    const errs = body['validation-errors'] ?? [];
    expect(errs.map((e) => e.request_id)).toEqual(['1', '2', '3']);
    expect(errs[0]?.errors[0]).toMatchObject({ code: 'InvalidType', path: 'name' });
    expect(errs[1]?.errors[0]).toMatchObject({ code: 'NotSupportedChoice', path: 'custom_fields_values.0.field_id' });
    expect(errs[2]?.errors[0]).toMatchObject({ code: 'NotSupportedChoice', path: 'custom_fields_values.0.values.0.enum_code' });
    expect((await api('/api/v4/contacts')).status).toBe(204);
  });

  it('rejects a body that is not an array, and batches over the limit', async () => {
    await seed();
    expect((await api('/api/v4/contacts', { method: 'POST', body: JSON.stringify({ name: 'x' }) })).status).toBe(400);
    expect((await api('/api/v4/contacts', { method: 'POST', body: '{not json' })).status).toBe(400);
    const big = Array.from({ length: 251 }, (_, i) => ({ name: `c${i}` }));
    expect((await api('/api/v4/contacts', { method: 'POST', body: JSON.stringify(big) })).status).toBe(400);
  });

  it('updates with PATCH (array and single), replacing only the named custom fields', async () => {
    const { firstId } = await seed(undefined, [{ name: 'P', email: 'p@x.test', phone: '+1' }, { name: 'Q' }]);
    const res = await api('/api/v4/contacts', {
      method: 'PATCH',
      body: JSON.stringify([{ id: firstId, name: 'P2', custom_fields_values: [{ field_code: 'EMAIL', values: [{ value: 'p2@x.test' }] }] }]),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { _embedded: { contacts: { id: number; name: string }[] } };
    expect(body._embedded.contacts[0]).toMatchObject({ id: firstId, name: 'P2' });
    const got = (await (await api(`/api/v4/contacts/${firstId}`)).json()) as Contact;
    expect(got.custom_fields_values?.find((f) => f.field_code === 'EMAIL')?.values.map((v) => v.value)).toEqual(['p2@x.test']);
    expect(got.custom_fields_values?.find((f) => f.field_code === 'PHONE')?.values[0]?.value).toBe('+1');

    const single = await api(`/api/v4/contacts/${firstId + 1}`, { method: 'PATCH', body: JSON.stringify({ last_name: 'Z' }) });
    expect(single.status).toBe(200);
    expect(((await (await api(`/api/v4/contacts/${firstId + 1}`)).json()) as { last_name: string }).last_name).toBe('Z');
    expect((await api('/api/v4/contacts/424242', { method: 'PATCH', body: JSON.stringify({ name: 'x' }) })).status).toBe(404);

    const clear = await api('/api/v4/contacts', { method: 'PATCH', body: JSON.stringify([{ id: firstId, custom_fields_values: [{ field_code: 'PHONE', values: null }] }]) });
    expect(clear.status).toBe(200);
    const cleared = (await (await api(`/api/v4/contacts/${firstId}`)).json()) as Contact;
    expect(cleared.custom_fields_values?.map((f) => f.field_code)).toEqual(['EMAIL']);
  });

  it('rejects PATCH of unknown ids or items without id', async () => {
    await seed(undefined, [{ name: 'P' }]);
    const res = await api('/api/v4/contacts', { method: 'PATCH', body: JSON.stringify([{ id: 5, name: 'x' }, { name: 'no id' }]) });
    expect(res.status).toBe(400);
    const body = (await res.json()) as Problem;
    expect(body['validation-errors']?.map((e) => e.errors[0]?.code)).toEqual(['NotFound', 'NotBlank']);
  });
});
