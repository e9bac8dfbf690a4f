import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { zohoConfigPatchSchema, type ZohoConfig } from './config';
import { moduleSpec, renderRecord } from './crm';
import { DATA_CENTRES, DEFAULT_SCOPE, zohoTime, type CreatorApp, type CrmRecord, type OrgData, type UserRef, type ZohoAccount, type ZohoState } from './model';

/**
 * Control bodies of the Zoho fake (POST /_control/zoho/seed, /config; GET /state; POST /revoke, /authorize).
 * CRM data belongs to an org: name it with `org`, or with `account` (that account's org).
 */

export const controlError = (message: string): Error => Object.assign(new Error(message), { statusCode: 400 });

const accountSeed = z
  .object({
    id: z.string().min(1),
    email: z.string().min(3).optional(),
    name: z.string().optional(),
    /** Data centre of the account (accounts.zoho.<dc>); the fake's token endpoint serves all of them. */
    dc: z.enum(DATA_CENTRES).default('com'),
    /** The org whose CRM/Desk data the account reaches; defaults to the account id. */
    org: z.string().min(1).optional(),
    /** Shorthand for one refresh token of clientId (value generated when absent). */
    clientId: z.string().min(1).optional(),
    refreshToken: z.string().min(1).optional(),
    scope: z.string().min(1).optional(),
    refreshTokens: z.array(z.object({ token: z.string().min(1).optional(), clientId: z.string().min(1).optional(), scope: z.string().min(1).optional() }).strict()).default([]),
    accessToken: z.string().min(1).optional(),
    accessTokenExpiresInSeconds: z.number().int().min(0).optional(),
  })
  .strict();

const orgRef = { org: z.string().min(1).optional(), account: z.string().min(1).optional() };

export const zohoSeedSchema = z
  .object({
    clients: z.array(z.object({ clientId: z.string().min(1), clientSecret: z.string().min(1), redirectUris: z.array(z.string()).default([]) }).strict()).default([]),
    accounts: z.array(accountSeed).default([]),
    authCodes: z
      .array(z.object({ code: z.string().min(1).optional(), account: z.string().min(1), clientId: z.string().min(1), redirectUri: z.string().optional(), scope: z.string().min(1).optional() }).strict())
      .default([]),
    /** More CRM users of an org (each account is one already); records may name them as Owner. */
    crmUsers: z
      .array(
        z
          .object({ ...orgRef, name: z.string().min(1), email: z.string().min(3), id: z.string().regex(/^\d+$/).optional(), status: z.enum(['active', 'disabled']).default('active') })
          .strict(),
      )
      .default([]),
    /** CRM records; a record may carry id, Created_Time, Modified_Time (ISO 8601) and Owner (a user's id or email). */
    crm: z
      .array(
        z
          .object({
            ...orgRef,
            module: z.string().min(1).default('Contacts'),
            records: z.array(z.record(z.string(), z.unknown())).default([]),
            /**
             * Generated records. Contacts/Leads: First_Name "First<i>", Last_Name "Contact <i>" (or "<prefix> <i>"),
             * Email "<prefix><i>@example.com"; Accounts: Account_Name; Deals: Deal_Name + Stage.
             */
            generate: z.object({ count: z.number().int().min(1).max(200_000), prefix: z.string().min(1).default('contact') }).strict().optional(),
          })
          .strict(),
      )
      .default([]),
    creator: z
      .array(
        z
          .object({
            owner: z.string().min(1),
            app: z.string().min(1),
            forms: z
              .array(
                z
                  .object({
                    name: z.string().min(1),
                    fields: z.record(z.string(), z.enum(['text', 'email', 'number', 'any'])).optional(),
                    mandatory: z.array(z.string()).default([]),
                    records: z.array(z.record(z.string(), z.unknown())).default([]),
                  })
                  .strict(),
              )
              .default([]),
            reports: z.array(z.object({ name: z.string().min(1), form: z.string().min(1) }).strict()).default([]),
          })
          .strict(),
      )
      .default([]),
    /** Desk tickets (generated from their index) of an org. */
    desk: z.array(z.object({ ...orgRef, tickets: z.number().int().min(0).max(10_000_000) }).strict()).default([]),
  })
  .strict();

function clientFor(state: ZohoState, clientId: string | undefined, what: string): string {
  if (clientId) {
    if (!state.clients.has(clientId)) throw controlError(`${what}: unknown client ${clientId} (seed it under clients first)`);
    return clientId;
  }
  if (state.clients.size === 1) return [...state.clients.keys()][0] ?? '';
  throw controlError(`${what}: clientId is required when ${state.clients.size} clients are seeded`);
}

