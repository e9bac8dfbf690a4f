import { generatedContact } from './generate';
import { kommoSeedSchema, type AccountSeed } from './schemas';
import type { KommoState } from './state';
import { accountFromSeed, newToken, type KommoAccount } from './store';

/** Control bodies of the Kommo fake: POST /_control/kommo/seed, GET /_control/kommo/state (see sandbox/README.md). */

function findOrCreate(state: KommoState, s: AccountSeed): KommoAccount {
  let acc = state.accounts.get(s.subdomain);
  if (!acc) {
    acc = accountFromSeed(s, state.seeded++);
    state.accounts.set(acc.subdomain, acc);
    return acc;
  }
  if (s.clientId) acc.clientId = s.clientId;
  if (s.clientSecret) acc.clientSecret = s.clientSecret;
  if (s.redirectUri) acc.redirectUri = s.redirectUri;
  if (s.name) acc.name = s.name;
  if (s.userIds) acc.userIds = s.userIds;
  return acc;
}

function seedTokens(state: KommoState, acc: KommoAccount, s: AccountSeed, now: number) {
  const cfg = state.config;
  return (s.tokens ?? []).map((t) => {
    const access = t.accessToken ?? newToken('kat.');
    const refresh = t.refreshToken ?? newToken('krt.');
    const accessExpiresAt = now + (t.accessExpiresInSeconds ?? cfg.accessTokenTtlSeconds) * 1000;
    const refreshExpiresAt = now + (t.refreshExpiresInSeconds ?? cfg.refreshTokenTtlSeconds) * 1000;
    state.tokens.set(access, { token: access, kind: 'access', subdomain: acc.subdomain, issuedAt: now, expiresAt: accessExpiresAt });
    state.tokens.set(refresh, { token: refresh, kind: 'refresh', subdomain: acc.subdomain, issuedAt: now, expiresAt: refreshExpiresAt, pair: access });
    return { accessToken: access, refreshToken: refresh, accessExpiresAt: new Date(accessExpiresAt).toISOString(), refreshExpiresAt: new Date(refreshExpiresAt).toISOString() };
  });
}

function seedContacts(acc: KommoAccount, s: AccountSeed, nowS: number): number[] {
  const created: number[] = [];
  for (const c of s.contacts ?? []) {
    const contact = acc.contactFromSeed(c, nowS);
    acc.contacts.set(contact.id, contact);
    created.push(contact.id);
  }
  if (s.generateContacts) {
    const g = s.generateContacts;
    const opts = { ...g, updatedAtFrom: g.updatedAtFrom ?? nowS - g.count * g.updatedAtStepSeconds };
    for (let i = 0; i < g.count; i++) {
      const contact = acc.contactFromSeed(generatedContact(acc, i, opts), nowS);
      acc.contacts.set(contact.id, contact);
      created.push(contact.id);
    }
  }
  acc.touch();
  return created;
}

export function seedKommo(state: KommoState, body: unknown) {
  const seed = kommoSeedSchema.parse(body);
  const now = state.ctx.clock.now();
  return {
    accounts: seed.accounts.map((s) => {
      const acc = findOrCreate(state, s);
      const codes = (s.authorizationCodes ?? []).map((c) => {
        const code = typeof c === 'string' ? { code: c } : c;
        acc.authCodes.set(code.code, { code: code.code, expiresAt: now + (code.expiresInSeconds ?? state.config.authorizationCodeTtlSeconds) * 1000 });
        return code.code;
      });
      const tokens = seedTokens(state, acc, s, now);
      for (const w of s.webhooks ?? []) state.upsertWebhook(acc, w.destination, w.settings);
      const created = seedContacts(acc, s, state.ctx.clock.nowSeconds());
      return {
        subdomain: acc.subdomain,
        accountId: acc.accountId,
        baseUrl: state.accountUrl(acc),
        clientId: acc.clientId,
        clientSecret: acc.clientSecret,
        redirectUri: acc.redirectUri,
        authorizationCodes: codes,
        tokens,
        webhooks: acc.webhooks.map((w) => ({ id: w.id, destination: w.destination, settings: w.settings })),
        contacts: {
          created: created.length,
          total: acc.contacts.size,
          firstId: created[0] ?? null,
          lastId: created[created.length - 1] ?? null,
          ...(created.length <= 1000 ? { ids: created } : {}),
        },
      };
    }),
  };
}

const iso = (ms: number): string => new Date(ms).toISOString();

export function kommoStateView(state: KommoState, query: Record<string, string>) {
  const list = [...state.accounts.values()].filter((a) => !query.subdomain || a.subdomain === query.subdomain);
  const now = state.ctx.clock.now();
  return {
    config: state.config,
    accounts: list.map((acc) => ({
      subdomain: acc.subdomain,
      accountId: acc.accountId,
      name: acc.name,
      baseUrl: state.accountUrl(acc),
      clientId: acc.clientId,
      clientSecret: acc.clientSecret,
      redirectUri: acc.redirectUri,
      userIds: acc.userIds,
      fields: acc.fields,
      authorizationCodes: [...acc.authCodes.values()].map((c) => ({
        code: c.code,
        expiresAt: iso(c.expiresAt),
        ...(c.usedAt !== undefined ? { usedAt: iso(c.usedAt) } : {}),
      })),
      tokens: [...state.tokens.values()]
        .filter((t) => t.subdomain === acc.subdomain)
        .map((t) => ({
          token: t.token,
          kind: t.kind,
          issuedAt: iso(t.issuedAt),
          expiresAt: iso(t.expiresAt),
          ...(t.revokedAt !== undefined ? { revokedAt: iso(t.revokedAt) } : {}),
          active: t.revokedAt === undefined && t.expiresAt > now,
        })),
      tokenEvents: acc.tokenEvents,
      contactCount: acc.contacts.size,
      trash: [...acc.trash.keys()],
      eventCount: acc.events.length,
      ...(query.contacts === '0' ? {} : { contacts: acc.sorted('id', 'asc').map((c) => state.contactJson(acc, c)) }),
      webhooks: acc.webhooks.map((w) => ({ ...w })),
      deliveries: state.emitter.list(acc.subdomain),
      rateLimit: {
        blockedUntil: acc.blockedUntil > now ? iso(acc.blockedUntil) : null,
        recentViolations: acc.recentViolations.length,
      },
    })),
  };
}
