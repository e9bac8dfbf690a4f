import type { z } from 'zod';
import { FailureType, ProviderError } from '../errors';
import { HttpClient, WindowPacer, type Pacer, type RetryBudget } from '../http';
import { classifyUnisender } from './errors';
import {
  contactSchema,
  createdListSchema,
  envelopeSchema,
  importResultSchema,
  listsSchema,
  subscribedSchema,
  type ImportResult,
  type UnisenderContact,
  type UnisenderList,
} from './types';

/**
 * Unisender API client for the Kommo mirror. Plain inputs: the API base URL (https://api.unisender.com, or the
 * sandbox's <base>/unisender) and an API-key getter. Unisender wants the key in the query string; the shared HTTP
 * layer never puts a URL's query (nor headers or body) into an error, and Unisender's own error texts are scrubbed
 * of the key, so no thrown error carries it.
 */

export interface UnisenderClientOptions {
  baseUrl: string;
  apiKey: () => Promise<string>;
  /** The language of Unisender's error texts. */
  lang?: string;
  retry?: RetryBudget;
  /** Unisender ends a call after 30 s. */
  timeoutMs?: number;
  /** Shared by every client of one API key; by default the client's own, under the ~1200 calls a minute per key. */
  pacer?: Pacer;
  signal?: AbortSignal;
  onRetry?: (err: ProviderError, attempt: number, delayMs: number) => void;
}

export const UNISENDER_LIMITS = { importRows: 500, callsPerMinute: 1_200 } as const;
/**
 * "Calls time out after 30 s; retry up to two times": three attempts in all. A limit's wait (30-60 s) is past the
 * budget, so it goes back to the caller with its delay instead of holding the activity.
 */
export const DEFAULT_UNISENDER_RETRY: RetryBudget = { attempts: 3, maxWaitMs: 10_000, baseDelayMs: 2_000 };
export const UNISENDER_TIMEOUT_MS = 30_000;
/** Under the per-key limit, leaving room for the account's other users of the key. */
const DEFAULT_CALLS_PER_MINUTE = 1_000;

export interface ImportInput {
  /** Column names: `email`, system columns (`email_list_ids`, `delete`, `tags`, ...) and the account's fields. */
  fieldNames: readonly string[];
  /** At most 500 rows, each as long as fieldNames. */
  rows: readonly (readonly string[])[];
  overwriteTags?: boolean;
  overwriteLists?: boolean;
}

export interface SubscribeInput {
  listIds: readonly number[];
  /** `email` plus the account's fields (`Name`, ...). */
  fields: Record<string, string>;
  tags?: readonly string[];
  /** 0: send a confirmation; 3: consent already given; 4: like 3 if the contact is already active. */
  doubleOptin?: 0 | 3 | 4;
  /** 0: keep existing values; 1: replace all fields and tags; 2: replace the given fields. */
  overwrite?: 0 | 1 | 2;
}

export class UnisenderClient {
  private readonly http: HttpClient;
  private readonly baseUrl: string;

