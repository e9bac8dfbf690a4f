import { describe, expect, it } from 'vitest';
import { advance, startPagination } from '../../../extraction';
import { extraction, param, query, run } from './helpers';

const items = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ id: from + i }));

/** The seed's deals style: page numbers, info.more_records. */
const deals = (params: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) =>
  extraction({
    endpoint: { url: 'https://api.test/crm/v2/deals', query_params: { sort_by: 'Modified_Time', sort_order: 'asc' } },
    data_key: 'data',
    pagination: { type: 'sequential', parameters: { param_name: 'page', start_from: 1, there_are_more_pages: 'info.more_records', ...params } },
    ...extra,
  });

/** The seed's tickets style: `from` offsets with step 100, continue while 200. */
const tickets = () =>
  extraction({
    endpoint: { url: 'https://desk.test/api/v1/tickets', query_params: { sortBy: 'ticketNumber', limit: 100 } },
    data_key: 'data',
    pagination: { type: 'sequential', parameters: { param_name: 'from', start_from: 1, step: 100, continue_while_status_code_is: 200 } },
  });

describe('sequential: there_are_more_pages (Zoho deals)', () => {
  it('walks pages 1..3 and stops when more_records is false', () => {
    const r = run(deals(), (_req, n) => ({ body: { data: items(n * 10, 10), info: { more_records: n < 2 } } }));
    expect(r.requests.map((q) => param(q.url, 'page'))).toEqual(['1', '2', '3']);
    expect(r.last).toMatchObject({ kind: 'done', reason: 'no_more_pages', keepRecords: true, state: { pages: 3, records: 30 } });
    expect(r.records).toHaveLength(30);
  });
  it("keeps the config's query params on every page, once", () => {
    const r = run(deals(), (_req, n) => ({ body: { data: items(n, 1), info: { more_records: n < 1 } } }));
    for (const q of r.requests) expect(query(q.url)).toEqual({ sort_by: ['Modified_Time'], sort_order: ['asc'], page: [expect.any(String)] });
  });
  it("the page param wins over a config query param of the same name, without duplicating it", () => {
    const e = deals({}, { endpoint: { url: 'https://api.test/x?keep=1&page=9', query_params: { page: 5, other: 'o' } } });
    const r = run(e, () => ({ body: { data: items(0, 1), info: { more_records: false } } }));
    expect(query(r.requests[0]?.url ?? '')).toEqual({ keep: ['1'], page: ['1'], other: ['o'] });
  });
  it('does NOT stop on a short page that is not the last', () => {
    const sizes = [200, 37, 200, 5];
    const r = run(deals(), (_req, n) => ({ body: { data: items(0, sizes[n] ?? 0), info: { more_records: n < 3 } } }));
    expect(r.requests).toHaveLength(4);
    expect(r.records).toHaveLength(442);
  });
  it('a ConditionExpression rule: info.current_page < info.total_pages', () => {
    const e = deals({ there_are_more_pages: 'info.current_page < info.total_pages' });
    const r = run(e, (req) => {
      const page = Number(param(req.url, 'page'));
      return { body: { data: items(page, 2), info: { current_page: page, total_pages: 4 } } };
    });
    expect(r.requests).toHaveLength(4);
    expect(r.last).toMatchObject({ kind: 'done', reason: 'no_more_pages' });
  });
  it('a missing has-more field is an error, and that page is not kept', () => {
    const r = run(deals(), (_req, n) => ({ body: n === 0 ? { data: items(0, 3), info: { more_records: true } } : { data: items(3, 3), info: {} } }));
    expect(r.last).toMatchObject({ kind: 'error', message: expect.stringContaining('"info.more_records" not found') });
    expect(r.last.state.pages).toBe(1); // the state before the bad page
    expect(r.records).toHaveLength(3);
  });
  it('an empty body (Zoho CRM answers 204) ends the run, whatever the rule', () => {
    const r = run(deals(), (_req, n) => (n === 0 ? { body: { data: items(0, 5), info: { more_records: true } } } : { status: 204, body: null }));
    expect(r.last).toMatchObject({ kind: 'done', reason: 'empty', state: { pages: 2, records: 5 } });
  });
  it('304 Not Modified (If-Modified-Since) ends the run with nothing to keep', () => {
    const r = run(deals(), () => ({ status: 304, body: null }));
    expect(r.last).toMatchObject({ kind: 'done', reason: 'not_modified', keepRecords: false });
    expect(r.records).toHaveLength(0);
  });
  it('any other non-2xx status reaching advance is an error', () => {
    const r = run(deals(), () => ({ status: 404, body: { code: 'NOT_FOUND' } }));
    // The API's own code goes into the message (and the run log), so an operator sees why.
    expect(r.last).toMatchObject({ kind: 'error', message: 'unexpected HTTP status 404 for a page (NOT_FOUND)' });
  });
  it('start_from and step are honoured (start 0, step 2)', () => {
    const r = run(deals({ start_from: 0, step: 2 }), (_req, n) => ({ body: { data: items(n, 1), info: { more_records: n < 2 } } }));
    expect(r.requests.map((q) => param(q.url, 'page'))).toEqual(['0', '2', '4']);
  });
});

