import { z } from 'zod';
import { overLimit, passThrough, writeRetry, type CallerOptions } from '../client-kit';
import { FailureType, ProviderError, kindForStatus } from '../errors';
import { allPacers, briefBody, HttpClient, WindowPacer, type HttpMethod, type Pacer, type ProviderResponse, type QueryValue } from '../http';
import { zohoAuth } from './api';
import type { CreatorRecord } from './types';

/**
 * Zoho Creator v2.1 data client (https://www.zoho.com/creator/help/api/v2.1/): add records to a form; get, list,
 * update and delete the records of a report, by ID or by criteria. At most 200 records a call; lists page with the
 * record_cursor header. Calls are paced to 50 a minute per API endpoint. Writes skip the app's form workflows
 * unless told otherwise (they would rewrite what sync wrote). Creator has no deleted-records API: deletes are
 * found by comparing a complete listing with what was there.
 */

export const CREATOR_LIMITS = { perCall: 200, maxRecords: [200, 500, 1000] } as const;

/** Creator's codes (https://www.zoho.com/creator/help/api/v2.1/status-codes.html). */
const OK = 3000;
const NO_RECORDS = 9280;
const BAD_TOKEN = 1030;
const DAILY_LIMIT = 4000;
const PER_MINUTE_LIMIT = 2955;
/** A record that failed validation, with its field errors (an outcome, not a failed call). */
const RECORD_FAILED = 3002;

export type SkipWorkflow = 'form_workflow' | 'schedules' | 'all';

export interface CreatorClientOptions extends CallerOptions {
  apiDomain: string;
  accessToken: () => Promise<string>;
  owner: string;
  app: string;
  /** Documented: 50 requests a minute per API endpoint. */
  requestsPerMinute?: number;
  /** The account's daily Developer API allowance (plan dependent): off unless given. */
  requestsPerDay?: number;
  /** A pacer per endpoint shared by every client of the account; by default the client's own. */
  pacerFor?: (endpoint: string) => Pacer;
  /** What writes skip by default. */
  skipWorkflow?: readonly SkipWorkflow[];
}

export type CreatorOutcome = { index: number; ok: true; id: string } | { index: number; ok: false; error: ProviderError; fieldErrors?: Record<string, unknown> };

export interface CreatorBulkResult {
  results: CreatorOutcome[];
  /** With processUntilLimit: more records match than this call handled. */
  moreRecords: boolean;
}

const answer = z
  .object({
    code: z.number().optional(),
    description: z.string().optional(),
    message: z.string().optional(),
    data: z.unknown().optional(),
    result: z.array(z.object({ code: z.number(), data: z.object({ ID: z.string() }).loose().optional(), message: z.string().optional(), error: z.unknown().optional() }).loose()).optional(),
    more_records: z.boolean().optional(),
  })
  .loose();
type Answer = z.infer<typeof answer>;

function creatorKind(status: number, code: number | undefined): FailureType {
  if (code === BAD_TOKEN || status === 401) return FailureType.AuthExpired;
  if (code === DAILY_LIMIT || code === PER_MINUTE_LIMIT || status === 429) return FailureType.RateLimited;
  // 3950 / 3960 / 3970 (over 200 records) and the other codes: the request itself is wrong.
  return status >= 400 ? kindForStatus(status) : FailureType.Invalid;
}

