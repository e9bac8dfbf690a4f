import { z } from 'zod';
import { FailureType, ProviderError } from '../errors';
import { overLimit, passThrough, writeRetry, type CallerOptions } from '../client-kit';
import { HttpClient, WindowPacer, type Pacer, type ProviderRequest, type QueryValue, type RetryBudget } from '../http';
import { classifyCrm, ConcurrencyLimiter, crmKind, zohoAuth } from './api';
import type { ZohoContact, ZohoDeletedRecord, ZohoPageInfo, ZohoUserRef } from './types';

/**
 * Zoho CRM client for contact sync (https://www.zoho.com/crm/developer/docs/api/v8/), v2 and v3+ alike. Plain
 * inputs: the API domain (the token's api_domain, or zohoApiDomain(dc)) and an access-token getter. Lists page
 * with `page` up to 2,000 records, then with `page_token`; writes go 100 records a call with `trigger: []` (so
 * the org's workflow rules do not rewrite what sync wrote) and answer per record. Calls are paced to the org's
 * API credits and concurrency; share one client (or its pacer and limiter) per org.
 */

export const CRM_LIMITS = { perPage: 200, discreteRecords: 2000, write: 100, delete: 100 } as const;

export interface ZohoCrmOptions extends CallerOptions {
  apiDomain: string;
  accessToken: () => Promise<string>;
  /** API version: v2, v2.1, v3 ... v8. */
  version?: string;
  module?: string;
  /** API credits per rolling 24 h of the org (edition dependent; 50,000 is the Standard/Enterprise base). */
  creditsPer24h?: number;
  /** Concurrent calls per org (Free 5, Standard 10, Professional 15, Enterprise 20, Ultimate 25). */
  concurrency?: number;
  /** Shared by every client of the org; by default the client's own. */
  pacer?: Pacer;
  limiter?: ConcurrencyLimiter;
}

export interface CrmListQuery {
  /** Field API names (v3+ require them, at most 50). */
  fields: readonly string[];
  perPage?: number;
  sortBy?: 'id' | 'Created_Time' | 'Modified_Time';
  sortOrder?: 'asc' | 'desc';
  /** Only records modified after this time (ISO 8601), sent as If-Modified-Since. */
  modifiedSince?: string;
}

export interface CrmPage<T> {
  records: T[];
  info: ZohoPageInfo | null;
  /** 304: nothing modified since `modifiedSince`. */
  notModified: boolean;
}

export type ZohoWriteOutcome =
  | { index: number; ok: true; id: string; modifiedTime?: string; action?: 'insert' | 'update' }
  | { index: number; ok: false; error: ProviderError; details: Record<string, unknown> };

export const DEFAULT_ZOHO_RETRY: RetryBudget = { attempts: 4, maxWaitMs: 60_000, baseDelayMs: 2000 };

const listAnswer = z.object({ data: z.array(z.custom<Record<string, unknown>>((v) => typeof v === 'object' && v !== null)), info: z.custom<ZohoPageInfo>((v) => typeof v === 'object' && v !== null) }).loose();
const writeAnswer = z.object({
  data: z.array(
    z
      .object({
        code: z.string(),
        status: z.string().optional(),
        message: z.string().optional(),
        action: z.enum(['insert', 'update']).optional(),
        details: z.record(z.string(), z.unknown()).default({}),
      })
      .loose(),
  ),
});
const usersAnswer = z.object({ users: z.array(z.object({ id: z.string(), full_name: z.string().optional(), email: z.string().optional(), status: z.string().optional() }).loose()), info: z.custom<ZohoPageInfo>() }).loose();

const tooMany = (what: string, n: number, limit: number): ProviderError => overLimit('zoho', what, n, limit);

export class ZohoCrmClient {
  private readonly reads: HttpClient;
  private readonly writes: HttpClient;
  private readonly limiter: ConcurrencyLimiter;
  readonly version: string;
  readonly module: string;

  constructor(private readonly opts: ZohoCrmOptions) {
    this.version = opts.version ?? 'v2';
    this.module = opts.module ?? 'Contacts';
    this.limiter = opts.limiter ?? new ConcurrencyLimiter(opts.concurrency ?? 10);
    const retry = opts.retry ?? DEFAULT_ZOHO_RETRY;
    const common = { provider: 'zoho', classify: classifyCrm, pacer: opts.pacer ?? new WindowPacer(opts.creditsPer24h ?? 50_000, 24 * 3600 * 1000), ...passThrough(opts) };
    this.reads = new HttpClient({ ...common, retry });
    this.writes = new HttpClient({ ...common, retry: writeRetry(retry) });
  }

