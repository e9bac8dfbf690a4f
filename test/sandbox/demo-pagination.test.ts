import { describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../helpers/sandbox';
import { useSandbox } from './use-sandbox';

// The demo REST API: one data set through every pagination style, and the switches that break pagination.

const N = 250;

interface Rec {
  id: number;
  name: string;
  email: string;
  updated_at: string;
  owner: { id: number; name: string };
  tags: string[];
  version: number;
}
interface Got {
  status: number;
  text: string;
  json: unknown;
  link: string | null;
}

const sb: RunningSandbox = useSandbox(async () => {
  await sb.control.configure('demo', { count: N });
});

const url = (path: string): string => (path.startsWith('http') ? path : `${sb.baseUrl}${path.startsWith('/') ? '' : '/demo/api/'}${path}`);

async function get(path: string, headers: Record<string, string> = {}): Promise<Got> {
  const res = await fetch(url(path), { headers });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json, link: res.headers.get('link') };
}

const ids = (records: unknown): number[] => (records as Rec[]).map((r) => r.id);
const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, k) => a + k);
type Data = { data: Rec[] };

/** What each style's extractor loop does, with a page cap so a broken stop rule fails instead of hanging. */
async function collect(style: string, query = '', cap = 50): Promise<{ ids: number[]; requests: number; last: Got }> {
  const out: number[] = [];
  let requests = 0;
  const sep = query ? `&${query}` : '';
  let last: Got | undefined;
  const step = async (path: string): Promise<Got> => {
    requests++;
    if (requests > cap) throw new Error(`${style}: no stop after ${cap} requests`);
    last = await get(path);
    return last;
  };
  switch (style) {
    case 'more-records':
    case 'total-pages':
    case 'status':
    case 'empty-array':
    case 'empty-body':
      for (let page = 1; ; page++) {
        const g = await step(`${style}/records?page=${page}&per_page=100${sep}`);
        if (style === 'status' && g.status !== 200) break;
        if (style === 'empty-body' && g.text === '') break;
        const data = style.startsWith('empty') ? (g.json as Rec[]) : (g.json as Data).data;
        if (style === 'empty-array' && data.length === 0) break;
        out.push(...ids(data));
        const info = (g.json as { info?: { more_records?: boolean; current_page?: number; total_pages?: number } }).info;
        if (style === 'more-records' && !info?.more_records) break;
        if (style === 'total-pages' && !((info?.current_page ?? 0) < (info?.total_pages ?? 0))) break;
      }
      break;
    case 'offset':
      for (let from = 1; ; from += 100) {
        const g = await step(`offset/records?from=${from}&limit=100${sep}`);
        if (g.status !== 200) break;
        out.push(...ids((g.json as Data).data));
      }
      break;
    case 'next-link':
    case 'next-link-relative': {
      let next: string | null = url(`${style}/records?per_page=100${sep}`);
      let base = next;
      while (next) {
        const absolute: string = new URL(next, base).toString();
        base = absolute;
        const g = await step(absolute);
        out.push(...ids((g.json as Data).data));
        next = (g.json as { pagination: { next_link: string | null } }).pagination.next_link;
      }
      break;
    }
    case 'link-header': {
      let next: string | null = url(`link-header/records?per_page=100${sep}`);
      while (next) {
        const g = await step(next);
        out.push(...ids(g.json));
        const m = /<([^>]+)>;\s*rel="next"/.exec(g.link ?? '');
        next = m?.[1] ? new URL(m[1], next).toString() : null;
      }
      break;
    }
    case 'cursor': {
      let cursor: string | null = '';
      while (cursor !== null) {
        const g = await step(`cursor/records?limit=100${cursor ? `&cursor=${cursor}` : ''}${sep}`);
        out.push(...ids((g.json as Data).data));
        cursor = (g.json as { next_cursor: string | null }).next_cursor;
      }
      break;
    }
  }
  if (!last) throw new Error('no request made');
  return { ids: out, requests, last };
}

const STYLES = ['more-records', 'total-pages', 'status', 'empty-array', 'empty-body', 'offset', 'next-link', 'next-link-relative', 'link-header', 'cursor'];

