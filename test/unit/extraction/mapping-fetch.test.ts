import { describe, expect, it } from 'vitest';
import { detailRequest, mergeDetail, toRow, type MappingFetch } from '../../../extraction';
import { extraction } from './helpers';

const mf = (raw: Record<string, unknown>, rest: Record<string, unknown> = {}) => {
  const e = extraction({ mapping_fetch: { endpoint: { url: 'https://api.test/deals/${record::id}' }, ...raw }, ...rest });
  if (!e.mapping_fetch) throw new Error('no mapping_fetch');
  return { e, m: e.mapping_fetch satisfies MappingFetch };
};

describe('detailRequest', () => {
  it('builds the request from the record, percent-encoding record values in the URL', () => {
    const { m } = mf({ endpoint: { url: 'https://api.test/deals/${record::id}', query_params: { fields: '${record::kind}' }, headers: { Authorization: 'Bearer ${secret::t}' } } });
    expect(detailRequest(m, { id: 'a/b', kind: 'full' }, { secrets: { t: 'T' } })).toEqual({
      ok: true,
      value: { method: 'GET', url: 'https://api.test/deals/a%2Fb?fields=full', headers: { Authorization: 'Bearer T' }, body: undefined },
    });
  });
  it('reads nested record fields', () => {
    const { m } = mf({ endpoint: { url: 'https://api.test/owners/${record::Owner.id}' } });
    expect(detailRequest(m, { Owner: { id: 9 } }, {})).toMatchObject({ ok: true, value: { url: 'https://api.test/owners/9' } });
  });
  it('a record without the field is an error unless there is a default', () => {
    const { m } = mf({});
    expect(detailRequest(m, { name: 'x' }, {})).toMatchObject({ ok: false, error: expect.stringContaining('mapping_fetch.endpoint.url') });
  });
});

describe('mergeDetail', () => {
  it('passes the detail through its data_schema and merges it with the prefix into the raw record', () => {
    const { m } = mf({ prefix: 'detail_', data_schema: { Description: 'description', Owner: { email: 'owner_email' } } });
    const merged = mergeDetail(m, { id: '1', Deal_Name: 'D' }, { Description: 'long text', Owner: { email: 'o@x' }, other: 1 });
    expect(merged).toEqual({ ok: true, value: { id: '1', Deal_Name: 'D', detail_description: 'long text', detail_owner_email: 'o@x' } });
  });
  it('takes data_key and the first element of a wrapped list (Zoho data: [{...}])', () => {
    const { m } = mf({ prefix: 'd_', data_key: 'data', data_schema: { Stage: 'stage' } });
    expect(mergeDetail(m, { id: 1 }, { data: [{ Stage: 'Won' }] })).toEqual({ ok: true, value: { id: 1, d_stage: 'Won' } });
  });
  it('without data_schema every detail key is merged, prefixed', () => {
    const { m } = mf({ prefix: 'x_' });
    expect(mergeDetail(m, { id: 1 }, { a: 1, b: { c: 2 } })).toEqual({ ok: true, value: { id: 1, x_a: 1, x_b: { c: 2 } } });
  });
  it('a blank or empty detail gives null columns (with a schema) or nothing (without)', () => {
    const { m } = mf({ prefix: 'd_', data_schema: { a: 'a' } });
    expect(mergeDetail(m, { id: 1 }, null)).toEqual({ ok: true, value: { id: 1, d_a: null } });
    expect(mergeDetail(m, { id: 1 }, [])).toEqual({ ok: true, value: { id: 1, d_a: null } });
    expect(mergeDetail(mf({}).m, { id: 1 }, '')).toEqual({ ok: true, value: { id: 1 } });
  });
  it('detail values win over raw keys of the same name (empty prefix)', () => {
    const { m } = mf({});
    expect(mergeDetail(m, { id: 1, status: 'short' }, { status: 'full' })).toEqual({ ok: true, value: { id: 1, status: 'full' } });
  });
  it('a scalar detail is an error', () => {
    expect(mergeDetail(mf({}).m, { id: 1 }, 'oops').ok).toBe(false);
  });
  it("the extraction's data_schema then selects from the merged record", () => {
    const { e, m } = mf({ prefix: 'detail_', data_schema: { Description: 'description' } }, { data_schema: { id: 'id', detail_description: 'description' } });
    const merged = mergeDetail(m, { id: '7', ignored: 1 }, { Description: 'text' });
    if (!merged.ok) throw new Error(merged.error);
    expect(toRow(e, merged.value)).toEqual({ id: '7', description: 'text' });
  });
});
