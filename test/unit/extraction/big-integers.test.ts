import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSender } from '../../../activities/extraction/sender';
import { extractRecords, parseJson, RecordWriter, stringifyJson, toRows } from '../../../extraction';
import { extraction, run } from './helpers';

// 64-bit ids (Twitter-style snowflakes, database bigints) are past Number.MAX_SAFE_INTEGER: JSON.parse reads
// 9007199254740993 as 9007199254740992. They must reach the file as the digits the API sent.
const BIG = '9007199254740993';
const BIGGER = '12345678901234567890';
const NEGATIVE = '-9223372036854775808';
const page = `{"data":[{"id":${BIG},"owner":{"id":${BIGGER}},"delta":${NEGATIVE},"n":42,"x":1.5,"small":9007199254740991,"tags":[${BIGGER},7]},{"id":${BIGGER},"owner":null,"delta":0,"n":1,"x":2e3,"small":1,"tags":[]}],"next":${BIGGER}}`;

let server: http.Server;
let url: string;
beforeAll(async () => {
  server = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(page));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/items`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const fetchRecords = async (): Promise<unknown[]> => {
  const send = createSender({ timeoutMs: 5_000, network: { allowLoopback: true, allowPrivate: false, apiPort: null } });
  const res = await send({ method: 'GET', url, headers: {}, body: undefined });
  const records = extractRecords({ data_key: 'data' }, res.body);
  if (!records.ok) throw new Error(records.error);
  return records.value;
};

describe('integers past 2^53 keep their digits from the answer to the file', () => {
  it('JSON output: the exact digits, as numbers, nested ones too; other numbers as JSON.parse reads them', async () => {
    const ex = extraction({ format: 'json', data_key: 'data' });
    const w = RecordWriter.for(ex);
    const text = w.begin() + w.write(toRows(ex, await fetchRecords())) + w.end();
    const lines = text.split('\n');
    expect(lines[1]).toBe(`{"id":${BIG},"owner":{"id":${BIGGER}},"delta":${NEGATIVE},"n":42,"x":1.5,"small":9007199254740991,"tags":[${BIGGER},7]},`);
    expect(lines[2]).toBe(`{"id":${BIGGER},"owner":null,"delta":0,"n":1,"x":2000,"small":1,"tags":[]}`);
  });

  it('CSV output: the exact digits in plain cells and inside JSON cells', async () => {
    const ex = extraction({ data_key: 'data', data_schema: { id: 'id', owner: { id: 'owner_id' }, tags: 'tags', delta: 'delta', n: 'n' } });
    const w = RecordWriter.for(ex);
    const text = w.begin() + w.write(toRows(ex, await fetchRecords())) + w.end();
    expect(text.split('\n')).toEqual(['id,owner_id,tags,delta,n', `${BIG},${BIGGER},"[${BIGGER},7]",${NEGATIVE},42`, `${BIGGER},,[],0,1`, '']);
  });

  it('transformations read a big integer as its text, as they read any number', async () => {
    const ex = extraction({ data_key: 'data', data_schema: { id: 'id' }, transformations: [{ action: 'slice', on: ['id'], params: { start: -4 } }] });
    expect(toRows(ex, await fetchRecords())).toEqual([{ id: BIG.slice(-4) }, { id: BIGGER.slice(-4) }]);
  });

  it('a big integer cursor is sent back with its digits', async () => {
    const body = (await createSender({ timeoutMs: 5_000, network: { allowLoopback: true, allowPrivate: false, apiPort: null } })({ method: 'GET', url, headers: {}, body: undefined })).body;
    const ex = extraction({ data_key: 'data', pagination: { type: 'cursor', parameters: { param_name: 'after', cursor_key: 'next' } } });
    const r = run(ex, (_req, n) => ({ body: n === 0 ? body : { data: [] } }));
    expect(r.requests[1]?.url).toBe(`https://api.test/items?after=${BIGGER}`);
  });
});

describe('parseJson', () => {
  it('reads what JSON.parse reads, with only unsafe integers as bigint', () => {
    const text = '{"a":9007199254740991,"b":-9007199254740992,"c":1234567890123456.5,"d":"12345678901234567890","e":1e400,"f":[0.1,-0,true,null]}';
    expect(parseJson(text)).toEqual({ a: 9007199254740991, b: -9007199254740992n, c: 1234567890123456.5, d: '12345678901234567890', e: Infinity, f: [0.1, -0, true, null] });
    expect(parseJson('{"id":1,"n":2}')).toEqual(JSON.parse('{"id":1,"n":2}'));
  });
  it('finds an unsafe integer at any depth, and reads deep JSON without one as JSON.parse does', () => {
    const deep = (inner: string, n: number): string => '['.repeat(n) + inner + ']'.repeat(n);
    expect(JSON.stringify(parseJson(deep('{"x":[1,{"y":12345678901234567890}]}', 50)), (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))).toBe(deep('{"x":[1,{"y":"12345678901234567890n"}]}', 50));
    expect(JSON.stringify(parseJson(deep('1', 3_000)))).toBe(deep('1', 3_000));
    // A float so large it is integral may hide rounded digits too: read losslessly, it stays a number.
    expect(parseJson('{"f":1e300,"g":2}')).toEqual({ f: 1e300, g: 2 });
  });
  it('keeps the last of a repeated key, as JSON.parse does, and refuses what is not JSON', () => {
    expect(parseJson('{"id":1,"id":12345678901234567890}')).toEqual({ id: 12345678901234567890n });
    expect(() => parseJson('{"id":12345678901234567890,}')).toThrow(SyntaxError);
    expect(() => parseJson('{"id":1,}')).toThrow(SyntaxError);
  });
  it('stringifyJson writes bigints as digits and fails on what JSON.stringify fails on', () => {
    expect(stringifyJson({ id: 12345678901234567890n, x: [1n, 'a'] })).toBe('{"id":12345678901234567890,"x":[1,"a"]}');
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(() => stringifyJson(cycle)).toThrow(TypeError);
  });
  it('indents as JSON.stringify does, with or without a bigint (the CLI prints run logs so)', () => {
    const plain = { a: [1, { b: 'x' }] };
    expect(stringifyJson(plain, 2)).toBe(JSON.stringify(plain, null, 2));
    expect(stringifyJson({ last: { id: 1790000000000000001n }, n: 2 }, 2)).toBe('{\n  "last": {\n    "id": 1790000000000000001\n  },\n  "n": 2\n}');
  });
});
