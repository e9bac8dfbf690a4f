/**
 * Cron expressions of extraction configs, checked the way Temporal's schedules read them and normalised to the
 * form Temporal is given. Accepted:
 * - five fields, `minute hour day-of-month month day-of-week` (UTC), each a list of `*`, `N`, `N-M`, with an
 *   optional `/step`; month names JAN-DEC and day names SUN-SAT; day-of-week 0-7 (0 and 7 are Sunday);
 *   `?` (no specific value) in day-of-month or day-of-week is `*`;
 * - the seed's EventBridge form, six fields `minute hour day-of-month month day-of-week year`, also inside
 *   `cron(...)`: day-of-week numbers there count from SUN=1, and are converted (`N/step` ends at Saturday there);
 *   a year other than `*` is kept as a sixth field, which Temporal honours (the schedule stops firing after it);
 * - `DAY#N` (the N-th such weekday of the month) alone in day-of-week, with day-of-month `*` or `?`: Temporal
 *   matches day-of-month AND day-of-week, so it becomes the week's seven days of the month and the weekday;
 * - `@yearly`, `@monthly`, `@weekly`, `@daily`, `@hourly`.
 * Refused with a message that says which field and why: `L`, `W`, `#` in other forms, and Jenkins' `H`, which
 * Temporal either refuses or silently reads as something else (it takes `#` as the start of a comment).
 */
export class CronInvalid extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CronInvalid';
  }
}

interface FieldRule {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
  /** Value of the first name (SUN=0, JAN=1). */
  namesFrom?: number;
  question?: boolean;
  /** Subtracted from numbers on output: EventBridge counts SUN=1, Temporal SUN=0. */
  shift?: number;
  /** Where `N/step` ends when that is not `max`: Temporal reads EventBridge's `2/2` as 1,3,5,7 and 7 is Sunday. */
  stepEnd?: { value: number; name: string };
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] as const;
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;

const FIELDS: FieldRule[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31, question: true },
  { name: 'month', min: 1, max: 12, names: MONTHS, namesFrom: 1 },
  { name: 'day-of-week', min: 0, max: 7, names: DAYS, namesFrom: 0, question: true },
];
/** EventBridge's day-of-week: SUN=1..SAT=7, given to Temporal as 0-6. */
const EVENTBRIDGE_DAY: FieldRule = { name: 'day-of-week', min: 1, max: 7, names: DAYS, namesFrom: 1, question: true, shift: 1, stepEnd: { value: 7, name: 'SAT' } };
/** Temporal's calendar years; a schedule with others is refused when it is created. */
const YEAR: FieldRule = { name: 'year', min: 2000, max: 2100 };
const MACROS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);