describe('sequential: continue_while_status_code_is (Zoho tickets)', () => {
  it('from = 1, 101, 201 ... and stops at the first non-200; that page is not data', () => {
    const r = run(tickets(), (_req, n) => (n < 3 ? { body: { data: items(n * 100, 100) } } : { status: 204, body: null }));
    expect(r.requests.map((q) => param(q.url, 'from'))).toEqual(['1', '101', '201', '301']);
    expect(r.requests.every((q) => param(q.url, 'limit') === '100' && param(q.url, 'sortBy') === 'ticketNumber')).toBe(true);
    expect(r.last).toMatchObject({ kind: 'done', reason: 'status', keepRecords: false, state: { pages: 3, records: 300 } });
    expect(r.records).toHaveLength(300);
  });
  it('an error body with another status is not written as a record (no data_key)', () => {
    const e = extraction({ pagination: { type: 'sequential', parameters: { param_name: 'p', continue_while_status_code_is: 200 } } });
    const r = run(e, (_req, n) => (n === 0 ? { body: [{ id: 1 }] } : { status: 422, body: { error: 'out of range' } }));
    expect(r.records).toEqual([{ id: 1 }]);
    expect(r.last).toMatchObject({ kind: 'done', reason: 'status', keepRecords: false });
  });
  it('a 200 with a blank body still ends the run', () => {
    const r = run(tickets(), (_req, n) => (n === 0 ? { body: { data: items(0, 100) } } : { body: '' }));
    expect(r.last).toMatchObject({ kind: 'done', reason: 'empty' });
  });
});

describe('sequential: stop_when_response_body_is_empty', () => {
  const e = (dataKey?: string) =>
    extraction({ ...(dataKey ? { data_key: dataKey } : {}), pagination: { type: 'sequential', parameters: { param_name: 'p', stop_when_response_body_is_empty: true } } });
  it('stops on []', () => {
    const r = run(e(), (_req, n) => ({ body: n < 2 ? items(n, 3) : [] }));
    expect(r.last).toMatchObject({ kind: 'done', reason: 'empty', state: { pages: 3, records: 6 } });
  });
  it('stops on {} and on a page with no records at data_key', () => {
    expect(run(e(), (_req, n) => ({ body: n < 1 ? items(n, 3) : {} })).last).toMatchObject({ kind: 'done', reason: 'empty' });
    expect(run(e('data'), (_req, n) => ({ body: { data: n < 1 ? items(n, 3) : [], meta: { page: n } } })).last).toMatchObject({
      kind: 'done',
      reason: 'empty',
      state: { pages: 2 },
    });
  });
  it('stop_when_records_fewer_than ends on a short page, which is kept', () => {
    const s = extraction({ pagination: { type: 'sequential', parameters: { param_name: 'p', stop_when_records_fewer_than: 10 } } });
    const r = run(s, (_req, n) => ({ body: items(n * 10, n < 2 ? 10 : 4) }));
    expect(r.last).toMatchObject({ kind: 'done', reason: 'short_page', keepRecords: true, state: { records: 24 } });
  });
});

