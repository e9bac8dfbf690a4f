import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { googleConfigPatchSchema, type GoogleConfig } from './config';
import { GoogleApiError } from './errors';
import { CONTACTS_SCOPE, type GoogleState, type GoogleUser } from './model';
import { parsePersonInput, renderPerson } from './person';

/**
 * Control bodies of the Google fake (POST /_control/google/seed, /config; GET /state; POST /revoke, /authorize).
 * Contacts in seeds follow the People API's Person shape and its rules (one name, no unknown fields).
 */

const personSeed = z
  .object({ resourceName: z.string().regex(/^people\/c\d+$/, 'resourceName must look like people/c123').optional() })
  .loose();

const refreshTokenSeed = z.object({ token: z.string().min(1).optional(), clientId: z.string().min(1).optional(), scope: z.string().min(1).optional() }).strict();

const userSeed = z
  .object({
    email: z.string().min(3),
    /** Numeric account id; generated when absent. */
    id: z.string().regex(/^\d+$/).optional(),
    name: z.string().optional(),
    /** Shorthand for one refresh token: refreshToken (value, generated when absent) for clientId. */
    clientId: z.string().min(1).optional(),
    refreshToken: z.string().min(1).optional(),
    scope: z.string().min(1).optional(),
    refreshTokens: z.array(refreshTokenSeed).default([]),
    /** Also hand out a live access token (for tests that skip the refresh). */
    accessToken: z.string().min(1).optional(),
    accessTokenExpiresInSeconds: z.number().int().min(0).optional(),
    contacts: z.array(personSeed).default([]),
  })
  .strict();

export const googleSeedSchema = z
  .object({
    clients: z.array(z.object({ clientId: z.string().min(1), clientSecret: z.string().min(1), redirectUris: z.array(z.string()).default([]) }).strict()).default([]),
    users: z.array(userSeed).default([]),
    /** Thousands of users in one call: <prefix><i>@<domain>, refresh token 1//rt-<prefix><i>, access token ya29.at-<prefix><i>. */
    generate: z
      .object({
        count: z.number().int().min(1).max(200_000),
        prefix: z.string().min(1).default('user'),
        domain: z.string().min(1).default('example.com'),
        start: z.number().int().min(0).default(1),
        clientId: z.string().min(1),
        scope: z.string().min(1).default(CONTACTS_SCOPE),
        accessTokens: z.boolean().default(false),
        contactsPerUser: z.number().int().min(0).max(5000).default(0),
      })
      .strict()
      .optional(),
    /** Authorization codes for the authorization_code grant. */
    authCodes: z
      .array(z.object({ code: z.string().min(1).optional(), user: z.string().min(1), clientId: z.string().min(1), redirectUri: z.string().optional(), scope: z.string().min(1).optional() }).strict())
      .default([]),
    /** Contacts for users that already exist. */
    contacts: z.array(z.object({ user: z.string().min(1), person: personSeed }).strict()).default([]),
  })
  .strict();

const controlError = (message: string): Error => Object.assign(new Error(message), { statusCode: 400 });

/** Person rules of the API applied to seed data; an API error becomes a 400 of the control call. */
function seedPerson(state: GoogleState, user: GoogleUser, person: z.infer<typeof personSeed>): { resourceName: string; etag: string } {
  const { resourceName, ...rest } = person;
  try {
    const { data } = parsePersonInput(rest, 'person');
    const p = state.createPerson(user, data, resourceName);
    return { resourceName: p.resourceName, etag: p.etag };
  } catch (e) {
    if (e instanceof GoogleApiError) throw controlError(`contact of ${user.email}: ${e.message}`);
    throw e;
  }
}

function clientFor(state: GoogleState, clientId: string | undefined, what: string): string {
  if (clientId) {
    if (!state.clients.has(clientId)) throw controlError(`${what}: unknown client ${clientId} (seed it under clients first)`);
    return clientId;
  }
  if (state.clients.size === 1) return [...state.clients.keys()][0] ?? '';
  throw controlError(`${what}: clientId is required when ${state.clients.size} clients are seeded`);
}

export interface GoogleSeedResult {
  clients: string[];
  users: { id: string; email: string; refreshTokens: string[]; accessTokens: string[]; contacts: { resourceName: string; etag: string }[] }[];
  generated?: { count: number; emailPattern: string; refreshTokenPattern: string; accessTokenPattern?: string; first: string; last: string };
  authCodes: string[];
  contacts: { user: string; resourceName: string; etag: string }[];
}

