import { describe, expect, it } from 'vitest';
import { advance, parsePageState, requestFor, SEEN_WINDOW, startPagination, type PageState } from '../../../extraction';
import { extraction, param, run } from './helpers';

const items = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ id: from + i }));
const ok200 = (body: unknown, records: number, url = 'https://api.test/items') => ({ url, status: 200, headers: {}, body, records });

describe('no pagination', () => {
  const e = extraction({ endpoint: { url: 'https://api.test/items', query_params: { a: 1 } } });
  it('one request, done', () => {
    const r = run(e, () => ({ body: items(0, 3) }));
    expect(r.requests).toHaveLength(1);
    expect(r.requests[0]).toEqual({ method: 'GET', url: 'https://api.test/items?a=1', headers: {}, body: undefined });
    expect(r.last).toMatchObject({ kind: 'done', reason: 'single_page', keepRecords: true, state: { pages: 1, records: 3 } });
  });
  it('a non-2xx answer is an error', () => {
    expect(run(e, () => ({ status: 500, body: 'oops' })).last.kind).toBe('error');
  });
});

describe('state', () => {
  const seq = extraction({ data_key: 'data', pagination: { type: 'sequential', parameters: { param_name: 'page', there_are_more_pages: 'more' } } });

  it('starts at the configured position', () => {
    expect(startPagination(seq)).toEqual({ version: 1, position: { type: 'sequential', value: 1 }, pages: 0, records: 0, lastPageHash: null, emptyStreak: 0, seen: [] });
  });
  it('is plain JSON (survives a heartbeat round trip unchanged)', () => {
    const s0 = startPagination(seq);
    const a = advance(seq, s0, ok200({ data: items(0, 2), more: true }, 2));
    expect(a.kind).toBe('next');
    expect(JSON.parse(JSON.stringify(a.state))).toEqual(a.state);
  });
  it('a retried attempt resumes from the heartbeated state: no page is fetched twice', () => {
    const pages = (p: number) => ({ data: items(p * 10, 10), more: p < 4 });
    // First attempt: two pages, then the worker dies after heartbeating.
    let state = startPagination(seq);
    const fetched: string[] = [];
    for (let i = 0; i < 2; i++) {
      const req = requestFor(seq, state, {});
      if (!req.ok) throw new Error(req.error);
      const p = Number(param(req.value.url, 'page'));
      fetched.push(String(p));
      const a = advance(seq, state, ok200(pages(p), 10));
      if (a.kind !== 'next') throw new Error('expected next');
      state = a.state;
    }
    const heartbeat: unknown = JSON.parse(JSON.stringify(state));
    // Second attempt.
    const resumed = parsePageState(heartbeat);
    if (!resumed.ok) throw new Error(resumed.error);
    let s: PageState = resumed.value;
    for (;;) {
      const req = requestFor(seq, s, {});
      if (!req.ok) throw new Error(req.error);
      const p = Number(param(req.value.url, 'page'));
      fetched.push(String(p));
      const a = advance(seq, s, ok200(pages(p), 10));
      if (a.kind !== 'next') {
        expect(a).toMatchObject({ kind: 'done', state: { pages: 4, records: 40 } });
        break;
      }
      s = a.state;
    }
    expect(fetched).toEqual(['1', '2', '3', '4']);
  });
  it('parsePageState rejects garbage', () => {
    expect(parsePageState({ version: 2 }).ok).toBe(false);
    expect(parsePageState(null).ok).toBe(false);
    expect(parsePageState({ ...startPagination(seq), position: { type: 'sequential' } }).ok).toBe(false);
  });
  it('a state from another pagination style is refused (config changed mid-run)', () => {
    const link = extraction({ pagination: { type: 'link', parameters: { next_link: 'next' } } });
    const s = startPagination(seq);
    expect(requestFor(link, s, {})).toEqual({ ok: false, error: expect.stringContaining('does not match the config') });
    expect(advance(link, s, ok200([], 0)).kind).toBe('error');
  });
  it('remembers at most SEEN_WINDOW cursors', () => {
    const cur = extraction({ pagination: { type: 'cursor', parameters: { param_name: 'c', cursor_key: 'next' }, max_pages: 1000 } });
    const r = run(cur, (_req, n) => ({ body: { next: n < 200 ? `c${n}` : null, rows: [n] } }), {}, 500);
    expect(r.last.kind).toBe('done');
    expect(Math.max(...r.states.map((s) => s.seen.length))).toBe(SEEN_WINDOW);
  });
  it('an error returns the state before the failing page', () => {
    const s0 = startPagination(seq);
    const a = advance(seq, s0, ok200({ data: items(0, 1) }, 1));
    expect(a).toMatchObject({ kind: 'error', state: s0 });
  });
});

