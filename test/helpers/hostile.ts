import fc from 'fast-check';

// Generators of malformed and hostile API requests, shared by the fuzz test and `npm run probe` (which sends them
// to a running API over HTTP).

/** Bodies that break parsers and validators: syntax errors, deep nesting, wrong types, huge or odd strings. */
const hostileBody = fc.oneof(
  fc.json({ depthSize: 'medium' }),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }),
  fc.constantFrom('', '{', '[', '{"a":}', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}', 'null', 'true', '"str"', '1e309', '\u0000', '{"name":"\ud800"}'),
  fc.integer({ min: 65, max: 3000 }).map((d) => `${'['.repeat(d)}${']'.repeat(d)}`),
  fc.record({
    name: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
    extractions: fc.oneof(fc.array(fc.jsonValue(), { maxLength: 3 }), fc.string(), fc.constant(null)),
    cron: fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('0 0 L * *', '* * * * * * *', '@every 1s', 'H H * * *', '61 * * * *')),
    provider: fc.constantFrom('google', 'zoho', 'kommo', 'other', 1),
    oauthClientId: fc.constantFrom('g', 'nope', '', '../../etc'),
    googleAccountId: fc.constantFrom('acc-1', 'nope'),
    zohoAccountId: fc.constantFrom('acc-1', 'nope'),
    target: fc.oneof(fc.jsonValue(), fc.constant({ kind: 'crm' }), fc.constant({ kind: 'creator' })),
    refreshToken: fc.string(),
    value: fc.string(),
  }).map((o) => JSON.stringify(o)),
);

/** A request against one of the routes (index modulo their count) with the given root key most of the time. */
export const hostileRequest = (rootKey: string) =>
  fc.record({
    route: fc.nat(),
    // Mostly the root key, so the bodies reach the validators; sometimes none, a wrong or an empty one.
    key: fc.oneof({ weight: 8, arbitrary: fc.constant<string | null>(rootKey) }, { weight: 1, arbitrary: fc.constantFrom<string | null>(null, 'wrong', '') }),
    contentType: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'application/vnd.api+json', 'multipart/form-data; boundary=x'),
    body: hostileBody,
    suffix: fc.oneof(
      { weight: 6, arbitrary: fc.constant('') },
      { weight: 3, arbitrary: fc.constantFrom('?limit=-1', '?limit=abc', '?after=%00', '?wait=true&extraction=bogus', '?limit=99999999999', '/..%2F..%2Fetc', '%20', '?%') },
    ),
  });

/** Every documented route of the API (path parameters filled with `id`), plus the create routes. */
export function routesOf(openApi: unknown, id: string): { method: string; url: string }[] {
  const doc = openApi as { paths: Record<string, Record<string, unknown>> };
  const routes = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => ({ method: m.toUpperCase(), url: path.replace(/\{[^}]+\}/g, id) })));
  routes.push({ method: 'POST', url: '/api/accounts' }, { method: 'POST', url: '/api/oauth-clients' }, { method: 'POST', url: '/api/keys' }, { method: 'POST', url: '/api/tokens/refresh' }, { method: 'POST', url: '/api/pairings' });
  return routes;
}
