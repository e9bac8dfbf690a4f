import { describe, expect, it } from 'vitest';
import { buildRunLog, filterRecords, parseConfig, RecordWriter } from '../../../extraction';
import { extraction } from './helpers';

const records = [
  { id: 1, status: 'active', amount: '12.5', owner: { id: 42 } },
  { id: 2, status: 'deleted', amount: 3, owner: { id: 42 } },
  { id: 3, amount: 0, owner: { id: 7 } },
];
const ids = (r: ReturnType<typeof filterRecords>): unknown[] => (r.ok ? r.value.kept.map((x) => (x as { id: number }).id) : [r.error]);

describe('record filter', () => {
  it('no filter keeps every record', () => {
    expect(filterRecords(undefined, records)).toEqual({ ok: true, value: { kept: records, dropped: 0 } });
  });
  it('drops the records a condition does not hold for; a missing field reads as null', () => {
    const r = filterRecords("status != 'deleted'", records);
    expect(ids(r)).toEqual([1, 3]);
    expect(r.ok && r.value.dropped).toBe(1);
    expect(ids(filterRecords('status == null', records))).toEqual([3]);
  });
  it('a list of conditions must all hold; nested fields and numeric strings compare as numbers', () => {
    expect(ids(filterRecords(['amount > 1', 'owner.id == 42'], records))).toEqual([1, 2]);
    expect(ids(filterRecords(['owner.id == 42', "status != 'deleted'"], records))).toEqual([1]);
  });
  it('a comparison that cannot be made fails with the record named, instead of keeping or dropping it silently', () => {
    expect(filterRecords("status > 'a'", records)).toEqual({ ok: false, error: expect.stringContaining('record 3 of the page') });
  });
  it('a filter is data: text that looks like code is refused by the parser, never run', () => {
    const bad = parseConfig({ name: 'c', extractions: [{ name: 'e', endpoint: { url: 'https://x.test' }, filter: 'process.exit(1) || true' }] });
    expect(bad.ok).toBe(false);
    const empty = parseConfig({ name: 'c', extractions: [{ name: 'e', endpoint: { url: 'https://x.test' }, filter: [] }] });
    expect(empty.ok).toBe(false);
    const good = parseConfig({ name: 'c', extractions: [{ name: 'e', endpoint: { url: 'https://x.test' }, filter: ["status != 'deleted'", 'amount >= 1'] }] });
    expect(good.ok).toBe(true);
  });
  it('the writer counts dropped records across resumes and the run log reports them', () => {
    const w = RecordWriter.for(extraction({ format: 'jsonl' }));
    w.countFiltered(2);
    const resumed = new RecordWriter(JSON.parse(JSON.stringify(w.state)) as typeof w.state);
    resumed.countFiltered(0);
    resumed.countFiltered(3);
    expect(resumed.state.filtered).toBe(5);
    const at = new Date('2024-01-01T00:00:00Z');
    const log = buildRunLog({ config: { name: 'c' }, extraction: { name: 'e' }, workflowId: 'w', startedAt: at, finishedAt: at, records: 1, pages: 1, bytes: 1, destination: null, writer: resumed.state });
    expect(log.data_filtered_len).toBe(5);
    expect(buildRunLog({ config: { name: 'c' }, extraction: { name: 'e' }, workflowId: 'w', startedAt: at, finishedAt: at, records: 0, pages: 0, bytes: 0, destination: null }).data_filtered_len).toBe(0);
  });
});
