import { describe, expect, it } from 'vitest';
import { applyTransformations, transformValue, type Transformation } from '../../../extraction';
import { extraction } from './helpers';

/** A parsed transformation (defaults applied), from its raw fields. */
const t = (raw: Record<string, unknown>): Transformation => {
  const e = extraction({ transformations: [{ on: ['c'], ...raw }] });
  const x = e.transformations[0];
  if (!x) throw new Error('no transformation');
  return x;
};
const v = (raw: Record<string, unknown>, value: unknown) => transformValue(t(raw), value);

describe('text actions', () => {
  it('replace: every occurrence, literally', () => {
    expect(v({ action: 'replace', params: { to_replace: ';', value: '.' } }, 'a;b;;c')).toBe('a.b..c');
    expect(v({ action: 'replace', params: { to_replace: '.*', value: '' } }, 'a.*b.*')).toBe('ab');
    expect(v({ action: 'replace', params: { to_replace: 'x', value: '$&$1' } }, 'axb')).toBe('a$&$1b');
  });
  it('trim, ltrim, rtrim', () => {
    expect(v({ action: 'trim' }, '  a b \t\n')).toBe('a b');
    expect(v({ action: 'ltrim' }, '  a  ')).toBe('a  ');
    expect(v({ action: 'rtrim' }, '  a  ')).toBe('  a');
  });
  it('lower, upper (Unicode)', () => {
    expect(v({ action: 'lower' }, 'MONTERÍA')).toBe('montería');
    expect(v({ action: 'upper' }, 'bogotá')).toBe('BOGOTÁ');
  });
  it('title like Python: first letter of every word up, the rest down', () => {
    expect(v({ action: 'title' }, 'hELLO wORLD')).toBe('Hello World');
    expect(v({ action: 'title' }, "they're 2nd-place")).toBe("They'Re 2Nd-Place");
    expect(v({ action: 'title' }, 'josé maría')).toBe('José María');
  });
  it('capitalize like Python: only the very first character up, the rest down', () => {
    expect(v({ action: 'capitalize' }, 'hELLO World')).toBe('Hello world');
    expect(v({ action: 'capitalize' }, '')).toBe('');
    expect(v({ action: 'capitalize' }, 'élan')).toBe('Élan');
  });
  it('split on a character gives a list (empty pieces kept, like Python)', () => {
    expect(v({ action: 'split', params: { char: ',' } }, 'a,b,,c')).toEqual(['a', 'b', '', 'c']);
    expect(v({ action: 'split', params: { char: ' - ' } }, 'x - y')).toEqual(['x', 'y']);
  });
  it('join a list with sep; nulls as empty, objects as JSON', () => {
    expect(v({ action: 'join', params: { sep: '|' } }, ['a', 1, null, true, { k: 1 }])).toBe('a|1||true|{"k":1}');
    expect(v({ action: 'join', params: { sep: ',' } }, 'already text')).toBe('already text');
  });
  it('slice with Python bounds, by code point', () => {
    expect(v({ action: 'slice', params: { start: 0, stop: 3 } }, 'abcdef')).toBe('abc');
    expect(v({ action: 'slice', params: { start: -2 } }, 'abcdef')).toBe('ef');
    expect(v({ action: 'slice', params: { stop: -1 } }, 'abcdef')).toBe('abcde');
    expect(v({ action: 'slice', params: { start: 4, stop: 2 } }, 'abcdef')).toBe('');
    expect(v({ action: 'slice', params: { start: 10 } }, 'abc')).toBe('');
    expect(v({ action: 'slice', params: { start: null, stop: 2 } }, '😀😁😂')).toBe('😀😁');
    expect(v({ action: 'slice' }, 'abc')).toBe('abc');
  });
  it('slice of a list cuts the list', () => {
    expect(v({ action: 'slice', params: { start: 1 } }, [1, 2, 3])).toEqual([2, 3]);
  });
});

describe('value rules', () => {
  it('null and missing stay null', () => {
    expect(v({ action: 'upper' }, null)).toBeNull();
    expect(v({ action: 'upper' }, undefined)).toBeNull();
  });
  it('numbers and booleans are treated as their text', () => {
    expect(v({ action: 'replace', params: { to_replace: '.', value: ',' } }, 12.5)).toBe('12,5');
    expect(v({ action: 'upper' }, true)).toBe('TRUE');
    expect(v({ action: 'slice', params: { stop: 2 } }, 2024)).toBe('20');
  });
  it('lists get text actions element by element', () => {
    expect(v({ action: 'upper' }, ['a', 'b', null, 3])).toEqual(['A', 'B', null, '3']);
  });
  it('objects are left alone', () => {
    expect(v({ action: 'upper' }, { a: 'x' })).toEqual({ a: 'x' });
  });
});

describe('applyTransformations', () => {
  it('runs by priority, high first; ties keep config order', () => {
    const e = extraction({
      data_schema: { name: 'name' },
      transformations: [
        { action: 'join', on: ['name'], params: { sep: '_' }, priority: 0 },
        { action: 'split', on: ['name'], params: { char: ' ' }, priority: 2 },
        { action: 'upper', on: ['name'], priority: 1 },
      ],
    });
    expect(applyTransformations(e.transformations, { name: 'ana maria' })).toEqual({ name: 'ANA_MARIA' });
  });
  it('equal priorities run in config order', () => {
    const e = extraction({
      transformations: [
        { action: 'replace', on: ['a'], params: { to_replace: 'x', value: 'y' } },
        { action: 'replace', on: ['a'], params: { to_replace: 'y', value: 'z' } },
      ],
    });
    expect(applyTransformations(e.transformations, { a: 'x' })).toEqual({ a: 'z' });
  });
  it('new_column_prefix writes prefix+column and keeps the source', () => {
    const e = extraction({ transformations: [{ action: 'lower', on: ['Email', 'Name'], new_column_prefix: 'norm_' }] });
    expect(applyTransformations(e.transformations, { Email: 'A@X.COM', Name: 'Ann' })).toEqual({ Email: 'A@X.COM', Name: 'Ann', norm_Email: 'a@x.com', norm_Name: 'ann' });
  });
  it('a prefixed column from a missing source is null; a missing column without prefix stays missing', () => {
    const e = extraction({
      transformations: [
        { action: 'lower', on: ['gone'], new_column_prefix: 'n_' },
        { action: 'lower', on: ['also_gone'] },
      ],
    });
    expect(applyTransformations(e.transformations, { a: 1 })).toEqual({ a: 1, n_gone: null });
  });
  it('does not modify the input row', () => {
    const e = extraction({ transformations: [{ action: 'upper', on: ['a'] }] });
    const row = { a: 'x' };
    applyTransformations(e.transformations, row);
    expect(row).toEqual({ a: 'x' });
  });
  it('the same transformation on several columns', () => {
    const e = extraction({ transformations: [{ action: 'trim', on: ['a', 'b'] }] });
    expect(applyTransformations(e.transformations, { a: ' 1 ', b: ' 2 ', c: ' 3 ' })).toEqual({ a: '1', b: '2', c: ' 3 ' });
  });
});