export function orgOf(state: ZohoState, ref: { org?: string | undefined; account?: string | undefined }, what: string): { org: OrgData; account?: ZohoAccount } {
  if (ref.account) {
    const account = state.accounts.get(ref.account);
    if (!account) throw controlError(`${what}: unknown account ${ref.account}`);
    return { org: state.org(account.org), account };
  }
  if (ref.org) return { org: state.org(ref.org) };
  if (state.orgs.size === 1) return { org: [...state.orgs.values()][0] as OrgData };
  throw controlError(`${what}: org or account is required when ${state.orgs.size} orgs exist`);
}

/** The org's first user (its administrator), the author of seeded and UI changes by default. */
export function orgAdmin(state: ZohoState, org: OrgData): UserRef {
  const u = [...org.users.values()][0] ?? state.addCrmUser(org, { name: 'Sandbox Admin', email: 'admin@example.com' });
  return { name: u.name, id: u.id, email: u.email };
}

/** A CRM user of the org named by id or email. */
export function crmUserOf(state: ZohoState, org: OrgData, ref: unknown, what: string): UserRef {
  const key = typeof ref === 'string' ? ref : typeof ref === 'object' && ref !== null && typeof (ref as { id?: unknown }).id === 'string' ? (ref as { id: string }).id : '';
  const u = org.users.get(key) ?? [...org.users.values()].find((x) => x.email.toLowerCase() === key.toLowerCase());
  if (!u) throw controlError(`${what}: no user ${key || String(ref)} in org ${org.id}`);
  return { name: u.name, id: u.id, email: u.email };
}

const parseTime = (v: unknown, what: string): number | undefined => {
  if (v === undefined) return undefined;
  const ms = typeof v === 'string' ? Date.parse(v) : Number.NaN;
  if (Number.isNaN(ms)) throw controlError(`${what}: not an ISO 8601 time: ${String(v)}`);
  return ms - (ms % 1000);
};

export interface ZohoSeedResult {
  clients: string[];
  accounts: { id: string; org: string; dc: string; refreshTokens: string[]; accessTokens: string[] }[];
  authCodes: string[];
  crmUsers: { org: string; id: string; email: string }[];
  crm: { org: string; module: string; ids: string[] }[];
  creator: { owner: string; app: string; records: Record<string, string[]> }[];
  desk: { org: string; tickets: number; orgId: string }[];
}

