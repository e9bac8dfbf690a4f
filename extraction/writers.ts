/**
 * Streaming writers. Each write returns the next chunk of ONE file, so a caller can feed an S3 multipart
 * upload page by page with flat memory. The writer's state is plain JSON: heartbeat it together with the
 * pagination state after a chunk is stored, and a retried attempt resumes the same file from it.
 *
 * CSV: the column list is fixed before the first row. With a data_schema it is known up front (schema
 * columns, then columns added by new_column_prefix) and the header goes out in begin(). Without one it is
 * taken from the first record's keys; a key that first appears later cannot join a header already written,
 * so it is left out and its name recorded in `droppedColumns` (for the run log). Give CSV extractions a
 * data_schema. Cells: null -> empty, objects and lists -> JSON text, booleans -> true/false. Integers past 2^53
 * (bigint, see json.ts) are written as their digits in both formats.
 *
 * JSON: one valid JSON array, a record per line.
 */
import { stringify } from 'csv-stringify/sync';
import { outputColumns } from './columns';
import type { Extraction } from './config';
import { stringifyJson } from './json';
import type { JsonObject } from './result';

/** Dropped column names kept in state, at most. */
const MAX_DROPPED = 100;

export interface CsvWriterState {
  format: 'csv';
  separator: string;
  /** Null until decided (no data_schema and no record yet). */
  columns: string[] | null;
  headerWritten: boolean;
  begun: boolean;
  ended: boolean;
  records: number;
  bytes: number;
  droppedColumns: string[];
}

export interface JsonWriterState {
  format: 'json';
  begun: boolean;
  ended: boolean;
  records: number;
  bytes: number;
}

export type WriterState = CsvWriterState | JsonWriterState;

/** The initial writer state for an extraction. */
export function newWriterState(extraction: Pick<Extraction, 'format' | 'output_params' | 'data_schema' | 'transformations'>): WriterState {
  if (extraction.format === 'json') return { format: 'json', begun: false, ended: false, records: 0, bytes: 0 };
  return {
    format: 'csv',
    separator: extraction.output_params.csv_separator,
    columns: outputColumns(extraction),
    headerWritten: false,
    begun: false,
    ended: false,
    records: 0,
    bytes: 0,
    droppedColumns: [],
  };
}

export function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return stringifyJson(v);
}

// csv-stringify quotes the record delimiter (\n) but not a lone CR, which RFC 4180 readers also take as a row's end.
const csvLines = (rows: string[][], separator: string): string =>
  rows.length ? stringify(rows, { delimiter: separator, record_delimiter: '\n', quoted_match: '\r' }) : '';

const byteLength = (s: string): number => Buffer.byteLength(s, 'utf8');

/** Wraps a state; every method returns the chunk to append to the file ('' when there is nothing). */
export class RecordWriter {
  private s: WriterState;

  constructor(state: WriterState) {
    this.s = structuredClone(state);
  }

  static for(extraction: Parameters<typeof newWriterState>[0]): RecordWriter {
    return new RecordWriter(newWriterState(extraction));
  }

  /** A copy of the state, to persist after the chunks returned so far are stored. */
  get state(): WriterState {
    return structuredClone(this.s);
  }

  /** Opens the file. Idempotent, so resumed code may always call it. */
  begin(): string {
    if (this.s.begun) return '';
    this.s.begun = true;
    if (this.s.format === 'json') return this.emit('[');
    return this.emit(this.header());
  }

  write(records: readonly JsonObject[]): string {
    if (!this.s.begun) throw new Error('RecordWriter.write before begin()');
    if (this.s.ended) throw new Error('RecordWriter.write after end()');
    if (records.length === 0) return '';
    if (this.s.format === 'json') {
      let out = '';
      for (const r of records) {
        out += (this.s.records === 0 ? '\n' : ',\n') + stringifyJson(r);
        this.s.records++;
      }
      return this.emit(out);
    }
    const s = this.s;
    if (s.columns === null) s.columns = Object.keys(records[0] as JsonObject);
    const cols = s.columns;
    let out = this.header();
    const rows: string[][] = [];
    // A set, not includes(): this runs for every key of every record (a million-record run writes ten million cells).
    const known = new Set(cols);
    for (const r of records) {
      for (const k in r) {
        if (!known.has(k) && !s.droppedColumns.includes(k) && s.droppedColumns.length < MAX_DROPPED) s.droppedColumns.push(k);
      }
      const row = new Array<string>(cols.length);
      for (let i = 0; i < cols.length; i++) row[i] = csvCell(r[cols[i] as string]);
      rows.push(row);
    }
    s.records += records.length;
    out += csvLines(rows, s.separator);
    return this.emit(out);
  }

  /** Closes the file. Idempotent. */
  end(): string {
    const opening = this.begin();
    if (this.s.ended) return '';
    this.s.ended = true;
    return opening + this.emit(this.s.format === 'json' ? '\n]\n' : '');
  }

  private header(): string {
    const s = this.s;
    if (s.format !== 'csv' || s.headerWritten || s.columns === null) return '';
    s.headerWritten = true;
    return csvLines([s.columns], s.separator);
  }

  private emit(chunk: string): string {
    this.s.bytes += byteLength(chunk);
    return chunk;
  }
}
