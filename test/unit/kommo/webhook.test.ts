import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { webhookBody } from '../../../sandbox/kommo/webhooks';
import { consentUrl, parseKommoWebhook, subdomainFromReferer, type FormBody } from '../../../providers/kommo/webhook';

/** Kommo's form-encoded contact webhooks, as a form parser hands them over (repeated keys become arrays). */
const form = (text: string): FormBody => {
  const out: FormBody = {};
  for (const [k, v] of new URLSearchParams(text)) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
};

describe('parseKommoWebhook', () => {
  it('reads every event id and the account of a delivery in Kommo\'s layout', () => {
    const body = form(
      'contacts[add][0][id]=11&contacts[add][0][name]=Ana&contacts[add][0][custom_fields][0][code]=EMAIL&contacts[add][0][custom_fields][0][values][0][value]=a@x.test' +
        '&contacts[update][0][id]=12&contacts[delete][0][id]=13&contacts[delete][0][type]=contact&contacts[restore][0][id]=14&account[subdomain]=acme&account[id]=29000001',
    );
    expect(parseKommoWebhook(body)).toEqual({
      ok: true,
      value: { accountId: 29000001, subdomain: 'acme', events: [{ event: 'add', id: 11 }, { event: 'update', id: 12 }, { event: 'delete', id: 13 }, { event: 'restore', id: 14 }] },
    });
  });

  it('reads the sandbox\'s own deliveries (several contacts in one)', () => {
    const acc = { subdomain: 'acme', accountId: 7 } as never;
    const contacts = [1, 2].map((id) => ({ id, name: `c${id}`, responsible_user_id: 1, created_at: 1, updated_at: 2, created_by: 1, updated_by: 1, custom_fields_values: [] }));
    const text = webhookBody(acc, 'update', contacts as never, 'http://sb', { timeoutMs: 2000, retryDelaysMs: [], disableAfterFailures: 1, enumAs: 'id', restoreLayout: 'full' });
    const parsed = parseKommoWebhook(form(text));
    expect(parsed.ok && parsed.value.events.map((e) => e.id)).toEqual([1, 2]);
  });

  it('names what is wrong: missing or bad ids, a missing or bad account, no contact events', () => {
    const issues = (text: string): string[] => {
      const r = parseKommoWebhook(form(text));
      return r.ok ? [] : r.issues;
    };
    expect(issues('contacts[add][0][name]=x&account[id]=5')).toEqual(['contacts[add][0][id] is missing']);
    expect(issues('contacts[update][3][id]=abc&account[id]=5')).toEqual(['contacts[update][3][id] must be a positive integer, got "abc"']);
    expect(issues('contacts[delete][0][id]=0&account[id]=5')).toEqual(['contacts[delete][0][id] must be a positive integer, got "0"']);
    expect(issues('contacts[add][0][id]=1')).toEqual(['account[id] is missing']);
    expect(issues('contacts[add][0][id]=1&account[id]=-2')).toEqual(['account[id] must be a positive integer, got "-2"']);
    expect(issues('leads[add][0][id]=1&account[id]=5')).toEqual(['no contact events: expected contacts[add|update|delete|restore][<i>][id]']);
    expect(issues('')).toHaveLength(2);
  });

  it('never throws, whatever the form holds: an answer or named issues', () => {
    const key = fc.oneof(fc.string(), fc.constantFrom('account[id]', 'contacts[add][0][id]', 'contacts[update][1][id]', 'contacts[delete][x][id]', 'contacts[add][0]', 'contacts[[add]][0][id]', '__proto__'));
    const value = fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 3 }), fc.constantFrom('1', '0', '-1', '1e3', '99999999999999999999', ' 7 '));
    fc.assert(
      fc.property(fc.dictionary(key, value), (body) => {
        const r = parseKommoWebhook(body);
        return r.ok ? r.value.events.every((e) => Number.isSafeInteger(e.id) && e.id > 0) : r.issues.length > 0;
      }),
      { seed: 12, numRuns: 2000 },
    );
  });

  it('leaves out events of kinds it does not mirror (a note on a contact)', () => {
    const r = parseKommoWebhook(form('contacts[note][0][id]=1&contacts[update][0][id]=2&account[id]=5'));
    expect(r.ok && r.value.events).toEqual([{ event: 'update', id: 2 }]);
  });
});

describe('the install redirect', () => {
  it('takes the subdomain only from <subdomain>.kommo.com', () => {
    expect(subdomainFromReferer('acme.kommo.com')).toBe('acme');
    expect(subdomainFromReferer('my-shop2.kommo.com')).toBe('my-shop2');
    for (const bad of [undefined, '', 'www.kommo.com', 'acme.kommo.com.evil.test', 'evil.test', 'https://acme.kommo.com', 'a.b.kommo.com', 'ACME.kommo.com', 'acme.amocrm.ru']) {
      expect(subdomainFromReferer(bad)).toBeNull();
    }
  });

  it('builds the consent URL on the configured base', () => {
    const u = new URL(consentUrl('https://www.kommo.com', 'cid', 'st/ate'));
    expect(`${u.origin}${u.pathname}`).toBe('https://www.kommo.com/oauth');
    expect(Object.fromEntries(u.searchParams)).toEqual({ client_id: 'cid', state: 'st/ate', mode: 'popup' });
  });
});
