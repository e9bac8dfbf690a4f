import { describe, expect, it } from 'vitest';
import { findLink, parseLinkHeader } from '../../../extraction';
import { extraction, query, run } from './helpers';

const items = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ id: from + i }));

const bodyLinks = (endpoint: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) =>
  extraction({
    endpoint: { url: 'https://api.test/v1/items', ...endpoint },
    data_key: 'results',
    pagination: { type: 'link', parameters: { next_link: 'pagination.next_link' } },
    ...extra,
  });

describe('link: next_link in the body', () => {
  it('follows absolute links and stops when the link is null', () => {
    const links = ['https://api.test/v1/items?page=2', 'https://api.test/v1/items?page=3', null];
    const r = run(bodyLinks(), (_req, n) => ({ body: { results: items(n, 2), pagination: { next_link: links[n] } } }));
    expect(r.requests.map((q) => q.url)).toEqual(['https://api.test/v1/items', 'https://api.test/v1/items?page=2', 'https://api.test/v1/items?page=3']);
    expect(r.last).toMatchObject({ kind: 'done', reason: 'no_next_link', keepRecords: true, state: { pages: 3, records: 6 } });
  });
  it('stops when the link is missing or empty', () => {
    expect(run(bodyLinks(), () => ({ body: { results: items(0, 1), pagination: {} } })).last).toMatchObject({ kind: 'done', reason: 'no_next_link' });
    expect(run(bodyLinks(), () => ({ body: { results: items(0, 1), pagination: { next_link: '' } } })).last).toMatchObject({ kind: 'done' });
  });
  it('resolves relative links against the current URL', () => {
    const links = ['/v1/items?page=2', '?page=3', 'other?page=4', '//api.test/x?page=5', null];
    const r = run(bodyLinks(), (_req, n) => ({ body: { results: items(n, 1), pagination: { next_link: links[n] } } }));
    expect(r.requests.map((q) => q.url)).toEqual([
      'https://api.test/v1/items',
      'https://api.test/v1/items?page=2',
      'https://api.test/v1/items?page=3',
      'https://api.test/v1/other?page=4',
      'https://api.test/x?page=5',
    ]);
  });
  it('refuses a next link to another origin: it would carry our token there', () => {
    for (const next of ['https://evil.test/steal', '//evil.test/x', 'http://evil.test/x', 'https://api.test:8443/x', 'http://api.test:8080/x']) {
      const r = run(bodyLinks(), () => ({ body: { results: items(0, 1), pagination: { next_link: next } } }));
      expect(r.last, next).toMatchObject({ kind: 'error', message: expect.stringContaining('another origin') });
    }
  });
  // Behind a TLS-terminating proxy the API sees plain http and writes its links so.
  it("follows an http link from an https answer on the same host, over https: the scheme is the request's", () => {
    const links = ['http://api.test/v1/items?page=2', 'http://api.test:80/v1/items?page=3', null];
    const r = run(bodyLinks(), (_req, n) => ({ body: { results: items(n, 1), pagination: { next_link: links[n] } } }));
    expect(r.requests.map((q) => q.url)).toEqual(['https://api.test/v1/items', 'https://api.test/v1/items?page=2', 'https://api.test/v1/items?page=3']);
    expect(r.last).toMatchObject({ kind: 'done', reason: 'no_next_link' });
    const local = run(bodyLinks({ url: 'http://localhost:4010/v1/items' }), (_req, n) => ({ body: { results: items(n, 1), pagination: { next_link: n === 0 ? 'https://localhost:4010/v1/items?page=2' : null } } }));
    expect(local.requests[1]?.url).toBe('http://localhost:4010/v1/items?page=2');
  });
  it('resolves against the URL that answered (after a redirect)', () => {
    const r = run(bodyLinks(), (_req, n) =>
      n === 0 ? { url: 'https://eu.api.test/v2/items', body: { results: items(0, 1), pagination: { next_link: 'items?page=2' } } } : { body: { results: items(1, 1), pagination: {} } },
    );
    expect(r.requests[1]?.url).toBe('https://eu.api.test/v2/items?page=2');
  });
  it("the next link's own query wins: config params are not appended twice", () => {
    const e = bodyLinks({ query_params: { limit: 100, sort: 'asc' } });
    const links = ['https://api.test/v1/items?limit=50&sort=asc&page=2', null];
    const r = run(e, (_req, n) => ({ body: { results: items(n, 1), pagination: { next_link: links[n] } } }));
    expect(query(r.requests[0]?.url ?? '')).toEqual({ limit: ['100'], sort: ['asc'] });
    expect(query(r.requests[1]?.url ?? '')).toEqual({ limit: ['50'], sort: ['asc'], page: ['2'] });
  });
  it('config params the link lacks are added (an api_key the API does not echo)', () => {
    const e = bodyLinks({ query_params: { api_key: 'k', limit: 10 } });
    const r = run(e, (_req, n) => ({ body: { results: items(n, 1), pagination: { next_link: n === 0 ? '/v1/items?cursor=abc&limit=10' : null } } }));
    expect(query(r.requests[1]?.url ?? '')).toEqual({ cursor: ['abc'], limit: ['10'], api_key: ['k'] });
  });
  it("keeps the link's own encoding byte for byte", () => {
    const link = 'https://api.test/v1/items?filter[id][]=1&q=a%20b&sig=x%2By';
    const r = run(bodyLinks({ query_params: { extra: 'e' } }), (_req, n) => ({ body: { results: items(n, 1), pagination: { next_link: n === 0 ? link : null } } }));
    expect(r.requests[1]?.url).toBe(`${link}&extra=e`);
  });
  it('never keeps a secret query param in the state; it is re-added from the config', () => {
    const e = bodyLinks({ query_params: { token: '${secret::api_token}', limit: 5 } });
    const ctx = { secrets: { api_token: 'S3CR3T' } };
    // The API echoes every param, the secret included, in its next links.
    const r = run(e, (req, n) => ({ body: { results: items(n, 1), pagination: { next_link: n < 2 ? `${req.url.split('?')[0]}?limit=5&token=S3CR3T&page=${n + 2}` : null } } }), ctx);
    for (const s of r.states) expect(JSON.stringify(s)).not.toContain('S3CR3T');
    expect(query(r.requests[1]?.url ?? '')).toEqual({ limit: ['5'], page: ['2'], token: ['S3CR3T'] });
    expect(query(r.requests[2]?.url ?? '')).toEqual({ limit: ['5'], page: ['3'], token: ['S3CR3T'] });
  });
  it('a repeated next link is an error (A -> B -> A)', () => {
    const links = ['/b', '/a', '/b'];
    const r = run(bodyLinks(), (_req, n) => ({ body: { results: items(n * 5, 1), pagination: { next_link: links[n] } } }));
    expect(r.last).toMatchObject({ kind: 'error', message: expect.stringContaining('already sent') });
    expect(r.requests).toHaveLength(3);
  });
  it('a next link that is not a string, or not http(s), is an error', () => {
    expect(run(bodyLinks(), () => ({ body: { results: [], pagination: { next_link: 2 } } })).last).toMatchObject({
      kind: 'error',
      message: expect.stringContaining('is number'),
    });
    expect(run(bodyLinks(), () => ({ body: { results: [], pagination: { next_link: 'javascript:alert(1)' } } })).last.kind).toBe('error');
  });
  it('headers and body of the config go with every page', () => {
    const e = bodyLinks({ headers: { Authorization: 'Bearer ${secret::tok}' }, body: { q: 'x' } }, {});
    const ctx = { secrets: { tok: 'T' } };
    const r = run(e, (_req, n) => ({ body: { results: items(n, 1), pagination: { next_link: n === 0 ? '/p2' : null } } }), ctx);
    for (const q of r.requests) {
      expect(q.headers).toEqual({ Authorization: 'Bearer T' });
      expect(q.body).toEqual({ q: 'x' });
      expect(q.method).toBe('POST');
    }
  });
});

