import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  accessTokenExpired,
  concurrentMutation,
  credentialsMissing,
  GoogleApiError,
  insufficientScopes,
  invalidCredentials,
  notFound,
  quotaExceeded,
  type QuotaKind,
} from './errors';
import { CONTACTS_READONLY_SCOPE, CONTACTS_SCOPE, type GoogleState, type GoogleUser } from './model';
import type { Call } from './call';
import { listConnections } from './connections';
import { createContact, deleteContact, getPerson, updateContact } from './contacts';
import { batchCreate, batchDelete, batchGet, batchUpdate } from './batch';

/**
 * People API v1 (https://developers.google.com/people/api/rest). Paths carry ':' custom verbs
 * (people:batchGet, people/c1:updateContact) that fastify's router cannot express, so one wildcard route
 * dispatches on method + path. Here: authentication, the per-user quotas and the one-mutation-at-a-time rule.
 */

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

/** The first page of a full sync (a listing that asks for a sync token and has none yet) costs extra. */
const isFullSyncFirstPage = (q: URLSearchParams): boolean => q.get('requestSyncToken') === 'true' && !q.get('syncToken') && !q.get('pageToken');

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
      const extra = route.quota === 'read' && route.rpc.endsWith('.ListConnections') && isFullSyncFirstPage(query) ? cfg.fullSyncExtraReads : 0;
      const weight = (cfg.batchCountsPerContact ? route.weight(req.body, query) : 1) + extra;
      const verdict =
        route.quota === 'read'
          ? state.readQuota.tryHit(user.id, state.now(), 60_000, cfg.readsPerMinute, weight)
          : state.writeQuota.tryHit(user.id, state.now(), 60_000, cfg.writesPerMinute, weight);
      if (!verdict.ok) {
        if (route.quota === 'read') state.counters.quotaRejectedReads++;
        else state.counters.quotaRejectedWrites++;
        throw quotaExceeded(route.quota, cfg.quotaRetryAfterSeconds);
      }
      if (route.quota === 'read') return reply.code(200).send(route.run({ user, query, body: req.body }));
      // "Mutate requests for the same user should be sent sequentially to avoid increased latency and
      // failures": a second one while the first is in flight fails (concurrentMutations: 'reject').
      if (cfg.concurrentMutations === 'reject' && (state.mutating.get(user.id) ?? 0) > 0) {
        state.counters.concurrentMutationsRejected++;
        throw concurrentMutation(route.rpc);
      }
      state.mutating.set(user.id, (state.mutating.get(user.id) ?? 0) + 1);
      try {
        if (cfg.mutationLatencyMs > 0) await new Promise((r) => setTimeout(r, cfg.mutationLatencyMs));
        return reply.code(200).send(route.run({ user, query, body: req.body }));
      } finally {
        state.mutating.set(user.id, (state.mutating.get(user.id) ?? 1) - 1);
      }
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
