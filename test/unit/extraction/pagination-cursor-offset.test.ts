import { describe, expect, it } from 'vitest';
import { extraction, param, query, run } from './helpers';

const items = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ id: from + i }));

describe('cursor: token in the body (Google nextPageToken style)', () => {
  const e = (params: Record<string, unknown> = {}) =>
    extraction({
      endpoint: { url: 'https://people.test/v1/people/me/connections', query_params: { personFields: 'names', pageSize: 2 } },
      data_key: 'connections',
      pagination: { type: 'cursor', parameters: { param_name: 'pageToken', cursor_key: 'nextPageToken', ...params } },
    });
  it('sends the cursor back as a query param and stops when none comes back', () => {
    const tokens = ['t1', 't2', undefined];
    const r = run(e(), (_req, n) => ({ body: { connections: items(n * 2, 2), ...(tokens[n] ? { nextPageToken: tokens[n] } : {}) } }));
    expect(r.requests.map((q) => param(q.url, 'pageToken'))).toEqual([undefined, 't1', 't2']);
    expect(r.requests.every((q) => param(q.url, 'personFields') === 'names')).toBe(true);
    expect(r.last).toMatchObject({ kind: 'done', reason: 'no_cursor', state: { records: 6 } });
  });
  it('a last page without the list at all (Google leaves it out) ends cleanly', () => {
    const r = run(e(), (_req, n) => ({ body: n === 0 ? { connections: items(0, 2), nextPageToken: 'a' } : { totalItems: 2 } }));
    expect(r.last).toMatchObject({ kind: 'done', reason: 'no_cursor', state: { pages: 2, records: 2 } });
  });
  it('there_are_more_pages false ends the run even when a cursor is present', () => {
    const r = run(e({ there_are_more_pages: 'info.more_records' }), () => ({ body: { connections: items(0, 1), nextPageToken: 'x', info: { more_records: false } } }));
    expect(r.last).toMatchObject({ kind: 'done', reason: 'no_more_pages' });
  });
  it('more pages announced but no cursor is an error', () => {
    const r = run(e({ there_are_more_pages: 'info.more_records' }), () => ({ body: { connections: items(0, 1), info: { more_records: true } } }));
    expect(r.last).toMatchObject({ kind: 'error', message: expect.stringContaining('cursor_key "nextPageToken" is missing') });
  });
  it('a repeated cursor is an error', () => {
    const r = run(e(), (_req, n) => ({ body: { connections: items(n * 2, 2), nextPageToken: n === 0 ? 'a' : n === 1 ? 'b' : 'a' } }));
    expect(r.last).toMatchObject({ kind: 'error', message: expect.stringContaining('already sent') });
  });
  it('a numeric cursor is sent as text; an object cursor is an error', () => {
    const r = run(e(), (_req, n) => ({ body: { connections: items(n, 1), ...(n === 0 ? { nextPageToken: 17 } : {}) } }));
    expect(param(r.requests[1]?.url ?? '', 'pageToken')).toBe('17');
    expect(run(e(), () => ({ body: { connections: [], nextPageToken: { a: 1 } } })).last.kind).toBe('error');
  });
});

describe('cursor: response header to request header (Zoho Creator record_cursor)', () => {
  it('carries the cursor in a header', () => {
    const e = extraction({
      endpoint: { url: 'https://creator.test/report', headers: { Authorization: 'Zoho-oauthtoken t' } },
      data_key: 'data',
      pagination: { type: 'cursor', parameters: { param_name: 'record_cursor', send_as: 'header', cursor_header: 'record_cursor' } },
    });
    const r = run(e, (_req, n) => ({ headers: n < 2 ? { Record_Cursor: `c${n}` } : {}, body: { data: items(n, 1) } }));
    expect(r.requests.map((q) => q.headers)).toEqual([
      { Authorization: 'Zoho-oauthtoken t' },
      { Authorization: 'Zoho-oauthtoken t', record_cursor: 'c0' },
      { Authorization: 'Zoho-oauthtoken t', record_cursor: 'c1' },
    ]);
  });
});

describe('cursor: into the request body', () => {
  it('sets a nested body field and keeps the rest of the body', () => {
    const e = extraction({
      endpoint: { url: 'https://search.test/q', body: { query: { term: 'x' }, page: { size: 10 } } },
      data_key: 'hits',
      pagination: { type: 'cursor', parameters: { param_name: 'page.after', send_as: 'body', cursor_key: 'next' } },
    });
    const r = run(e, (_req, n) => ({ body: { hits: items(n, 1), next: n === 0 ? 'k1' : null } }));
    expect(r.requests[0]?.body).toEqual({ query: { term: 'x' }, page: { size: 10 } });
    expect(r.requests[1]?.body).toEqual({ query: { term: 'x' }, page: { size: 10, after: 'k1' } });
    expect(r.requests[1]?.method).toBe('POST');
  });
});

describe('offset/limit with a total', () => {
  const e = (params: Record<string, unknown> = {}) =>
    extraction({ data_key: 'rows', pagination: { type: 'offset', parameters: { limit: 50, total: 'meta.total', ...params } } });
  it('offset 0, 50, 100 for a total of 120', () => {
    const r = run(e(), (req) => ({ body: { rows: items(Number(param(req.url, 'offset')), 50), meta: { total: 120 } } }));
    expect(r.requests.map((q) => query(q.url))).toEqual([
      { offset: ['0'], limit: ['50'] },
      { offset: ['50'], limit: ['50'] },
      { offset: ['100'], limit: ['50'] },
    ]);
    expect(r.last).toMatchObject({ kind: 'done', reason: 'total_reached' });
  });
  it('one page when the total fits', () => {
    expect(run(e(), () => ({ body: { rows: items(0, 50), meta: { total: 50 } } })).requests).toHaveLength(1);
    expect(run(e(), () => ({ body: { rows: [], meta: { total: 0 } } })).requests).toHaveLength(1);
  });
  it('a short page before the total is not the end', () => {
    const r = run(e(), (_req, n) => ({ body: { rows: items(n * 50, n === 0 ? 20 : 50), meta: { total: 100 } } }));
    expect(r.requests).toHaveLength(2);
  });
  it('custom names, 1-based start, total as a string', () => {
    const r = run(e({ offset_param: 'from', limit_param: 'size', start_from: 1 }), (_req, n) => ({ body: { rows: items(n * 50, 50), meta: { total: '100' } } }));
    expect(r.requests.map((q) => query(q.url))).toEqual([
      { from: ['1'], size: ['50'] },
      { from: ['51'], size: ['50'] },
    ]);
  });
  it('a missing or non-numeric total is an error', () => {
    expect(run(e(), () => ({ body: { rows: items(0, 50), meta: {} } })).last).toMatchObject({ kind: 'error', message: expect.stringContaining('not found') });
    expect(run(e(), () => ({ body: { rows: items(0, 50), meta: { total: 'many' } } })).last.kind).toBe('error');
  });
});