describe('link_header: RFC 8288', () => {
  const e = (params?: Record<string, unknown>) =>
    extraction({ endpoint: { url: 'https://api.test/repos', query_params: { per_page: 2 } }, pagination: { type: 'link_header', ...(params ? { parameters: params } : {}) } });

  it('follows rel="next" and stops without it', () => {
    const headers = [
      { link: '<https://api.test/repos?per_page=2&page=2>; rel="next", <https://api.test/repos?per_page=2&page=3>; rel="last"' },
      { Link: '<https://api.test/repos?per_page=2&page=3>; rel="next", <https://api.test/repos?per_page=2&page=1>; rel="first"' },
      { Link: '<https://api.test/repos?per_page=2&page=1>; rel="first"' },
    ];
    const r = run(e(), (_req, n) => ({ headers: headers[n] ?? {}, body: items(n * 2, 2) }));
    expect(r.requests.map((q) => query(q.url))).toEqual([{ per_page: ['2'] }, { per_page: ['2'], page: ['2'] }, { per_page: ['2'], page: ['3'] }]);
    expect(r.last).toMatchObject({ kind: 'done', reason: 'no_next_link', state: { records: 6 } });
  });
  it('resolves relative targets and rel lists', () => {
    const r = run(e(), (_req, n) => ({ headers: n === 0 ? { link: '</repos?page=2>; rel="prefetch next"' } : {}, body: items(n, 1) }));
    expect(r.requests[1]?.url).toBe('https://api.test/repos?page=2&per_page=2');
  });
  it('follows a custom rel', () => {
    const r = run(e({ rel: 'more' }), (_req, n) => ({ headers: n === 0 ? { link: '</x>; rel=next, </y>; rel=more' } : {}, body: items(n, 1) }));
    expect(r.requests[1]?.url).toBe('https://api.test/y?per_page=2');
  });
  it('no Link header on the first page: one page', () => {
    expect(run(e(), () => ({ body: items(0, 2) })).requests).toHaveLength(1);
  });
});

describe('parseLinkHeader', () => {
  it('parses several links with quoted and bare params', () => {
    expect(parseLinkHeader('<https://a/x?a=1,2>; rel="next"; title="a, b; c", <https://a/y>; rel=last')).toEqual([
      { target: 'https://a/x?a=1,2', params: { rel: 'next', title: 'a, b; c' } },
      { target: 'https://a/y', params: { rel: 'last' } },
    ]);
  });
  it('is case-insensitive in names and relations, and keeps the first of a repeated param', () => {
    expect(findLink('<a>; REL="Next"; rel="last"', 'next')).toBe('a');
    expect(parseLinkHeader('<a>; rel=next; rel=last')[0]?.params.rel).toBe('next');
  });
  it('skips garbage and returns nothing for an empty header', () => {
    expect(parseLinkHeader('garbage, <b>; rel="next"')).toEqual([{ target: 'b', params: { rel: 'next' } }]);
    expect(parseLinkHeader('')).toEqual([]);
    expect(findLink(undefined, 'next')).toBeUndefined();
    expect(findLink('<x>; rel="nextpage"', 'next')).toBeUndefined();
  });
  it('handles escaped quotes and valueless params', () => {
    expect(parseLinkHeader('<a>; title="say \\"hi\\""; crossorigin; rel=next')).toEqual([{ target: 'a', params: { title: 'say "hi"', crossorigin: '', rel: 'next' } }]);
  });
});
