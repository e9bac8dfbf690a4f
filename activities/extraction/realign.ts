import { StringDecoder } from 'node:string_decoder';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { chunkEncoder, CsvRealigner, csvNeedsRealign, type WriterState } from '../../extraction';
import { abortMultipartUpload, completeMultipartUpload, createMultipartUpload, PartUploader, type UploadedPart } from '../../store/multipart';

const MEMBER_TEXT = 256 * 1024;

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
 * A gzip CSV is unpacked on the way in (every member: createGunzip reads concatenated members) and packed again on
 * the way out, a gzip member per 256 KiB of text. Answers the rewritten object's size (uncompressed, as the writer
 * counts it), or null when nothing needed rewriting.
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
  const encode = chunkEncoder(writer.compression);
  // Text waits until MEMBER_TEXT before it is encoded: a gzip member per 16 KiB read would compress poorly.
  let text = '';
  const flush = (): void => {
    uploader.append(encode(text));
    text = '';
  };
  const append = (more: string): void => {
    bytes += Buffer.byteLength(more, 'utf8');
    text += more;
    if (text.length >= MEMBER_TEXT) flush();
  };
  const body = got.Body as Readable;
  // pipeline, not pipe: a failed download must fail the gunzip (and the loop) instead of leaving it waiting.
  const source = writer.compression === 'gzip' ? pipeline(body, createGunzip(), () => undefined) : body;
  try {
    for await (const chunk of source) {
      append(realigner.push(decoder.write(chunk as Buffer)));
      if (uploader.bufferedBytes >= t.partBytes) await uploader.uploadBuffered(onUploaded);
    }
    append(realigner.push(decoder.end()) + realigner.end());
    flush();
    await uploader.uploadLast(onUploaded);
    await completeMultipartUpload(s3, target, parts);
  } catch (err) {
    await abortMultipartUpload(s3, target);
    throw err;
  }
  return { bytes };
}