describe('every pagination style serves the same data set', () => {
  it.each(STYLES)('%s: all records exactly once, in order, with its own stop signal', async (style) => {
    const got = await collect(style);
    expect(got.ids).toEqual(range(1, N));
  });

  it('stop signals look as documented', async () => {
    expect((await get('more-records/records?page=3&per_page=100')).json).toMatchObject({ info: { page: 3, per_page: 100, count: 50, more_records: false } });
    expect((await get('more-records/records?page=2&per_page=100')).json).toMatchObject({ info: { more_records: true } });
    expect((await get('total-pages/records?page=1&per_page=100')).json).toMatchObject({ info: { current_page: 1, total_pages: 3, per_page: 100, total_records: N } });
    const past = await get('status/records?page=4&per_page=100');
    expect(past.status).toBe(404);
    expect(past.json).toMatchObject({ error: 'not_found' });
    expect((await get('empty-array/records?page=4&per_page=100')).text).toBe('[]');
    const empty = await get('empty-body/records?page=4&per_page=100');
    expect(empty.status).toBe(200);
    expect(empty.text).toBe('');
    const end = await get('offset/records?from=251&limit=100');
    expect(end.status).toBe(204);
    const link = (await get('next-link/records?page=1&per_page=100')).json as { pagination: { next_link: string } };
    expect(link.pagination.next_link).toBe(`${sb.baseUrl}/demo/api/next-link/records?page=2&per_page=100`);
    const rel = (await get('next-link-relative/records?page=1&per_page=100')).json as { pagination: { next_link: string } };
    expect(rel.pagination.next_link).toBe('/demo/api/next-link-relative/records?page=2&per_page=100');
    expect(((await get('next-link/records?page=3&per_page=100')).json as { pagination: { next_link: null } }).pagination.next_link).toBeNull();
    const header = await get('link-header/records?page=2&per_page=100');
    expect(header.link).toContain(`<${sb.baseUrl}/demo/api/link-header/records?page=3&per_page=100>; rel="next"`);
    expect(header.link).toContain('rel="prev"');
    expect(header.link).toContain('rel="first"');
    expect(header.link).toContain('rel="last"');
    expect((await get('link-header/records?page=3&per_page=100')).link).not.toContain('rel="next"');
  });

  it('switches the status style to another past-the-end status and offset to an empty data page', async () => {
    await sb.control.configure('demo', { pastEndStatus: 400, offsetPastEnd: 'empty-data', offsetBase: 0 });
    expect((await get('status/records?page=9')).status).toBe(400);
    const g = await get('offset/records?from=250&limit=100');
    expect(g.status).toBe(200);
    expect(g.json).toEqual({ data: [] });
    expect(ids(((await get('offset/records?from=0&limit=2')).json as Data).data)).toEqual([1, 2]);
  });

  it('validates paging parameters', async () => {
    expect((await get('more-records/records?per_page=1001')).status).toBe(400);
    expect((await get('more-records/records?page=0')).status).toBe(400);
    const bad = await get('more-records/records?per_page=abc');
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ error: 'invalid_parameter' });
    expect((await get('more-records/records?per_page=10&per_page=20')).status).toBe(400);
    expect((await get('offset/records?from=0')).status).toBe(400);
    expect((await get('cursor/records?cursor=garbage')).status).toBe(400);
    expect((await get('more-records/records?sort=name')).status).toBe(400);
  });

  it('binds a cursor to the filter it was issued for', async () => {
    const first = (await get('cursor/records?limit=10')).json as { next_cursor: string };
    expect((await get(`cursor/records?limit=10&cursor=${first.next_cursor}`)).status).toBe(200);
    expect((await get(`cursor/records?limit=10&cursor=${first.next_cursor}&sort=updated_at`)).status).toBe(400);
  });
});

