import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  accessTokenExpired,
  credentialsMissing,
  GoogleApiError,
  insufficientScopes,
  invalidArgument,
  invalidCredentials,
  notFound,
  quotaExceeded,
  staleEtag,
  type QuotaKind,
} from './errors';
import { CONTACTS_READONLY_SCOPE, CONTACTS_SCOPE, type GoogleState, type GoogleUser, type PageTokenRec } from './model';
import {
  nameKey,
  parseFieldMask,
  parsePersonInput,
  READ_MASK_FIELDS,
  renderDeleted,
  renderPerson,
  requireMask,
  UPDATABLE_FIELDS,
  type StoredPerson,
} from './person';

/**
 * People API v1 (https://developers.google.com/people/api/rest). Paths carry ':' custom verbs
 * (people:batchGet, people/c1:updateContact) that fastify's router cannot express, so one wildcard route
 * dispatches on method + path.
 */

const SORT_ORDERS = ['LAST_MODIFIED_ASCENDING', 'LAST_MODIFIED_DESCENDING', 'FIRST_NAME_ASCENDING', 'LAST_NAME_ASCENDING'] as const;
const READ_SOURCES = ['READ_SOURCE_TYPE_PROFILE', 'READ_SOURCE_TYPE_CONTACT', 'READ_SOURCE_TYPE_DOMAIN_CONTACT', 'READ_SOURCE_TYPE_OTHER_CONTACT'];
const CONTACT_RESOURCE = /^people\/c\d+$/;

interface Call {
  user: GoogleUser;
  query: URLSearchParams;
  body: unknown;
}

interface PeopleRoute {
  rpc: string;
  quota: QuotaKind;
  /** How many contacts the call touches (quota weight when batchCountsPerContact is on). */
  weight(body: unknown, query: URLSearchParams): number;
  run(call: Call): unknown;
}

const one = (): number => 1;
const countOf = (key: string) => (body: unknown): number => {
  const v = z.record(z.string(), z.unknown()).safeParse(body);
  const x = v.success ? v.data[key] : undefined;
  if (Array.isArray(x)) return Math.max(1, x.length);
  if (x && typeof x === 'object') return Math.max(1, Object.keys(x).length);
  return 1;
};

