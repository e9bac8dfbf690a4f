import { describe, expect, it } from 'vitest';
import { applySchema, extractRecords, toRow, toRows } from '../../../extraction';
import { extraction } from './helpers';

describe('extractRecords', () => {
  const at = (data_key?: string) => (data_key === undefined ? {} : { data_key });
  it('reads the list at data_key (seed: result)', () => {
    expect(extractRecords(at('result'), { result: [{ a: 1 }, { a: 2 }], pagination: { current_page: 1 } })).toEqual({ ok: true, value: [{ a: 1 }, { a: 2 }] });
  });
  it('reads a nested data_key', () => {
    expect(extractRecords(at('response.items'), { response: { items: [1] } })).toEqual({ ok: true, value: [1] });
  });
  it('takes the body itself without data_key', () => {
    expect(extractRecords(at(), [{ a: 1 }])).toEqual({ ok: true, value: [{ a: 1 }] });
  });
  it('a single object is one record', () => {
    expect(extractRecords(at('data'), { data: { a: 1 } })).toEqual({ ok: true, value: [{ a: 1 }] });
  });
  it('no records for a blank body, or a missing / null list (APIs omit empty lists)', () => {
    expect(extractRecords(at('data'), null)).toEqual({ ok: true, value: [] });
    expect(extractRecords(at('data'), '  ')).toEqual({ ok: true, value: [] });
    expect(extractRecords(at('data'), { info: {} })).toEqual({ ok: true, value: [] });
    expect(extractRecords(at('data'), { data: null })).toEqual({ ok: true, value: [] });
  });
  it('a scalar where records should be is an error naming the data_key', () => {
    expect(extractRecords(at('data'), { data: 'oops' })).toEqual({ ok: false, error: 'data_key "data" holds string, expected a list of records or an object' });
    expect(extractRecords(at(), 'plain text')).toMatchObject({ ok: false });
  });
});

describe('data_schema (the seed examples)', () => {
  it('flat: selects and renames columns', () => {
    const schema = { name: 'user_name', account: 'user_account', city: 'city' };
    expect(applySchema(schema, { name: 'Cristian', age: 26, account: 11111, city: 'Montería' })).toEqual({
      user_name: 'Cristian',
      user_account: 11111,
      city: 'Montería',
    });
  });
  it("a key the record lacks is null (the seed's own data spells it 'acount')", () => {
    expect(applySchema({ name: 'user_name', account: 'user_account' }, { name: 'Jose', acount: 2222 })).toEqual({ user_name: 'Jose', user_account: null });
  });
  it('nested: the exact table of the seed', () => {
    const schema = { type: 'type', user: { name: 'user_name', account: { number: 'user_acc_number' } } };
    const data = [
      { type: 'A', user: { name: 'Cristian', account: { number: 3344 } } },
      { type: 'B', user: { name: 'Juan', account: { number: 5555 } } },
    ];
    const rows = data.map((d) => applySchema(schema, d));
    expect(rows).toEqual([
      { type: 'A', user_name: 'Cristian', user_acc_number: 3344 },
      { type: 'B', user_name: 'Juan', user_acc_number: 5555 },
    ]);
    expect(Object.keys(rows[0] ?? {})).toEqual(['type', 'user_name', 'user_acc_number']);
  });
  it('Zoho shapes: $ keys, nested lookups, a null lookup gives nulls', () => {
    const schema = { Owner: { name: 'owner_name', id: 'owner_id' }, $currency_symbol: 'currency_symbol', Account_Name: { name: 'account_name_name' } };
    expect(applySchema(schema, { Owner: { name: 'Ana', id: '1', email: 'a@x' }, $currency_symbol: '$', Account_Name: null })).toEqual({
      owner_name: 'Ana',
      owner_id: '1',
      currency_symbol: '$',
      account_name_name: null,
    });
  });
  it('a leaf holding an object or a list keeps it whole', () => {
    expect(applySchema({ team: 'team', Tag: 'tag' }, { team: { id: 1 }, Tag: [{ name: 'x' }] })).toEqual({ team: { id: 1 }, tag: [{ name: 'x' }] });
  });
  it('a nested schema over a list gives the list of values per column', () => {
    const schema = { Tag: { name: 'tag_names', id: 'tag_ids' } };
    expect(applySchema(schema, { Tag: [{ name: 'a', id: 1 }, { name: 'b' }] })).toEqual({ tag_names: ['a', 'b'], tag_ids: [1, null] });
  });
  it('every column is present even for a non-object item', () => {
    expect(applySchema({ a: 'a', b: { c: 'c' } }, 'text')).toEqual({ a: null, c: null });
  });
});

describe('toRow / toRows', () => {
  it('without data_schema the record passes as the API sent it', () => {
    const e = extraction({});
    expect(toRow(e, { a: { b: 1 } })).toEqual({ a: { b: 1 } });
    expect(toRow(e, 'x')).toEqual({ value: 'x' });
  });
  it('transformations run after the schema, on column names (seed deals: replace ; by . in description)', () => {
    const e = extraction({
      data_schema: { Description: 'description', id: 'id' },
      transformations: [{ action: 'replace', on: ['description'], params: { to_replace: ';', value: '.' } }],
    });
    expect(toRows(e, [{ Description: 'a;b;c', id: '1' }, { id: '2' }])).toEqual([
      { description: 'a.b.c', id: '1' },
      { description: null, id: '2' },
    ]);
  });
});