describe('records, details, and the data set', () => {
  it('serves one record and its details (mapping_fetch), 404 outside the set', async () => {
    const list = (await get('more-records/records?page=1&per_page=5')).json as Data;
    const one = await get('records/3');
    expect(one.json).toEqual(list.data[2]);
    const d = await get('records/3/details');
    expect(d.json).toMatchObject({ id: 3, record_id: 3, address: { city: expect.any(String) }, phone: expect.any(String) });
    expect((await get('records/251/details')).status).toBe(404);
    expect((await get('records/0')).status).toBe(404);
    expect((await get('records/abc/details')).status).toBe(404);
  });

  it("pages a record's events (a sub-resource): a count from the id, each event once, none for every seventh record", async () => {
    type Events = { data: { id: string; record_id: number; seq: number }[]; info: { page: number; more_records: boolean } };
    const counts = new Map<number, number>();
    for (const id of [1, 2, 3, 7, 14]) {
      const seen: string[] = [];
      for (let page = 1; ; page++) {
        const r = (await get(`records/${id}/events?page=${page}&per_page=2`)).json as Events;
        expect(r.info.page).toBe(page);
        expect(r.data.every((e) => e.record_id === id)).toBe(true);
        seen.push(...r.data.map((e) => e.id));
        if (!r.info.more_records) break;
      }
      expect(seen).toEqual(seen.map((_, k) => `${id}-${k + 1}`));
      counts.set(id, seen.length);
      // The same answer every time: no stored state.
      expect((await get(`records/${id}/events?per_page=100`)).json).toMatchObject({ info: { count: seen.length, more_records: false } });
    }
    expect(counts.get(7)).toBe(0);
    expect(counts.get(14)).toBe(0);
    expect(Math.max(...counts.values())).toBeGreaterThan(2);
    expect((await get('records/251/events')).status).toBe(404);
  });

  it('has nested objects, arrays, amounts and timestamps spread over time', async () => {
    const r = ((await get('records/10')).json ?? {}) as Rec & { amount: number; created_at: string; address: object };
    expect(r).toMatchObject({ id: 10, owner: { id: expect.any(Number), name: expect.any(String) }, amount: expect.any(Number), address: expect.any(Object) });
    expect(Array.isArray(r.tags)).toBe(true);
    const r11 = (await get('records/11')).json as Rec;
    expect(Date.parse(r11.updated_at) - Date.parse(r.updated_at)).toBe(30_000);
  });

  it('describes itself at GET /demo/api', async () => {
    const index = (await get('/demo/api')).json as { records: number; styles: Record<string, string> };
    expect(index.records).toBe(N);
    expect(Object.keys(index.styles)).toEqual(expect.arrayContaining(STYLES));
  });

  // How fast deep pages are is measured by `npm run bench -- sandbox` (demo_page_1m_ms, demo_deep_pages_ms).
  it('pages a million records down to page 10,000', async () => {
    await sb.control.configure('demo', { count: 1_000_000 });
    const last = await get('more-records/records?page=10000&per_page=100');
    expect(ids((last.json as Data).data)).toEqual(range(999_901, 1_000_000));
    expect(last.json).toMatchObject({ info: { more_records: false } });
    // Deep next-link pages follow on from each other.
    const deep = (await get('next-link/records?page=9800&per_page=100')).json as Data & { pagination: { next_link: string } };
    expect(ids(deep.data)).toEqual(range(979_901, 980_000));
    expect(ids(((await get(deep.pagination.next_link)).json as Data).data)).toEqual(range(980_001, 980_100));
    const tail = (await get('records/999801')).json as Rec;
    const cursorDeep = await collect('cursor', `updated_since=${encodeURIComponent(tail.updated_at)}`);
    expect(cursorDeep.ids).toEqual(range(999_801, 1_000_000));
  });
});

describe('updated_since filter and touched records (incremental runs)', () => {
  it('filters by updated_since (ISO or unix seconds), inclusive by default', async () => {
    const r200 = (await get('records/200')).json as Rec;
    const iso = await collect('more-records', `updated_since=${encodeURIComponent(r200.updated_at)}`);
    expect(iso.ids).toEqual(range(200, N));
    const secs = Math.floor(Date.parse(r200.updated_at) / 1000);
    expect((await collect('cursor', `updated_since=${secs}`)).ids).toEqual(range(200, N));
    await sb.control.configure('demo', { updatedSinceInclusive: false });
    expect((await collect('link-header', `updated_since=${encodeURIComponent(r200.updated_at)}`)).ids).toEqual(range(201, N));
    expect((await get('more-records/records?updated_since=yesterday')).status).toBe(400);
  });

  it('honours If-Modified-Since as "strictly after"', async () => {
    const r240 = (await get('records/240')).json as Rec;
    const g = await get('empty-array/records?per_page=100', { 'if-modified-since': new Date(r240.updated_at).toUTCString() });
    expect(ids(g.json)).toEqual(range(241, N));
  });

  it('moves touched records to the end of updated_at order and finds them with updated_since', async () => {
    const before = (await get('records/5')).json as Rec;
    const res = await fetch(`${sb.baseUrl}/_control/demo/touch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ids: [7, 5] }) });
    const touched = ((await res.json()) as { records: Rec[] }).records;
    expect(touched.map((r) => r.version)).toEqual([2, 2]);
    const after = (await get('records/5')).json as Rec;
    expect(Date.parse(after.updated_at)).toBeGreaterThan(Date.parse(before.updated_at));
    expect(after.version).toBe(2);

    const byUpdated = await collect('more-records', 'sort=updated_at');
    expect(byUpdated.ids).toEqual([...range(1, N).filter((i) => i !== 5 && i !== 7), 5, 7]);
    const byId = await collect('next-link', 'sort=id');
    expect(byId.ids).toEqual(range(1, N));
    const since = encodeURIComponent(after.updated_at);
    expect((await collect('cursor', `updated_since=${since}`)).ids).toEqual([5, 7]);
    expect((await collect('offset', `updated_since=${since}&sort=updated_at`)).ids).toEqual([5, 7]);

    const state = await sb.control.state<{ touched: { id: number; version: number }[] }>('demo');
    expect(state.touched.map((t) => t.id).sort()).toEqual([5, 7]);
    const bad = await fetch(`${sb.baseUrl}/_control/demo/touch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ids: [N + 1] }) });
    expect(bad.status).toBe(400);
  });
});

