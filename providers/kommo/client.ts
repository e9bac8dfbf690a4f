import type { z } from 'zod';
import { FailureType, ProviderError } from '../errors';
import { HttpClient, type ProviderRequest, type QueryValue, type RetryBudget } from '../http';
import { classifyKommo } from './errors';
import { KommoPacing } from './pacing';
import {
  halPageSchema,
  kommoAccountSchema,
  kommoContactSchema,
  kommoEventSchema,
  kommoWebhookSchema,
  type KommoAccountInfo,
  type KommoContact,
  type KommoEvent,
  type KommoPage,
  type KommoWebhook,
} from './types';

/**
 * Kommo API v4 data client for the Unisender mirror. Plain inputs: the account's API base URL
 * (https://<subdomain>.kommo.com, or the sandbox's <base>/kommo/<subdomain>) and an access-token getter.
 * Every failure is a ProviderError without the request. Calls are paced under Kommo's 7 requests/s per account
 * (pacing.ts), so its 403 block is never provoked: keep one client, or one shared `pacing`, per Kommo account.
 */

export interface KommoClientOptions {
  baseUrl: string;
  accessToken: () => Promise<string>;
  /** The account's pacing, shared by every client of the account; by default the client's own at 6 requests/s. */
  pacing?: KommoPacing;
  retry?: RetryBudget;
  timeoutMs?: number;
  signal?: AbortSignal;
  onRetry?: (err: ProviderError, attempt: number, delayMs: number) => void;
}

/** Documented limits: 250 contacts a page, 100 events a page. */
export const KOMMO_LIMITS = { contactsPage: 250, eventsPage: 100 } as const;
/** A 429 waits a second; a 403 block (15 minutes) is past the budget and goes back to the caller at once. */
export const DEFAULT_KOMMO_RETRY: RetryBudget = { attempts: 4, maxWaitMs: 30_000, baseDelayMs: 1_000 };

/** Changes since a time, oldest first (`order[updated_at]=asc`), so a stored position stays valid while paging. */
export interface ContactsQuery {
  updatedFrom?: number;
  /** `order[id]=asc`: a listing of every contact whose pages do not shift as contacts change (full sync). */
  orderById?: boolean;
  ids?: readonly number[];
  /** 1..250; 250 by default. */
  limit?: number;
}

export interface EventsQuery {
  /** e.g. ['contact_deleted', 'contact_restored']. */
  types: readonly string[];
  /** Unix seconds, inclusive. */
  createdFrom?: number;
  createdTo?: number;
  /** 1..100; 100 by default. */
  limit?: number;
}

/** The paginated lists, as data: where each lives, its embedded key and item shape. */
interface ListSpec<T> {
  name: string;
  path: string;
  /** The `_embedded` key holding the items. */
  key: string;
  item: z.ZodType<T>;
}
const CONTACTS: ListSpec<KommoContact> = { name: 'contacts', path: '/api/v4/contacts', key: 'contacts', item: kommoContactSchema };
const EVENTS: ListSpec<KommoEvent> = { name: 'events', path: '/api/v4/events', key: 'events', item: kommoEventSchema };

export class KommoClient {
  private readonly http: HttpClient;
  private readonly baseUrl: string;
  private readonly pacing: KommoPacing;

