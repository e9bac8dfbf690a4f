/**
 * The run log: the seed's fields (extraction_name, extraction_id, config_name, config_id, success, error,
 * data_inserted_len, destiny, last, created_at) plus workflow_id, pages, bytes and duration_ms, and for a CSV its
 * columns (every key the records had, without a data_schema), the keys left out past MAX_CSV_COLUMNS, and
 * data_filtered_len, the records the extraction's filter dropped.
 *
 * `last` is the last RAW record (as the API sent it: `last::Modified_Time` in the seed's deals example
 * names an API field, not a column). `last::` references read the newest successful log, so:
 * - a successful run with no records carries the previous `last` forward, or the next run would fall back
 *   to the default and re-extract everything;
 * - a failed run that had fetched nothing stores last: null and destiny: null (no file);
 * - a failed run that had fetched records publishes them: `partial: true`, `error` says why, `destiny` is its file
 *   and `last` its last record, so the next run's last:: goes on after it instead of starting over.
 */
import type { Config, Extraction } from './config';
import type { Destination } from './destination';
import { incrementalLog, type IncrementalLog } from './incremental';
import type { WriterState } from './writers';

export interface RunLog {
  extraction_name: string;
  extraction_id: string | null;
  config_name: string;
  config_id: string | null;
  success: boolean;
  /** A failed run whose records so far were published (destiny) and whose `last` counts. */
  partial: boolean;
  error: string | null;
  data_inserted_len: number;
  /** Records the extraction's `filter` dropped (0 without one). */
  data_filtered_len: number;
  destiny: string | null;
  last: unknown;
  created_at: string;
  workflow_id: string;
  pages: number;
  bytes: number;
  duration_ms: number;
  /** The CSV header's columns; null for JSON (and for a run that wrote nothing). */
  columns: string[] | null;
  dropped_columns: string[];
  /** An incremental extraction's cursor for the next run (carried forward by a run that moved nothing); else null. */
  incremental: IncrementalLog | null;
}

export interface RunLogInput {
  config: Pick<Config, 'id' | 'name'>;
  extraction: Pick<Extraction, 'id' | 'name'>;
  workflowId: string;
  startedAt: Date;
  finishedAt: Date;
  /** Records written (or read, when the run failed). */
  records: number;
  pages: number;
  bytes: number;
  destination: Destination | null;
  /** Last raw record of this run; undefined when it had none. */
  lastRecord?: unknown;
  /** `last` of the previous successful run, carried forward when this one has no records. */
  previousLast?: unknown;
  /** Absent or null: the run succeeded. */
  error?: string | null;
  /** With an error: the records so far were published to `destination`. */
  partial?: boolean;
  /** The writer's state at the end of the run: where the columns and the incremental cursor come from. */
  writer?: WriterState;
  /** The previous published run's incremental cursor, carried forward when this run does not move it. */
  previousIncremental?: IncrementalLog | null;
  /** Whether the extraction is incremental (its log then always says where the next run starts). */
  incremental?: boolean;
}

export function buildRunLog(i: RunLogInput): RunLog {
  const success = i.error === undefined || i.error === null;
  const partial = !success && i.partial === true;
  const published = success || partial;
  return {
    extraction_name: i.extraction.name,
    extraction_id: i.extraction.id ?? null,
    config_name: i.config.name,
    config_id: i.config.id ?? null,
    success,
    partial,
    error: success ? null : (i.error ?? null),
    data_inserted_len: i.records,
    data_filtered_len: i.writer?.filtered ?? 0,
    destiny: published && i.destination ? i.destination.uri : null,
    last: published ? (i.lastRecord ?? i.previousLast ?? null) : null,
    created_at: i.finishedAt.toISOString(),
    workflow_id: i.workflowId,
    pages: i.pages,
    bytes: i.bytes,
    duration_ms: Math.max(0, i.finishedAt.getTime() - i.startedAt.getTime()),
    columns: i.writer?.format === 'csv' ? i.writer.columns : null,
    dropped_columns: i.writer?.format === 'csv' ? i.writer.droppedColumns : [],
    incremental: i.incremental ? (published ? incrementalLog(i.writer?.cursor, i.previousIncremental ?? null, success ? 'all' : 'partial') : (i.previousIncremental ?? null)) : null,
  };
}
