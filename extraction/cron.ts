/**
 * Cron expressions of extraction configs, checked the way Temporal's schedules read them and normalised to the
 * form Temporal is given. Accepted:
 * - five fields, `minute hour day-of-month month day-of-week` (UTC), each a list of `*`, `N`, `N-M`, with an
 *   optional `/step`; month names JAN-DEC and day names SUN-SAT; day-of-week 0-7 (0 and 7 are Sunday);
 *   `?` (no specific value) in day-of-month or day-of-week is `*`;
 * - the seed's EventBridge form, six fields `minute hour day-of-month month day-of-week year`, also inside
 *   `cron(...)`: day-of-week numbers there count from SUN=1, and are converted; a year other than `*` is kept
 *   as a sixth field, which Temporal honours (the schedule stops firing after it);
 * - `@yearly`, `@monthly`, `@weekly`, `@daily`, `@hourly`.
 * Refused with a message that says which field and why: `L`, `W`, `#` and Jenkins' `H`, which Temporal either
 * refuses or silently reads as something else (`5#3` would fire every Friday).
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
const YEAR: FieldRule = { name: 'year', min: 1970, max: 2199 };
const MACROS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);

/** One field's value, checked; `shift` moves day-of-week numbers (EventBridge counts SUN=1). */
function checkField(raw: string, rule: FieldRule, shift = 0): string {
  if (rule.question && raw === '?') return '*';
  const items = raw.split(',');
  const out: string[] = [];
  for (const item of items) {
    const m = /^(\*|[^/-]+)(?:-([^/]+))?(?:\/(\d+))?$/.exec(item);
    if (!m) throw new CronInvalid(`${rule.name} "${item}" is not a value, range or step`);
    const [, startRaw, endRaw, stepRaw] = m;
    const value = (v: string): number => {
      const upper = v.toUpperCase();
      const named = rule.names?.indexOf(upper as never) ?? -1;
      if (named >= 0) return named + (rule.namesFrom ?? 0);
      if (!/^\d+$/.test(v)) {
        if (/[LW#]/i.test(v)) throw new CronInvalid(`${rule.name} "${v}": L, W and # are not supported by Temporal schedules`);
        if (/H/i.test(v)) throw new CronInvalid(`${rule.name} "${v}": H (hashed values) is not supported by Temporal schedules`);
        throw new CronInvalid(`${rule.name} "${v}" is not a number${rule.names ? ` or a name (${rule.names[0]}-${rule.names[rule.names.length - 1]})` : ''}`);
      }
      const n = Number(v) - shift;
      const lo = rule.min;
      const hi = shift ? 6 : rule.max;
      if (n < lo || n > hi) throw new CronInvalid(`${rule.name} ${v} is out of range ${lo + shift}-${hi + shift}`);
      return n;
    };
    if (stepRaw !== undefined && Number(stepRaw) < 1) throw new CronInvalid(`${rule.name} step in "${item}" must be at least 1`);
    if (startRaw === '*') {
      if (endRaw !== undefined) throw new CronInvalid(`${rule.name} "${item}": * cannot start a range`);
      out.push(item);
      continue;
    }
    const start = value(startRaw!);
    const named = (v: string): boolean => /^[A-Z]{3}$/i.test(v);
    const show = (v: string, n: number): string => (named(v) ? v.toUpperCase() : String(n));
    let text = show(startRaw!, start);
    if (endRaw !== undefined) {
      const end = value(endRaw);
      if (end < start) throw new CronInvalid(`${rule.name} range "${item}" ends before it starts`);
      text += `-${show(endRaw, end)}`;
    }
    out.push(stepRaw !== undefined ? `${text}/${stepRaw}` : text);
  }
  return out.join(',');
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
  if (fields.length === 5) return fields.map((f, i) => checkField(f, FIELDS[i]!)).join(' ');
  if (fields.length === 6) {
    // EventBridge: minute hour day-of-month month day-of-week year, with SUN=1..SAT=7.
    const five = fields.slice(0, 5).map((f, i) => checkField(f, FIELDS[i]!, i === 4 ? 1 : 0));
    const year = fields[5]!;
    return year === '*' ? five.join(' ') : `${five.join(' ')} ${checkField(year, YEAR)}`;
  }
  throw new CronInvalid(
    `expected 5 fields (minute hour day-of-month month day-of-week) or the EventBridge form with 6 (… year), got ${fields.length}`,
  );
}
