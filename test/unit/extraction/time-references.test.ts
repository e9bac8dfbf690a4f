import { describe, expect, it } from 'vitest';
import { parseConfig, parseTemplate, resolveString, resolveValue, type ReferenceContext } from '../../../extraction';

// A run that started on Monday 30 November 2026 at 20:05:09.042 UTC.
const now = new Date('2026-11-30T20:05:09.042Z');
const ctx: ReferenceContext = { now };
const res = (s: string, c: ReferenceContext = ctx) => resolveString(s, c);

describe('time:: references', () => {
  it('now is the run start, in ISO 8601 to the second (UTC) unless formatted', () => {
    expect(res('${time::now}')).toEqual({ ok: true, value: '2026-11-30T20:05:09Z' });
    expect(res('$(time::now)')).toEqual({ ok: true, value: '2026-11-30T20:05:09Z' });
  });
  it('today is the start of the run day (UTC)', () => {
    expect(res('${time::today}')).toEqual({ ok: true, value: '2026-11-30T00:00:00Z' });
    expect(res('${time::today|date}')).toEqual({ ok: true, value: '2026-11-30' });
  });
  it('takes offsets in seconds, minutes, hours, days and weeks, chained', () => {
    expect(res('${time::now-1d}')).toEqual({ ok: true, value: '2026-11-29T20:05:09Z' });
    expect(res('${time::now+2h-30m}')).toEqual({ ok: true, value: '2026-11-30T21:35:09Z' });
    expect(res('${time::today-1w}')).toEqual({ ok: true, value: '2026-11-23T00:00:00Z' });
    expect(res('${time::now-90s}')).toEqual({ ok: true, value: '2026-11-30T20:03:39Z' });
  });
  it('formats with named formats and with YYYY MM DD HH mm ss SSS tokens', () => {
    expect(res('${time::now|iso_ms}')).toEqual({ ok: true, value: '2026-11-30T20:05:09.042Z' });
    expect(res('${time::now|unix}')).toEqual({ ok: true, value: String(Math.floor(now.getTime() / 1000)) });
    expect(res('${time::now|unix_ms}')).toEqual({ ok: true, value: String(now.getTime()) });
    expect(res('${time::now|YYYY/MM/DD}')).toEqual({ ok: true, value: '2026/11/30' });
    expect(res('deals/${time::today-1d|YYYY/MM/DD}/')).toEqual({ ok: true, value: 'deals/2026/11/29/' });
    expect(res('${time::now|YYYYMMDD-HHmmss.SSS}')).toEqual({ ok: true, value: '20261130-200509.042' });
  });
  it('crosses month and year ends', () => {
    const c = { now: new Date('2027-01-01T00:30:00Z') };
    expect(res('${time::today-1d|YYYY/MM/DD}', c)).toEqual({ ok: true, value: '2026/12/31' });
  });
  it('is typed as a number in bodies when formatted as unix', () => {
    expect(resolveValue({ since: '${time::now-1h|unix}' }, ctx, { typed: true })).toEqual({ ok: true, value: { since: Math.floor(now.getTime() / 1000) - 3600 } });
    expect(resolveValue({ since: '${time::now-1h}' }, ctx, { typed: true })).toEqual({ ok: true, value: { since: '2026-11-30T19:05:09Z' } });
  });
  it('refuses unknown bases, units and formats when the template is parsed, saying what', () => {
    for (const [s, what] of [
      ['${time::yesterday}', 'yesterday'],
      ['${time::now-1y}', '-1y'],
      ['${time::now-d}', '-d'],
      ['${time::now|QQ}', 'QQ'],
    ] as const) {
      const t = parseTemplate(s);
      expect(t.ok).toBe(false);
      if (!t.ok) expect(t.error).toContain(what);
    }
  });
  it('says so when there is no run start to read', () => {
    const r = res('${time::now}', {});
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain('run');
  });
  it('is accepted in params, folders and file names of a config, and refused there when malformed', () => {
    const good = parseConfig({
      name: 'dated',
      extractions: [
        {
          name: 'deals',
          endpoint: { url: 'https://api.example.com/deals', params: { since: '${time::today-1d|date}' } },
          s3_destiny: { bucket: 'b', folder: 'deals/${time::now|YYYY/MM/DD}', filename: 'deals-${time::now|YYYYMMDD}.json' },
          format: 'json',
        },
      ],
    });
    expect(good.ok).toBe(true);
    const bad = parseConfig({
      name: 'dated',
      extractions: [{ name: 'deals', endpoint: { url: 'https://api.example.com/deals', params: { since: '${time::today-1q}' } }, format: 'json' }],
    });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(JSON.stringify(bad)).toContain('params.since');
  });
});