  constructor(private readonly opts: UnisenderClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.http = new HttpClient({
      provider: 'unisender',
      retry: opts.retry ?? DEFAULT_UNISENDER_RETRY,
      timeoutMs: opts.timeoutMs ?? UNISENDER_TIMEOUT_MS,
      pacer: opts.pacer ?? new WindowPacer(DEFAULT_CALLS_PER_MINUTE, 60_000),
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.onRetry ? { onRetry: opts.onRetry } : {}),
    });
  }

  // https://www.unisender.com/en/support/api/contacts/importcontacts/
  /** Adds, updates and (with the `delete` column) removes contacts; `log` names the rows that were not taken. */
  async importContacts(input: ImportInput): Promise<ImportResult> {
    if (input.rows.length === 0 || input.rows.length > UNISENDER_LIMITS.importRows) {
      throw new ProviderError(FailureType.Invalid, 'unisender', `importContacts: 1 to ${UNISENDER_LIMITS.importRows} rows a call, got ${input.rows.length}`);
    }
    const form = new URLSearchParams();
    input.fieldNames.forEach((f, j) => form.append(`field_names[${j}]`, f));
    input.rows.forEach((row, i) => row.forEach((v, j) => form.append(`data[${i}][${j}]`, v)));
    if (input.overwriteTags) form.append('overwrite_tags', '1');
    if (input.overwriteLists) form.append('overwrite_lists', '1');
    return this.call('importContacts', form, importResultSchema);
  }

  // https://www.unisender.com/en/support/api/contacts/subscribe/
  async subscribe(input: SubscribeInput): Promise<{ personId: number }> {
    const form = new URLSearchParams({ list_ids: input.listIds.join(',') });
    for (const [k, v] of Object.entries(input.fields)) form.append(`fields[${k}]`, v);
    if (input.tags?.length) form.append('tags', input.tags.join(','));
    if (input.doubleOptin !== undefined) form.append('double_optin', String(input.doubleOptin));
    if (input.overwrite !== undefined) form.append('overwrite', String(input.overwrite));
    return this.call('subscribe', form, subscribedSchema);
  }

  // https://www.unisender.com/en/support/api/contacts/exclude/
  /** Takes the contact off the given lists, or off every list when none are given. Unknown contacts are no error. */
  async exclude(input: { contactType: 'email' | 'phone'; contact: string; listIds?: readonly number[] }): Promise<void> {
    const form = new URLSearchParams({ contact_type: input.contactType, contact: input.contact });
    if (input.listIds?.length) form.append('list_ids', input.listIds.join(','));
    await this.call('exclude', form, null);
  }

  // https://www.unisender.com/en/support/api/contacts/getcontact/
  async getContact(email: string, include: { lists?: boolean; fields?: boolean } = {}): Promise<UnisenderContact> {
    const form = new URLSearchParams({ email });
    if (include.lists) form.append('include_lists', '1');
    if (include.fields) form.append('include_fields', '1');
    return this.call('getContact', form, contactSchema);
  }

  // https://www.unisender.com/en/support/api/partners/getlists/
  async getLists(): Promise<UnisenderList[]> {
    return this.call('getLists', new URLSearchParams(), listsSchema);
  }

  // https://www.unisender.com/en/support/api/partners/createlist/
  /**
   * A retry after a lost answer may meet the list the first attempt made (a duplicate-title error, Invalid):
   * callers look lists up by title with getLists before creating one.
   */
  async createList(title: string): Promise<{ id: number }> {
    return this.call('createList', new URLSearchParams({ title }), createdListSchema);
  }

  /** POST /<lang>/api/<method>?format=json&api_key=KEY with form parameters; the result, read by `schema`. */
  private async call<S extends z.ZodType>(method: string, form: URLSearchParams, schema: S): Promise<z.output<S>>;
  private async call(method: string, form: URLSearchParams, schema: null): Promise<void>;
  private async call(method: string, form: URLSearchParams, schema: z.ZodType | null): Promise<unknown> {
    const key = await this.opts.apiKey();
    const res = await this.http.send(
      { method: 'POST', url: `${this.baseUrl}/${this.opts.lang ?? 'en'}/api/${method}`, query: { format: 'json', api_key: key }, form, what: method },
      { classify: classifyUnisender(key) },
    );
    if (schema === null) return undefined;
    const result = schema.safeParse(envelopeSchema.parse(res.data).result);
    if (result.success) return result.data;
    const where = result.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(result)'}: ${i.message}`).join('; ');
    throw new ProviderError(FailureType.Invalid, 'unisender', `${method}: unexpected result: ${where}`, { status: res.status });
  }
}

export const createUnisenderClient = (opts: UnisenderClientOptions): UnisenderClient => new UnisenderClient(opts);
