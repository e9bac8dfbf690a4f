import { z } from 'zod';
import { LIST_STATUSES } from './config';
import type { UnisenderState } from './state';
import { EMAIL_STATUSES, UnisenderAccount, isEmail, unisenderTime, type ApiKey, type UnisenderContact } from './store';

/** Control bodies of the Unisender fake: POST /_control/unisender/seed, GET /_control/unisender/state (see sandbox/README.md). */

const listRef = z.union([z.number().int().positive(), z.strictObject({ id: z.number().int().positive(), status: z.enum(LIST_STATUSES).optional() })]);

export const unisenderSeedSchema = z.strictObject({
  accounts: z
    .array(
      z.strictObject({
        /** Accounts are found again by id or by any of their keys, so a second seed adds to the first. */
        id: z.string().min(1).optional(),
        apiKeys: z
          .array(z.union([z.string().min(1), z.strictObject({ key: z.string().min(1), accessDenied: z.boolean().optional(), deniedMethods: z.array(z.string()).optional() })]))
          .min(1),
        fields: z.array(z.string().min(1)).optional(),
        lists: z.array(z.strictObject({ id: z.number().int().positive().optional(), title: z.string().min(1) })).optional(),
        contacts: z
          .array(
            z.strictObject({
              email: z.string().min(3),
              status: z.enum(EMAIL_STATUSES).optional(),
              phone: z.string().optional(),
              fields: z.record(z.string(), z.string()).optional(),
              tags: z.array(z.string()).optional(),
              lists: z.array(listRef).optional(),
            }),
          )
          .optional(),
      }),
    )
    .min(1),
});

const seedError = (message: string): Error => Object.assign(new Error(message), { statusCode: 400 });

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

type AccountSeed = z.infer<typeof unisenderSeedSchema>['accounts'][number];

function seedContacts(acc: UnisenderAccount, contacts: NonNullable<AccountSeed['contacts']>, now: number): void {
  for (const sc of contacts) {
    if (!isEmail(sc.email)) throw seedError(`invalid seed email ${sc.email}`);
    const c = acc.contact(sc.email) ?? acc.newContact(sc.email, now, sc.status ?? 'active');
    if (sc.status) c.emailStatus = sc.status;
    if (sc.phone !== undefined) c.phone = sc.phone;
    for (const [k, v] of Object.entries(sc.fields ?? {})) {
      const name = acc.field(k);
      if (!name) throw seedError(`unknown field ${k}: seed it in fields first`);
      c.fields[name] = v;
    }
    for (const t of sc.tags ?? []) c.tags.add(t);
    for (const l of sc.lists ?? []) {
      const ref = typeof l === 'number' ? { id: l } : l;
      if (!acc.lists.has(ref.id)) throw seedError(`unknown list ${ref.id}: seed it in lists first`);
      c.lists.set(ref.id, { status: ref.status ?? 'active', addedAt: now });
    }
  }
}

export function seedUnisender(state: UnisenderState, body: unknown) {
  const seed = unisenderSeedSchema.parse(body);
  const now = state.ctx.clock.now();
  return {
    accounts: seed.accounts.map((s, n) => {
      const keyNames = s.apiKeys.map((k) => (typeof k === 'string' ? k : k.key));
      const found = (s.id ? state.accounts.get(s.id) : undefined) ?? keyNames.map((k) => state.keys.get(k)?.account).find(Boolean);
      const acc = found ?? new UnisenderAccount(s.id ?? `acc-${state.accounts.size + n + 1}`, s.fields ?? []);
      if (!found) state.accounts.set(acc.id, acc);
      for (const f of s.fields ?? []) if (!acc.field(f)) acc.fields.push(f);
      for (const k of s.apiKeys) {
        const key: ApiKey = typeof k === 'string' ? { key: k, accessDenied: false, deniedMethods: [] } : { key: k.key, accessDenied: k.accessDenied ?? false, deniedMethods: k.deniedMethods ?? [] };
        const i = acc.apiKeys.findIndex((x) => x.key === key.key);
        if (i >= 0) acc.apiKeys[i] = key;
        else acc.apiKeys.push(key);
        state.keys.set(key.key, { account: acc, key });
      }
      for (const l of s.lists ?? []) {
        const id = l.id ?? acc.nextListId;
        acc.lists.set(id, { id, title: l.title, addedAt: now });
        acc.nextListId = Math.max(acc.nextListId, id + 1);
      }
      seedContacts(acc, s.contacts ?? [], now);
      return {
        id: acc.id,
        apiKeys: acc.apiKeys.map((k) => k.key),
        fields: acc.fields,
        lists: [...acc.lists.values()].map((l) => ({ id: l.id, title: l.title })),
        contacts: acc.contacts.size,
      };
    }),
  };
}

export function unisenderStateView(state: UnisenderState, query: Record<string, string>) {
  const list = [...state.accounts.values()].filter(
    (a) => (!query.account || a.id === query.account) && (!query.apiKey || a.apiKeys.some((k) => k.key === query.apiKey)),
  );
  const now = state.ctx.clock.now();
  return {
    config: state.config,
    accounts: list.map((acc) => ({
      id: acc.id,
      apiKeys: acc.apiKeys,
      fields: acc.fields,
      callsLastMinute: Object.fromEntries(acc.apiKeys.map((k) => [k.key, state.keyCalls.recent(k.key, now).length])),
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
}