describe('pagination failure switches', () => {
  it('lastPageTwice: page styles repeat the last page once', async () => {
    await sb.control.configure('demo', { switches: { lastPageTwice: true } });
    const more = await collect('more-records');
    expect(more.ids).toEqual([...range(1, N), ...range(201, N)]);
    expect((await get('more-records/records?page=3&per_page=100')).json).toMatchObject({ info: { more_records: true } });
    expect((await get('total-pages/records?page=1&per_page=100')).json).toMatchObject({ info: { total_pages: 4 } });
    expect((await collect('status')).ids).toEqual([...range(1, N), ...range(201, N)]);
    expect((await collect('empty-array')).ids).toEqual([...range(1, N), ...range(201, N)]);
    expect((await collect('offset')).ids).toEqual([...range(1, N), ...range(201, N)]);
  });

  it('lastPageTwice: link and cursor styles point the last page at itself', async () => {
    await sb.control.configure('demo', { switches: { lastPageTwice: true } });
    const last = (await get('next-link/records?page=3&per_page=100')).json as { pagination: { next_link: string } };
    expect(last.pagination.next_link).toBe(`${sb.baseUrl}/demo/api/next-link/records?page=3&per_page=100`);
    expect((await get('link-header/records?page=3&per_page=100')).link).toContain('page=3&per_page=100>; rel="next"');
    await expect(collect('next-link', '', 10)).rejects.toThrow(/no stop/);
    const p3 = (await get('cursor/records?limit=100')).json as { next_cursor: string };
    const p2 = (await get(`cursor/records?limit=100&cursor=${p3.next_cursor}`)).json as { next_cursor: string };
    const end = (await get(`cursor/records?limit=100&cursor=${p2.next_cursor}`)).json as { next_cursor: string };
    expect(end.next_cursor).toBe(p2.next_cursor);
  });

  it('shortPage: a short page that is not the last; continuing styles lose nothing', async () => {
    await sb.control.configure('demo', { switches: { shortPage: { page: 2, size: 40 } } });
    const p2 = (await get('more-records/records?page=2&per_page=100')).json as Data & { info: { more_records: boolean; count: number } };
    expect(p2.info).toMatchObject({ count: 40, more_records: true });
    for (const style of ['more-records', 'total-pages', 'status', 'empty-array', 'empty-body', 'next-link', 'link-header', 'cursor']) {
      expect((await collect(style)).ids, style).toEqual(range(1, N));
    }
    // Offsets are the client's: a short window there leaves a gap, as a real API would.
    const offset = await collect('offset');
    expect(offset.ids).toEqual([...range(1, 140), ...range(201, N)]);
  });

  it('omitMoreRecords: the has-more field missing on the last page, or everywhere', async () => {
    await sb.control.configure('demo', { switches: { omitMoreRecords: 'last' } });
    expect(((await get('more-records/records?page=3&per_page=100')).json as { info: object }).info).not.toHaveProperty('more_records');
    expect(((await get('more-records/records?page=1&per_page=100')).json as { info: object }).info).toHaveProperty('more_records', true);
    await sb.control.configure('demo', { switches: { omitMoreRecords: 'always' } });
    expect(((await get('more-records/records?page=1&per_page=100')).json as { info: object }).info).not.toHaveProperty('more_records');
  });

  it('relativeLinks: root- or path-relative next links in bodies and Link headers', async () => {
    await sb.control.configure('demo', { switches: { relativeLinks: 'path' } });
    const body = (await get('next-link/records?page=1&per_page=100')).json as { pagination: { next_link: string } };
    expect(body.pagination.next_link).toBe('records?page=2&per_page=100');
    expect((await collect('next-link')).ids).toEqual(range(1, N));
    await sb.control.configure('demo', { switches: { relativeLinks: 'root' } });
    expect((await get('link-header/records?page=1&per_page=100')).link).toContain('</demo/api/link-header/records?page=2&per_page=100>; rel="next"');
    expect((await collect('link-header')).ids).toEqual(range(1, N));
  });

  it('duplicateQueryParams: next links repeat parameters; following them verbatim still works', async () => {
    await sb.control.configure('demo', { switches: { duplicateQueryParams: true } });
    const body = (await get('next-link/records?page=1&per_page=100&sort=id')).json as { pagination: { next_link: string } };
    expect(body.pagination.next_link).toBe(`${sb.baseUrl}/demo/api/next-link/records?page=2&per_page=100&sort=id&per_page=100&sort=id`);
    expect((await collect('next-link')).ids).toEqual(range(1, N));
    expect((await collect('link-header')).ids).toEqual(range(1, N));
    // A client that merges its own per_page into the link differently gets caught.
    expect((await get('next-link/records?page=2&per_page=100&per_page=50')).status).toBe(400);
  });
});
