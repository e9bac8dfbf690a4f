import { describe, expect, it } from 'vitest';
import { FailureType, ProviderError } from '../../providers/errors';
import { NO_RETRY } from '../../providers/http';
import { KOMMO_BLOCK_MS } from '../../providers/kommo/errors';
import { KommoClient, type KommoClientOptions } from '../../providers/kommo/client';
import { contactEmails } from '../../providers/kommo/types';
import type { RunningSandbox } from '../helpers/sandbox';
import { useSandbox } from '../sandbox/use-sandbox';
import { caught, KOMMO_TOKEN, renderings } from './mirror-fixtures';

// The Kommo data client against the sandbox's Kommo: account, contacts by time and by id, events, webhooks, errors.

const SUB = 'acme';

const sb: RunningSandbox = useSandbox(async () => {
  await sb.control.seed('kommo', {
    accounts: [{ subdomain: SUB, accountId: 29_100_001, tokens: [{ accessToken: KOMMO_TOKEN }], generateContacts: { count: 600, updatedAtFrom: 1_700_000_000, updatedAtStepSeconds: 10 } }],
  });
});

const client = (extra: Partial<KommoClientOptions> = {}): KommoClient =>
  new KommoClient({ baseUrl: `${sb.baseUrl}/kommo/${SUB}`, accessToken: async () => KOMMO_TOKEN, ...extra });

const firstId = 1_000_001;
const control = (path: string, ids: number[]): Promise<unknown> => sb.control.call('POST', `/kommo${path}`, { subdomain: SUB, ids });

describe('kommo client: reads', () => {
  it('gets the account', async () => {
    expect(await client().getAccount()).toMatchObject({ id: 29_100_001, subdomain: SUB });
  });

  it('reads contacts changed since a time, 250 a page, oldest first, following _links.next', async () => {
    const from = 1_700_000_000 + 10 * 100;
    const pages = [];
    for await (const p of client().contactPages({ updatedFrom: from })) pages.push(p);
    expect(pages.map((p) => p.items.length)).toEqual([250, 250]);
    const all = pages.flatMap((p) => p.items);
    expect(all[0]).toMatchObject({ id: firstId + 100, updated_at: from });
    expect(all.every((c, i) => i === 0 || c.updated_at >= (all[i - 1]?.updated_at ?? 0))).toBe(true);
    expect(contactEmails(all[0]!)).toEqual([expect.stringContaining('@example.test')]);
    expect(pages[1]?.next).toBeNull();
    const requests = await sb.control.requests({ provider: 'kommo', path: '/api/v4/contacts' });
    expect(requests[0]?.url).toContain('filter%5Bupdated_at%5D%5Bfrom%5D=');
    expect(requests[0]?.url).toContain('order%5Bupdated_at%5D=asc');
  });

  it('resumes from a stored next link, and reads an empty answer (204) as no page', async () => {
    const first = await client().contactsPage({ updatedFrom: 1_700_000_000, limit: 100 });
    expect(first.next).not.toBeNull();
    const second = await client().contactsPage({ next: first.next ?? '' });
    expect(second.items[0]?.id).toBe(firstId + 100);
    const none = await client().contactsPage({ updatedFrom: 2_000_000_000 });
    expect(none).toEqual({ items: [], next: null });
    const pages = [];
    for await (const p of client().contactPages({ updatedFrom: 2_000_000_000 })) pages.push(p);
    expect(pages).toEqual([]);
  });

  it('finds contacts by id, 250 ids a request, and names the ones Kommo no longer has', async () => {
    await control('/contacts/delete', [firstId + 3, firstId + 260]);
    const ids = [...Array.from({ length: 300 }, (_, i) => firstId + i), 99];
    const { found, missing } = await client().contactsByIds(ids);
    expect(found).toHaveLength(298);
    expect(missing.sort()).toEqual([99, firstId + 3, firstId + 260].sort());
    const requests = await sb.control.requests({ provider: 'kommo', path: '/api/v4/contacts' });
    const perRequest = requests.map((r) => new URL(r.url, sb.baseUrl).searchParams.getAll('filter[id][]').length);
    expect(perRequest).toEqual([250, 51]);
  });

  it('lists deletions and restores from the events log, since a time, page by page', async () => {
    await control('/contacts/delete', [firstId, firstId + 1, firstId + 2]);
    await control('/contacts/restore', [firstId + 1]);
    const pages = [];
    for await (const p of client().eventPages({ types: ['contact_deleted', 'contact_restored'], createdFrom: 1_700_000_000, limit: 2 })) pages.push(p);
    expect(pages.map((p) => p.items.length)).toEqual([2, 2]);
    const events = pages.flatMap((p) => p.items);
    expect(events.map((e) => e.type).sort()).toEqual(['contact_deleted', 'contact_deleted', 'contact_deleted', 'contact_restored']);
    expect(events.find((e) => e.type === 'contact_restored')?.entity_id).toBe(firstId + 1);
    expect((await client().eventsPage({ types: ['contact_restored'], createdFrom: 2_000_000_000 })).items).toEqual([]);
  });

  it('subscribes a webhook and lists webhooks with their disabled flag', async () => {
    const c = client();
    expect(await c.listWebhooks()).toEqual([]);
    const hook = await c.subscribeWebhook('https://switchyard.test/kommo/webhook', ['add_contact', 'update_contact', 'delete_contact', 'restore_contact']);
    expect(hook).toMatchObject({ destination: 'https://switchyard.test/kommo/webhook', disabled: false });
    expect((await c.listWebhooks()).map((w) => [w.destination, w.disabled, w.settings.length])).toEqual([['https://switchyard.test/kommo/webhook', false, 4]]);
  });
});

