import { z } from 'zod';
import { FailureType, ProviderError, kindForStatus } from '../errors';
import { passThrough, overLimit, writeRetry, type CallerOptions } from '../client-kit';
import { HttpClient, WindowPacer, type Pacer, type ProviderRequest, type RetryBudget } from '../http';
import { classifyPeople } from './people-errors';
import type { ConnectionsPage, Person } from './types';

/**
 * Google People API v1 client for contact sync (https://developers.google.com/people/api/rest). Plain inputs:
 * the API root (https://people.googleapis.com/ or the sandbox's <base>/google/) and an access-token getter.
 * Every failure is a ProviderError without the request; 429s and transient failures are retried here within
 * the budget, calls are paced to the per-user per-minute quotas, and mutate requests of one client are sent one at
 * a time ("Mutate requests for the same user should be sent sequentially"). Keep one client (or one set of
 * pacers) per Google user, so the pacing spans all of that user's calls.
 */

/** Documented per-call limits. */
export const PEOPLE_LIMITS = { batchGet: 200, batchCreate: 200, batchUpdate: 200, batchDelete: 500, pageSize: 1000 } as const;

export interface PeopleClientOptions extends CallerOptions {
  rootUrl: string;
  accessToken: () => Promise<string>;
  /** "Critical read requests (Contact and Profile Reads) per minute per user": 60. */
  readsPerMinute?: number;
  /** "Critical write requests (Contact Creates and Updates) per minute per user": 30. */
  writesPerMinute?: number;
  /**
   * "The first page of a full sync request has an additional quota": its size is not published, so the client
   * reserves this many extra reads for it (the sandbox's guess, 5).
   */
  fullSyncExtraReads?: number;
  /** Pacers shared by every client of this user; by default the client's own, from the limits above. */
  pacers?: { read: Pacer; write: Pacer };
}

/** A listing's parameters. The same object must be sent for every page (Google refuses a page token otherwise). */
export interface ListQuery {
  personFields: readonly string[];
  /** 1..1000; 100 when absent. */
  pageSize?: number;
  /** Absent: a full sync. Present: the changes since the listing that produced it. */
  syncToken?: string;
  sources?: readonly string[];
}

/** One contact's outcome in a batch call; a failed create is named contacts[<index>]. */
export type ItemResult = { resourceName: string; ok: true; person: Person } | { resourceName: string; ok: false; error: ProviderError };

export const DEFAULT_PEOPLE_RETRY: RetryBudget = { attempts: 4, maxWaitMs: 60_000, baseDelayMs: 2000 };

const person = z.custom<Person>((v) => typeof v === 'object' && v !== null);
const itemStatus = z.object({ code: z.number().optional(), message: z.string().optional() }).loose().optional();
const item = z.object({ httpStatusCode: z.number().optional(), person: person.optional(), status: itemStatus, requestedResourceName: z.string().optional() }).loose();
const pageSchema = z.custom<ConnectionsPage>((v) => typeof v === 'object' && v !== null);
const createdSchema = z.object({ createdPeople: z.array(item).default([]) }).loose();
const updatedSchema = z.object({ updateResult: z.record(z.string(), item).default({}) }).loose();
const gotSchema = z.object({ responses: z.array(item).default([]) }).loose();

/** google.rpc.Code of a per-item status: 9 FAILED_PRECONDITION is a stale etag. */
const RPC_FAILED_PRECONDITION = 9;

function itemResult(resourceName: string, it: z.infer<typeof item>, what: string): ItemResult {
  const http = it.httpStatusCode ?? 200;
  if (http === 200 && it.person) return { resourceName, ok: true, person: it.person };
  const kind = it.status?.code === RPC_FAILED_PRECONDITION ? FailureType.Conflict : kindForStatus(http);
  const error = new ProviderError(kind, 'google', `${what}: ${resourceName}: HTTP ${http}${it.status?.message ? `: ${it.status.message}` : ''}`, { status: http });
  return { resourceName, ok: false, error };
}

const tooMany = (what: string, n: number, limit: number): ProviderError => overLimit('google', what, n, limit);