  private url(path: string): string {
    return `${this.opts.apiDomain.replace(/\/$/, '')}/crm/${this.version}/${path}`;
  }

  private async send(client: HttpClient, req: Omit<ProviderRequest, 'headers'>, headers: Record<string, string> = {}): Promise<{ status: number; data: unknown }> {
    return this.limiter.run(async () => {
      const token = await this.opts.accessToken();
      const res = await client.send({ ...req, headers: { ...zohoAuth(token), ...headers } });
      return { status: res.status, data: res.data };
    });
  }

  private async getPage<T>(path: string, what: string, query: Record<string, QueryValue>, modifiedSince?: string): Promise<CrmPage<T>> {
    const res = await this.send(this.reads, { method: 'GET', url: this.url(path), what, query }, modifiedSince ? { 'if-modified-since': modifiedSince } : {});
    // 204: nothing to list; 304: nothing changed since If-Modified-Since.
    if (res.status === 204 || res.status === 304 || res.data === null) return { records: [], info: null, notModified: res.status === 304 };
    const a = listAnswer.parse(res.data);
    return { records: a.data as T[], info: a.info, notModified: false };
  }

  /**
   * One page of records (https://www.zoho.com/crm/developer/docs/api/v8/get-records.html): `page` reaches the
   * first 2,000 records, `pageToken` (from the previous page's info.next_page_token, same parameters) the rest.
   * An expired page token is a ProviderError of kind CursorExpired.
   */
  async listPage(q: CrmListQuery, at: { page?: number; pageToken?: string } = {}): Promise<CrmPage<ZohoContact>> {
    if (q.perPage !== undefined && q.perPage > CRM_LIMITS.perPage) throw tooMany('list records', q.perPage, CRM_LIMITS.perPage);
    const query: Record<string, QueryValue> = {
      fields: q.fields.join(','),
      per_page: q.perPage ?? CRM_LIMITS.perPage,
      sort_by: q.sortBy,
      sort_order: q.sortOrder,
      ...(at.pageToken ? { page_token: at.pageToken } : { page: at.page ?? 1 }),
    };
    return this.getPage(this.module, 'list records', query, q.modifiedSince);
  }

  /** Records by id, at most 100 a call (https://www.zoho.com/crm/developer/docs/api/v8/get-records.html, `ids`); absent ids are gone. */
  async byIds(ids: readonly string[], fields: readonly string[]): Promise<ZohoContact[]> {
    if (ids.length > CRM_LIMITS.write) throw tooMany('get records by id', ids.length, CRM_LIMITS.write);
    if (!ids.length) return [];
    return (await this.getPage<ZohoContact>(this.module, 'get records by id', { ids: ids.join(','), fields: fields.join(',') })).records;
  }

  /** Every page: `page` while within the first 2,000 records, then the last page's next_page_token. */
  async *listAll(q: CrmListQuery): AsyncGenerator<CrmPage<ZohoContact>> {
    const perPage = q.perPage ?? CRM_LIMITS.perPage;
    let page = 1;
    let pageToken: string | undefined;
    for (;;) {
      const p = await this.listPage(q, pageToken ? { pageToken } : { page });
      yield p;
      if (!p.info?.more_records) return;
      page++;
      if (pageToken !== undefined || (page - 1) * perPage >= CRM_LIMITS.discreteRecords) {
        pageToken = p.info.next_page_token ?? undefined;
        if (!pageToken) throw new ProviderError(FailureType.Invalid, 'zoho', `list records: more than ${CRM_LIMITS.discreteRecords} records and no next_page_token (API ${this.version})`);
      }
    }
  }

  /** Deleted records, newest first (https://www.zoho.com/crm/developer/docs/api/v8/get-deleted-records.html). */
  async listDeletedPage(opts: { type?: 'all' | 'recycle' | 'permanent'; modifiedSince?: string; page?: number; perPage?: number } = {}): Promise<CrmPage<ZohoDeletedRecord>> {
    return this.getPage(`${this.module}/deleted`, 'list deleted records', { type: opts.type ?? 'all', page: opts.page ?? 1, per_page: opts.perPage ?? CRM_LIMITS.perPage }, opts.modifiedSince);
  }

  async *listDeleted(opts: { type?: 'all' | 'recycle' | 'permanent'; modifiedSince?: string } = {}): AsyncGenerator<CrmPage<ZohoDeletedRecord>> {
    for (let page = 1; ; page++) {
      const p = await this.listDeletedPage({ ...opts, page });
      yield p;
      if (!p.info?.more_records) return;
    }
  }