export function seedGoogle(state: GoogleState, input: unknown): GoogleSeedResult {
  const body = googleSeedSchema.parse(input);
  const result: GoogleSeedResult = { clients: [], users: [], authCodes: [], contacts: [] };
  for (const c of body.clients) {
    state.clients.set(c.clientId, { clientId: c.clientId, clientSecret: c.clientSecret, redirectUris: c.redirectUris });
    result.clients.push(c.clientId);
  }
  for (const u of body.users) {
    const user = state.addUser(u.email, { ...(u.id ? { id: u.id } : {}), ...(u.name ? { name: u.name } : {}) });
    const out = { id: user.id, email: user.email, refreshTokens: [] as string[], accessTokens: [] as string[], contacts: [] as { resourceName: string; etag: string }[] };
    const grants = [...u.refreshTokens];
    if (u.refreshToken !== undefined || u.clientId !== undefined) {
      grants.unshift({ ...(u.refreshToken ? { token: u.refreshToken } : {}), ...(u.clientId ? { clientId: u.clientId } : {}), ...(u.scope ? { scope: u.scope } : {}) });
    }
    for (const g of grants) {
      const clientId = clientFor(state, g.clientId, `user ${u.email}`);
      const rt = state.tokens.issueRefreshToken(user.id, clientId, g.scope ?? CONTACTS_SCOPE, g.token);
      out.refreshTokens.push(rt.token);
    }
    if (u.accessToken) {
      const clientId = clientFor(state, u.clientId ?? grants[0]?.clientId, `user ${u.email}`);
      const firstRt = out.refreshTokens[0] ? state.tokens.refreshTokens.get(out.refreshTokens[0]) : undefined;
      const at = state.tokens.issueAccessToken(
        { userId: user.id, clientId, scope: u.scope ?? CONTACTS_SCOPE, ...(firstRt ? { refresh: firstRt } : {}) },
        { token: u.accessToken, ...(u.accessTokenExpiresInSeconds === undefined ? {} : { ttlSeconds: u.accessTokenExpiresInSeconds }) },
      );
      out.accessTokens.push(at.token);
    }
    for (const person of u.contacts) out.contacts.push(seedPerson(state, user, person));
    result.users.push(out);
  }
  if (body.generate) {
    const g = body.generate;
    const clientId = clientFor(state, g.clientId, 'generate');
    for (let i = g.start; i < g.start + g.count; i++) {
      const user = state.addUser(`${g.prefix}${i}@${g.domain}`);
      const rtValue = `1//rt-${g.prefix}${i}`;
      const rt = state.tokens.refreshTokens.get(rtValue) ?? state.tokens.issueRefreshToken(user.id, clientId, g.scope, rtValue);
      if (g.accessTokens) state.tokens.issueAccessToken({ userId: user.id, clientId, scope: g.scope, refresh: rt }, { token: `ya29.at-${g.prefix}${i}` });
      for (let j = 1; j <= g.contactsPerUser; j++) {
        state.createPerson(user, {
          names: [{ givenName: `Contact${j}`, familyName: `${g.prefix}${i}` }],
          emailAddresses: [{ value: `contact${j}.${g.prefix}${i}@${g.domain}`, type: 'work' }],
        });
      }
    }
    result.generated = {
      count: g.count,
      emailPattern: `${g.prefix}<i>@${g.domain}`,
      refreshTokenPattern: `1//rt-${g.prefix}<i>`,
      ...(g.accessTokens ? { accessTokenPattern: `ya29.at-${g.prefix}<i>` } : {}),
      first: `${g.prefix}${g.start}@${g.domain}`,
      last: `${g.prefix}${g.start + g.count - 1}@${g.domain}`,
    };
  }
  for (const c of body.authCodes) {
    result.authCodes.push(authorize(state, c).code);
  }
  for (const c of body.contacts) {
    const user = state.findUser(c.user);
    if (!user) throw controlError(`contacts: unknown user ${c.user}`);
    result.contacts.push({ user: user.email, ...seedPerson(state, user, c.person) });
  }
  return result;
}

export const authorizeSchema = z
  .object({ code: z.string().min(1).optional(), user: z.string().min(1), clientId: z.string().min(1), redirectUri: z.string().optional(), scope: z.string().min(1).optional() })
  .strict();

