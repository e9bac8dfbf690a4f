import type { OutputFormat, PageState, WriterState } from '../../extraction';
import type { ParentRun } from '../../store/extraction-runs';
import type { UploadedPart } from '../../store/multipart';

export type { ParentRun } from '../../store/extraction-runs';

/** The inputs and results of the extraction activities: plain JSON, passed through workflow history. */

export interface PrepareRunInput {
  configId: string;
  extractionId: string;
  /** The workflow id of the run's extractRun: the run's id, also its run log's id. */
  runWorkflowId: string;
  /** ISO time the run started; names the output file, so every attempt writes the same key. */
  startedAt: string;
  /** A child extraction's: its parent's run in the same config run, which succeeded. */
  parent?: ParentRun;
}

export interface PreparedRun {
  runWorkflowId: string;
  configName: string;
  extractionName: string;
  /** s3://bucket/key of the file the run writes. */
  destination: string;
  format: OutputFormat;
  pagination: string;
}

/** What a run has written so far, consistent with the parts uploaded: plain JSON, heartbeated and passed between batches. */
export interface Checkpoint {
  page: PageState;
  writer: WriterState;
  parts: UploadedPart[];
}

/** The state a kept tail (the bytes an attempt had past its last part when it left) goes on from. */
export interface TailState {
  page: PageState;
  writer: WriterState;
  /** JSON text of the last raw record the tail holds. */
  lastRecord?: string;
  /** The same record as a value, in tails kept before `lastRecord` (its integers past 2^53 rounded). */
  pageLast?: unknown;
}

/** A run's durable progress (beside the run in MongoDB): its checkpoint and the last raw record in its parts. */
export interface RunProgress {
  checkpoint: Checkpoint;
  lastRecord: string | null;
}

export interface FetchPagesInput {
  runWorkflowId: string;
  /** Null for the first batch. */
  checkpoint: Checkpoint | null;
  /** Return at the first part boundary after this long. */
  budgetMs: number;
}

export interface FetchPagesResult {
  checkpoint: Checkpoint;
  done: boolean;
  /** Pages and records this batch consumed (a resumed attempt counts only its own). */
  batchPages: number;
  /** Where pagination stands, for progress displays (a page number, offset, or a fingerprint of a link or cursor). */
  cursor: string;
  attempt: number;
}

export interface FinishRunInput {
  runWorkflowId: string;
  configId: string;
  extractionId: string;
  startedAt: string;
  checkpoint: Checkpoint | null;
  /** Set for failRun. */
  error?: string;
}

export interface RunSummary {
  runWorkflowId: string;
  success: boolean;
  records: number;
  pages: number;
  bytes: number;
  /** s3://bucket/key of the published file; null when nothing was published. */
  destination: string | null;
  error: string | null;
  /** A failed run that published what it had fetched (destination); the next run goes on after it. */
  partial?: boolean;
}