describe('kommo client: errors', () => {
  it('401 is AuthExpired', async () => {
    await sb.control.advanceClock(86_401_000);
    const err = await caught(client().getAccount());
    expect(err).toMatchObject({ kind: FailureType.AuthExpired, provider: 'kommo', details: { status: 401 } });
  });

  it('429 is RateLimited (a second when no Retry-After), and the 403 block RateLimited for 15 minutes', async () => {
    await sb.control.configure('kommo', { rateLimit: { perSecond: 1, blockAfter: 1 } });
    const c = client({ retry: NO_RETRY });
    await c.getAccount();
    const limited = await caught(c.getAccount());
    expect(limited).toMatchObject({ kind: FailureType.RateLimited, details: { status: 429, retryAfterMs: 1_000 } });
    const blocked = await caught(c.getAccount());
    expect(blocked).toMatchObject({ kind: FailureType.RateLimited, details: { status: 403, code: 'blocked', retryAfterMs: KOMMO_BLOCK_MS } });
  });

  it('honours a Retry-After on a 429, and retries it within the budget', async () => {
    await sb.control.armFault({ provider: 'kommo', path: '/api/v4/account', status: 429, retryAfter: 7 });
    expect(await caught(client({ retry: NO_RETRY }).getAccount())).toMatchObject({ details: { retryAfterMs: 7_000 } });
    await sb.control.armFault({ provider: 'kommo', path: '/api/v4/account', status: 429, retryAfter: 0 });
    expect(await client({ retry: { attempts: 2, maxWaitMs: 1_000 } }).getAccount()).toMatchObject({ subdomain: SUB });
  });

  it('400 is Invalid with Kommo\'s title, detail and field paths; a bad limit is refused before sending', async () => {
    await sb.control.armFault({
      provider: 'kommo',
      path: '/api/v4/contacts',
      status: 400,
      headers: { 'content-type': 'application/problem+json' },
      body: { title: 'Bad Request', status: 400, detail: 'Request validation failed', 'validation-errors': [{ request_id: '0', errors: [{ code: 'InvalidType', path: 'filter.id' }] }] },
    });
    const err = await caught(client().contactsPage({ ids: [1] }));
    expect(err).toMatchObject({ kind: FailureType.Invalid, details: { status: 400 } });
    expect(err.message).toContain('Request validation failed (filter.id InvalidType)');
    expect(await caught(client().eventsPage({ types: ['contact_deleted'], limit: 101 }))).toMatchObject({ kind: FailureType.Invalid });
  });

  it('5xx and resets are Transient, retried within the budget', async () => {
    await sb.control.armFault({ provider: 'kommo', path: '/api/v4/account', status: 502, times: 2 });
    expect(await caught(client({ retry: NO_RETRY }).getAccount())).toMatchObject({ kind: FailureType.Transient, details: { status: 502 } });
    expect(await client({ retry: { attempts: 2, maxWaitMs: 1_000, baseDelayMs: 10 } }).getAccount()).toMatchObject({ id: 29_100_001 });
    await sb.control.armFault({ provider: 'kommo', path: '/api/v4/account', reset: true });
    expect(await caught(client({ retry: NO_RETRY }).getAccount())).toMatchObject({ kind: FailureType.Transient });
  });

  it('refuses a next link that leaves the account, so the token goes nowhere else', async () => {
    await sb.control.armFault({
      provider: 'kommo',
      path: '/api/v4/contacts',
      status: 200,
      headers: { 'content-type': 'application/hal+json' },
      body: { _page: 1, _links: { next: { href: 'http://evil.test/api/v4/contacts?page=2' } }, _embedded: { contacts: [] } },
    });
    const err = await caught(client().contactsPage({ updatedFrom: 0 }));
    expect(err).toMatchObject({ kind: FailureType.Invalid });
    expect(err.message).toContain('http://evil.test');
    expect(await caught(client().contactsPage({ next: 'http://evil.test/api/v4/contacts?page=2' }))).toMatchObject({ kind: FailureType.Invalid });
  });

  it('never puts the access token in an error, whatever renders it', async () => {
    await sb.control.armFault({ provider: 'kommo', status: 500, body: { title: 'boom' } });
    await sb.control.armFault({ provider: 'kommo', status: 400, body: 'plain text' });
    const errors: ProviderError[] = [await caught(client({ retry: NO_RETRY }).getAccount()), await caught(client({ retry: NO_RETRY }).listWebhooks())];
    await sb.control.advanceClock(86_401_000);
    errors.push(await caught(client().contactsByIds([firstId])));
    for (const err of errors) for (const text of renderings(err)) expect(text).not.toContain(KOMMO_TOKEN);
  });
});
