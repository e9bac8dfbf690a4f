import { describe, expect, it } from 'vitest';
import { extractRecords, getField, parseConfig, parseRecordSelector, selectData } from '../../../extraction';

const records = (data_key: string, body: unknown) => extractRecords({ data_key }, body);
const steps = (src: string) => {
  const r = parseRecordSelector(src);
  return r.ok ? r.value.steps : r.error;
};

describe('data_key selector: parsing', () => {
  it('a plain JsonField parses to the same keys as before, $-prefixed keys included', () => {
    expect(steps('response.result')).toEqual([{ kind: 'field', name: 'response' }, { kind: 'field', name: 'result' }]);
    expect(steps('$currency_symbol')).toEqual([{ kind: 'field', name: '$currency_symbol' }]);
    expect(steps('data.0')).toEqual([{ kind: 'field', name: 'data' }, { kind: 'field', name: '0' }]);
  });
  it('the root, wildcards, indexes and quoted keys', () => {
    expect(steps('$.results[*]')).toEqual([{ kind: 'field', name: 'results' }, { kind: 'all' }]);
    expect(steps("$['odata.value']")).toEqual([{ kind: 'key', name: 'odata.value' }]);
    expect(steps('"a.b".items[2]')).toEqual([{ kind: 'key', name: 'a.b' }, { kind: 'field', name: 'items' }, { kind: 'index', index: 2 }]);
    expect(steps("data.*['it\\'s']")).toEqual([{ kind: 'field', name: 'data' }, { kind: 'all' }, { kind: 'key', name: "it's" }]);
    expect(steps('$')).toEqual([]);
  });
  it.each([
    ['', 'empty'],
    ['a..b', 'empty segment'],
    ['a.', 'empty segment'],
    ['a b', 'whitespace'],
    ["a['b", 'unterminated'],
    ['a[b]', 'must be [*]'],
    ['a[?(@.x>1)]', 'must be [*]'],
    ['a[*', 'expected ]'],
    ['a[0]b', 'expected . or ['],
  ])('refuses %j (%s)', (src, why) => {
    const r = parseRecordSelector(src);
    expect(r.ok ? 'parsed' : r.error).toContain(why);
  });
  it('a filter script is refused by the config, never run', () => {
    const parsed = parseConfig({ name: 'c', extractions: [{ name: 'e', endpoint: { url: 'https://x.test' }, data_key: '$..[?(@.constructor)]' }] });
    expect(parsed.ok).toBe(false);
  });
});

describe('data_key selector: records', () => {
  const body = {
    data: [
      { id: 1, items: [{ sku: 'a' }, { sku: 'b' }] },
      { id: 2, items: [] },
      { id: 3, items: null },
      { id: 4 },
      { id: 5, items: [{ sku: 'c' }] },
    ],
    'odata.value': [{ n: 1 }, { n: 2 }],
    results: [{ r: 1 }, 'plain'],
  };
  it('data[*].items flattens the items of every element, skipping empty, null and missing lists', () => {
    expect(records('data[*].items', body)).toEqual({ ok: true, value: [{ sku: 'a' }, { sku: 'b' }, { sku: 'c' }] });
    expect(records('data.*.items[0]', body)).toEqual({ ok: true, value: [{ sku: 'a' }, { sku: 'c' }] });
  });
  it('$.results[*] gives every element, a scalar as a record of its own', () => {
    expect(records('$.results[*]', body)).toEqual({ ok: true, value: [{ r: 1 }, 'plain'] });
  });
  it('a key holding a dot, quoted either way', () => {
    expect(records("['odata.value']", body)).toEqual({ ok: true, value: [{ n: 1 }, { n: 2 }] });
    expect(records('$."odata.value"', body)).toEqual({ ok: true, value: [{ n: 1 }, { n: 2 }] });
  });
  it('a wildcard that reaches nothing gives no record; a single selection keeps the JsonField rules', () => {
    expect(records('missing[*].items', body)).toEqual({ ok: true, value: [] });
    expect(records('data[0]', body)).toEqual({ ok: true, value: [body.data[0]] });
    expect(records('data[0].id', body)).toEqual({ ok: false, error: 'data_key "data[0].id" holds number, expected a list of records or an object' });
  });
  it('every plain JsonField selects what getField reads', () => {
    const doc = { a: { b: [{ c: 1 }, { c: [2, 3] }] }, $x: { y: 'z' } };
    for (const f of ['a', 'a.b', 'a.b.0', 'a.b.1.c', 'a.b.1.c.1', 'a.b.5', '$x.y', 'nope.nope']) expect(selectData(f, doc)).toEqual(getField(doc, f));
    expect(selectData(undefined, doc)).toBe(doc);
  });
});