/** One field's value, checked, in Temporal's numbering. */
function checkField(raw: string, rule: FieldRule): string {
  if (rule.question && raw === '?') return '*';
  const shift = rule.shift ?? 0;
  const named = (v: string): boolean => /^[A-Z]{3}$/i.test(v);
  const value = (v: string): number => {
    const upper = v.toUpperCase();
    const index = rule.names?.indexOf(upper as never) ?? -1;
    if (index >= 0) return index + (rule.namesFrom ?? 0);
    if (!/^\d+$/.test(v)) {
      if (/[LW#]/i.test(v)) throw new CronInvalid(`${rule.name} "${v}": L and W are not supported by Temporal schedules, # only as DAY#N alone in day-of-week`);
      if (/H/i.test(v)) throw new CronInvalid(`${rule.name} "${v}": H (hashed values) is not supported by Temporal schedules`);
      throw new CronInvalid(`${rule.name} "${v}" is not a number${rule.names ? ` or a name (${rule.names[0]}-${rule.names[rule.names.length - 1]})` : ''}`);
    }
    const n = Number(v);
    if (n < rule.min || n > rule.max) throw new CronInvalid(`${rule.name} ${v} is out of range ${rule.min}-${rule.max}`);
    return n;
  };
  const show = (v: string, n: number): string => (named(v) ? v.toUpperCase() : String(n - shift));
  const out: string[] = [];
  for (const item of raw.split(',')) {
    const m = /^(\*|[^/-]+)(?:-([^/]+))?(?:\/(\d+))?$/.exec(item);
    if (!m) throw new CronInvalid(`${rule.name} "${item}" is not a value, range or step`);
    const [, startRaw, endRaw, stepRaw] = m;
    if (stepRaw !== undefined && Number(stepRaw) < 1) throw new CronInvalid(`${rule.name} step in "${item}" must be at least 1`);
    if (startRaw === '*') {
      if (endRaw !== undefined) throw new CronInvalid(`${rule.name} "${item}": * cannot start a range`);
      out.push(item);
      continue;
    }
    const start = value(startRaw!);
    let text = show(startRaw!, start);
    if (endRaw !== undefined) {
      const end = value(endRaw);
      if (end < start) throw new CronInvalid(`${rule.name} range "${item}" ends before it starts`);
      text += `-${show(endRaw, end)}`;
    } else if (stepRaw !== undefined && rule.stepEnd) {
      text += `-${named(startRaw!) ? rule.stepEnd.name : String(rule.stepEnd.value - shift)}`;
    }
    out.push(stepRaw !== undefined ? `${text}/${stepRaw}` : text);
  }
  return out.join(',');
}

/**
 * `DAY#N` in day-of-week as day-of-month and day-of-week fields, or null without `#`. Temporal matches both fields
 * (not either, as Vixie cron does), so the third Friday is days 15-21 that are a Friday.
 */
function nthWeekday(dayOfMonth: string, dayOfWeek: string, rule: FieldRule): [string, string] | null {
  if (!dayOfWeek.includes('#')) return null;
  if (dayOfWeek.includes(',')) throw new CronInvalid(`day-of-week "${dayOfWeek}": # must be the field's only item`);
  const m = /^([A-Z]{3}|\d+)#(\d+)$/i.exec(dayOfWeek);
  if (!m) throw new CronInvalid(`day-of-week "${dayOfWeek}" is not DAY#N (one day, then the week of the month)`);
  const week = Number(m[2]);
  if (week < 1 || week > 5) throw new CronInvalid(`day-of-week "${dayOfWeek}": the week of the month must be 1-5`);
  if (dayOfMonth !== '*' && dayOfMonth !== '?') throw new CronInvalid(`day-of-week "${dayOfWeek}" needs day-of-month * or ?, got "${dayOfMonth}"`);
  const first = 7 * (week - 1) + 1;
  return [`${first}-${Math.min(first + 6, 31)}`, checkField(m[1]!, rule)];
}

/** minute hour day-of-month month day-of-week, checked; `dayRule` numbers day-of-week. */
function fiveFields(fields: string[], dayRule: FieldRule): string[] {
  const out = fields.slice(0, 4).map((f, i) => checkField(f, FIELDS[i]!));
  const nth = nthWeekday(fields[2]!, fields[4]!, dayRule);
  if (nth) out[2] = nth[0];
  out.push(nth ? nth[1] : checkField(fields[4]!, dayRule));
  return out;
}

/** A cron expression as Temporal will be given it, or CronInvalid saying which field is wrong and why. */
export function normaliseCron(expression: string): string {
  let text = expression.trim();
  const wrapped = /^cron\((.*)\)$/i.exec(text);
  if (wrapped) text = wrapped[1]!.trim();
  if (text.startsWith('@')) {
    if (MACROS.has(text.toLowerCase())) return text.toLowerCase();
    throw new CronInvalid(`"${text}" is not one of ${[...MACROS].join(', ')}`);
  }
  const fields = text.split(/\s+/).filter(Boolean);
  if (fields.length === 5) return fiveFields(fields, FIELDS[4]!).join(' ');
  if (fields.length === 6) {
    // EventBridge: minute hour day-of-month month day-of-week year, with SUN=1..SAT=7.
    const five = fiveFields(fields, EVENTBRIDGE_DAY);
    const year = fields[5]!;
    return year === '*' ? five.join(' ') : `${five.join(' ')} ${checkField(year, YEAR)}`;
  }
  throw new CronInvalid(
    `expected 5 fields (minute hour day-of-month month day-of-week) or the EventBridge form with 6 (… year), got ${fields.length}`,
  );
}
