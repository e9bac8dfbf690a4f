/**
 * The seed's two example configs (extraction/examples/, copied verbatim) must load unchanged and run
 * through the whole engine: token refresh, requests, pagination, schema, transformations, CSV, S3 key, run log.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildRunLog,
  destinationFor,
  extractRefreshedToken,
  outputColumns,
  parseConfig,
  RecordWriter,
  refreshRequest,
  secretNames,
  toRows,
  withAccessToken,
  type Config,
  type Extraction,
  type ReferenceContext,
} from '../../../extraction';
import { sharedFile } from '../../helpers/shared';
import { param, run, type FakePage } from './helpers';

const examples = path.resolve(__dirname, '../../../extraction/examples');
const load = (file: string): unknown => JSON.parse(readFileSync(path.join(examples, file), 'utf8'));

function parsed(file: string): Config {
  const r = parseConfig(load(file));
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  expect(r.warnings).toEqual([]);
  return r.config;
}

describe('fixtures are the seed text', () => {
  it('both examples appear verbatim in the seed', () => {
    // The seed lives in the shared folder beside the repository; without it this fails, naming where it looked.
    const text = readFileSync(sharedFile('seeds', '001_3ccf7ce7f91422cd.txt'), 'utf8');
    for (const f of ['zoho-deals.json', 'zoho-tickets.json']) expect(text).toContain(readFileSync(path.join(examples, f), 'utf8').trim());
  });
});

/** One extraction run as an activity would do it, against a scripted API. */
function extract(cfg: Config, ex: Extraction, refs: ReferenceContext, serve: Parameters<typeof run>[1]) {
  const r = run(ex, serve, refs);
  const rows = toRows(ex, r.records);
  const w = RecordWriter.for(ex);
  const file = w.begin() + w.write(rows) + w.end();
  return { ...r, rows, file, writer: w.state };
}

describe('Zoho deals (seed example)', () => {
  const cfg = parsed('zoho-deals.json');
  const ex = cfg.extractions[0] as Extraction;
  const secrets = { zoho_refresh_token: 'rt', zoho_client_id: 'cid', zoho_client_secret: 'cs' };

  it('loads with the values the seed wrote', () => {
    expect(cfg.name).toBe('Zoho');
    expect(ex.pagination).toEqual({ type: 'sequential', parameters: { param_name: 'page', start_from: 1, step: 1, there_are_more_pages: 'info.more_records' } });
    expect(ex.output_params.csv_separator).toBe(';');
    expect(ex.transformations).toEqual([{ action: 'replace', on: ['description'], params: { to_replace: ';', value: '.' }, priority: 0 }]);
    expect(outputColumns(ex)?.slice(0, 6)).toEqual(['owner_name', 'owner_id', 'owner_email', 'description', 'currency_symbol', 'field_states']);
    expect(outputColumns(ex)).toHaveLength(57);
    expect(secretNames(cfg)).toEqual(['zoho_refresh_token', 'zoho_client_id', 'zoho_client_secret']);
  });

  it('refreshes, pages, maps, writes and logs; the next run continues from last::Modified_Time', () => {
    const refresh = refreshRequest(cfg, { secrets });
    expect(refresh).toMatchObject({ ok: true, value: { method: 'POST', url: expect.stringContaining('refresh_token=rt&client_id=cid') } });
    const token = extractRefreshedToken(cfg, { access_token: '1000.fresh', api_domain: 'https://www.zohoapis.com', expires_in: 3600 });
    if (!token.ok) throw new Error(token.error);
    const refs: ReferenceContext = { self: withAccessToken(cfg, token.value), secrets, last: null };

    const deal = (n: number) => ({
      id: String(n),
      Deal_Name: `Deal ${n}`,
      Description: n === 1 ? 'one; two' : null,
      Owner: { name: 'Ana', id: '77', email: 'ana@x' },
      $currency_symbol: '$',
      Modified_Time: `2024-05-0${n}T10:00:00-05:00`,
      Tag: [{ name: 'hot' }],
    });
    const serve = (req: { url: string; headers: Record<string, string> }): FakePage => {
      expect(req.headers.Authorization).toBe('Bearer 1000.fresh');
      const page = Number(param(req.url, 'page'));
      expect(param(req.url, 'sort_by')).toBe('Modified_Time');
      return { body: { data: page === 1 ? [deal(1), deal(2)] : [deal(3)], info: { more_records: page < 2, page, per_page: 2 } } };
    };
    const r = extract(cfg, ex, refs, serve);
    expect(r.requests[0]?.headers['If-Modified-Since']).toBe('2020-09-03T17:40:53-05:00');
    expect(r.requests.map((q) => param(q.url, 'page'))).toEqual(['1', '2']);
    expect(r.last).toMatchObject({ kind: 'done', reason: 'no_more_pages', state: { pages: 2, records: 3 } });

    expect(r.rows[0]).toMatchObject({ owner_name: 'Ana', owner_email: 'ana@x', description: 'one. two', currency_symbol: '$', deal_name: 'Deal 1', tag: [{ name: 'hot' }] });
    const lines = r.file.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]?.startsWith('owner_name;owner_id;owner_email;description;currency_symbol;')).toBe(true);

    const dest = destinationFor(cfg, ex, { startedAt: new Date('2024-05-10T00:00:00Z'), defaultBucket: 'api-extractor-output-prod' });
    expect(dest.uri).toBe('s3://api-extractor-output-prod/zoho/deals/zoho_deals_2024-05-10T00-00-00Z.csv');
    const log = buildRunLog({
      config: cfg,
      extraction: ex,
      workflowId: 'wf',
      startedAt: new Date('2024-05-10T00:00:00Z'),
      finishedAt: new Date('2024-05-10T00:00:05Z'),
      records: r.rows.length,
      pages: r.last.state.pages,
      bytes: r.writer.bytes,
      destination: dest,
      lastRecord: r.records[r.records.length - 1],
    });
    expect(log).toMatchObject({ success: true, data_inserted_len: 3, last: { Modified_Time: '2024-05-03T10:00:00-05:00' } });

    // Next run: If-Modified-Since comes from the last raw record.
    const next = extract(cfg, ex, { ...refs, last: log.last }, () => ({ status: 304, body: null }));
    expect(next.requests[0]?.headers['If-Modified-Since']).toBe('2024-05-03T10:00:00-05:00');
    expect(next.last).toMatchObject({ kind: 'done', reason: 'not_modified' });
    expect(buildRunLog({ ...{ config: cfg, extraction: ex, workflowId: 'wf2', startedAt: new Date(0), finishedAt: new Date(1) }, records: 0, pages: 0, bytes: 0, destination: dest, previousLast: log.last }).last).toEqual(log.last);
  });
});

