import { describe, expect, it } from 'vitest';
import { csvCell, csvNeedsRealign, MAX_CSV_COLUMNS, newWriterState, RecordWriter, type CsvWriterState, type WriterState } from '../../../extraction';
import { extraction } from './helpers';

const csvEx = (fields: Record<string, unknown> = {}) => extraction({ format: 'csv', ...fields });
const withSchema = csvEx({ data_schema: { name: 'user_name', account: 'user_account', city: 'city' }, output_params: { csv_separator: ';' } });

/** Feeds batches through a writer, resuming from a JSON copy of the state between batches (new attempt). */
function writeResuming(initial: WriterState, batches: Record<string, unknown>[][]): { text: string; state: WriterState } {
  let state: WriterState = JSON.parse(JSON.stringify(initial)) as WriterState;
  let text = '';
  for (const batch of batches) {
    const w = new RecordWriter(state);
    text += w.begin();
    text += w.write(batch);
    state = JSON.parse(JSON.stringify(w.state)) as WriterState;
  }
  const w = new RecordWriter(state);
  text += w.end();
  return { text, state: w.state };
}

describe('CSV writer', () => {
  it('writes the header from data_schema up front, with the configured separator', () => {
    const w = RecordWriter.for(withSchema);
    expect(w.begin()).toBe('user_name;user_account;city\n');
    expect(w.write([{ user_name: 'Cristian', user_account: 11111, city: 'Montería' }])).toBe('Cristian;11111;Montería\n');
    expect(w.end()).toBe('');
  });
  it('with a data_schema and no records the file is the header', () => {
    const w = RecordWriter.for(withSchema);
    expect(w.begin() + w.end()).toBe('user_name;user_account;city\n');
  });
  it('quotes cells holding the separator, quotes or line breaks', () => {
    const w = RecordWriter.for(withSchema);
    w.begin();
    expect(w.write([{ user_name: 'a;b', user_account: 'say "hi"', city: 'x\ny' }])).toBe('"a;b";"say ""hi""";"x\ny"\n');
  });
  // RFC 4180 counts CR as a line break too: a reader (Excel, Python's csv) ends the row at an unquoted one.
  it('quotes cells holding a lone CR or CRLF', () => {
    const w = RecordWriter.for(withSchema);
    w.begin();
    expect(w.write([{ user_name: 'x\ry', user_account: 'a\r\nb', city: '\r' }])).toBe('"x\ry";"a\r\nb";"\r"\n');
  });
  it('cells: null empty, objects and lists as JSON, booleans as true/false, column order from the schema', () => {
    const w = RecordWriter.for(csvEx({ data_schema: { a: 'a', b: 'b', c: 'c', d: 'd' } }));
    w.begin();
    expect(w.write([{ d: true, c: [1, 2], b: { k: 'v' }, a: null }])).toBe(',"{""k"":""v""}","[1,2]",true\n');
    expect(csvCell(undefined)).toBe('');
    expect(csvCell(0)).toBe('0');
  });
  it('without a data_schema: the header holds every key of the first batch, whichever record has it', () => {
    const w = RecordWriter.for(csvEx());
    expect(w.begin()).toBe('');
    expect(w.write([{ a: 1 }, { a: 2, b: 3 }])).toBe('a,b\n1,\n2,3\n');
    expect(w.state).toMatchObject({ columns: ['a', 'b'], headerColumns: 2, droppedColumns: [] });
    expect(csvNeedsRealign(w.state)).toBe(false);
  });
  it('without a data_schema: a key first seen after the header joins the columns; the file then needs realigning', () => {
    const w2 = RecordWriter.for(csvEx());
    expect(w2.begin() + w2.write([{ id: 1, name: 'a' }])).toBe('id,name\n1,a\n');
    // Rows of a later page have every column known by then, in the order first seen; earlier rows stay shorter.
    expect(w2.write([{ name: 'b', extra: 'x', id: 2 }, { id: 3 }])).toBe('2,b,x\n3,,\n');
    expect(w2.state).toMatchObject({ columns: ['id', 'name', 'extra'], headerColumns: 2, droppedColumns: [], records: 3 });
    expect(csvNeedsRealign(w2.state)).toBe(true);
  });
  it('with a data_schema the columns never grow', () => {
    const w = RecordWriter.for(withSchema);
    w.begin();
    w.write([{ user_name: 'a', user_account: 1, city: 'x' }]);
    expect(csvNeedsRealign(w.state)).toBe(false);
    expect(csvNeedsRealign(RecordWriter.for(extraction({ format: 'json' })).state)).toBe(false);
  });
  it(`past ${MAX_CSV_COLUMNS} columns new keys are left out and named in droppedColumns`, () => {
    const w = RecordWriter.for(csvEx());
    w.begin();
    const wide = Object.fromEntries(Array.from({ length: MAX_CSV_COLUMNS }, (_, i) => [`k${i}`, i]));
    w.write([wide]);
    expect(w.write([{ k0: 'x', late: 1 }])).toBe('x' + ','.repeat(MAX_CSV_COLUMNS - 1) + '\n');
    expect(w.state).toMatchObject({ droppedColumns: ['late'] });
    expect((w.state as CsvWriterState).columns).toHaveLength(MAX_CSV_COLUMNS);
  });
  it('a state from before columns could grow (no headerColumns) counts its header as complete', () => {
    const legacy = { format: 'csv', separator: ',', columns: ['a'], headerWritten: true, begun: true, ended: false, records: 1, bytes: 4, droppedColumns: [] } as WriterState;
    const w = new RecordWriter(legacy);
    expect(w.write([{ a: 2, b: 3 }])).toBe('2,3\n');
    expect(w.state).toMatchObject({ columns: ['a', 'b'], headerColumns: 1 });
  });
  it('without a data_schema and without records the file is empty', () => {
    const w = RecordWriter.for(csvEx());
    expect(w.begin() + w.write([]) + w.end()).toBe('');
  });
  it('prefixed transformation columns are part of the header', () => {
    const e = csvEx({ data_schema: { e: 'email' }, transformations: [{ action: 'lower', on: ['email'], new_column_prefix: 'n_' }] });
    expect(RecordWriter.for(e).begin()).toBe('email,n_email\n');
  });
  it('a resumed attempt continues the same file: same bytes as one uninterrupted writer', () => {
    const rows = Array.from({ length: 7 }, (_, i) => ({ user_name: `u${i}`, user_account: i, city: i % 2 ? 'a;b' : null }));
    const once = RecordWriter.for(withSchema);
    const whole = once.begin() + once.write(rows) + once.end();
    const resumed = writeResuming(newWriterState(withSchema), [rows.slice(0, 2), rows.slice(2, 3), rows.slice(3)]);
    expect(resumed.text).toBe(whole);
    expect(resumed.state).toMatchObject({ records: 7, bytes: Buffer.byteLength(whole) });
  });
  it('resume also keeps columns decided from the first record', () => {
    const e = csvEx();
    const resumed = writeResuming(newWriterState(e), [[{ a: 1, b: 2 }], [{ b: 3, a: 4, c: 5 }]]);
    expect(resumed.text).toBe('a,b\n1,2\n4,3,5\n');
    expect(resumed.state).toMatchObject({ columns: ['a', 'b', 'c'], headerColumns: 2 });
  });
  it('counts bytes as UTF-8', () => {
    const w = RecordWriter.for(csvEx({ data_schema: { c: 'c' } }));
    const text = w.begin() + w.write([{ c: 'ñ€😀' }]);
    expect(w.state.bytes).toBe(Buffer.byteLength(text, 'utf8'));
    expect(w.state.bytes).toBe(2 + 2 + 3 + 4 + 1);
  });
});

