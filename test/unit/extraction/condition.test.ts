import { describe, expect, it } from 'vitest';
import { evaluateCondition, evaluateMorePages, parseCondition, parseMorePages } from '../../../extraction';

const body = { info: { current_page: 2, total_pages: 10, more: true, more_s: 'false', total_s: '10', name: 'b', next: null, at: '2024-01-02' }, data: [] };

const evalc = (src: string, b: unknown = body) => {
  const c = parseCondition(src);
  if (!c.ok) throw new Error(c.error);
  return evaluateCondition(c.value, b);
};

describe('ConditionExpression parsing', () => {
  it('parses the seed example', () => {
    const c = parseCondition('info.current_page < info.total_pages');
    expect(c.ok && c.value.op).toBe('<');
  });
  it('accepts every operator, with or without spaces', () => {
    for (const op of ['==', '!=', '<', '<=', '>', '>=']) {
      expect(parseCondition(`info.current_page${op}3`).ok).toBe(true);
      expect(parseCondition(`info.current_page ${op} 3`).ok).toBe(true);
    }
  });
  it('parses literals: numbers, quoted strings, true/false/null', () => {
    const c = parseCondition('"a == b" != \'x\'');
    expect(c).toMatchObject({ ok: true, value: { left: { kind: 'literal', value: 'a == b' }, op: '!=', right: { kind: 'literal', value: 'x' } } });
    expect(parseCondition('info.x == -1.5e2')).toMatchObject({ ok: true, value: { right: { value: -150 } } });
    expect(parseCondition('info.x == null')).toMatchObject({ ok: true, value: { right: { value: null } } });
    expect(parseCondition('true == info.more')).toMatchObject({ ok: true, value: { left: { value: true } } });
  });
  it('rejects malformed expressions', () => {
    for (const bad of ['info.a', 'info.a <', '< 3', 'a == b == c', 'a = b', 'a ! b', 'a === b', 'a < "open', 'a b < 3']) {
      expect(parseCondition(bad).ok, bad).toBe(false);
    }
  });
  it('is data, not code: nothing is evaluated', () => {
    // Reads as a field path that does not exist: an error, and nothing runs.
    expect(evalc('process.exit(1) == 1')).toEqual({ ok: false, error: 'field "process.exit(1)" not found in the response' });
    expect(evalc('constructor.name == "Object"')).toEqual({ ok: false, error: 'field "constructor.name" not found in the response' });
  });
});

describe('ConditionExpression evaluation', () => {
  it('seed example: true while pages remain', () => {
    expect(evalc('info.current_page < info.total_pages')).toEqual({ ok: true, value: true });
    expect(evalc('info.current_page < info.total_pages', { info: { current_page: 10, total_pages: 10 } })).toEqual({ ok: true, value: false });
  });
  it('orders numbers', () => {
    expect(evalc('info.current_page <= 2')).toEqual({ ok: true, value: true });
    expect(evalc('info.current_page > 2')).toEqual({ ok: true, value: false });
    expect(evalc('info.current_page >= 2')).toEqual({ ok: true, value: true });
  });
  it('numeric strings compare as numbers', () => {
    expect(evalc('info.current_page < info.total_s')).toEqual({ ok: true, value: true }); // "10" vs 2, not "10" < "2"
    expect(evalc('info.total_s == 10')).toEqual({ ok: true, value: true });
  });
  it('strings compare by code units (ISO dates work)', () => {
    expect(evalc('info.at < "2024-02-01"')).toEqual({ ok: true, value: true });
    expect(evalc('info.name == "b"')).toEqual({ ok: true, value: true });
    expect(evalc("info.name != 'b'")).toEqual({ ok: true, value: false });
  });
  it('booleans and null compare strictly', () => {
    expect(evalc('info.more == true')).toEqual({ ok: true, value: true });
    expect(evalc('info.more_s == false')).toEqual({ ok: true, value: false });
    expect(evalc('info.next == null')).toEqual({ ok: true, value: true });
    expect(evalc('info.next != null')).toEqual({ ok: true, value: false });
  });
  it('a missing field is an error, except against null', () => {
    expect(evalc('info.nope < 3').ok).toBe(false);
    expect(evalc('info.nope == null')).toEqual({ ok: true, value: true });
    expect(evalc('info.nope != null')).toEqual({ ok: true, value: false });
  });
  it('ordering mixed types is an error', () => {
    expect(evalc('info.more < 3').ok).toBe(false);
    expect(evalc('info.name > 3').ok).toBe(false);
    expect(evalc('data < 1').ok).toBe(false);
  });
  it('compares objects and lists by content for ==', () => {
    expect(evalc('data == data')).toEqual({ ok: true, value: true });
  });
});

describe('there_are_more_pages', () => {
  const more = (src: string, b: unknown) => {
    const r = parseMorePages(src);
    if (!r.ok) throw new Error(r.error);
    return evaluateMorePages(r.value, b);
  };
  it('a JsonField holding a boolean (seed: info.more_records)', () => {
    expect(more('info.more_records', { info: { more_records: true } })).toEqual({ ok: true, value: true });
    expect(more('info.more_records', { info: { more_records: false } })).toEqual({ ok: true, value: false });
  });
  it('accepts "true"/"false" strings', () => {
    expect(more('m', { m: 'TRUE' })).toEqual({ ok: true, value: true });
    expect(more('m', { m: 'false' })).toEqual({ ok: true, value: false });
  });
  it('a missing field is an error naming it', () => {
    expect(more('info.more_records', { info: {} })).toEqual({ ok: false, error: 'there_are_more_pages field "info.more_records" not found in the response' });
  });
  it('a non-boolean field is an error', () => {
    expect(more('m', { m: 1 }).ok).toBe(false);
    expect(more('m', { m: 'yes' }).ok).toBe(false);
  });
  it('an expression with an operator is a condition', () => {
    expect(more('info.page < info.total', { info: { page: 1, total: 2 } })).toEqual({ ok: true, value: true });
  });
  it('rejects a malformed rule at parse time', () => {
    expect(parseMorePages('info more').ok).toBe(false);
    expect(parseMorePages('info.a <').ok).toBe(false);
  });
});
