/**
 * Where a run's file goes: s3_destiny.bucket (default: the caller's setting, api-extractor-output-prod),
 * folder (default: none, the bucket root) and filename.
 * The seed names no default filename; ours is `<config>_<extraction>_<run start, UTC>` so incremental
 * runs (`last::` references) never overwrite each other, while an explicit filename (the seed's tickets
 * example: "ticketsdata") is used as is and replaced on every run. The extension follows `format`.
 * The time is the RUN's start (from the workflow), so every retried attempt writes the same key.
 */
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

/** The file's extension, with its dot: `.csv`, `.json`, `.jsonl`. */
export const fileExtension = (extraction: Pick<Extraction, 'format'>): string => `.${extraction.format}`;

/** The object's Content-Type. JSON Lines has no registered type; application/x-ndjson is the one in common use. */
export const contentTypeFor = (extraction: Pick<Extraction, 'format'>): string => CONTENT_TYPES[extraction.format];

export function destinationFor(
  config: Pick<Config, 'name'>,
  extraction: Pick<Extraction, 'name' | 'format' | 's3_destiny'>,
  opts: { startedAt: Date; defaultBucket?: string },
): Destination {
  const d = extraction.s3_destiny ?? {};
  const bucket = d.bucket ?? opts.defaultBucket ?? DEFAULT_BUCKET;
  const ext = fileExtension(extraction);
  const name = d.filename ?? `${slug(config.name)}_${slug(extraction.name)}_${fileTimestamp(opts.startedAt)}`;
  const key = normaliseFolder(d.folder) + (name.toLowerCase().endsWith(ext) ? name : name + ext);
  return { bucket, key, uri: `s3://${bucket}/${key}` };
}