describe('JSON writer', () => {
  const jsonEx = extraction({ format: 'json' });
  it('emits one valid JSON array across many chunks', () => {
    const w = RecordWriter.for(jsonEx);
    const records = [{ a: 1 }, { b: 'x"y' }, { c: null }];
    const text = w.begin() + w.write(records.slice(0, 1)) + w.write([]) + w.write(records.slice(1)) + w.end();
    expect(JSON.parse(text)).toEqual(records);
    expect(text).toBe('[\n{"a":1},\n{"b":"x\\"y"},\n{"c":null}\n]\n');
  });
  it('no records: an empty array', () => {
    const w = RecordWriter.for(jsonEx);
    expect(JSON.parse(w.begin() + w.end())).toEqual([]);
  });
  it('a resumed attempt continues the same array', () => {
    const rows = Array.from({ length: 5 }, (_, i) => ({ i }));
    const resumed = writeResuming(newWriterState(jsonEx), [rows.slice(0, 1), rows.slice(1, 4), rows.slice(4)]);
    expect(JSON.parse(resumed.text)).toEqual(rows);
    expect(resumed.state).toMatchObject({ format: 'json', records: 5, ended: true });
  });
});

describe('JSON Lines writer', () => {
  const jsonlEx = extraction({ format: 'jsonl' });
  it('one JSON object per line, no enclosing array, across many chunks', () => {
    const w = RecordWriter.for(jsonlEx);
    const records = [{ a: 1 }, { b: 'line\nbreak' }, { c: null }];
    const text = w.begin() + w.write(records.slice(0, 1)) + w.write([]) + w.write(records.slice(1)) + w.end();
    expect(text).toBe('{"a":1}\n{"b":"line\\nbreak"}\n{"c":null}\n');
    expect(text.trimEnd().split('\n').map((l) => JSON.parse(l) as unknown)).toEqual(records);
  });
  it('no records: an empty file', () => {
    const w = RecordWriter.for(jsonlEx);
    expect(w.begin() + w.end()).toBe('');
  });
  it('a resumed attempt continues the same file, counting records and UTF-8 bytes', () => {
    const rows = Array.from({ length: 5 }, (_, i) => ({ i, s: 'é' }));
    const resumed = writeResuming(newWriterState(jsonlEx), [rows.slice(0, 2), rows.slice(2)]);
    expect(resumed.text).toBe(rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
    expect(resumed.state).toMatchObject({ format: 'jsonl', records: 5, ended: true, bytes: Buffer.byteLength(resumed.text) });
  });
});

describe('writer lifecycle', () => {
  it('begin and end are idempotent', () => {
    const w = RecordWriter.for(extraction({ format: 'json' }));
    expect(w.begin()).toBe('[');
    expect(w.begin()).toBe('');
    expect(w.end()).toBe('\n]\n');
    expect(w.end()).toBe('');
  });
  it('end without begin still closes a complete file', () => {
    expect(JSON.parse(RecordWriter.for(extraction({ format: 'json' })).end())).toEqual([]);
  });
  it('write before begin or after end is a programming error', () => {
    const w = RecordWriter.for(extraction({ format: 'json' }));
    expect(() => w.write([{ a: 1 }])).toThrow(/before begin/);
    w.begin();
    w.end();
    expect(() => w.write([{ a: 1 }])).toThrow(/after end/);
  });
  it('the state is a copy: mutating it does not change the writer', () => {
    const w = RecordWriter.for(withSchema);
    const s = w.state;
    s.records = 99;
    expect(w.state.records).toBe(0);
  });
  it('newWriterState picks format and separator', () => {
    expect(newWriterState(extraction({ format: 'json' }))).toEqual({ format: 'json', begun: false, ended: false, records: 0, bytes: 0 });
    expect(newWriterState(withSchema)).toMatchObject({ format: 'csv', separator: ';', columns: ['user_name', 'user_account', 'city'] });
  });
});
