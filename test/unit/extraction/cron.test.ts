import { describe, expect, it } from 'vitest';
import { CronInvalid, normaliseCron } from '../../../extraction/cron';

describe('cron expressions as Temporal schedules read them', () => {
  it('keeps standard five-field expressions, names and steps', () => {
    for (const c of ['0 1 * * *', '*/15 * * * *', '5/10 * * * *', '0 1 * JAN-MAR *', '0 0 * * MON-FRI', '0 1 * * 0-7', '0 0 1,15 * *', '0 1 * * MON-WED', '0 1 * JUN-JUL THU']) {
      expect(normaliseCron(c)).toBe(c.replace(/[a-z]{3}/g, (m) => m.toUpperCase()));
    }
    expect(normaliseCron('0 0 * * mon-fri')).toBe('0 0 * * MON-FRI');
    expect(normaliseCron('@daily')).toBe('@daily');
  });

  it("reads ? as 'no specific value' in day-of-month and day-of-week", () => {
    expect(normaliseCron('0 12 * * ?')).toBe('0 12 * * *');
    expect(normaliseCron('0 0 ? * *')).toBe('0 0 * * *');
    expect(() => normaliseCron('? 0 * * *')).toThrow(/minute "\?"/);
  });

  it('refuses what Temporal refuses or would read differently, naming the field', () => {
    const cases: [string, RegExp][] = [
      ['0 0 L * *', /day-of-month "L": L and W are not supported/],
      ['0 0 * * 5L', /day-of-week "5L": L and W/],
      ['0 1 1W * *', /day-of-month "1W"/],
      ['0 1 * * 5#6', /day-of-week "5#6": the week of the month must be 1-5/],
      ['0 1 10 * 5#3', /day-of-week "5#3" needs day-of-month \* or \?/],
      ['0 1 * * 1#1,5#3', /day-of-week "1#1,5#3": # must be the field's only item/],
      ['H H * * *', /minute "H": H \(hashed values\)/],
      ['61 * * * *', /minute 61 is out of range 0-59/],
      ['0 25 * * *', /hour 25 is out of range 0-23/],
      ['0 0 0 * *', /day-of-month 0 is out of range 1-31/],
      ['0 0 * 13 *', /month 13 is out of range 1-12/],
      ['0 0 * * 8', /day-of-week 8 is out of range 0-7/],
      ['0 0 * * FOO', /day-of-week "FOO" is not a number or a name \(SUN-SAT\)/],
      ['0 5-1 * * *', /hour range "5-1" ends before it starts/],
      ['*/0 * * * *', /minute step in "\*\/0" must be at least 1/],
      ['0 1 * *', /expected 5 fields .* got 4/],
      ['@every 1h', /is not one of @yearly/],
    ];
    for (const [cron, message] of cases) {
      expect(() => normaliseCron(cron), cron).toThrow(CronInvalid);
      expect(() => normaliseCron(cron), cron).toThrow(message);
    }
  });

  // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html#eb-cron-expressions
  it("converts EventBridge's six-field form, whose day-of-week counts from SUN=1", () => {
    expect(normaliseCron('cron(0 1 * * ? *)')).toBe('0 1 * * *'); // the seed's default
    expect(normaliseCron('0 10 * * ? *')).toBe('0 10 * * *');
    expect(normaliseCron('15 12 * * ? *')).toBe('15 12 * * *');
    expect(normaliseCron('0 18 ? * MON-FRI *')).toBe('0 18 * * MON-FRI');
    expect(normaliseCron('0 8 1 * ? *')).toBe('0 8 1 * *');
    expect(normaliseCron('0/15 * * * ? *')).toBe('0/15 * * * *');
    expect(normaliseCron('0/5 8-17 ? * MON-FRI *')).toBe('0/5 8-17 * * MON-FRI');
    expect(normaliseCron('0 1 ? * 2 *')).toBe('0 1 * * 1'); // Monday, not Tuesday
    expect(normaliseCron('0 1 ? * 1,7 *')).toBe('0 1 * * 0,6'); // Sunday and Saturday
    expect(normaliseCron('0 1 ? * 2-6 *')).toBe('0 1 * * 1-5');
    expect(() => normaliseCron('0 1 ? * 0 *')).toThrow(/day-of-week 0 is out of range 1-7/);
    expect(normaliseCron('0 1 ? * SUN,SAT *')).toBe('0 1 * * SUN,SAT');
    expect(normaliseCron('0 1 ? * 7 *')).toBe('0 1 * * 6');
    expect(() => normaliseCron('0 1 ? * 8 *')).toThrow(/day-of-week 8 is out of range 1-7/);
    expect(() => normaliseCron('0 9 ? * 6L *')).toThrow(/day-of-week "6L": L and W/);
    expect(() => normaliseCron('0 1 L * ? *')).toThrow(/day-of-month "L"/);
  });

  // The examples of the EventBridge guide, and what Temporal must be given for the same instants.
  it('converts the EventBridge examples AWS documents', () => {
    const cases: [string, string][] = [
      ['0 10 * * ? *', '0 10 * * *'], // 10:00 every day
      ['15 12 * * ? *', '15 12 * * *'], // 12:15 every day
      ['0 18 ? * MON-FRI *', '0 18 * * MON-FRI'], // 18:00 Monday to Friday
      ['0 8 1 * ? *', '0 8 1 * *'], // 08:00 on the first day of the month
      ['0/15 * * * ? *', '0/15 * * * *'], // every 15 minutes
      ['0/10 * ? * MON-FRI *', '0/10 * * * MON-FRI'], // every 10 minutes Monday to Friday
      ['0/5 8-17 ? * MON-FRI *', '0/5 8-17 * * MON-FRI'], // every 5 minutes, 08:00-17:55, Monday to Friday
      // 09:00 on the first Monday of the month: Temporal matches day-of-month AND day-of-week, so days 1-7 and Monday.
      ['0 9 ? * 2#1 *', '0 9 1-7 * 1'],
    ];
    for (const [eventBridge, temporal] of cases) expect(normaliseCron(eventBridge), eventBridge).toBe(temporal);
  });

  it('reads N#k as the k-th such weekday: its seven days of the month and the weekday', () => {
    expect(normaliseCron('0 1 ? * 6#3 *')).toBe('0 1 15-21 * 5'); // third Friday (EventBridge 6 = FRI)
    expect(normaliseCron('0 1 ? * FRI#3 *')).toBe('0 1 15-21 * FRI');
    expect(normaliseCron('0 1 ? * 1#5 *')).toBe('0 1 29-31 * 0'); // fifth Sunday, in the months that have one
    expect(normaliseCron('0 1 * * 5#3')).toBe('0 1 15-21 * 5'); // five fields: 5 is Friday already
    expect(() => normaliseCron('0 1 ? * 0#1 *')).toThrow(/day-of-week 0 is out of range 1-7/);
  });

  it('keeps steps over EventBridge day numbers within the week (N/step stops at Saturday)', () => {
    // EventBridge 2/2 = MON,WED,FRI; Temporal reads 1/2 as 1,3,5,7 and 7 is Sunday.
    expect(normaliseCron('0 1 ? * 2/2 *')).toBe('0 1 * * 1-6/2');
    expect(normaliseCron('0 1 ? * MON/2 *')).toBe('0 1 * * MON-SAT/2');
    expect(normaliseCron('0 1 ? * 1-7/3 *')).toBe('0 1 * * 0-6/3');
    expect(normaliseCron('0 1 ? * */2 *')).toBe('0 1 * * */2');
  });

  it('keeps an EventBridge year, so the schedule stops after it', () => {
    expect(normaliseCron('0 1 1 * ? 2026')).toBe('0 1 1 * * 2026');
    expect(normaliseCron('0 1 1 * ? 2026-2027')).toBe('0 1 1 * * 2026-2027');
    expect(normaliseCron('0 1 1 * ? 2026/2')).toBe('0 1 1 * * 2026/2');
    // Temporal's calendar years are 2000-2100: outside them the schedule would be refused when it is created.
    expect(() => normaliseCron('0 1 1 * ? 1999')).toThrow(/year 1999 is out of range 2000-2100/);
    expect(() => normaliseCron('0 1 1 * ? 2026-2101')).toThrow(/year 2101 is out of range 2000-2100/);
  });
});