export function seedZoho(state: ZohoState, input: unknown): ZohoSeedResult {
  const body = zohoSeedSchema.parse(input);
  const result: ZohoSeedResult = { clients: [], accounts: [], authCodes: [], crmUsers: [], crm: [], creator: [], desk: [] };
  for (const c of body.clients) {
    state.clients.set(c.clientId, { clientId: c.clientId, clientSecret: c.clientSecret, redirectUris: c.redirectUris });
    result.clients.push(c.clientId);
  }
  for (const a of body.accounts) {
    const account = state.addAccount({ id: a.id, email: a.email ?? `${a.id}@example.com`, dc: a.dc, org: a.org ?? a.id, ...(a.name ? { name: a.name } : {}) });
    const out = { id: account.id, org: account.org, dc: account.dc, refreshTokens: [] as string[], accessTokens: [] as string[] };
    const grants = [...a.refreshTokens];
    if (a.refreshToken !== undefined || a.clientId !== undefined) {
      grants.unshift({ ...(a.refreshToken ? { token: a.refreshToken } : {}), ...(a.clientId ? { clientId: a.clientId } : {}), ...(a.scope ? { scope: a.scope } : {}) });
    }
    for (const g of grants) {
      const rt = state.tokens.issueRefreshToken(account.id, clientFor(state, g.clientId, `account ${a.id}`), g.scope ?? DEFAULT_SCOPE, g.token);
      out.refreshTokens.push(rt.token);
    }
    if (a.accessToken) {
      const firstRt = out.refreshTokens[0] ? state.tokens.refreshTokens.get(out.refreshTokens[0]) : undefined;
      const at = state.tokens.issueAccessToken(
        { accountId: account.id, clientId: firstRt?.clientId ?? clientFor(state, a.clientId, `account ${a.id}`), scope: a.scope ?? DEFAULT_SCOPE, ...(firstRt ? { refresh: firstRt } : {}) },
        { token: a.accessToken, ...(a.accessTokenExpiresInSeconds === undefined ? {} : { ttlSeconds: a.accessTokenExpiresInSeconds }) },
      );
      out.accessTokens.push(at.token);
    }
    result.accounts.push(out);
  }
  for (const c of body.authCodes) result.authCodes.push(authorizeZoho(state, c).code);
  for (const u of body.crmUsers) {
    const { org } = orgOf(state, u, 'crmUsers');
    const user = state.addCrmUser(org, { name: u.name, email: u.email, status: u.status, ...(u.id ? { id: u.id } : {}) });
    result.crmUsers.push({ org: org.id, id: user.id, email: user.email });
  }
  for (const c of body.crm) {
    const spec = moduleSpec(c.module);
    if (!spec) throw controlError(`crm: unknown module ${c.module}`);
    const { org, account } = orgOf(state, c, 'crm');
    const user = account?.user ?? orgAdmin(state, org);
    const records = state.records(org, spec.apiName);
    const ids: string[] = [];
    const now = state.now();
    const add = (raw: Record<string, unknown>, i: number): void => {
      const { id, Created_Time, Modified_Time, Owner, ...fields } = raw;
      const owner = Owner === undefined ? user : crmUserOf(state, org, Owner, `crm record ${i} Owner`);
      for (const f of spec.mandatory) {
        if (typeof fields[f] !== 'string' || fields[f] === '') throw controlError(`crm record ${i}: ${f} is mandatory for ${spec.apiName}`);
      }
      const recId = typeof id === 'string' ? id : state.nextId();
      if (records.has(recId)) throw controlError(`crm record ${i}: id ${recId} already exists`);
      const created = parseTime(Created_Time, `crm record ${i} Created_Time`) ?? now - (now % 1000);
      const r: CrmRecord = { id: recId, fields, createdMs: created, modifiedMs: parseTime(Modified_Time, `crm record ${i} Modified_Time`) ?? created, owner, createdBy: user, modifiedBy: user };
      records.set(r.id, r);
      ids.push(r.id);
    };
    c.records.forEach(add);
    if (c.generate) {
      for (let i = 1; i <= c.generate.count; i++) {
        const p = c.generate.prefix;
        const byModule: Record<string, Record<string, unknown>> = {
          Accounts: { Account_Name: `${p} account ${i}` },
          Deals: { Deal_Name: `${p} deal ${i}`, Stage: 'Qualification' },
        };
        add(byModule[spec.apiName] ?? { First_Name: `First${i}`, Last_Name: `${p === 'contact' ? 'Contact' : p} ${i}`, Email: `${p}${i}@example.com` }, i);
      }
    }
    result.crm.push({ org: org.id, module: spec.apiName, ids });
  }
  for (const c of body.creator) {
    const key = `${c.owner}/${c.app}`;
    const app: CreatorApp = state.creatorApps.get(key) ?? { owner: c.owner, app: c.app, forms: new Map(), reports: new Map() };
    state.creatorApps.set(key, app);
    const records: Record<string, string[]> = {};
    for (const f of c.forms) {
      const form = app.forms.get(f.name) ?? { name: f.name, mandatory: f.mandatory, records: [], ...(f.fields ? { fields: f.fields } : {}) };
      app.forms.set(f.name, form);
      records[f.name] = f.records.map((data) => {
        const rec = { ID: state.nextId(), data, addedMs: state.now(), modifiedMs: state.now() };
        form.records.push(rec);
        return rec.ID;
      });
    }
    for (const r of c.reports) {
      if (!app.forms.has(r.form)) throw controlError(`creator ${key}: report ${r.name} shows unknown form ${r.form}`);
      app.reports.set(r.name, r.form);
    }
    result.creator.push({ owner: c.owner, app: c.app, records });
  }
  for (const d of body.desk) {
    const { org } = orgOf(state, d, 'desk');
    org.deskTickets = d.tickets;
    result.desk.push({ org: org.id, tickets: d.tickets, orgId: org.deskOrgId });
  }
  return result;
}

export const zohoAuthorizeSchema = z
  .object({ code: z.string().min(1).optional(), account: z.string().min(1), clientId: z.string().min(1), redirectUri: z.string().optional(), scope: z.string().min(1).optional() })
  .strict();

/** Issues a grant code as the consent page would; `location`/`accountsServer` are what Zoho appends to the redirect. */
export function authorizeZoho(state: ZohoState, input: unknown): { code: string; location: string; accountsServer: string; expiresAt: string } {
  const a = zohoAuthorizeSchema.parse(input);
  const account = state.accounts.get(a.account);
  if (!account) throw controlError(`authorize: unknown account ${a.account}`);
  const clientId = clientFor(state, a.clientId, 'authorize');
  const code = a.code ?? `1000.${randomBytes(16).toString('hex')}.${randomBytes(16).toString('hex')}`;
  const expiresAt = state.now() + state.config.authCodeTtlSeconds * 1000;
  state.authCodes.set(code, { code, accountId: account.id, clientId, scope: a.scope ?? DEFAULT_SCOPE, expiresAt, used: false, ...(a.redirectUri === undefined ? {} : { redirectUri: a.redirectUri }) });
  return { code, location: account.dc === 'com' ? 'us' : account.dc, accountsServer: `https://accounts.${account.dc === 'ca' ? 'zohocloud.ca' : `zoho.${account.dc}`}`, expiresAt: new Date(expiresAt).toISOString() };
}