/** Issues an authorization code, as the consent screen would after the user clicked Allow. */
export function authorize(state: GoogleState, input: unknown): { code: string; expiresAt: string } {
  const a = authorizeSchema.parse(input);
  const user = state.findUser(a.user);
  if (!user) throw controlError(`authorize: unknown user ${a.user}`);
  const clientId = clientFor(state, a.clientId, 'authorize');
  const code = a.code ?? `4/0A${randomBytes(30).toString('base64url')}`;
  const expiresAt = state.now() + state.config.authCodeTtlSeconds * 1000;
  state.authCodes.set(code, {
    code,
    userId: user.id,
    clientId,
    scope: a.scope ?? CONTACTS_SCOPE,
    expiresAt,
    used: false,
    ...(a.redirectUri === undefined ? {} : { redirectUri: a.redirectUri }),
  });
  return { code, expiresAt: new Date(expiresAt).toISOString() };
}

export const revokeSchema = z
  .object({ token: z.string().min(1).optional(), user: z.string().min(1).optional() })
  .strict()
  .refine((b) => b.token !== undefined || b.user !== undefined, 'token or user is required');

/** Revokes one token (refresh or access, with its grant) or every grant of a user. */
export function revokeControl(state: GoogleState, input: unknown): { revoked: string[] } {
  const b = revokeSchema.parse(input);
  const revoked: string[] = [];
  if (b.token) {
    if (!state.tokens.revoke(b.token)) throw controlError(`revoke: unknown token`);
    revoked.push(b.token);
  }
  if (b.user) {
    const user = state.findUser(b.user);
    if (!user) throw controlError(`revoke: unknown user ${b.user}`);
    for (const rt of state.tokens.refreshTokens.values()) {
      if (rt.userId === user.id && !rt.revoked) {
        state.tokens.revoke(rt.token);
        revoked.push(rt.token);
      }
    }
  }
  return { revoked };
}

export function configureGoogle(state: GoogleState, input: unknown): GoogleConfig {
  const patch = googleConfigPatchSchema.parse(input);
  state.config = { ...state.config, ...(patch as Partial<GoogleConfig>) };
  return state.config;
}

const USER_LIST_LIMIT = 1000;

/** GET /_control/google/state[?user=<id|email>] */
export function googleState(state: GoogleState, query: Record<string, string>): unknown {
  const now = state.now();
  if (query.user) {
    const user = state.findUser(query.user);
    if (!user) throw Object.assign(new Error(`unknown user ${query.user}`), { statusCode: 404 });
    const refreshTokens = [...state.tokens.refreshTokens.values()]
      .filter((r) => r.userId === user.id)
      .map((r) => ({ token: r.token, clientId: r.clientId, scope: r.scope, issuedAt: new Date(r.issuedAt).toISOString(), revoked: r.revoked, usable: state.tokens.refreshTokenUsable(r) }));
    const accessTokens = [...state.tokens.accessTokens.values()]
      .filter((a) => a.userId === user.id)
      .map((a) => ({ token: a.token, clientId: a.clientId, scope: a.scope, expiresAt: new Date(a.expiresAt).toISOString(), expired: a.expiresAt <= now, revoked: a.revoked }));
    return {
      user: { id: user.id, email: user.email, name: user.name },
      refreshTokens,
      accessTokens,
      contacts: [...user.people.values()].map((p) => renderPerson(p, undefined)),
      deleted: [...user.tombstones.values()].map((t) => ({ resourceName: t.resourceName, etag: t.etag, deletedAt: t.deletedAt })),
    };
  }
  const users = [...state.users.values()];
  return {
    now: new Date(now).toISOString(),
    config: state.config,
    clients: [...state.clients.values()].map((c) => ({ clientId: c.clientId, redirectUris: c.redirectUris })),
    userCount: users.length,
    users: users.slice(0, USER_LIST_LIMIT).map((u) => ({ id: u.id, email: u.email, contacts: u.people.size, deleted: u.tombstones.size })),
    refreshTokenCount: state.tokens.refreshTokens.size,
    liveAccessTokenCount: [...state.tokens.accessTokens.values()].filter((a) => state.tokens.accessTokenUsable(a)).length,
    counters: { ...state.counters },
  };
}
