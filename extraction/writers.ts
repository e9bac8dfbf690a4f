/**
 * Streaming writers. Each write returns the next chunk of ONE file, so a caller can feed an S3 multipart
 * upload page by page with flat memory. The writer's state is plain JSON: heartbeat it together with the
 * pagination state after a chunk is stored, and a retried attempt resumes the same file from it.
 *
 * CSV: with a data_schema the columns are known up front (schema columns, then columns added by
 * new_column_prefix) and the header goes out in begin(). Without one every key any record has is a column, in the
 * order first seen (the seed: the data is taken as it comes): the header is written with the keys of the first page
 * and a key first seen on a later page joins the columns from then on, so rows written before it have fewer cells
 * than the header needs. Such a file is realigned when it is published (csvNeedsRealign, CsvRealigner): the header
 * is rewritten with every column and short rows padded with empty cells. Cells: null -> empty, objects and lists
 * -> JSON text, booleans -> true/false. Integers past 2^53 (bigint, see json.ts) are written as their digits in both
 * formats.
 *
 * JSON: one valid JSON array, a record per line.
 *
 * JSONL (JSON Lines, https://jsonlines.org): one JSON object per line, each line ended by \n, no enclosing array;
 * no records give an empty file.
 */
import { stringify } from 'csv-stringify/sync';
import { outputColumns } from './columns';
import { compressionOf } from './compression';
import type { Extraction } from './config';
import type { CursorState } from './incremental';
import { stringifyJson } from './json';
import type { JsonObject } from './result';

/** Dropped column names kept in state, at most. */
const MAX_DROPPED = 100;

/**
 * Columns a CSV without a data_schema takes, at most: the names travel in every checkpoint (heartbeats and workflow
 * history), and an API whose keys are data (ids, dates) would otherwise grow them without end. Keys past it are
 * left out and named in droppedColumns.
 */
export const MAX_CSV_COLUMNS = 1000;

export interface CsvWriterState {
  format: 'csv';
  separator: string;
  /** Null until decided (no data_schema and no record yet). */
  columns: string[] | null;
  headerWritten: boolean;
  /**
   * How many columns the written header names; fewer than `columns` once a later page brought a new key. Absent in
   * states from before columns could grow: their header names every column.
   */
  headerColumns?: number;
  begun: boolean;
  ended: boolean;
  records: number;
  bytes: number;
  droppedColumns: string[];
  /** An incremental run's cursor over the records written (incremental.ts): it moves with the parts. */
  cursor?: CursorState;
  /** Records the extraction's filter dropped; it moves with the parts like `records`. Absent: none. */
  filtered?: number;
  /** "gzip": the chunks are stored as gzip members (compression.ts); `bytes` counts them uncompressed. */
  compression?: 'gzip';
}

export interface JsonWriterState {
  format: 'json';
  begun: boolean;
  ended: boolean;
  records: number;
  bytes: number;
  cursor?: CursorState;
  filtered?: number;
  compression?: 'gzip';
}

export interface JsonLinesWriterState extends Omit<JsonWriterState, 'format'> {
  format: 'jsonl';
}

export type WriterState = CsvWriterState | JsonWriterState | JsonLinesWriterState;

/** The initial writer state for an extraction. */
export function newWriterState(extraction: Pick<Extraction, 'format' | 'output_params' | 'data_schema' | 'transformations' | 'parent'> & Partial<Pick<Extraction, 'compression' | 's3_destiny'>>): WriterState {
  const gzip = compressionOf(extraction) === 'gzip' ? { compression: 'gzip' as const } : {};
  if (extraction.format !== 'csv') return { format: extraction.format, begun: false, ended: false, records: 0, bytes: 0, ...gzip };
  return {
    ...gzip,
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
    if (this.s.format === 'csv' && this.s.headerWritten && this.s.headerColumns === undefined) this.s.headerColumns = this.s.columns?.length ?? 0;
  }

  static for(extraction: Parameters<typeof newWriterState>[0]): RecordWriter {
    return new RecordWriter(newWriterState(extraction));
  }

  /** A copy of the state, to persist after the chunks returned so far are stored. */
  get state(): WriterState {
    return structuredClone(this.s);
  }

  /** The incremental cursor over the records written so far (set before their rows are written). */
  get cursor(): CursorState | undefined {
    return this.s.cursor;
  }

  set cursor(c: CursorState | undefined) {
    if (c) this.s.cursor = c;
  }

  /** How the file's chunks are stored: pass each chunk through chunkEncoder(writer.compression) before appending it. */
  get compression(): 'gzip' | undefined {
    return this.s.compression;
  }

  /** Counts records the extraction's filter dropped (they are part of the position, not of the file). */
  countFiltered(n: number): void {
    if (n > 0) this.s.filtered = (this.s.filtered ?? 0) + n;
  }

  /** Opens the file. Idempotent, so resumed code may always call it. */
  begin(): string {
    if (this.s.begun) return '';
    this.s.begun = true;
    if (this.s.format === 'json') return this.emit('[');
    return this.emit(this.header()); // '' for JSONL
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
    if (this.s.format === 'jsonl') {
      let out = '';
      for (const r of records) out += `${stringifyJson(r)}\n`;
      this.s.records += records.length;
      return this.emit(out);
    }
    const s = this.s;
    // Every key of the batch joins the columns before its rows: the first page's keys all make the header.
    const cols = (s.columns ??= []);
    // A set, not includes(): this runs for every key of every record (a million-record run writes ten million cells).
    const known = new Set(cols);
    for (const r of records) {
      for (const k in r) {
        if (known.has(k)) continue;
        if (cols.length < MAX_CSV_COLUMNS) {
          cols.push(k);
          known.add(k);
        } else if (!s.droppedColumns.includes(k) && s.droppedColumns.length < MAX_DROPPED) s.droppedColumns.push(k);
      }
    }
    let out = this.header();
    const rows: string[][] = [];
    for (const r of records) {
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
    s.headerColumns = s.columns.length;
    return csvHeader({ columns: s.columns, separator: s.separator });
  }

  private emit(chunk: string): string {
    this.s.bytes += byteLength(chunk);
    return chunk;
  }
}

/** The header line of a CSV with these columns. */
export const csvHeader = (s: { columns: readonly string[]; separator: string }): string => csvLines([[...s.columns]], s.separator);

/** Whether a written CSV's header lacks columns its later rows have: it must be realigned before it is published. */
export function csvNeedsRealign(state: WriterState): state is CsvWriterState & { columns: string[] } {
  if (state.format !== 'csv' || !state.headerWritten || state.columns === null) return false;
  return state.columns.length > (state.headerColumns ?? state.columns.length);
}
