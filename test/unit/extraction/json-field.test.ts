import { describe, expect, it } from 'vitest';
import { getField, parseJsonField, setField } from '../../../extraction';

describe('JsonField', () => {
  const doc = { user: { name: 'Cristian', account: { number: 2334, type: 'credit' } }, $currency_symbol: '$', list: [{ id: 7 }], n: null };

  it('reads the seed example user.account.number', () => {
    expect(getField(doc, 'user.account.number')).toBe(2334);
  });
  it('reads $-prefixed keys (Zoho)', () => {
    expect(getField(doc, '$currency_symbol')).toBe('$');
  });
  it('indexes arrays with numeric segments', () => {
    expect(getField(doc, 'list.0.id')).toBe(7);
    expect(getField(doc, 'list.x')).toBeUndefined();
  });
  it('returns undefined for a missing step, null for a JSON null', () => {
    expect(getField(doc, 'user.missing.deeper')).toBeUndefined();
    expect(getField(doc, 'n')).toBeNull();
    expect(getField('text', 'a')).toBeUndefined();
  });
  it('does not read inherited properties', () => {
    expect(getField({}, 'constructor')).toBeUndefined();
    expect(getField({ a: {} }, 'a.toString')).toBeUndefined();
  });
  it('rejects empty fields, empty segments and whitespace', () => {
    expect(parseJsonField('').ok).toBe(false);
    expect(parseJsonField('a..b').ok).toBe(false);
    expect(parseJsonField('.a').ok).toBe(false);
    expect(parseJsonField('info more').ok).toBe(false);
    expect(parseJsonField('info.more_records')).toEqual({ ok: true, value: ['info', 'more_records'] });
  });
  it('setField copies and creates objects on the way', () => {
    const src = { a: { keep: 1 } };
    const r = setField(src, 'a.b.c', 'x');
    expect(r).toEqual({ ok: true, value: { a: { keep: 1, b: { c: 'x' } } } });
    expect(src).toEqual({ a: { keep: 1 } });
    expect(setField(undefined, 'cursor', 'x')).toEqual({ ok: true, value: { cursor: 'x' } });
  });
  it('setField refuses to walk through a non-object', () => {
    expect(setField({ a: 5 }, 'a.b', 1).ok).toBe(false);
  });
});
