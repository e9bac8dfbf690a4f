import { commaList, flag, listIds, type Method } from './call';
import { fail } from './errors';
import { isEmail, unisenderTime, type ListStatus, type UnisenderAccount } from './store';

/** Fields of a subscribe call: the email, the phone and the account's user fields (names matched case-insensitively). */
function subscribeFields(acc: UnisenderAccount, fields: Record<string, string>): { email: string; phone?: string; userFields: Record<string, string> } {
  const emailKey = Object.keys(fields).find((k) => k.toLowerCase() === 'email');
  const email = emailKey ? fields[emailKey] : undefined;
  if (!email) fail('invalid_arg', 'fields[email] is required');
  if (!isEmail(email)) fail('invalid_arg', `Invalid e-mail address "${email}"`);
  const userFields: Record<string, string> = {};
  let phone: string | undefined;
  for (const [k, v] of Object.entries(fields)) {
    if (k === emailKey) continue;
    if (k.toLowerCase() === 'phone') {
      phone = v;
      continue;
    }
    const name = acc.field(k);
    if (!name) fail('invalid_arg', `Field "${k}" not found`);
    userFields[name] = v;
  }
  return { email, ...(phone !== undefined ? { phone } : {}), userFields };
}

export const contactMethods: Record<string, Method> = {
  // https://www.unisender.com/en/support/api/contacts/subscribe/
  subscribe: ({ acc, p, now }) => {
    const ids = listIds(acc, p.get('list_ids'), 'list_ids');
    if (!ids.length) fail('invalid_arg', 'list_ids is required');
    const { email, phone, userFields } = subscribeFields(acc, p.object('fields'));
    const doubleOptin = flag(p, 'double_optin', ['0', '3', '4'], '0');
    const overwrite = flag(p, 'overwrite', ['0', '1', '2'], '0');
    const tags = commaList(p.get('tags'));

    const existing = acc.contact(email);
    // double_optin: 0 = send a confirmation first, 3 = consent already given, 4 = active if already known+active.
    const confirmed = doubleOptin === '3' || (doubleOptin === '4' && existing?.emailStatus === 'active');
    const c = existing ?? acc.newContact(email, now, confirmed ? 'active' : 'invited');
    if (existing && confirmed && c.emailStatus !== 'active' && c.emailStatus !== 'blocked') c.emailStatus = 'active';
    if (overwrite === '1') {
      c.fields = { ...userFields };
      c.tags = new Set(tags);
    } else if (overwrite === '2') {
      Object.assign(c.fields, userFields);
      for (const t of tags) c.tags.add(t);
    } else {
      for (const [k, v] of Object.entries(userFields)) if (c.fields[k] === undefined || c.fields[k] === '') c.fields[k] = v;
      for (const t of tags) c.tags.add(t);
    }
    if (phone !== undefined && (overwrite !== '0' || c.phone === undefined)) c.phone = phone;
    for (const id of ids) {
      const m = c.lists.get(id);
      const status: ListStatus = confirmed ? 'active' : 'invited';
      if (!m) c.lists.set(id, { status, addedAt: now });
      else if (m.status !== 'active') m.status = status;
    }
    return { person_id: c.personId };
  },

  // https://www.unisender.com/en/support/api/contacts/exclude/
  exclude: ({ acc, p }) => {
    const type = p.get('contact_type');
    if (type !== 'email' && type !== 'phone') fail('invalid_arg', 'contact_type must be email or phone');
    const contact = p.get('contact')?.trim();
    if (!contact) fail('invalid_arg', 'contact is required');
    const ids = listIds(acc, p.get('list_ids'), 'list_ids');
    const c = type === 'email' ? acc.contact(contact) : [...acc.contacts.values()].find((x) => x.phone === contact);
    if (c) {
      if (ids.length) for (const id of ids) c.lists.delete(id);
      else c.lists.clear();
    }
    return {};
  },

  // https://www.unisender.com/en/support/api/contacts/getcontact/
  getContact: ({ acc, p, config }) => {
    const email = p.get('email');
    if (!email) fail('invalid_arg', 'email is required');
    const c = acc.contact(email);
    if (!c) return fail(config.contactNotFoundCode, `Contact "${email}" not found`);
    const on = (n: string): boolean => p.get(n) === '1';
    return {
      email: {
        email: c.email,
        added_at: unisenderTime(c.addedAt),
        status: c.emailStatus,
        availability: 'available',
        ...(on('include_details')
          ? { last_message_id: null, last_send_datetime: null, last_delivery_datetime: null, last_read_datetime: null, last_click_datetime: null, rating: 0 }
          : {}),
      },
      ...(on('include_lists') ? { lists: [...c.lists.entries()].map(([id, m]) => ({ id, status: m.status, added_at: unisenderTime(m.addedAt) })) } : {}),
      ...(on('include_fields') ? { fields: c.fields } : {}),
      ...(c.phone !== undefined ? { phone: { phone: c.phone, status: 'active' } } : {}),
    };
  },
};
