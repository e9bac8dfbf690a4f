import type { S3Client } from '@aws-sdk/client-s3';
import { chunkEncoder, RecordWriter, type WriterState } from '../../extraction';
import type { ExtractionRunDoc, ExtractionRunStore } from '../../store/extraction-runs';
import { completeMultipartUpload, PartUploader } from '../../store/multipart';
import { realignPublishedCsv, type RealignTarget } from './realign';
import type { Checkpoint, RunProgress, TailState } from './types';

/** The last raw record of a kept tail as JSON text, undefined when the tail has none. */
export const tailLastRecord = (state: TailState): string | undefined =>
  state.lastRecord ?? (state.pageLast !== undefined ? JSON.stringify(state.pageLast) : undefined);

/** What a failed run published: its counts and its last raw record (JSON text). */
export interface PartialOutcome {
  records: number;
  pages: number;
  bytes: number;
  lastRecord: string | null;
  /** The writer's state at the end: the file's columns. */
  writer: WriterState;
}

/**
 * Publishes what a failed run had fetched, so the run keeps it: the parts its durable progress names (or the
 * workflow's checkpoint, when further along), then the pages an attempt kept past them, closed by the writer's end
 * as the last part, then realigned if its columns grew. Null when there is no record to publish (the caller then
 * drops the upload).
 */
export async function publishPartial(
  s3: S3Client,
  runs: ExtractionRunStore,
  run: ExtractionRunDoc,
  fromWorkflow: Checkpoint | null,
  realign: Omit<RealignTarget, 'bucket' | 'key'>,
): Promise<PartialOutcome | null> {
  const stored = run.progress ? (JSON.parse(run.progress) as RunProgress) : null;
  const useStored = stored !== null && stored.checkpoint.parts.length >= (fromWorkflow?.parts.length ?? 0);
  const checkpoint = useStored ? stored.checkpoint : fromWorkflow;
  let lastRecord = useStored ? stored.lastRecord : run.lastRecord;
  // No checkpoint: the first batch never returned nor uploaded a part; its attempt may still have kept a tail.
  const parts = checkpoint?.parts ?? [];
  const tail = await runs.findTail(run._id, parts.length, checkpoint?.writer.bytes ?? 0);
  const state = tail ? (tail.state as TailState) : checkpoint;
  if (!state || state.writer.records === 0) return null;
  const tailLast = tail ? tailLastRecord(tail.state as TailState) : undefined;
  if (tailLast !== undefined) lastRecord = tailLast;

  const target = { bucket: run.bucket, key: run.key, uploadId: run.uploadId };
  const uploader = new PartUploader(s3, target, parts);
  if (tail) uploader.append(tail.data);
  const writer = new RecordWriter(state.writer);
  uploader.append(chunkEncoder(writer.compression)(writer.end()));
  let all = parts;
  await uploader.uploadLast((p) => {
    all = p;
  });
  await completeMultipartUpload(s3, target, all);
  const w = writer.state;
  const realigned = await realignPublishedCsv(s3, { bucket: run.bucket, key: run.key, ...realign }, w);
  return { records: w.records, pages: state.page.pages, bytes: realigned?.bytes ?? w.bytes, lastRecord, writer: w };
}
