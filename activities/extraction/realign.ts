import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { CsvRealigner, csvNeedsRealign, type WriterState } from '../../extraction';
import { abortMultipartUpload, completeMultipartUpload, createMultipartUpload, PartUploader, type UploadedPart } from '../../store/multipart';

export interface RealignTarget {
  bucket: string;
  key: string;
  /** Bytes per uploaded part (S3: at least 5 MiB but the last). */
  partBytes: number;
  /** Runs after each part is uploaded: a long rewrite heartbeats here. */
  onPart?: () => void;
}

/**
 * After a CSV without a data_schema is published: when a page brought a key after the header went out, the object
 * is rewritten in place with the full header and every row padded to it (CsvRealigner). It streams from S3 into a
 * new multipart upload of the same key, so memory stays at about two parts, and the cost is reading and writing the
 * whole object once more. Rewriting an aligned object changes nothing, so a retried publish may run it again.
 * Answers the rewritten object's size, or null when nothing needed rewriting.
 */
export async function realignPublishedCsv(s3: S3Client, t: RealignTarget, writer: WriterState): Promise<{ bytes: number } | null> {
  if (!csvNeedsRealign(writer)) return null;
  const got = await s3.send(new GetObjectCommand({ Bucket: t.bucket, Key: t.key }));
  const uploadId = await createMultipartUpload(s3, { bucket: t.bucket, key: t.key, ...(got.ContentType ? { contentType: got.ContentType } : {}) });
  const target = { bucket: t.bucket, key: t.key, uploadId };
  const uploader = new PartUploader(s3, target);
  const realigner = new CsvRealigner(writer);
  const decoder = new StringDecoder('utf8');
  let parts: UploadedPart[] = [];
  let bytes = 0;
  const onUploaded = (p: UploadedPart[]): void => {
    parts = p;
    t.onPart?.();
  };
  const append = (text: string): void => {
    bytes += Buffer.byteLength(text, 'utf8');
    uploader.append(text);
  };
  try {
    for await (const chunk of got.Body as Readable) {
      append(realigner.push(decoder.write(chunk as Buffer)));
      if (uploader.bufferedBytes >= t.partBytes) await uploader.uploadBuffered(onUploaded);
    }
    append(realigner.push(decoder.end()) + realigner.end());
    await uploader.uploadLast(onUploaded);
    await completeMultipartUpload(s3, target, parts);
  } catch (err) {
    await abortMultipartUpload(s3, target);
    throw err;
  }
  return { bytes };
}
