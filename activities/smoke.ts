import { Context, activityInfo } from '@temporalio/activity';
import type { S3Client } from '@aws-sdk/client-s3';
import { PartUploader, abortMultipartUpload, completeMultipartUpload, createMultipartUpload, type UploadedPart } from '../store/multipart';
import type { SmokeRunStore } from '../store/smoke-runs';

export interface SmokeDocumentInput {
  /** The smoke workflow's id: the document's id. */
  workflowId: string;
  note: string;
}

export interface SmokeUploadInput {
  bucket: string;
  key: string;
  /** Number of 5 MiB parts (S3's minimum part size except for the last). */
  parts: number;
  /** Pause after each part, so a test can kill the worker mid-upload. */
  pauseMsPerPart?: number;
}

interface UploadProgress {
  uploadId: string;
  done: UploadedPart[];
}

const PART_BYTES = 5 * 1024 * 1024;

/** Deterministic part content: part n is filled with its own number, so a reader can check every byte. */
export function smokePartBody(partNumber: number, parts: number): Buffer {
  const size = partNumber === parts ? 1024 : PART_BYTES;
  return Buffer.alloc(size, partNumber % 256);
}

/**
 * The foundation's end-to-end check: one write to MongoDB and one multipart upload to S3, resumable from its
 * heartbeat so a worker killed in the middle loses no part that was already uploaded.
 */
export const createSmokeActivities = (deps: { smokeRuns: SmokeRunStore; s3: S3Client }) => ({
  async recordSmokeDocument(input: SmokeDocumentInput): Promise<{ id: string }> {
    const info = activityInfo();
    await deps.smokeRuns.record(input.workflowId, input.note, info.workflowExecution?.workflowId ?? null);
    return { id: input.workflowId };
  },

  async uploadSmokeObject(input: SmokeUploadInput): Promise<{ key: string; parts: number; attempt: number; resumedFromPart: number }> {
    const ctx = Context.current();
    const resumed = ctx.info.heartbeatDetails as UploadProgress | undefined;
    const progress: UploadProgress = resumed ?? { uploadId: await createMultipartUpload(deps.s3, { bucket: input.bucket, key: input.key }), done: [] };
    const target = { bucket: input.bucket, key: input.key, uploadId: progress.uploadId };
    const resumedFromPart = progress.done.length + 1;
    const uploader = new PartUploader(deps.s3, target, progress.done, ctx.cancellationSignal);
    try {
      for (let n = progress.done.length + 1; n <= input.parts; n++) {
        uploader.append(smokePartBody(n, input.parts));
        await uploader.uploadNow((parts) => {
          progress.done = parts;
          ctx.heartbeat(progress);
        });
        if (input.pauseMsPerPart) await ctx.sleep(input.pauseMsPerPart);
      }
      await completeMultipartUpload(deps.s3, target, progress.done);
    } catch (err) {
      if (ctx.cancellationSignal.aborted) await abortMultipartUpload(deps.s3, target);
      throw err;
    }
    return { key: input.key, parts: input.parts, attempt: ctx.info.attempt, resumedFromPart };
  },
});

export type SmokeActivities = ReturnType<typeof createSmokeActivities>;
