/**
 * `time::` references: the run's start time, shifted and formatted, for date-filtered params and date-partitioned
 * output (`folder: deals/${time::today-1d|YYYY/MM/DD}`).
 *
 *   time::now                 the run's start, ISO 8601 to the second, UTC (`2026-11-30T20:05:09Z`)
 *   time::today               the start of the run's day (UTC)
 *   time::now-1d+2h           offsets, chained: s, m, h, d, w (a day is 24 hours: UTC has no daylight saving)
 *   time::today|YYYY/MM/DD    a format: YYYY MM DD HH mm ss SSS tokens with any other punctuation, T and Z, or one
 *                             of iso, iso_ms, date (YYYY-MM-DD), unix (seconds), unix_ms
 *
 * The time is the run's start, not the clock at each request: every page, retry and resumed attempt of a run sees
 * the same value, so a run's folder never splits across midnight. Everything is UTC.
 */
import { err, ok, type Result } from './result';

export interface TimeSpec {
  base: 'now' | 'today';
  offsetMs: number;
  format: string;
}

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const NAMED_FORMATS = ['iso', 'iso_ms', 'date', 'unix', 'unix_ms'] as const;
const TOKENS = /YYYY|SSS|MM|DD|HH|mm|ss/g;

/** Checks a format: a named one, or tokens with punctuation (letters other than the tokens, T and Z are refused). */
function checkFormat(format: string): Result<string> {
  if ((NAMED_FORMATS as readonly string[]).includes(format)) return ok(format);
  const stray = format.replace(TOKENS, '').match(/[A-SU-Ya-z]+/);
  if (stray) return err(`unknown format "${format}" ("${stray[0]}" is not one of YYYY MM DD HH mm ss SSS; or use ${NAMED_FORMATS.join(', ')})`);
  if (!TOKENS.test(format)) return err(`format "${format}" has no date or time token`);
  TOKENS.lastIndex = 0;
  return ok(format);
}

/** Parses what follows `time::`, e.g. `today-1d|YYYY/MM/DD`. */
export function parseTimeSpec(ref: string): Result<TimeSpec> {
  const bar = ref.indexOf('|');
  const expr = (bar < 0 ? ref : ref.slice(0, bar)).trim();
  const base = /^[A-Za-z_]+/.exec(expr)?.[0] ?? '';
  if (base !== 'now' && base !== 'today') return err(`unknown time "${base || expr}" in time::${ref} (expected now or today)`);
  let offsetMs = 0;
  let rest = expr.slice(base.length);
  while (rest.length) {
    const m = /^([+-])(\d{1,6})([smhdw])/.exec(rest);
    if (!m) return err(`bad offset "${rest}" in time::${ref} (expected +N or -N followed by s, m, h, d or w, as in -1d)`);
    offsetMs += (m[1] === '-' ? -1 : 1) * Number(m[2]) * UNIT_MS[m[3] as keyof typeof UNIT_MS];
    rest = rest.slice(m[0].length);
  }
  const format = bar < 0 ? 'iso' : ref.slice(bar + 1).trim();
  const checked = checkFormat(format);
  if (!checked.ok) return err(`time::${ref}: ${checked.error}`);
  return ok({ base, offsetMs, format });
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** The spec's time for a run that started at `now`: a number for unix formats (typed bodies send a number), else text. */
export function timeValue(spec: TimeSpec, now: Date): string | number {
  const start = spec.base === 'today' ? Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) : now.getTime();
  const t = new Date(start + spec.offsetMs);
  switch (spec.format) {
    case 'iso':
      return `${t.toISOString().slice(0, 19)}Z`;
    case 'iso_ms':
      return t.toISOString();
    case 'date':
      return t.toISOString().slice(0, 10);
    case 'unix':
      return Math.floor(t.getTime() / 1000);
    case 'unix_ms':
      return t.getTime();
  }
  const parts: Record<string, string> = {
    YYYY: pad(t.getUTCFullYear(), 4),
    MM: pad(t.getUTCMonth() + 1),
    DD: pad(t.getUTCDate()),
    HH: pad(t.getUTCHours()),
    mm: pad(t.getUTCMinutes()),
    ss: pad(t.getUTCSeconds()),
    SSS: pad(t.getUTCMilliseconds(), 3),
  };
  return spec.format.replace(TOKENS, (token) => parts[token]!);
}