describe('requests', () => {
  it('references are resolved at request time: a token refreshed mid-run is used by the next request', () => {
    const e = extraction({
      endpoint: { url: 'https://api.test/items', headers: { Authorization: 'Bearer ${secret::token}' } },
      pagination: { type: 'sequential', parameters: { param_name: 'page', stop_when_response_body_is_empty: true } },
    });
    const s = startPagination(e);
    expect(requestFor(e, s, { secrets: { token: 'old' } })).toMatchObject({ ok: true, value: { headers: { Authorization: 'Bearer old' } } });
    expect(requestFor(e, s, { secrets: { token: 'new' } })).toMatchObject({ ok: true, value: { headers: { Authorization: 'Bearer new' } } });
  });
  it('the seed deals headers: token from self, If-Modified-Since from last with its default', () => {
    const e = extraction({
      endpoint: {
        url: 'https://www.zohoapis.com/crm/v2/deals',
        headers: { Authorization: 'Bearer ${secret::t}', 'If-Modified-Since': '${last::Modified_Time, 2020-09-03T17:40:53-05:00}' },
      },
    });
    const first = requestFor(e, startPagination(e), { secrets: { t: 'x' }, last: null });
    expect(first).toMatchObject({ ok: true, value: { headers: { 'If-Modified-Since': '2020-09-03T17:40:53-05:00' } } });
    const later = requestFor(e, startPagination(e), { secrets: { t: 'x' }, last: { Modified_Time: '2024-05-01T10:00:00-05:00' } });
    expect(later).toMatchObject({ ok: true, value: { headers: { 'If-Modified-Since': '2024-05-01T10:00:00-05:00' } } });
  });
  it('a missing secret fails the request, naming the field and the secret', () => {
    const e = extraction({ endpoint: { url: 'https://api.test/items', query_params: { key: '${secret::api_key}' } } });
    expect(requestFor(e, startPagination(e), {})).toEqual({ ok: false, error: expect.stringMatching(/^endpoint\.query_params\.key: .*secret "api_key"/) });
  });
  it('a URL built from a secret must still be absolute http(s)', () => {
    const e = extraction({ endpoint: { url: '${secret::base}/items' } });
    expect(requestFor(e, startPagination(e), { secrets: { base: 'https://api.test/v1' } })).toMatchObject({ ok: true, value: { url: 'https://api.test/v1/items' } });
    expect(requestFor(e, startPagination(e), { secrets: { base: 'file:///etc' } }).ok).toBe(false);
    expect(requestFor(e, startPagination(e), { secrets: { base: 'nope' } }).ok).toBe(false);
  });
  it('a header value with a line break is refused (header injection)', () => {
    const e = extraction({ endpoint: { url: 'https://api.test/items', headers: { 'X-Since': '${last::since}' } } });
    expect(requestFor(e, startPagination(e), { last: { since: '1\r\nX-Evil: 1' } }).ok).toBe(false);
  });
  it('method: GET by default, POST with a body, or as configured; body references keep their type', () => {
    const get = extraction({});
    expect(requestFor(get, startPagination(get), {})).toMatchObject({ ok: true, value: { method: 'GET', body: undefined } });
    const post = extraction({ endpoint: { url: 'https://api.test/search', body: { since: '$(last::id, 0)', q: 'a ${last::id, 0}' } } });
    expect(requestFor(post, startPagination(post), { last: { id: 7 } })).toMatchObject({ ok: true, value: { method: 'POST', body: { since: 7, q: 'a 7' } } });
    const put = extraction({ endpoint: { url: 'https://api.test/search', method: 'GET', body: { a: 1 } } });
    expect(requestFor(put, startPagination(put), {})).toMatchObject({ ok: true, value: { method: 'GET' } });
  });
  it('query values: numbers and booleans as text, arrays repeat, null is left out', () => {
    const e = extraction({ endpoint: { url: 'https://api.test/items', query_params: { limit: 100, deleted: false, ids: [1, 2], skip: null } } });
    const r = requestFor(e, startPagination(e), {});
    expect(r).toMatchObject({ ok: true, value: { url: 'https://api.test/items?limit=100&deleted=false&ids=1&ids=2' } });
  });
  it('percent-encodes query values (commas, spaces)', () => {
    const e = extraction({ endpoint: { url: 'https://api.test/items', query_params: { include: 'contacts,products', q: 'a b&c' } } });
    expect(requestFor(e, startPagination(e), {})).toMatchObject({ ok: true, value: { url: 'https://api.test/items?include=contacts%2Cproducts&q=a%20b%26c' } });
  });
});
