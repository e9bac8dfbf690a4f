/**
 * gzip output (`compression: "gzip"` on an extraction or its s3_destiny). The file goes to S3 as a multipart upload
 * checkpointed per part, so one gzip stream across parts could not be resumed after a crash: the deflate state would
 * be lost with the worker. Instead every chunk a writer returns becomes its own gzip member. A file of concatenated
 * members is one valid gzip file (RFC 1952 2.2: "a series of members"), read whole by gunzip, zcat, Python's gzip and
 * Node's zlib; and since a chunk's bytes are final once encoded, a kept tail or a resumed attempt appends members as
 * the plain writer appends text. Parts are counted on the compressed bytes, so every part but the last still reaches
 * S3's 5 MiB. The cost: each member restarts the 32 KiB deflate window and adds 18 bytes of framing, small for
 * page-sized chunks (tens of KiB and up), noticeable for pages of a few records.
 */
import { gzipSync } from 'node:zlib';
import type { Extraction } from './config';

export const COMPRESSIONS = ['none', 'gzip'] as const;
export type Compression = (typeof COMPRESSIONS)[number];

/** The extraction's compression: its own field, else its s3_destiny's (the config refuses the two differing). */
export const compressionOf = (extraction: Pick<Extraction, 'compression' | 's3_destiny'>): Compression =>
  extraction.compression ?? extraction.s3_destiny?.compression ?? 'none';

/** One chunk as one gzip member; '' stays '' (an empty member would only add 20 bytes). */
export const gzipMember = (chunk: string): Buffer => gzipSync(Buffer.from(chunk, 'utf8'));

/** What appends a writer's chunk to the file: the text as is, or as a gzip member. */
export function chunkEncoder(compression: Compression | undefined): (chunk: string) => string | Buffer {
  if (compression !== 'gzip') return (chunk) => chunk;
  return (chunk) => (chunk.length === 0 ? chunk : gzipMember(chunk));
}