  constructor(private readonly opts: KommoClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.pacing = opts.pacing ?? new KommoPacing();
    this.http = new HttpClient({
      provider: 'kommo',
      classify: classifyKommo,
      retry: opts.retry ?? DEFAULT_KOMMO_RETRY,
      pacer: this.pacing.pacer,
      ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.onRetry ? { onRetry: opts.onRetry } : {}),
    });
  }

  // https://www.kommo.com/developers/content/crm_platform/account-info/
  async getAccount(): Promise<KommoAccountInfo> {
    const res = await this.request({ method: 'GET', url: `${this.baseUrl}/api/v4/account`, what: 'get account' });
    return parse(kommoAccountSchema, res, 'get account');
  }

  // https://www.kommo.com/developers/content/crm_platform/contacts-api/#contacts-list
  /** One page of contacts: the first for `query`, or the page at a `next` URL an earlier page answered. */
  async contactsPage(from: ContactsQuery | { next: string }): Promise<KommoPage<KommoContact>> {
    if ('next' in from) return this.page(CONTACTS, this.sameAccount(from.next));
    const limit = checkLimit(from.limit ?? KOMMO_LIMITS.contactsPage, KOMMO_LIMITS.contactsPage, 'contacts');
    return this.page(CONTACTS, `${this.baseUrl}${CONTACTS.path}`, {
      limit,
      ...(from.updatedFrom !== undefined ? { 'filter[updated_at][from]': from.updatedFrom, 'order[updated_at]': 'asc' } : {}),
      ...(from.orderById && from.updatedFrom === undefined ? { 'order[id]': 'asc' } : {}),
      ...(from.ids?.length ? { 'filter[id][]': from.ids } : {}),
    });
  }

  /** Every page of contacts for `query`, in order. */
  contactPages(query: ContactsQuery): AsyncGenerator<KommoPage<KommoContact>> {
    return this.pages((next) => this.contactsPage(next ?? query));
  }

  /**
   * The contacts with these ids, 250 a request. Kommo leaves deleted ones out, so an id in `missing` is a
   * contact that no longer exists (or is in the trash).
   */
  async contactsByIds(ids: readonly number[]): Promise<{ found: KommoContact[]; missing: number[] }> {
    const unique = [...new Set(ids)];
    const found: KommoContact[] = [];
    for (let i = 0; i < unique.length; i += KOMMO_LIMITS.contactsPage) {
      const chunk = unique.slice(i, i + KOMMO_LIMITS.contactsPage);
      for await (const p of this.contactPages({ ids: chunk })) found.push(...p.items);
    }
    const seen = new Set(found.map((c) => c.id));
    return { found, missing: unique.filter((id) => !seen.has(id)) };
  }

  // https://www.kommo.com/developers/content/crm_platform/events-and-notes/#events-list
  /** One page of events (deletions and restores of contacts, for the mirror). */
  async eventsPage(from: EventsQuery | { next: string }): Promise<KommoPage<KommoEvent>> {
    if ('next' in from) return this.page(EVENTS, this.sameAccount(from.next));
    const limit = checkLimit(from.limit ?? KOMMO_LIMITS.eventsPage, KOMMO_LIMITS.eventsPage, 'events');
    return this.page(EVENTS, `${this.baseUrl}${EVENTS.path}`, {
      limit,
      'filter[type][]': from.types,
      'filter[created_at][from]': from.createdFrom,
      'filter[created_at][to]': from.createdTo,
    });
  }

  eventPages(query: EventsQuery): AsyncGenerator<KommoPage<KommoEvent>> {
    return this.pages((next) => this.eventsPage(next ?? query));
  }

  // https://www.kommo.com/developers/content/crm_platform/webhooks-api/
  async listWebhooks(): Promise<KommoWebhook[]> {
    const res = await this.request({ method: 'GET', url: `${this.baseUrl}/api/v4/webhooks`, what: 'list webhooks' });
    if (res.status === 204 || res.data === null) return [];
    const page = parse(halPageSchema, res, 'list webhooks');
    return (page._embedded.webhooks ?? []).map((w) => parse(kommoWebhookSchema, { status: res.status, data: w }, 'list webhooks'));
  }

  /** Subscribes (or re-subscribes, which revives a disabled destination) to the given events. */
  async subscribeWebhook(destination: string, settings: readonly string[]): Promise<KommoWebhook> {
    const res = await this.request({ method: 'POST', url: `${this.baseUrl}/api/v4/webhooks`, json: { destination, settings }, what: 'subscribe webhook' });
    return parse(kommoWebhookSchema, res, 'subscribe webhook');
  }

  /** Removes a subscription (a mirror's old destination, after its secret changed); one Kommo no longer has is no error. */
  async unsubscribeWebhook(destination: string): Promise<void> {
    try {
      await this.request({ method: 'DELETE', url: `${this.baseUrl}/api/v4/webhooks`, json: { destination }, what: 'unsubscribe webhook' });
    } catch (err) {
      if (!(err instanceof ProviderError && err.details.status === 404)) throw err;
    }
  }

  private async request(req: ProviderRequest): Promise<{ status: number; data: unknown }> {
    return this.pacing.serial(async () => {
      const token = await this.opts.accessToken();
      return this.http.send({ ...req, headers: { ...req.headers, authorization: `Bearer ${token}` } });
    });
  }

  /** A page of any list; 204 (Kommo's "nothing here") is an empty last page. */
  private async page<T>(spec: ListSpec<T>, url: string, query?: Record<string, QueryValue>): Promise<KommoPage<T>> {
    const what = `list ${spec.name}`;
    const res = await this.request({ method: 'GET', url, what, ...(query ? { query } : {}) });
    if (res.status === 204 || res.data === null) return { items: [], next: null };
    const body = parse(halPageSchema, res, what);
    const items = (body._embedded[spec.key] ?? []).map((raw) => parse(spec.item, { status: res.status, data: raw }, what));
    const next = body._links?.next?.href;
    return { items, next: next ? this.sameAccount(next) : null };
  }

  private async *pages<T>(fetchPage: (next: { next: string } | undefined) => Promise<KommoPage<T>>): AsyncGenerator<KommoPage<T>> {
    let next: { next: string } | undefined;
    for (;;) {
      const p = await fetchPage(next);
      if (p.items.length || p.next) yield p;
      if (!p.next) return;
      next = { next: p.next };
    }
  }

  /** A next link must stay on this account's API: the bearer token never goes anywhere else. */
  private sameAccount(url: string): string {
    if (!url.startsWith(`${this.baseUrl}/`)) {
      throw new ProviderError(FailureType.Invalid, 'kommo', `a next link left the account's API (${safeOrigin(url)})`);
    }
    return url;
  }
}

export const createKommoClient = (opts: KommoClientOptions): KommoClient => new KommoClient(opts);

function checkLimit(limit: number, max: number, list: string): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > max) throw new ProviderError(FailureType.Invalid, 'kommo', `list ${list}: limit must be 1..${max}, got ${limit}`);
  return limit;
}

function parse<T>(schema: z.ZodType<T>, res: { status: number; data: unknown }, what: string): T {
  const r = schema.safeParse(res.data);
  if (r.success) return r.data;
  // The issue paths say what was wrong; the body itself stays out of the message.
  const where = r.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
  throw new ProviderError(FailureType.Invalid, 'kommo', `${what}: unexpected answer (HTTP ${res.status}): ${where}`, { status: res.status });
}

function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'not a URL';
  }
}
