/**
 * Where a run's file goes: s3_destiny.bucket (default: the caller's setting, api-extractor-output-prod),
 * folder (default: none, the bucket root) and filename.
 * The seed names no default filename; ours is `<config>_<extraction>_<run start, UTC>` so incremental
 * runs (`last::` references) never overwrite each other, while an explicit filename (the seed's tickets
 * example: "ticketsdata") is used as is and replaced on every run. The extension follows `format` (and `.gz`
 * follows it with gzip compression).
 * The time is the RUN's start (from the workflow), so every retried attempt writes the same key.
 */
import { compressionOf } from './compression';
import type { Config, Extraction } from './config';

export const DEFAULT_BUCKET = 'api-extractor-output-prod';

export interface Destination {
  bucket: string;
  key: string;
  /** s3://bucket/key, the seed's `destiny`. */
  uri: string;
}

/** Lower-case ASCII with dashes: "Zoho Tickets" -> "zoho-tickets", "Montería" -> "monteria". */
export function slug(name: string): string {
  const s = name
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '');
  return s || 'unnamed';
}

/** 2024-05-01T10:20:30.456Z -> 2024-05-01T10-20-30Z: sortable, and no ':' in S3 keys. */
export const fileTimestamp = (d: Date): string => `${d.toISOString().slice(0, 19).replace(/:/g, '-')}Z`;

export function normaliseFolder(folder: string | undefined): string {
  const f = (folder ?? '').trim().replace(/^\/+/, '').replace(/\/{2,}/g, '/');
  return f === '' || f.endsWith('/') ? f : `${f}/`;
}

const CONTENT_TYPES = { csv: 'text/csv; charset=utf-8', json: 'application/json', jsonl: 'application/x-ndjson' } as const;

type Output = Pick<Extraction, 'format'> & Partial<Pick<Extraction, 'compression' | 's3_destiny'>>;

/** The file's extension, with its dot: `.csv`, `.json`, `.jsonl`, and `.gz` after it when gzip-compressed. */
export const fileExtension = (extraction: Output): string => `.${extraction.format}${compressionOf(extraction) === 'gzip' ? '.gz' : ''}`;

/**
 * The object's Content-Type. JSON Lines has no registered type; application/x-ndjson is the one in common use. A
 * gzip file is application/gzip WITHOUT Content-Encoding: the object is a .gz file to be downloaded as one, and a
 * Content-Encoding would make browsers and HTTP clients unpack it on the way while keeping the .gz name.
 */
export const contentTypeFor = (extraction: Output): string => (compressionOf(extraction) === 'gzip' ? 'application/gzip' : CONTENT_TYPES[extraction.format]);

export function destinationFor(
  config: Pick<Config, 'name'>,
  extraction: Pick<Extraction, 'name' | 'format' | 's3_destiny'> & Partial<Pick<Extraction, 'compression'>>,
  opts: { startedAt: Date; defaultBucket?: string },
): Destination {
  const d = extraction.s3_destiny ?? {};
  const bucket = d.bucket ?? opts.defaultBucket ?? DEFAULT_BUCKET;
  const ext = fileExtension(extraction);
  const name = d.filename ?? `${slug(config.name)}_${slug(extraction.name)}_${fileTimestamp(opts.startedAt)}`;
  const lower = name.toLowerCase();
  // "data.jsonl" with gzip becomes "data.jsonl.gz", not "data.jsonl.jsonl.gz".
  const plainExt = `.${extraction.format}`;
  const suffix = lower.endsWith(ext) ? '' : ext !== plainExt && lower.endsWith(plainExt) ? ext.slice(plainExt.length) : ext;
  const key = normaliseFolder(d.folder) + name + suffix;
  return { bucket, key, uri: `s3://${bucket}/${key}` };
}
