import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FakeProvider, FakeProviderFactory, SandboxContext } from '../types';
import { UnisenderParams } from './params';
import {
  EMAIL_STATUSES,
  UnisenderAccount,
  defaultUnisenderConfig,
  isEmail,
  unisenderConfigSchema,
  unisenderSeedSchema,
  unisenderTime,
  type ApiKey,
  type EmailStatus,
  type ERROR_CODES,
  type ListStatus,
  type UnisenderConfig,
  type UnisenderContact,
} from './store';

/**
 * Unisender API fake, mounted at /unisender: https://api.unisender.com/ru/api/{method} becomes
 * <sandbox>/unisender/ru/api/{method}. Every answer is HTTP 200; failures are {"error","code"} bodies.
 * https://www.unisender.com/en/support/api/common/api-common/
 */

type ErrorCode = (typeof ERROR_CODES)[number];

class UnisenderError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

// A declaration (not an arrow) so TypeScript narrows after `if (...) fail(...)`.
function fail(code: ErrorCode, message: string): never {
  throw new UnisenderError(code, message);
}

interface Call {
  acc: UnisenderAccount;
  p: UnisenderParams;
  now: number;
}

const SYSTEM_COLUMNS = new Set([
  'email', 'phone', 'email_list_ids', 'email_status', 'tags', 'delete',
  'email_subscribe_times', 'email_unsubscribed_list_ids', 'email_excluded_list_ids', 'email_add_time',
  'email_request_ip', 'email_confirm_time', 'email_confirm_ip', 'email_availability',
]);

function stripUndefined<T extends object>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}

/** "1,2, 3" -> [1,2,3], each an existing list of the account. */
function listIds(acc: UnisenderAccount, raw: string | undefined, param: string): number[] {
  if (raw === undefined || raw.trim() === '') return [];
  return raw.split(',').map((s) => {
    const t = s.trim();
    if (!/^\d+$/.test(t)) fail('invalid_arg', `${param}: "${t}" is not a list id`);
    const id = Number(t);
    if (!acc.lists.has(id)) fail('invalid_arg', `${param}: list ${id} not found`);
    return id;
  });
}

function flag(p: UnisenderParams, name: string, allowed: string[], fallback: string): string {
  const v = p.get(name) ?? fallback;
  if (!allowed.includes(v)) fail('invalid_arg', `${name} must be one of ${allowed.join(', ')}`);
  return v;
}

function contactJson(c: UnisenderContact) {
  return {
    personId: c.personId,
    email: c.email,
    emailStatus: c.emailStatus,
    ...(c.phone !== undefined ? { phone: c.phone } : {}),
    fields: c.fields,
    tags: [...c.tags],
    lists: [...c.lists.entries()].map(([id, m]) => ({ id, status: m.status, addedAt: unisenderTime(m.addedAt) })),
    addedAt: unisenderTime(c.addedAt),
  };
}