describe('sequential: the last page served twice', () => {
  it('an API that ignores the page number past the end: error, duplicate not written', () => {
    const last = items(10, 5);
    const r = run(deals(), (_req, n) => ({ body: { data: n === 0 ? items(0, 10) : last, info: { more_records: true, page: n + 1 } } }));
    expect(r.last).toMatchObject({ kind: 'error', message: expect.stringContaining('same page twice') });
    expect(r.records).toHaveLength(15);
    expect(r.requests).toHaveLength(3);
  });
  it('compares the records (data_key), not the metadata around them', () => {
    // info.page differs on the repeat; the records do not.
    const r = run(deals(), (_req, n) => ({ body: { data: items(0, 3), info: { more_records: true, page: n } } }));
    expect(r.last.kind).toBe('error');
  });
  it('a caller-supplied hash takes precedence', () => {
    const e = deals();
    const s0 = startPagination(e);
    const a = advance(e, s0, { url: 'https://x', status: 200, headers: {}, body: { data: items(0, 1), info: { more_records: true } }, records: 1, hash: 'h' });
    if (a.kind !== 'next') throw new Error('expected next');
    const b = advance(e, a.state, { url: 'https://x', status: 200, headers: {}, body: { data: items(5, 1), info: { more_records: true } }, records: 1, hash: 'h' });
    expect(b.kind).toBe('error');
  });
  it('empty pages are not duplicates of each other', () => {
    const r = run(deals(), (_req, n) => ({ body: { data: [], info: { more_records: n < 2 } } }));
    expect(r.last).toMatchObject({ kind: 'done', reason: 'no_more_pages', state: { pages: 3 } });
  });
  it('but three empty pages in a row that claim more is an error, not 10 000 requests', () => {
    const r = run(tickets(), (_req, n) => ({ body: { data: n === 0 ? items(0, 100) : [] } }));
    expect(r.requests).toHaveLength(4);
    expect(r.last).toMatchObject({ kind: 'error', message: expect.stringContaining('set stop_when_response_body_is_empty') });
  });
  it('an empty page between full ones resets the count', () => {
    const sizes = [5, 0, 0, 5, 0, 0, 5];
    const r = run(deals(), (_req, n) => ({ body: { data: items(n * 10, sizes[n] ?? 0), info: { more_records: n < 6 } } }));
    expect(r.last).toMatchObject({ kind: 'done', state: { pages: 7, records: 15 } });
  });
});

describe('sequential: max_pages', () => {
  it('an API that never says stop fails at max_pages instead of running forever', () => {
    const e = deals({}, { pagination: { type: 'sequential', max_pages: 5, parameters: { param_name: 'page', there_are_more_pages: 'info.more_records' } } });
    const r = run(e, (_req, n) => ({ body: { data: items(n * 10, 10), info: { more_records: true } } }));
    expect(r.requests).toHaveLength(5);
    expect(r.last).toMatchObject({ kind: 'error', message: expect.stringContaining('max_pages (5)') });
  });
  it('finishing exactly at max_pages is fine', () => {
    const e = deals({}, { pagination: { type: 'sequential', max_pages: 3, parameters: { param_name: 'page', there_are_more_pages: 'info.more_records' } } });
    const r = run(e, (_req, n) => ({ body: { data: items(n * 10, 10), info: { more_records: n < 2 } } }));
    expect(r.last).toMatchObject({ kind: 'done', state: { pages: 3 } });
  });
  it('defaults to 10 000 pages', () => {
    const e = deals();
    const r = run(e, (_req, n) => ({ body: { data: [{ n }], info: { more_records: true } } }), {}, 20_000);
    expect(r.requests).toHaveLength(10_000);
    expect(r.last.kind).toBe('error');
  });
});
