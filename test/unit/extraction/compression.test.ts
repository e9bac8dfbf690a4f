import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { UploadPartCommand, type S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { chunkEncoder, compressionOf, contentTypeFor, destinationFor, fileExtension, newWriterState, parseConfig, RecordWriter, type WriterState } from '../../../extraction';
import { PartUploader } from '../../../store/multipart';
import { extraction } from './helpers';

const startedAt = new Date('2024-05-01T10:20:30Z');
// A hash per record: text that compresses about as much as real ids and tokens do, not a hundredfold.
const rows = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => ({ id: from + i, name: `record ${from + i}`, token: createHash('sha256').update(String(from + i)).digest('hex') }));

describe('gzip output: member framing', () => {
  it('without compression a chunk passes as it is', () => {
    expect(chunkEncoder(undefined)('abc')).toBe('abc');
    expect(chunkEncoder('none')('abc')).toBe('abc');
  });
  it('every chunk is its own gzip member; the members together gunzip to the whole file, across a resumed writer', () => {
    const ex = extraction({ format: 'jsonl', compression: 'gzip' });
    let state: WriterState = newWriterState(ex);
    expect(state.compression).toBe('gzip');
    const members: Buffer[] = [];
    let plain = '';
    for (const batch of [rows(0, 3), [], rows(3, 200), rows(203, 1)]) {
      const w = new RecordWriter(JSON.parse(JSON.stringify(state)) as WriterState);
      const encode = chunkEncoder(w.compression);
      for (const text of [w.begin(), w.write(batch)]) {
        plain += text;
        const m = encode(text);
        if (m.length > 0) members.push(Buffer.from(m));
      }
      state = w.state;
    }
    expect(members.length).toBe(3); // empty chunks (begin of JSONL, an empty batch) add no member
    for (const m of members) expect(m.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    const file = Buffer.concat(members);
    expect(gunzipSync(file).toString('utf8')).toBe(plain);
    const lines = gunzipSync(file).toString('utf8').trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual(rows(0, 204));
    expect(state.bytes).toBe(Buffer.byteLength(plain)); // counted uncompressed
  });
  it('parts are counted on the compressed bytes: every part but the last reaches the part size', async () => {
    const parts: Buffer[] = [];
    const s3 = {
      send: (cmd: unknown) => {
        if (cmd instanceof UploadPartCommand) parts.push(Buffer.from(cmd.input.Body as Buffer));
        return Promise.resolve({ ETag: `"${parts.length}"` });
      },
    } as unknown as S3Client;
    const partBytes = 64 * 1024;
    const uploader = new PartUploader(s3, { bucket: 'b', key: 'k.csv.gz', uploadId: 'u' });
    const w = RecordWriter.for(extraction({ format: 'csv', s3_destiny: { compression: 'gzip' } }));
    const encode = chunkEncoder(w.compression);
    const noop = (): void => undefined;
    let plain = w.begin();
    uploader.append(encode(plain));
    for (let page = 0; page < 60; page++) {
      const text = w.write(rows(page * 100, 100));
      plain += text;
      uploader.append(encode(text));
      if (uploader.bufferedBytes >= partBytes) await uploader.uploadBuffered(noop);
    }
    uploader.append(encode(w.end()));
    await uploader.uploadLast(noop);
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts.slice(0, -1)) expect(p.length).toBeGreaterThanOrEqual(partBytes);
    expect(gunzipSync(Buffer.concat(parts)).toString('utf8')).toBe(plain);
  });
});

describe('gzip output: config and destination', () => {
  it('compression on the extraction or on s3_destiny; both differing is refused', () => {
    expect(compressionOf(extraction({}))).toBe('none');
    expect(compressionOf(extraction({ compression: 'gzip' }))).toBe('gzip');
    expect(compressionOf(extraction({ s3_destiny: { compression: 'gzip' } }))).toBe('gzip');
    const conflict = parseConfig({ name: 'c', extractions: [{ name: 'e', endpoint: { url: 'https://x.test' }, compression: 'none', s3_destiny: { compression: 'gzip' } }] });
    expect(conflict.ok ? [] : conflict.errors.map((e) => e.path)).toEqual(['extractions[0].compression']);
  });
  it('the key ends .gz after the format; the object is application/gzip', () => {
    const ex = extraction({ format: 'jsonl', compression: 'gzip' });
    expect(fileExtension(ex)).toBe('.jsonl.gz');
    expect(contentTypeFor(ex)).toBe('application/gzip');
    expect(destinationFor({ name: 'Demo' }, ex, { startedAt }).key).toBe('demo_e_2024-05-01T10-20-30Z.jsonl.gz');
    const named = (filename: string) => destinationFor({ name: 'x' }, extraction({ format: 'csv', s3_destiny: { filename, compression: 'gzip' } }), { startedAt }).key;
    expect([named('out'), named('out.csv'), named('out.csv.gz')]).toEqual(['out.csv.gz', 'out.csv.gz', 'out.csv.gz']);
  });
  it('a gzip member per chunk is a standard gzip stream (what gzipSync of the same text reads back as)', () => {
    const text = 'a,b\n1,2\n';
    expect(gunzipSync(Buffer.from(chunkEncoder('gzip')(text))).toString()).toBe(gunzipSync(gzipSync(text)).toString());
  });
});