export const zohoRevokeSchema = z.object({ token: z.string().min(1) }).strict();

export function revokeZoho(state: ZohoState, input: unknown): { revoked: string } {
  const { token } = zohoRevokeSchema.parse(input);
  if (!state.tokens.revoke(token)) throw controlError('revoke: unknown token');
  return { revoked: token };
}

export function configureZoho(state: ZohoState, input: unknown): ZohoConfig {
  const patch = zohoConfigPatchSchema.parse(input);
  state.config = { ...state.config, ...(patch as Partial<ZohoConfig>) };
  return state.config;
}

/** GET /_control/zoho/state[?org=<org>[&module=Contacts]] or [?account=<id>] or [?creator=<owner>/<app>] */
export function zohoStateView(state: ZohoState, q: Record<string, string>): unknown {
  const now = state.now();
  if (q.account) {
    const a = state.accounts.get(q.account);
    if (!a) throw Object.assign(new Error(`unknown account ${q.account}`), { statusCode: 404 });
    return {
      account: a,
      refreshTokens: [...state.tokens.refreshTokens.values()]
        .filter((r) => r.accountId === a.id)
        .map((r) => ({ token: r.token, clientId: r.clientId, scope: r.scope, revoked: r.revoked, refreshesInWindow: r.recent.filter((t) => t > now - state.config.refreshWindowSeconds * 1000).length })),
      accessTokens: [...state.tokens.accessTokens.values()]
        .filter((t) => t.accountId === a.id)
        .map((t) => ({ token: t.token, clientId: t.clientId, scope: t.scope, expiresAt: new Date(t.expiresAt).toISOString(), expired: t.expiresAt <= now, revoked: t.revoked })),
    };
  }
  if (q.org) {
    const org = state.orgs.get(q.org);
    if (!org) throw Object.assign(new Error(`unknown org ${q.org}`), { statusCode: 404 });
    const modules = q.module ? [moduleSpec(q.module)?.apiName ?? q.module] : [...org.modules.keys()];
    return {
      org: org.id,
      creditsUsed24h: org.credits.used(now),
      inflight: org.inflight,
      desk: { tickets: org.deskTickets, orgId: org.deskOrgId },
      users: [...org.users.values()],
      crm: Object.fromEntries(
        modules.map((m) => {
          const spec = moduleSpec(m);
          const records = [...(org.modules.get(m)?.values() ?? [])];
          return [
            m,
            {
              records: spec ? records.map((r) => renderRecord(spec, r)) : [],
              deleted: (org.deleted.get(m) ?? []).map((d) => ({ id: d.id, display_name: d.display_name, deleted_time: zohoTime(d.deletedMs) })),
            },
          ];
        }),
      ),
    };
  }
  if (q.creator) {
    const app = state.creatorApps.get(q.creator);
    if (!app) throw Object.assign(new Error(`unknown creator app ${q.creator}`), { statusCode: 404 });
    return {
      owner: app.owner,
      app: app.app,
      forms: Object.fromEntries([...app.forms.values()].map((f) => [f.name, f.records.map((r) => ({ ID: r.ID, ...r.data }))])),
      reports: Object.fromEntries(app.reports),
    };
  }
  return {
    now: new Date(now).toISOString(),
    config: state.config,
    clients: [...state.clients.values()].map((c) => ({ clientId: c.clientId, redirectUris: c.redirectUris })),
    accounts: [...state.accounts.values()].map((a) => ({ id: a.id, email: a.email, dc: a.dc, org: a.org })),
    orgs: [...state.orgs.values()].map((o) => ({
      org: o.id,
      records: Object.fromEntries([...o.modules].map(([m, recs]) => [m, recs.size])),
      deleted: Object.fromEntries([...o.deleted].map(([m, rows]) => [m, rows.length])),
      creditsUsed24h: o.credits.used(now),
      deskTickets: o.deskTickets,
      deskOrgId: o.deskOrgId,
    })),
    creatorApps: [...state.creatorApps.values()].map((a) => ({ owner: a.owner, app: a.app, forms: Object.fromEntries([...a.forms.values()].map((f) => [f.name, f.records.length])) })),
    refreshTokenCount: state.tokens.refreshTokens.size,
    counters: { ...state.counters },
  };
}
