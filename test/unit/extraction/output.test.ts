import { describe, expect, it } from 'vitest';
import { buildRunLog, contentTypeFor, DEFAULT_BUCKET, destinationFor, fileTimestamp, normaliseFolder, prepareExtraction, slug, type WriterState } from '../../../extraction';
import { extraction } from './helpers';

const startedAt = new Date('2024-05-01T10:20:30.456Z');

describe('destinationFor', () => {
  it('defaults: the caller bucket, no folder, <config>_<extraction>_<start>.csv', () => {
    expect(destinationFor({ name: 'Zoho' }, extraction({ name: 'deals' }), { startedAt, defaultBucket: 'my-bucket' })).toEqual({
      bucket: 'my-bucket',
      key: 'zoho_deals_2024-05-01T10-20-30Z.csv',
      uri: 's3://my-bucket/zoho_deals_2024-05-01T10-20-30Z.csv',
    });
  });
  it('falls back to api-extractor-output-prod', () => {
    expect(destinationFor({ name: 'Z' }, extraction({}), { startedAt }).bucket).toBe(DEFAULT_BUCKET);
    expect(DEFAULT_BUCKET).toBe('api-extractor-output-prod');
  });
  it("seed deals: folder zoho/deals/", () => {
    const d = destinationFor({ name: 'Zoho' }, extraction({ name: 'deals', s3_destiny: { folder: 'zoho/deals/' } }), { startedAt });
    expect(d.key).toBe('zoho/deals/zoho_deals_2024-05-01T10-20-30Z.csv');
  });
  it('seed tickets: an explicit filename is used as is, with the format extension', () => {
    const d = destinationFor({ name: 'Zoho Tickets' }, extraction({ s3_destiny: { folder: 'zoho/tickets/', filename: 'ticketsdata' } }), { startedAt });
    expect(d.key).toBe('zoho/tickets/ticketsdata.csv');
    const j = destinationFor({ name: 'x' }, extraction({ format: 'json', s3_destiny: { filename: 'out.JSON', bucket: 'b' } }), { startedAt });
    expect(j).toEqual({ bucket: 'b', key: 'out.JSON', uri: 's3://b/out.JSON' });
  });
  it('JSON Lines: the .jsonl extension and the application/x-ndjson type', () => {
    const ex = extraction({ format: 'jsonl', s3_destiny: { filename: 'events' } });
    expect(destinationFor({ name: 'x' }, ex, { startedAt }).key).toBe('events.jsonl');
    expect(contentTypeFor(ex)).toBe('application/x-ndjson');
    expect(contentTypeFor(extraction({}))).toBe('text/csv; charset=utf-8');
  });
  it('the same start time gives the same key on every attempt', () => {
    const a = destinationFor({ name: 'c' }, extraction({}), { startedAt });
    const b = destinationFor({ name: 'c' }, extraction({}), { startedAt: new Date(startedAt.getTime()) });
    expect(a).toEqual(b);
  });
  it('folders are normalised', () => {
    expect(normaliseFolder(undefined)).toBe('');
    expect(normaliseFolder('')).toBe('');
    expect(normaliseFolder('/a//b')).toBe('a/b/');
    expect(normaliseFolder('a/b/')).toBe('a/b/');
  });
  it('slug and timestamp', () => {
    expect(slug('Zoho Tickets')).toBe('zoho-tickets');
    expect(slug('Montería / Bogotá!')).toBe('monteria-bogota');
    expect(slug('***')).toBe('unnamed');
    expect(fileTimestamp(startedAt)).toBe('2024-05-01T10-20-30Z');
  });
});

describe('buildRunLog', () => {
  const base = {
    config: { id: 'c1', name: 'Zoho' },
    extraction: { id: 'e1', name: 'deals' },
    workflowId: 'extract:c1:e1',
    startedAt,
    finishedAt: new Date(startedAt.getTime() + 1500),
    records: 3,
    pages: 2,
    bytes: 120,
    destination: { bucket: 'b', key: 'k.csv', uri: 's3://b/k.csv' },
  };
  it("has the seed's fields plus workflow id, pages, bytes and duration", () => {
    expect(buildRunLog({ ...base, lastRecord: { id: 3, Modified_Time: 't' } })).toEqual({
      extraction_name: 'deals',
      extraction_id: 'e1',
      config_name: 'Zoho',
      config_id: 'c1',
      success: true,
      partial: false,
      error: null,
      data_inserted_len: 3,
      data_filtered_len: 0,
      destiny: 's3://b/k.csv',
      last: { id: 3, Modified_Time: 't' },
      created_at: '2024-05-01T10:20:31.956Z',
      workflow_id: 'extract:c1:e1',
      pages: 2,
      bytes: 120,
      duration_ms: 1500,
      columns: null,
      dropped_columns: [],
      incremental: null,
    });
  });
  it("names a CSV's columns and the keys it had to leave out; a JSON file has no columns", () => {
    const csv: WriterState = { format: 'csv', separator: ',', columns: ['id', 'b'], headerWritten: true, headerColumns: 1, begun: true, ended: true, records: 3, bytes: 9, droppedColumns: ['z'] };
    expect(buildRunLog({ ...base, writer: csv })).toMatchObject({ columns: ['id', 'b'], dropped_columns: ['z'] });
    expect(buildRunLog({ ...base, writer: { format: 'json', begun: true, ended: true, records: 3, bytes: 9 } })).toMatchObject({ columns: null, dropped_columns: [] });
  });
  it('a successful run without records carries the previous last forward', () => {
    expect(buildRunLog({ ...base, records: 0, previousLast: { id: 2 } }).last).toEqual({ id: 2 });
    expect(buildRunLog({ ...base, records: 0 }).last).toBeNull();
  });
  it('a failed run has the error, and no last or destiny', () => {
    const log = buildRunLog({ ...base, error: 'max_pages reached', lastRecord: { id: 3 }, previousLast: { id: 2 } });
    expect(log).toMatchObject({ success: false, error: 'max_pages reached', last: null, destiny: null });
  });
  it('ids may be missing (not assigned yet)', () => {
    const log = buildRunLog({ ...base, config: { name: 'x' }, extraction: { name: 'y' } });
    expect(log).toMatchObject({ config_id: null, extraction_id: null });
  });
});

describe('prepareExtraction', () => {
  it('resolves references outside the endpoints and leaves the endpoints as templates', () => {
    const e = extraction({
      endpoint: { url: 'https://api.test/x', headers: { A: '${secret::tok}' } },
      s3_destiny: { folder: 'exports/${secret::tenant}/' },
      transformations: [{ action: 'replace', on: ['c'], params: { to_replace: '${secret::from}', value: 'x' } }],
      mapping_fetch: { endpoint: { url: 'https://api.test/d/${record::id}' }, prefix: '${secret::tenant}_' },
    });
    const r = prepareExtraction(e, { secrets: { tok: 'T', tenant: 'acme', from: ';' } });
    if (!r.ok) throw new Error(r.error);
    expect(r.value.s3_destiny?.folder).toBe('exports/acme/');
    expect(r.value.transformations[0]).toMatchObject({ params: { to_replace: ';' } });
    expect(r.value.endpoint.headers?.A).toBe('${secret::tok}');
    expect(r.value.mapping_fetch?.endpoint.url).toBe('https://api.test/d/${record::id}');
    expect(r.value.mapping_fetch?.prefix).toBe('acme_');
  });
  it('fails on a missing secret', () => {
    expect(prepareExtraction(extraction({ s3_destiny: { folder: '${secret::nope}' } }), {}).ok).toBe(false);
  });
});
