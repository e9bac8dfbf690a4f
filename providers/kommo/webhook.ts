/**
 * Kommo's contact webhooks: POST, application/x-www-form-urlencoded, in the pre-v4 layout
 * (`contacts[add][0][id]`, `contacts[update][0][custom_fields][0][values][0][value]`, `contacts[delete][0][id]`,
 * `contacts[restore][0][id]`, `account[id]`, `account[subdomain]`).
 * https://www.kommo.com/developers/content/crm_platform/webhooks-format/
 * Only the ids are read: an event means "this contact changed", and its current state is fetched from the API
 * (a webhook may arrive late, twice, or out of order).
 */

export const CONTACT_EVENTS = ['add', 'update', 'delete', 'restore'] as const;
export type ContactEvent = (typeof CONTACT_EVENTS)[number];

export interface KommoWebhook {
  accountId: number;
  subdomain: string | null;
  events: { event: ContactEvent; id: number }[];
}

export type ParsedWebhook = { ok: true; value: KommoWebhook } | { ok: false; issues: string[] };

/** A form body as a form parser answers it: each key once, a repeated key as an array. */
export type FormBody = Record<string, string | string[] | undefined>;

const CONTACT_KEY = /^contacts\[([a-z_]+)\]\[(\d+)\]\[([^\]]+)\]/;
const POSITIVE_INT = /^[1-9]\d{0,14}$/; // up to 15 digits: always a safe integer

const single = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

/** Reads a delivery's contact events and account id, or names every problem (the key and what is wrong). */
export function parseKommoWebhook(body: FormBody): ParsedWebhook {
  const issues: string[] = [];
  const rawAccount = single(body['account[id]'])?.trim();
  let accountId = 0;
  if (rawAccount === undefined || rawAccount === '') issues.push('account[id] is missing');
  else if (!POSITIVE_INT.test(rawAccount)) issues.push(`account[id] must be a positive integer, got "${rawAccount.slice(0, 40)}"`);
  else accountId = Number(rawAccount);

  // Every (event, index) mentioned must carry an id: a contact without one is a body we cannot act on.
  const items = new Map<string, { event: ContactEvent; index: string; id?: string }>();
  for (const [k, v] of Object.entries(body)) {
    const m = CONTACT_KEY.exec(k);
    if (!m) continue;
    const [, event, index, field] = m as unknown as [string, string, string, string];
    if (!(CONTACT_EVENTS as readonly string[]).includes(event)) continue; // events we did not subscribe to
    const item = items.get(`${event}#${index}`) ?? { event: event as ContactEvent, index };
    if (field === 'id') item.id = single(v)?.trim() ?? '';
    items.set(`${event}#${index}`, item);
  }
  const events: KommoWebhook['events'] = [];
  for (const item of items.values()) {
    const key = `contacts[${item.event}][${item.index}][id]`;
    if (item.id === undefined || item.id === '') issues.push(`${key} is missing`);
    else if (!POSITIVE_INT.test(item.id)) issues.push(`${key} must be a positive integer, got "${item.id.slice(0, 40)}"`);
    else events.push({ event: item.event, id: Number(item.id) });
  }
  if (!items.size) issues.push('no contact events: expected contacts[add|update|delete|restore][<i>][id]');
  if (issues.length) return { ok: false, issues };
  return { ok: true, value: { accountId, subdomain: single(body['account[subdomain]'])?.trim() || null, events } };
}

// https://www.kommo.com/developers/content/oauth/step-by-step/
/** Kommo's consent page for an integration; `kommoBaseUrl('www')` is https://www.kommo.com (or the sandbox's). */
export function consentUrl(wwwBaseUrl: string, clientId: string, state: string): string {
  const q = new URLSearchParams({ client_id: clientId, state, mode: 'popup' });
  return `${wwwBaseUrl.replace(/\/+$/, '')}/oauth?${q.toString()}`;
}

/**
 * The account's subdomain from the `referer` Kommo adds to the redirect (`<subdomain>.kommo.com`), or null when it
 * is anything else: the API host is then built from our own base URL, so no code or secret goes to a host the
 * caller chose.
 */
export function subdomainFromReferer(referer: string | undefined): string | null {
  const m = /^([a-z0-9-]+)\.kommo\.com$/.exec(referer ?? '');
  return m && m[1] !== 'www' ? m[1]! : null;
}