export function registerPeopleRoutes(app: FastifyInstance, state: GoogleState): void {
  const handler = async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const [pathPart = '', queryPart = ''] = req.url.split('?', 2);
    const path = decodeURIComponent(pathPart.replace(/^.*?\/v1\//, ''));
    const query = new URLSearchParams(queryPart);
    try {
      const route = matchRoute(state, req.method, path);
      if (!route) throw notFound();
      state.counters.apiRequests++;
      const user = authenticate(state, req.headers.authorization, route);
      const cfg = state.config;
      const weight = cfg.batchCountsPerContact ? route.weight(req.body, query) : 1;
      const verdict =
        route.quota === 'read'
          ? state.readQuota.tryHit(user.id, state.now(), 60_000, cfg.readsPerMinute, weight)
          : state.writeQuota.tryHit(user.id, state.now(), 60_000, cfg.writesPerMinute, weight);
      if (!verdict.ok) {
        if (route.quota === 'read') state.counters.quotaRejectedReads++;
        else state.counters.quotaRejectedWrites++;
        throw quotaExceeded(route.quota, cfg.quotaRetryAfterSeconds);
      }
      return reply.code(200).send(route.run({ user, query, body: req.body }));
    } catch (e) {
      if (e instanceof GoogleApiError) return reply.code(e.httpCode).headers(e.extra.headers ?? {}).send(e.body());
      throw e;
    }
  };
  app.route({ method: ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'], url: '/v1/*', handler });
}

function authenticate(state: GoogleState, header: string | undefined, route: PeopleRoute): GoogleUser {
  const m = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  if (!m?.[1]) throw credentialsMissing(route.rpc);
  const rec = state.tokens.accessTokens.get(m[1]);
  if (!rec || rec.revoked) throw invalidCredentials(route.rpc);
  if (rec.expiresAt <= state.now()) throw accessTokenExpired(route.rpc);
  const scopes = rec.scope.split(/\s+/);
  const ok = scopes.includes(CONTACTS_SCOPE) || (route.quota === 'read' && scopes.includes(CONTACTS_READONLY_SCOPE));
  if (!ok) throw insufficientScopes(route.rpc);
  const user = state.users.get(rec.userId);
  if (!user) throw invalidCredentials(route.rpc);
  return user;
}

function matchRoute(state: GoogleState, method: string, path: string): PeopleRoute | undefined {
  const svc = 'google.people.v1.PeopleService';
  if (method === 'GET' && /^people\/[^/:]+\/connections$/.test(path)) {
    const resource = path.slice(0, -'/connections'.length);
    return { rpc: `${svc}.ListConnections`, quota: 'read', weight: one, run: (c) => listConnections(state, c, resource) };
  }
  if (method === 'POST' && path === 'people:createContact') {
    return { rpc: `${svc}.CreateContact`, quota: 'write', weight: one, run: (c) => createContact(state, c) };
  }
  if (method === 'GET' && path === 'people:batchGet') {
    return { rpc: `${svc}.GetPeople`, quota: 'read', weight: (_b, q) => Math.max(1, q.getAll('resourceNames').length), run: (c) => batchGet(state, c) };
  }
  if (method === 'POST' && path === 'people:batchCreateContacts') {
    return { rpc: `${svc}.BatchCreateContacts`, quota: 'write', weight: countOf('contacts'), run: (c) => batchCreate(state, c) };
  }
  if (method === 'POST' && path === 'people:batchUpdateContacts') {
    return { rpc: `${svc}.BatchUpdateContacts`, quota: 'write', weight: countOf('contacts'), run: (c) => batchUpdate(state, c) };
  }
  if (method === 'POST' && path === 'people:batchDeleteContacts') {
    return { rpc: `${svc}.BatchDeleteContacts`, quota: 'write', weight: countOf('resourceNames'), run: (c) => batchDelete(state, c) };
  }
  const verb = /^(people\/[^/:]+):(updateContact|deleteContact)$/.exec(path);
  if (verb?.[1] && method === 'PATCH' && verb[2] === 'updateContact') {
    const rn = verb[1];
    return { rpc: `${svc}.UpdateContact`, quota: 'write', weight: one, run: (c) => updateContact(state, c, rn) };
  }
  if (verb?.[1] && method === 'DELETE' && verb[2] === 'deleteContact') {
    const rn = verb[1];
    return { rpc: `${svc}.DeleteContact`, quota: 'write', weight: one, run: (c) => deleteContact(state, c, rn) };
  }
  if (method === 'GET' && /^people\/[^/:]+$/.test(path)) {
    return { rpc: `${svc}.GetPerson`, quota: 'read', weight: one, run: (c) => getPerson(c, path) };
  }
  return undefined;
}

// ---- parameter helpers -------------------------------------------------------------------------------------

function parseBool(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  if (v === null || v === '' || v === 'false') return false;
  if (v === 'true') return true;
  throw invalidArgument(`Invalid value at '${name}' (TYPE_BOOL), "${v}"`, name);
}

function parseSources(q: URLSearchParams): string[] {
  const sources = q.getAll('sources').flatMap((s) => s.split(',')).filter(Boolean);
  for (const s of sources) {
    if (!READ_SOURCES.includes(s)) throw invalidArgument(`Invalid value at 'sources' (type.googleapis.com/google.internal.people.v2.ReadSourceType), "${s}"`, 'sources');
  }
  return [...new Set(sources)].sort();
}

const findContact = (user: GoogleUser, resourceName: string): StoredPerson => {
  const p = user.people.get(resourceName);
  if (!p) throw notFound();
  return p;
};

/** The signed-in user's own profile, for people/me. */
function profile(user: GoogleUser): StoredPerson {
  return {
    resourceName: `people/${user.id}`,
    contactId: user.id,
    etag: `%EgMBAi4aAQIiDHByb2ZpbGUtZmFrZQ==`,
    sourceEtag: '#profile',
    version: 1,
    updateTime: '2020-01-01T00:00:00.000000Z',
    data: { names: [{ displayName: user.name, unstructuredName: user.name }], emailAddresses: [{ value: user.email }] },
    changeSeq: 0,
    visibleAt: 0,
  };
}

// ---- people.connections.list --------------------------------------------------------------------------------

function listConnections(state: GoogleState, { user, query }: Call, resource: string): unknown {
  if (resource !== 'people/me') throw invalidArgument(`Resource name "${resource}" is not valid: only people/me has connections.`, 'resource_name');
  const personFields = requireMask(query.getAll('personFields'), 'personFields', READ_MASK_FIELDS, 'people.connections/list');
  const rawSize = query.get('pageSize');
  const size = rawSize === null || rawSize === '' ? 0 : Number(rawSize);
  if (!Number.isInteger(size)) throw invalidArgument(`Invalid value at 'page_size' (TYPE_INT32), "${rawSize}"`, 'page_size');
  // Documented range 1..1000, 0/unset meaning 100. GUESS: the wording of the out-of-range message.
  if (size < 0 || size > 1000) throw invalidArgument('pageSize must be between 1 and 1000, inclusive.', 'page_size');
  const pageSize = size === 0 ? 100 : size;
  const sortOrder = query.get('sortOrder') ?? 'LAST_MODIFIED_ASCENDING';
  if (!(SORT_ORDERS as readonly string[]).includes(sortOrder)) {
    throw invalidArgument(`Invalid value at 'sort_order' (type.googleapis.com/google.internal.people.v2.SortOrder), "${sortOrder}"`, 'sort_order');
  }
  const sources = parseSources(query);
  const requestSyncToken = parseBool(query, 'requestSyncToken');
  const syncToken = query.get('syncToken') || null;
  const pageToken = query.get('pageToken') || null;

  const fields = [...personFields].sort().join(',');
  const fingerprint = JSON.stringify({ fields, pageSize, sortOrder, sources, requestSyncToken, syncToken });
  const binding = JSON.stringify({ fields, sources });
  const now = state.now();
  const cfg = state.config;

  let session: Omit<PageTokenRec, 'token'>;
  if (pageToken) {
    const pt = state.pageTokens.get(pageToken);
    if (!pt || pt.userId !== user.id) throw invalidArgument('The page token is invalid.', 'page_token');
    if (pt.fingerprint !== fingerprint) {
      // Documented rule: "When paginating, all other parameters provided must match the first call that
      // provided the page token." GUESS: the wording.
      throw invalidArgument('Parameters provided with the page token do not match the first call that provided the page token.', 'page_token');
    }
    session = pt;
  } else if (syncToken) {
    const st = state.syncTokens.get(syncToken);
    if (!st || st.userId !== user.id) throw invalidArgument('The sync token is invalid.', 'sync_token');
    const since = cfg.syncTokenExpiryFrom === 'fullSync' ? st.fullSyncAt : st.issuedAt;
    if (now - since > cfg.syncTokenTtlSeconds * 1000) {
      throw new GoogleApiError(
        cfg.expiredSyncTokenHttpCode,
        cfg.expiredSyncTokenStatus,
        'Sync token is expired. Clear local cache and retry call without the sync token.',
        'EXPIRED_SYNC_TOKEN',
      );
    }
    if (st.binding !== binding) throw invalidArgument('Parameters provided with the sync token do not match the call that created it.', 'sync_token');
    // Changes after the token that are visible yet (write-visibility lag); the next token stops before the
    // oldest change still hidden, so nothing is skipped (a change may come twice, which Google allows too).
    const changed: { rn: string; seq: number }[] = [];
    let firstHidden = Number.POSITIVE_INFINITY;
    const consider = (rn: string, seq: number, visibleAt: number): void => {
      if (seq <= st.anchor) return;
      if (visibleAt <= now) changed.push({ rn, seq });
      else firstHidden = Math.min(firstHidden, seq);
    };
    for (const p of user.people.values()) consider(p.resourceName, p.changeSeq, p.visibleAt);
    for (const t of user.tombstones.values()) consider(t.resourceName, t.changeSeq, t.visibleAt);
    changed.sort((a, b) => a.seq - b.seq);
    const anchor = Number.isFinite(firstHidden) ? firstHidden - 1 : state.seq;
    session = { userId: user.id, fingerprint, mode: 'sync', names: changed.map((c) => c.rn), offset: 0, anchor, fullSyncAt: st.fullSyncAt };
  } else {
    const people = [...user.people.values()];
    const byName = (part: 'givenName' | 'familyName') => (a: StoredPerson, b: StoredPerson): number =>
      nameKey(a, part).localeCompare(nameKey(b, part)) || a.changeSeq - b.changeSeq;
    if (sortOrder === 'LAST_MODIFIED_ASCENDING') people.sort((a, b) => a.changeSeq - b.changeSeq);
    else if (sortOrder === 'LAST_MODIFIED_DESCENDING') people.sort((a, b) => b.changeSeq - a.changeSeq);
    else if (sortOrder === 'FIRST_NAME_ASCENDING') people.sort(byName('givenName'));
    else people.sort(byName('familyName'));
    session = { userId: user.id, fingerprint, mode: 'full', names: people.map((p) => p.resourceName), offset: 0, anchor: state.seq, fullSyncAt: now };
  }

  const slice = session.names.slice(session.offset, session.offset + pageSize);
  const connections: Record<string, unknown>[] = [];
  for (const rn of slice) {
    const p = user.people.get(rn);
    if (p) connections.push(renderPerson(p, personFields));
    else if (session.mode === 'sync') {
      const t = user.tombstones.get(rn);
      if (t) connections.push(renderDeleted(t));
    }
  }
  const out: Record<string, unknown> = {};
  if (connections.length > 0) out.connections = connections; // absent, not [], when there are none
  const nextOffset = session.offset + pageSize;
  if (nextOffset < session.names.length) {
    out.nextPageToken = state.newPageToken({ ...session, userId: user.id, offset: nextOffset }).token;
  } else if (requestSyncToken) {
    // Only the last page carries the sync token.
    out.nextSyncToken = state.newSyncToken({ userId: user.id, anchor: session.anchor, fullSyncAt: session.fullSyncAt, issuedAt: now, binding }).token;
  }
  // proto3 JSON leaves zero numbers out.
  if (session.names.length > 0) {
    out.totalPeople = session.names.length;
    out.totalItems = session.names.length;
  }
  return out;
}

// ---- single contact calls ---------------------------------------------------------------------------------

function getPerson({ user, query }: Call, resourceName: string): unknown {
  const fields = requireMask(query.getAll('personFields'), 'personFields', READ_MASK_FIELDS, 'people/get');
  if (resourceName === 'people/me' || resourceName === `people/${user.id}`) return renderPerson(profile(user), fields, 'PROFILE');
  return renderPerson(findContact(user, resourceName), fields);
}

function createContact(state: GoogleState, { user, query, body }: Call): unknown {
  const fields = parseFieldMask(query.getAll('personFields'), 'personFields', READ_MASK_FIELDS, 'people/createContact');
  parseSources(query);
  const { data } = parsePersonInput(body, 'person');
  return renderPerson(state.createPerson(user, data), fields);
}

function checkEtag(p: StoredPerson, etag: string | undefined, sourceEtag: string | undefined, at: string): void {
  if (etag === undefined && sourceEtag === undefined) {
    throw invalidArgument(`Request must set ${at}.etag or ${at}.metadata.sources.etag for the source that is being updated.`, `${at}.etag`);
  }
  if (etag !== undefined ? etag !== p.etag : sourceEtag !== p.sourceEtag) throw staleEtag();
}

function updateContact(state: GoogleState, { user, query, body }: Call, resourceName: string): unknown {
  const mask = requireMask(query.getAll('updatePersonFields'), 'updatePersonFields', UPDATABLE_FIELDS, 'people/updateContact');
  const fields = parseFieldMask(query.getAll('personFields'), 'personFields', READ_MASK_FIELDS, 'people/updateContact');
  const input = parsePersonInput(body, 'person');
  const p = findContact(user, resourceName);
  checkEtag(p, input.etag, input.sourceEtag, 'person');
  state.updatePerson(p, input.data, mask);
  return renderPerson(p, fields);
}

function deleteContact(state: GoogleState, { user }: Call, resourceName: string): unknown {
  if (!CONTACT_RESOURCE.test(resourceName)) throw invalidArgument(`Resource name "${resourceName}" is not a valid contact resource name.`, 'resource_name');
  state.deletePerson(user, findContact(user, resourceName));
  return {};
}

// ---- batch calls -------------------------------------------------------------------------------------------

const bodyObject = (body: unknown): Record<string, unknown> => {
  const r = z.record(z.string(), z.unknown()).safeParse(body ?? {});
  if (!r.success) throw invalidArgument('Invalid JSON payload received. Expected an object.');
  return r.data;
};

const maskFromBody = (value: unknown, param: string, allowed: ReadonlySet<string>, doc: string): Set<string> => {
  if (value !== undefined && typeof value !== 'string') throw invalidArgument(`Invalid value at '${param}' (type.googleapis.com/google.protobuf.FieldMask)`, param);
  return requireMask(value === undefined ? [] : [value], param, allowed, doc);
};

const OK_STATUS = {};
const NOT_FOUND_STATUS = { code: 5, message: 'Requested entity was not found.' };

function batchGet(_state: GoogleState, { user, query }: Call): unknown {
  const names = query.getAll('resourceNames');
  const fields = requireMask(query.getAll('personFields'), 'personFields', READ_MASK_FIELDS, 'people/getBatchGet');
  if (names.length === 0) throw invalidArgument('At least one resourceNames value is required.', 'resource_names');
  if (names.length > 200) throw invalidArgument('Too many resourceNames: at most 200 are allowed per request.', 'resource_names');
  return {
    responses: names.map((rn) => {
      if (rn === 'people/me' || rn === `people/${user.id}`) {
        return { httpStatusCode: 200, person: renderPerson(profile(user), fields, 'PROFILE'), requestedResourceName: rn, status: OK_STATUS };
      }
      const p = user.people.get(rn);
      return p
        ? { httpStatusCode: 200, person: renderPerson(p, fields), requestedResourceName: rn, status: OK_STATUS }
        : { httpStatusCode: 404, requestedResourceName: rn, status: NOT_FOUND_STATUS };
    }),
  };
}

function batchCreate(state: GoogleState, { user, body }: Call): unknown {
  const b = bodyObject(body);
  const readMask = maskFromBody(b.readMask, 'readMask', READ_MASK_FIELDS, 'people/batchCreateContacts');
  const contacts = z.array(z.record(z.string(), z.unknown())).safeParse(b.contacts);
  if (!contacts.success || contacts.data.length === 0) throw invalidArgument('contacts must not be empty.', 'contacts');
  if (contacts.data.length > 200) throw invalidArgument('Too many contacts: at most 200 can be created per request.', 'contacts');
  // Validate everything first: one bad contact fails the whole call and nothing is created.
  const parsed = contacts.data.map((c, i) => parsePersonInput(c.contactPerson ?? {}, `contacts[${i}].contact_person`));
  return {
    createdPeople: parsed.map((p) => ({ httpStatusCode: 200, person: renderPerson(state.createPerson(user, p.data), readMask), status: OK_STATUS })),
  };
}

function batchUpdate(state: GoogleState, { user, body }: Call): unknown {
  const b = bodyObject(body);
  const updateMask = maskFromBody(b.updateMask, 'updateMask', UPDATABLE_FIELDS, 'people/batchUpdateContacts');
  const readMask = maskFromBody(b.readMask, 'readMask', READ_MASK_FIELDS, 'people/batchUpdateContacts');
  const contacts = z.record(z.string(), z.unknown()).safeParse(b.contacts);
  if (!contacts.success || Object.keys(contacts.data).length === 0) throw invalidArgument('contacts must not be empty.', 'contacts');
  const entries = Object.entries(contacts.data);
  if (entries.length > 200) throw invalidArgument('Too many contacts: at most 200 can be updated per request.', 'contacts');
  const parsed = entries.map(([rn, person]) => {
    const input = parsePersonInput(person, `contacts[${rn}]`);
    if (input.etag === undefined && input.sourceEtag === undefined) {
      throw invalidArgument(`Request must set contacts[${rn}].etag or contacts[${rn}].metadata.sources.etag for the source that is being updated.`, `contacts[${rn}].etag`);
    }
    return { rn, input };
  });
  if (state.config.batchUpdateStaleEtag === 'wholeRequest') {
    for (const { rn, input } of parsed) {
      const p = user.people.get(rn);
      if (p) checkEtag(p, input.etag, input.sourceEtag, `contacts[${rn}]`);
    }
  }
  const updateResult: Record<string, unknown> = {};
  for (const { rn, input } of parsed) {
    const p = user.people.get(rn);
    if (!p) {
      updateResult[rn] = { httpStatusCode: 404, status: NOT_FOUND_STATUS };
      continue;
    }
    const stale = input.etag !== undefined ? input.etag !== p.etag : input.sourceEtag !== p.sourceEtag;
    if (stale) {
      updateResult[rn] = { httpStatusCode: 400, status: { code: 9, message: staleEtag().message } };
      continue;
    }
    state.updatePerson(p, input.data, updateMask);
    updateResult[rn] = { httpStatusCode: 200, person: renderPerson(p, readMask), status: OK_STATUS };
  }
  return { updateResult };
}

function batchDelete(state: GoogleState, { user, body }: Call): unknown {
  const b = bodyObject(body);
  const names = z.array(z.string()).safeParse(b.resourceNames);
  if (!names.success || names.data.length === 0) throw invalidArgument('resourceNames must not be empty.', 'resource_names');
  if (names.data.length > 500) throw invalidArgument('Too many resourceNames: at most 500 can be deleted per request.', 'resource_names');
  // GUESS: an unknown contact fails the whole call (404) and nothing is deleted.
  const people = names.data.map((rn) => findContact(user, rn));
  for (const p of people) state.deletePerson(user, p);
  return {};
}
