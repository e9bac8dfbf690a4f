import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';

/**
 * Streaming a file to S3 as a multipart upload whose progress can be checkpointed: the object appears only when the
 * upload completes, and the ETags of the parts uploaded so far are all a retried attempt needs to go on from there.
 * S3 wants every part but the last to be at least 5 MiB.
 */
export interface UploadedPart {
  PartNumber: number;
  ETag: string;
}

export interface MultipartTarget {
  bucket: string;
  key: string;
  uploadId: string;
}

/** Opens a multipart upload and answers its upload id (S3's own errors, e.g. NoSuchBucket, are thrown as they are). */
export async function createMultipartUpload(s3: S3Client, o: { bucket: string; key: string; contentType?: string }): Promise<string> {
  const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: o.bucket, Key: o.key, ...(o.contentType ? { ContentType: o.contentType } : {}) }));
  return created.UploadId ?? '';
}

/**
 * Publishes the object. A retry after the upload completed finds S3 no longer knows the upload id: that is success,
 * since only the owner of the upload id could have completed it.
 */
export async function completeMultipartUpload(s3: S3Client, t: MultipartTarget, parts: UploadedPart[]): Promise<void> {
  try {
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: t.bucket, Key: t.key, UploadId: t.uploadId, MultipartUpload: { Parts: parts } }));
  } catch (err) {
    if ((err as { name?: string }).name !== 'NoSuchUpload') throw err;
  }
}

/** Drops the upload and its parts (no object appears); an upload already gone is fine. */
export async function abortMultipartUpload(s3: S3Client, t: MultipartTarget): Promise<void> {
  await s3.send(new AbortMultipartUploadCommand({ Bucket: t.bucket, Key: t.key, UploadId: t.uploadId })).catch(() => undefined);
}

/**
 * Buffers what a writer appends and uploads it as the upload's next parts. `onUploaded` runs when a part's upload
 * completed, with every part so far: that is when a caller may move its checkpoint, so a resumed attempt redoes
 * exactly what was not yet in an uploaded part. Memory stays at about two parts whatever the file's size.
 */
export class PartUploader {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private inFlight: Promise<void> | null = null;
  private readonly done: UploadedPart[];

  constructor(
    private readonly s3: S3Client,
    private readonly target: MultipartTarget,
    uploaded: UploadedPart[] = [],
    private readonly signal?: AbortSignal,
  ) {
    this.done = [...uploaded];
  }

  /** Bytes appended and not yet handed to an upload. */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  /** A copy of what is buffered and not yet handed to an upload. */
  buffered(): Buffer {
    return Buffer.concat(this.pending, this.pendingBytes);
  }

  append(chunk: string | Buffer): void {
    if (chunk.length === 0) return;
    const b = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    this.pending.push(b);
    this.pendingBytes += b.length;
  }

  /** Starts uploading what is buffered as the next part while the caller fills the one after (one part in flight). */
  async uploadBuffered(onUploaded: (parts: UploadedPart[]) => void): Promise<void> {
    await this.settle();
    const upload = this.put(onUploaded);
    upload.catch(() => undefined); // awaited by the next upload or by settle()
    this.inFlight = upload;
  }

  /** Uploads what is buffered as the next part and waits for it. */
  async uploadNow(onUploaded: (parts: UploadedPart[]) => void): Promise<void> {
    await this.settle();
    await this.put(onUploaded);
  }

  /**
   * Uploads the tail as the last part and waits for every part. An empty tail after full parts uploads nothing (the
   * part before it is the last): then it answers false and `onUploaded` does not run.
   */
  async uploadLast(onUploaded: (parts: UploadedPart[]) => void): Promise<boolean> {
    await this.settle();
    if (this.pendingBytes === 0 && this.done.length > 0) return false;
    await this.put(onUploaded);
    return true;
  }

  /** Waits for the part in flight, if any (and throws its failure). */
  async settle(): Promise<void> {
    const upload = this.inFlight;
    this.inFlight = null;
    if (upload) await upload;
  }

  private async put(onUploaded: (parts: UploadedPart[]) => void): Promise<void> {
    const PartNumber = this.done.length + 1;
    const Body = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    const { bucket, key, uploadId } = this.target;
    const res = await this.s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber, Body }), this.signal ? { abortSignal: this.signal } : {});
    this.done.push({ PartNumber, ETag: res.ETag ?? '' });
    onUploaded([...this.done]);
  }
}