export const createUnisenderFake: FakeProviderFactory = (ctx: SandboxContext): FakeProvider => {
  let config: UnisenderConfig = defaultUnisenderConfig();
  const accounts = new Map<string, UnisenderAccount>();
  const keys = new Map<string, { account: UnisenderAccount; key: ApiKey }>();
  const keyCalls = new Map<string, number[]>();
  const ipCalls = new Map<string, number[]>();

  /** Sliding one-minute window on the fake clock; true when this call is over the limit. */
  function overLimit(book: Map<string, number[]>, id: string, limit: number, now: number): boolean {
    if (limit <= 0) return false;
    const recent = (book.get(id) ?? []).filter((t) => t > now - 60_000);
    if (recent.length >= limit) {
      book.set(id, recent);
      return true;
    }
    recent.push(now);
    book.set(id, recent);
    return false;
  }

  const methods: Record<string, (c: Call) => unknown> = {
    // https://www.unisender.com/en/support/api/partners/getlists/
    getLists: ({ acc }) => [...acc.lists.values()].map((l) => ({ id: l.id, title: l.title })),

    // https://www.unisender.com/en/support/api/partners/createlist/
    createList: ({ acc, p, now }) => {
      const title = p.get('title')?.trim();
      if (!title) fail('invalid_arg', 'title is required');
      if (acc.listByTitle(title)) fail(config.duplicateListTitleCode, `A list with title "${title}" already exists`);
      const id = acc.nextListId++;
      acc.lists.set(id, { id, title, addedAt: now });
      return { id };
    },

    // https://www.unisender.com/en/support/api/contacts/subscribe/
    subscribe: ({ acc, p, now }) => {
      const ids = listIds(acc, p.get('list_ids'), 'list_ids');
      if (!ids.length) fail('invalid_arg', 'list_ids is required');
      const fields = p.object('fields');
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
      const doubleOptin = flag(p, 'double_optin', ['0', '3', '4'], '0');
      const overwrite = flag(p, 'overwrite', ['0', '1', '2'], '0');
      const tags = (p.get('tags') ?? '').split(',').map((t) => t.trim()).filter(Boolean);

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
    getContact: ({ acc, p }) => {
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

    // https://www.unisender.com/en/support/api/contacts/importcontacts/
    importContacts: ({ acc, p, now }) => {
      const names = p.list('field_names');
      if (!names.length) fail('invalid_arg', 'field_names is required');
      const columns = names.map((raw) => {
        const n = raw.trim();
        if (SYSTEM_COLUMNS.has(n.toLowerCase())) return { kind: 'system' as const, name: n.toLowerCase() };
        const f = acc.field(n);
        if (!f) return fail('invalid_arg', `Field "${n}" not found`);
        return { kind: 'user' as const, name: f };
      });
      if (!columns.some((c) => c.name === 'email')) fail('invalid_arg', 'field_names must contain email');
      const rows = p.matrix('data');
      if (!rows.length) fail('invalid_arg', 'data is required');
      if (rows.length > config.maxImportRows) fail('invalid_arg', `At most ${config.maxImportRows} contacts may be imported per call, got ${rows.length}`);
      const overwriteTags = p.get('overwrite_tags') === '1';
      const overwriteLists = p.get('overwrite_lists') === '1';

      const result = { total: rows.length, inserted: 0, updated: 0, deleted: 0, new_emails: 0, invalid: 0, log: [] as { index: number; code: string; message: string }[] };
      rows.forEach((row, index) => {
        const cell = (name: string): string | undefined => {
          const j = columns.findIndex((c) => c.name === name);
          return j < 0 ? undefined : (row[j] ?? '');
        };
        const invalid = (code: string, message: string): void => {
          result.invalid++;
          result.log.push({ index, code, message });
        };
        const email = (cell('email') ?? '').trim();
        if (!isEmail(email)) return invalid('invalid_email', `Invalid e-mail address "${email}"`);
        let lists: number[];
        try {
          lists = listIds(acc, cell('email_list_ids'), 'email_list_ids');
        } catch (err) {
          return invalid('invalid_arg', err instanceof Error ? err.message : String(err));
        }
        const statusCell = cell('email_status')?.trim();
        if (statusCell && !(EMAIL_STATUSES as readonly string[]).includes(statusCell)) return invalid('invalid_arg', `Invalid email_status "${statusCell}"`);
        const existing = acc.contact(email);
        if (cell('delete') === '1') {
          if (existing) {
            acc.contacts.delete(existing.email);
            result.deleted++;
          }
          return;
        }
        const c = existing ?? acc.newContact(email, now, (statusCell as EmailStatus | undefined) ?? 'new');
        if (existing) result.updated++;
        else {
          result.inserted++;
          result.new_emails++;
        }
        if (existing && statusCell) c.emailStatus = statusCell as EmailStatus;
        columns.forEach((col, j) => {
          if (col.kind === 'user') c.fields[col.name] = row[j] ?? '';
        });
        const phone = cell('phone');
        if (phone) c.phone = phone;
        const tagCell = cell('tags');
        if (tagCell !== undefined) {
          const tags = tagCell.split(',').map((t) => t.trim()).filter(Boolean);
          if (overwriteTags) c.tags = new Set(tags);
          else for (const t of tags) c.tags.add(t);
        }
        if (overwriteLists && cell('email_list_ids') !== undefined) {
          for (const id of [...c.lists.keys()]) if (!lists.includes(id)) c.lists.delete(id);
        }
        const listStatus: ListStatus = c.emailStatus === 'unsubscribed' ? 'unsubscribed' : config.importListStatus;
        for (const id of lists) {
          const m = c.lists.get(id);
          if (!m) c.lists.set(id, { status: listStatus, addedAt: now });
          else m.status = listStatus;
        }
      });
      return result;
    },
  };

  async function handle(req: FastifyRequest<{ Params: { lang: string; method: string } }>, reply: FastifyReply): Promise<FastifyReply> {
    const send = (body: unknown): FastifyReply => reply.code(200).type('application/json').send(JSON.stringify(body));
    const error = (code: ErrorCode, message: string): FastifyReply => send({ error: message, code });
    // Only form bodies carry parameters: a JSON body is ignored, as the PHP API would.
    const ct = req.headers['content-type'] ?? '';
    const p = new UnisenderParams(new URL(req.url, 'http://sandbox').searchParams, ct.includes('application/x-www-form-urlencoded') ? req.body : undefined);
    if (config.requireFormatJson && p.get('format') !== 'json') return error('invalid_arg', 'format=json is required');
    const apiKey = p.get('api_key');
    const entry = apiKey ? keys.get(apiKey) : undefined;
    if (!apiKey || !entry) return error('invalid_api_key', 'Invalid API key');
    const now = ctx.clock.now();
    if (overLimit(keyCalls, apiKey, config.callsPerMinutePerKey, now)) {
      return error('api_call_limit_exceeded_for_api_key', `API call limit of ${config.callsPerMinutePerKey} calls a minute exceeded for this key`);
    }
    if (overLimit(ipCalls, req.ip, config.callsPerMinutePerIp, now)) {
      return error('api_call_limit_exceeded_for_ip', `API call limit of ${config.callsPerMinutePerIp} calls a minute exceeded for this IP`);
    }
    const method = methods[req.params.method];
    if (!method || !Object.hasOwn(methods, req.params.method)) return error('unknown_method', `Unknown method "${req.params.method}"`);
    if (entry.key.accessDenied || entry.key.deniedMethods.includes(req.params.method)) {
      return error('access_denied', `Access to "${req.params.method}" is denied for this key`);
    }
    try {
      return send({ result: method({ acc: entry.account, p, now }) });
    } catch (err) {
      if (err instanceof UnisenderError) return error(err.code, err.message);
      throw err;
    }
  }

  return {
    name: 'unisender',

    routes(app: FastifyInstance) {
      // Unisender takes GET and POST alike; the language segment only changes error texts there.
      app.post<{ Params: { lang: string; method: string } }>('/:lang/api/:method', handle);
      app.get<{ Params: { lang: string; method: string } }>('/:lang/api/:method', handle);
    },

    reset() {
      config = defaultUnisenderConfig();
      accounts.clear();
      keys.clear();
      keyCalls.clear();
      ipCalls.clear();
    },

    seed(body: unknown) {
      const seed = unisenderSeedSchema.parse(body);
      const now = ctx.clock.now();
      return {
        accounts: seed.accounts.map((s, n) => {
          const keyNames = s.apiKeys.map((k) => (typeof k === 'string' ? k : k.key));
          const found = (s.id ? accounts.get(s.id) : undefined) ?? keyNames.map((k) => keys.get(k)?.account).find(Boolean);
          const acc = found ?? new UnisenderAccount(s.id ?? `acc-${accounts.size + n + 1}`, s.fields ?? []);
          if (!found) accounts.set(acc.id, acc);
          for (const f of s.fields ?? []) if (!acc.field(f)) acc.fields.push(f);
          for (const k of s.apiKeys) {
            const key: ApiKey = typeof k === 'string' ? { key: k, accessDenied: false, deniedMethods: [] } : { key: k.key, accessDenied: k.accessDenied ?? false, deniedMethods: k.deniedMethods ?? [] };
            const i = acc.apiKeys.findIndex((x) => x.key === key.key);
            if (i >= 0) acc.apiKeys[i] = key;
            else acc.apiKeys.push(key);
            keys.set(key.key, { account: acc, key });
          }
          for (const l of s.lists ?? []) {
            const id = l.id ?? acc.nextListId;
            acc.lists.set(id, { id, title: l.title, addedAt: now });
            acc.nextListId = Math.max(acc.nextListId, id + 1);
          }
          for (const sc of s.contacts ?? []) {
            if (!isEmail(sc.email)) throw Object.assign(new Error(`invalid seed email ${sc.email}`), { statusCode: 400 });
            const c = acc.contact(sc.email) ?? acc.newContact(sc.email, now, sc.status ?? 'active');
            if (sc.status) c.emailStatus = sc.status;
            if (sc.phone !== undefined) c.phone = sc.phone;
            for (const [k, v] of Object.entries(sc.fields ?? {})) {
              const name = acc.field(k);
              if (!name) throw Object.assign(new Error(`unknown field ${k}: seed it in fields first`), { statusCode: 400 });
              c.fields[name] = v;
            }
            for (const t of sc.tags ?? []) c.tags.add(t);
            for (const l of sc.lists ?? []) {
              const ref = typeof l === 'number' ? { id: l } : l;
              if (!acc.lists.has(ref.id)) throw Object.assign(new Error(`unknown list ${ref.id}: seed it in lists first`), { statusCode: 400 });
              c.lists.set(ref.id, { status: ref.status ?? 'active', addedAt: now });
            }
          }
          return {
            id: acc.id,
            apiKeys: acc.apiKeys.map((k) => k.key),
            fields: acc.fields,
            lists: [...acc.lists.values()].map((l) => ({ id: l.id, title: l.title })),
            contacts: acc.contacts.size,
          };
        }),
      };
    },

    configure(body: unknown) {
      config = { ...config, ...stripUndefined(unisenderConfigSchema.parse(body)) };
      return config;
    },

    state(query: Record<string, string>) {
      const list = [...accounts.values()].filter(
        (a) => (!query.account || a.id === query.account) && (!query.apiKey || a.apiKeys.some((k) => k.key === query.apiKey)),
      );
      const now = ctx.clock.now();
      return {
        config,
        accounts: list.map((acc) => ({
          id: acc.id,
          apiKeys: acc.apiKeys,
          fields: acc.fields,
          callsLastMinute: Object.fromEntries(acc.apiKeys.map((k) => [k.key, (keyCalls.get(k.key) ?? []).filter((t) => t > now - 60_000).length])),
          lists: [...acc.lists.values()].map((l) => ({
            id: l.id,
            title: l.title,
            members: [...acc.contacts.values()]
              .filter((c) => c.lists.has(l.id))
              .map((c) => ({
                email: c.email,
                status: c.lists.get(l.id)?.status,
                emailStatus: c.emailStatus,
                fields: c.fields,
                tags: [...c.tags],
                addedAt: unisenderTime(c.lists.get(l.id)?.addedAt ?? c.addedAt),
              })),
          })),
          contacts: [...acc.contacts.values()].map(contactJson),
        })),
      };
    },
  };
};