/** Creator answers errors with HTTP 200 too (4000, 3960...): read the body's code. 9280 (no records) is a result. */
function classifyCreator(res: ProviderResponse, what: string): ProviderError | null {
  const a = answer.safeParse(res.data);
  const code = a.success ? a.data.code : undefined;
  if (code === NO_RECORDS) return null;
  if (res.status < 400 && (code === OK || code === RECORD_FAILED || (a.success && a.data.result !== undefined))) return null;
  const text = a.success && (a.data.description ?? a.data.message) ? `: ${code ?? ''} ${a.data.description ?? a.data.message ?? ''}` : briefBody(res.data);
  // The daily allowance comes back tomorrow: no point retrying within the hour.
  const retryAfterMs = code === DAILY_LIMIT ? 3600_000 : res.retryAfterMs;
  return new ProviderError(creatorKind(res.status, code), 'zoho', `${what}: HTTP ${res.status}${text}`, {
    status: res.status,
    ...(code !== undefined ? { code: String(code) } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
}

function outcome(r: NonNullable<Answer['result']>[number], index: number, what: string): CreatorOutcome {
  if (r.code === OK && r.data) return { index, ok: true, id: r.data.ID };
  const error = new ProviderError(FailureType.Invalid, 'zoho', `${what}: record ${index}: ${r.code}${r.message ? ` ${r.message}` : ''}`, { code: String(r.code) });
  const fieldErrors = z.record(z.string(), z.unknown()).safeParse(r.error);
  return { index, ok: false, error, ...(fieldErrors.success ? { fieldErrors: fieldErrors.data } : {}) };
}

export class CreatorClient {
  private readonly clients = new Map<string, HttpClient>();
  private readonly daily: Pacer | undefined;

  constructor(private readonly opts: CreatorClientOptions) {
    this.daily = opts.requestsPerDay ? new WindowPacer(opts.requestsPerDay, 24 * 3600 * 1000) : undefined;
  }

  /** One HttpClient per API endpoint, each with its own 50-a-minute pacer. */
  private client(endpoint: string, write: boolean): HttpClient {
    const key = `${write ? 'w' : 'r'} ${endpoint}`;
    let c = this.clients.get(key);
    if (!c) {
      const minute = this.opts.pacerFor?.(endpoint) ?? new WindowPacer(this.opts.requestsPerMinute ?? 50, 60_000);
      const pacer = this.daily ? allPacers(this.daily, minute) : minute;
      const retry = this.opts.retry ?? { attempts: 4, maxWaitMs: 60_000, baseDelayMs: 2000 };
      c = new HttpClient({ provider: 'zoho', classify: classifyCreator, pacer, retry: write ? writeRetry(retry) : retry, ...passThrough(this.opts) });
      this.clients.set(key, c);
    }
    return c;
  }

  private base(kind: 'form' | 'report', name: string): string {
    const enc = encodeURIComponent;
    return `${this.opts.apiDomain.replace(/\/$/, '')}/creator/v2.1/data/${enc(this.opts.owner)}/${enc(this.opts.app)}/${kind}/${enc(name)}`;
  }

  private async call(
    method: HttpMethod,
    kind: 'form' | 'report',
    name: string,
    id: string | undefined,
    what: string,
    extra: { json?: unknown; query?: Record<string, QueryValue>; headers?: Record<string, string> } = {},
  ): Promise<{ body: Answer; headers: Record<string, string> }> {
    const endpoint = `${method} ${kind}/${name}${id === undefined ? '' : '/{ID}'}`;
    const token = await this.opts.accessToken();
    const url = id === undefined ? this.base(kind, name) : `${this.base(kind, name)}/${encodeURIComponent(id)}`;
    const res = await this.client(endpoint, method !== 'GET').send({ method, url, what, headers: { ...zohoAuth(token), ...extra.headers }, ...(extra.json !== undefined ? { json: extra.json } : {}), ...(extra.query ? { query: extra.query } : {}) });
    return { body: answer.parse(res.data ?? {}), headers: res.headers };
  }

  private skip(skipWorkflow: readonly SkipWorkflow[] | undefined): readonly SkipWorkflow[] {
    return skipWorkflow ?? this.opts.skipWorkflow ?? ['form_workflow'];
  }

  /** Add records to a form (https://www.zoho.com/creator/help/api/v2.1/add-records.html), at most 200. */
  async add(form: string, records: readonly Record<string, unknown>[], opts: { skipWorkflow?: readonly SkipWorkflow[] } = {}): Promise<CreatorOutcome[]> {
    if (records.length > CREATOR_LIMITS.perCall) throw overLimit('zoho', 'add records', records.length, CREATOR_LIMITS.perCall);
    if (records.length === 0) return [];
    const { body } = await this.call('POST', 'form', form, undefined, 'add records', { json: { data: records, skip_workflow: this.skip(opts.skipWorkflow) } });
    return (body.result ?? []).map((r, i) => outcome(r, i, 'add records'));
  }

  /** One record by ID (https://www.zoho.com/creator/help/api/v2.1/get-specific-record.html); null when there is none. */
  async getById(report: string, id: string): Promise<CreatorRecord | null> {
    const { body } = await this.call('GET', 'report', report, id, 'get record');
    if (body.code === NO_RECORDS) return null;
    return z.custom<CreatorRecord>((v) => typeof v === 'object' && v !== null).parse(body.data);
  }

  /**
   * One page of a report (https://www.zoho.com/creator/help/api/v2.1/get-records.html). The next page's
   * record_cursor comes back as a response header and is sent back as a request header. No records (code 9280)
   * is an empty page.
   */
  async listPage(report: string, q: { criteria?: string; maxRecords?: 200 | 500 | 1000 } = {}, cursor?: string): Promise<{ records: CreatorRecord[]; cursor?: string }> {
    // The cursor goes with the same criteria and size as the first call.
    const query: Record<string, QueryValue> = { criteria: q.criteria, max_records: q.maxRecords ?? 200 };
    const { body, headers } = await this.call('GET', 'report', report, undefined, 'list records', { query, ...(cursor ? { headers: { record_cursor: cursor } } : {}) });
    if (body.code === NO_RECORDS) return { records: [] };
    const records = z.array(z.custom<CreatorRecord>((v) => typeof v === 'object' && v !== null)).parse(body.data ?? []);
    const next = headers.record_cursor;
    return { records, ...(next ? { cursor: next } : {}) };
  }

  async *listAll(report: string, q: { criteria?: string; maxRecords?: 200 | 500 | 1000 } = {}): AsyncGenerator<CreatorRecord[]> {
    let cursor: string | undefined;
    do {
      const page = await this.listPage(report, q, cursor);
      yield page.records;
      cursor = page.cursor;
    } while (cursor);
  }

  /** Update one record (https://www.zoho.com/creator/help/api/v2.1/update-specific-record.html). */
  async updateById(report: string, id: string, data: Record<string, unknown>, opts: { skipWorkflow?: readonly SkipWorkflow[] } = {}): Promise<CreatorOutcome> {
    const { body } = await this.call('PATCH', 'report', report, id, 'update record', { json: { data, skip_workflow: this.skip(opts.skipWorkflow) } });
    return this.single(body, 'update record', id);
  }

  /** Delete one record (https://www.zoho.com/creator/help/api/v2.1/delete-specific-record.html); false when there was none. */
  async deleteById(report: string, id: string, opts: { skipWorkflow?: readonly SkipWorkflow[] } = {}): Promise<boolean> {
    const { body } = await this.call('DELETE', 'report', report, id, 'delete record', { json: { skip_workflow: this.skip(opts.skipWorkflow) } });
    return body.code !== NO_RECORDS;
  }

  private single(body: Answer, what: string, id: string): CreatorOutcome {
    if (body.code === NO_RECORDS) return { index: 0, ok: false, error: new ProviderError(FailureType.Invalid, 'zoho', `${what}: no record ${id}`, { code: String(NO_RECORDS) }) };
    const data = z.object({ ID: z.string() }).loose().safeParse(body.data);
    return outcome({ code: body.code ?? 0, ...(data.success ? { data: data.data } : {}), ...(body.message ? { message: body.message } : {}), error: body.error }, 0, what);
  }

  /**
   * Update (https://www.zoho.com/creator/help/api/v2.1/update-records.html) or delete
   * (https://www.zoho.com/creator/help/api/v2.1/delete-records.html) every record matching `criteria`. More than
   * 200 matches fail (code 3960) unless processUntilLimit, which handles the first 200 and says moreRecords.
   */
  async updateByCriteria(report: string, criteria: string, data: Record<string, unknown>, opts: { processUntilLimit?: boolean; skipWorkflow?: readonly SkipWorkflow[] } = {}): Promise<CreatorBulkResult> {
    return this.bulk('PATCH', report, 'update records', { criteria, data, skip_workflow: this.skip(opts.skipWorkflow), ...(opts.processUntilLimit ? { process_until_limit: true } : {}) });
  }

  async deleteByCriteria(report: string, criteria: string, opts: { processUntilLimit?: boolean; skipWorkflow?: readonly SkipWorkflow[] } = {}): Promise<CreatorBulkResult> {
    return this.bulk('DELETE', report, 'delete records', { criteria, skip_workflow: this.skip(opts.skipWorkflow), ...(opts.processUntilLimit ? { process_until_limit: true } : {}) });
  }

  private async bulk(method: 'PATCH' | 'DELETE', report: string, what: string, json: Record<string, unknown>): Promise<CreatorBulkResult> {
    const { body } = await this.call(method, 'report', report, undefined, what, { json });
    if (body.code === NO_RECORDS) return { results: [], moreRecords: false };
    return { results: (body.result ?? []).map((r, i) => outcome(r, i, what)), moreRecords: body.more_records ?? false };
  }
}

export const createCreatorClient = (opts: CreatorClientOptions): CreatorClient => new CreatorClient(opts);