export class PeopleClient {
  private readonly reads: HttpClient;
  private readonly writes: HttpClient;
  private readonly readPacer: Pacer;
  private mutations: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: PeopleClientOptions) {
    this.readPacer = opts.pacers?.read ?? new WindowPacer(opts.readsPerMinute ?? 60, 60_000);
    const writePacer = opts.pacers?.write ?? new WindowPacer(opts.writesPerMinute ?? 30, 60_000);
    const retry = opts.retry ?? DEFAULT_PEOPLE_RETRY;
    const common = { provider: 'google', classify: classifyPeople, ...passThrough(opts) };
    this.reads = new HttpClient({ ...common, retry, pacer: this.readPacer });
    // 409 ABORTED (overlapping mutations) did not happen either.
    this.writes = new HttpClient({ ...common, retry: writeRetry(retry, (e) => e.details.status === 409), pacer: writePacer });
  }

  private url(path: string): string {
    return `${this.opts.rootUrl.replace(/\/$/, '')}/v1/${path}`;
  }

  private async send(client: HttpClient, req: Omit<ProviderRequest, 'headers'>): Promise<unknown> {
    const token = await this.opts.accessToken();
    const res = await client.send({ ...req, headers: { authorization: `Bearer ${token}` } });
    return res.data;
  }

  /** A mutate request (POST). They go one at a time per client, whatever the caller does. */
  private write(path: string, what: string, json: unknown): Promise<unknown> {
    const fn = (): Promise<unknown> => this.send(this.writes, { method: 'POST', url: this.url(path), what, json });
    const run = this.mutations.then(fn, fn);
    this.mutations = run.catch(() => undefined);
    return run;
  }

  /**
   * One page of people/me/connections, always with requestSyncToken=true: the last page of the listing carries
   * nextSyncToken. An expired sync token is a ProviderError of kind CursorExpired (do a full sync).
   * https://developers.google.com/people/api/rest/v1/people.connections/list
   */
  async listPage(query: ListQuery, pageToken?: string): Promise<ConnectionsPage> {
    if (query.pageSize !== undefined && (query.pageSize < 1 || query.pageSize > PEOPLE_LIMITS.pageSize)) throw tooMany('list connections', query.pageSize, PEOPLE_LIMITS.pageSize);
    // The first page of a full sync spends extra quota: reserve it before the call.
    if (!query.syncToken && !pageToken) for (let i = 0; i < (this.opts.fullSyncExtraReads ?? 5); i++) await this.readPacer.take(this.opts.signal);
    const data = await this.send(this.reads, {
      method: 'GET',
      url: this.url('people/me/connections'),
      what: 'list connections',
      query: {
        personFields: query.personFields.join(','),
        pageSize: query.pageSize,
        requestSyncToken: true,
        syncToken: query.syncToken,
        sources: query.sources,
        pageToken,
      },
    });
    return pageSchema.parse(data ?? {});
  }

  /** Every page of a listing, the same parameters on each; the last page has nextSyncToken. */
  async *listAll(query: ListQuery): AsyncGenerator<ConnectionsPage> {
    let pageToken: string | undefined;
    do {
      const page = await this.listPage(query, pageToken);
      yield page;
      pageToken = page.nextPageToken;
    } while (pageToken);
  }

  /** people:batchGet, at most 200. https://developers.google.com/people/api/rest/v1/people/getBatchGet */
  async batchGet(resourceNames: readonly string[], personFields: readonly string[]): Promise<ItemResult[]> {
    if (resourceNames.length > PEOPLE_LIMITS.batchGet) throw tooMany('batch get', resourceNames.length, PEOPLE_LIMITS.batchGet);
    if (resourceNames.length === 0) return [];
    const data = await this.send(this.reads, { method: 'GET', url: this.url('people:batchGet'), what: 'batch get', query: { resourceNames, personFields: personFields.join(',') } });
    return gotSchema.parse(data ?? {}).responses.map((it, i) => itemResult(it.requestedResourceName ?? resourceNames[i] ?? '', it, 'batch get'));
  }

  /**
   * people:batchCreateContacts, at most 200; readMask makes each answer carry the new contact's etag.
   * https://developers.google.com/people/api/rest/v1/people/batchCreateContacts
   */
  async batchCreate(contacts: readonly Person[], readMask: readonly string[]): Promise<ItemResult[]> {
    if (contacts.length > PEOPLE_LIMITS.batchCreate) throw tooMany('batch create', contacts.length, PEOPLE_LIMITS.batchCreate);
    if (contacts.length === 0) return [];
    const data = await this.write('people:batchCreateContacts', 'batch create', { contacts: contacts.map((contactPerson) => ({ contactPerson })), readMask: readMask.join(',') });
    return createdSchema.parse(data ?? {}).createdPeople.map((it, i) => itemResult(it.person?.resourceName ?? `contacts[${i}]`, it, 'batch create'));
  }

  /**
   * people:batchUpdateContacts, at most 200, each Person with the etag it was read with. A stale etag is an
   * item (or, when Google fails the whole call, a thrown ProviderError) of kind Conflict: re-read, never resend.
   * https://developers.google.com/people/api/rest/v1/people/batchUpdateContacts
   */
  async batchUpdate(contacts: Readonly<Record<string, Person>>, updateMask: readonly string[], readMask: readonly string[]): Promise<ItemResult[]> {
    const names = Object.keys(contacts);
    if (names.length > PEOPLE_LIMITS.batchUpdate) throw tooMany('batch update', names.length, PEOPLE_LIMITS.batchUpdate);
    if (names.length === 0) return [];
    const data = await this.write('people:batchUpdateContacts', 'batch update', { contacts, updateMask: updateMask.join(','), readMask: readMask.join(',') });
    const results = updatedSchema.parse(data ?? {}).updateResult;
    return names.map((rn) => {
      const it = results[rn];
      return it ? itemResult(rn, it, 'batch update') : { resourceName: rn, ok: false, error: new ProviderError(FailureType.Transient, 'google', `batch update: ${rn}: no result`) };
    });
  }

  /** people:batchDeleteContacts, at most 500. https://developers.google.com/people/api/rest/v1/people/batchDeleteContacts */
  async batchDelete(resourceNames: readonly string[]): Promise<void> {
    if (resourceNames.length > PEOPLE_LIMITS.batchDelete) throw tooMany('batch delete', resourceNames.length, PEOPLE_LIMITS.batchDelete);
    if (resourceNames.length === 0) return;
    await this.write('people:batchDeleteContacts', 'batch delete', { resourceNames });
  }
}

export const createPeopleClient = (opts: PeopleClientOptions): PeopleClient => new PeopleClient(opts);