describe('Zoho tickets (seed example)', () => {
  const cfg = parsed('zoho-tickets.json');
  const ex = cfg.extractions[0] as Extraction;
  const secrets = { zoho_tickets_refresh_token: 'rt', zoho_tickets_client_id: 'cid', zoho_tickets_client_secret: 'cs' };

  it('loads with the values the seed wrote', () => {
    expect(ex.pagination).toEqual({ type: 'sequential', parameters: { param_name: 'from', start_from: 1, step: 100, continue_while_status_code_is: 200 } });
    expect(ex.s3_destiny).toEqual({ folder: 'zoho/tickets/', filename: 'ticketsdata' });
    expect(ex.endpoint.query_params).toEqual({ sortBy: 'ticketNumber', include: 'contacts,products,departments,team,isRead,assignee', limit: 100 });
    expect(outputColumns(ex)).toContain('contact__account__account_name');
  });

  it('pages by from=1,101,... until a non-200 and flattens nested contacts', () => {
    const refs: ReferenceContext = { self: withAccessToken(cfg, 'tk'), secrets };
    const ticket = (n: number) => ({
      id: String(n),
      ticketNumber: String(100 + n),
      contact: { firstName: 'Eva', account: { accountName: 'Acme', website: null, id: 'a1' }, id: 'c1' },
      team: null,
      isRead: true,
    });
    const r = extract(cfg, ex, refs, (req, n) => {
      expect(req.headers.Authorization).toBe('Zoho-oauthtoken tk');
      return n < 2 ? { body: { data: Array.from({ length: n === 0 ? 100 : 30 }, (_, i) => ticket(n * 100 + i)) } } : { status: 204, body: null };
    });
    expect(r.requests.map((q) => param(q.url, 'from'))).toEqual(['1', '101', '201']);
    expect(r.last).toMatchObject({ kind: 'done', reason: 'status', state: { pages: 2, records: 130 } });
    expect(r.rows[0]).toMatchObject({ id: '0', ticket_number: '100', contact__first_name: 'Eva', contact__account__account_name: 'Acme', contact__account__website: null, is_read: true, team: null, email: null });
    expect(r.file.split('\n')[1]?.startsWith('0;100;')).toBe(true);
    expect(destinationFor(cfg, ex, { startedAt: new Date(), defaultBucket: 'b' }).key).toBe('zoho/tickets/ticketsdata.csv');
  });
});