  /** The org's users (https://www.zoho.com/crm/developer/docs/api/v8/get-users.html), every page. */
  async users(type: 'ActiveUsers' | 'AllUsers' = 'ActiveUsers'): Promise<(ZohoUserRef & { status?: string })[]> {
    const out: (ZohoUserRef & { status?: string })[] = [];
    for (let page = 1; ; page++) {
      const res = await this.send(this.reads, { method: 'GET', url: this.url('users'), what: 'list users', query: { type, page, per_page: 200 } });
      if (res.status === 204 || res.data === null) return out;
      const a = usersAnswer.parse(res.data);
      for (const u of a.users) out.push({ id: u.id, ...(u.full_name ? { name: u.full_name } : {}), ...(u.email ? { email: u.email } : {}), ...(u.status ? { status: u.status } : {}) });
      if (!a.info.more_records) return out;
    }
  }

  private async write(what: string, method: 'POST' | 'PUT', path: string, body: { data: readonly unknown[] } & Record<string, unknown>, headers: Record<string, string> = {}): Promise<ZohoWriteOutcome[]> {
    if (body.data.length > CRM_LIMITS.write) throw tooMany(what, body.data.length, CRM_LIMITS.write);
    if (body.data.length === 0) return [];
    const res = await this.send(this.writes, { method, url: this.url(path), what, json: body }, headers);
    return writeAnswer.parse(res.data).data.map((r, index): ZohoWriteOutcome => {
      if (r.code === 'SUCCESS') {
        const id = typeof r.details.id === 'string' ? r.details.id : '';
        const modifiedTime = typeof r.details.Modified_Time === 'string' ? r.details.Modified_Time : undefined;
        return { index, ok: true, id, ...(modifiedTime ? { modifiedTime } : {}), ...(r.action ? { action: r.action } : {}) };
      }
      const field = typeof r.details.api_name === 'string' ? ` (${r.details.api_name})` : '';
      const error = new ProviderError(crmKind(400, r.code), 'zoho', `${what}: record ${index}: ${r.code}${r.message ? ` ${r.message}` : ''}${field}`, { status: res.status, code: r.code });
      return { index, ok: false, error, details: r.details };
    });
  }

  /** Insert (https://www.zoho.com/crm/developer/docs/api/v8/insert-records.html), at most 100; workflows never run. */
  insert(records: readonly Record<string, unknown>[]): Promise<ZohoWriteOutcome[]> {
    return this.write('insert records', 'POST', this.module, { data: records, trigger: [] });
  }

  /**
   * Update (https://www.zoho.com/crm/developer/docs/api/v8/update-records.html), at most 100, each with its `id`.
   * With ifUnmodifiedSince, a record changed after it answers a Conflict outcome.
   */
  update(records: readonly Record<string, unknown>[], opts: { ifUnmodifiedSince?: string } = {}): Promise<ZohoWriteOutcome[]> {
    return this.write('update records', 'PUT', this.module, { data: records, trigger: [] }, opts.ifUnmodifiedSince ? { 'if-unmodified-since': opts.ifUnmodifiedSince } : {});
  }

  /** Upsert (https://www.zoho.com/crm/developer/docs/api/v8/upsert-records.html), at most 100, matched on duplicateCheckFields. */
  upsert(records: readonly Record<string, unknown>[], duplicateCheckFields: readonly string[]): Promise<ZohoWriteOutcome[]> {
    return this.write('upsert records', 'POST', `${this.module}/upsert`, { data: records, duplicate_check_fields: duplicateCheckFields, trigger: [] });
  }

  /** Delete (https://www.zoho.com/crm/developer/docs/api/v8/delete-records.html), at most 100 ids. */
  async delete(ids: readonly string[]): Promise<ZohoWriteOutcome[]> {
    if (ids.length > CRM_LIMITS.delete) throw tooMany('delete records', ids.length, CRM_LIMITS.delete);
    if (ids.length === 0) return [];
    const res = await this.send(this.writes, { method: 'DELETE', url: this.url(this.module), what: 'delete records', query: { ids: ids.join(',') } });
    return writeAnswer.parse(res.data).data.map((r, index): ZohoWriteOutcome =>
      r.code === 'SUCCESS'
        ? { index, ok: true, id: ids[index] ?? '' }
        : { index, ok: false, error: new ProviderError(crmKind(400, r.code), 'zoho', `delete records: ${ids[index] ?? index}: ${r.code}`, { status: res.status, code: r.code }), details: r.details },
    );
  }
}

export const createZohoCrmClient = (opts: ZohoCrmOptions): ZohoCrmClient => new ZohoCrmClient(opts);
