import { describe, expect, it } from 'vitest';
import {
  cleanContact,
  cleanValue,
  contactHash,
  differingFields,
  linkIdFor,
  normaliseContact,
  normalisePhone,
  sameValue,
  stableStringify,
  type ProjectionSettings,
} from '../../../sync';

const all: ProjectionSettings = { fields: ['firstName', 'lastName', 'email', 'secondaryEmail', 'phone', 'mobile', 'organization', 'title', 'notes'] };
const us: ProjectionSettings = { ...all, phoneRegion: 'US' };

describe('phones', () => {
  it('international formats become E.164', () => {
    expect(normalisePhone('+1 (415) 555-0100')).toBe('+14155550100');
    expect(normalisePhone('+52 55 1234 5678')).toBe('+525512345678');
    expect(normalisePhone('  +1-415-555-0100  ')).toBe('+14155550100');
  });
  it('a local number is read in the pairing region', () => {
    expect(normalisePhone('(415) 555-0100', 'US')).toBe('+14155550100');
    expect(normalisePhone('415.555.0100', 'US')).toBe('+14155550100');
    expect(normalisePhone('55 1234 5678', 'MX')).toBe('+525512345678');
  });
  it('without a region a local number keeps its digits, so punctuation still does not matter', () => {
    expect(normalisePhone('(415) 555-0100')).toBe('4155550100');
    expect(sameValue('phone', '415 555 0100', '415-555-0100')).toBe(true);
  });
  it('nothing but punctuation is empty', () => {
    expect(normalisePhone('  ')).toBeUndefined();
    expect(normalisePhone('-- ()')).toBeUndefined();
  });
  it('the same number written three ways is one value', () => {
    expect(sameValue('mobile', '+14155550100', '(415) 555-0100', 'US')).toBe(true);
    expect(sameValue('mobile', '+1 415 555 0100', '+14155550100')).toBe(true);
    expect(sameValue('mobile', '+14155550100', '+14155550101')).toBe(false);
  });
});

describe('e-mails, names, notes', () => {
  it('e-mail case does not count as a change, but the display value keeps its case', () => {
    expect(sameValue('email', 'Ana.Perez@Example.COM', 'ana.perez@example.com')).toBe(true);
    expect(cleanValue('email', '  Ana.Perez@Example.COM ')).toBe('Ana.Perez@Example.COM');
    expect(normaliseContact({ email: 'Ana@X.io' }, all)).toEqual({ email: 'ana@x.io' });
  });
  it('names: whitespace runs collapse, composed and decomposed accents are equal, case counts', () => {
    expect(cleanValue('firstName', '  Ana   María ')).toBe('Ana María');
    expect(sameValue('lastName', 'Pe\u0301rez', 'P\u00e9rez')).toBe(true);
    expect(sameValue('lastName', 'perez', 'Perez')).toBe(false);
  });
  it('notes keep their lines; line endings and trailing blanks are normalised', () => {
    expect(cleanValue('notes', 'line 1  \r\nline 2\r\n\r\n')).toBe('line 1\nline 2');
    expect(sameValue('notes', 'a\r\nb', 'a\nb')).toBe(true);
    expect(sameValue('notes', 'a  b', 'a b')).toBe(false);
  });
  it('empty and absent are the same', () => {
    expect(cleanContact({ firstName: '  ', email: '', title: 'CEO' }, all)).toEqual({ title: 'CEO' });
    expect(differingFields({ title: '' }, {}, ['title'])).toEqual([]);
  });
  it('only the pairing fields are kept', () => {
    expect(cleanContact({ firstName: 'Ana', notes: 'x' }, { fields: ['firstName'] })).toEqual({ firstName: 'Ana' });
  });
});

describe('hash of the normalised projection', () => {
  const c = { firstName: 'Ana', lastName: 'Pérez', email: 'Ana@Example.com', phone: '(415) 555-0100' };
  it('is stable across key order, e-mail case and phone format', () => {
    const same = { phone: '+1 415 555 0100', email: 'ana@example.com', lastName: 'Pérez', firstName: 'Ana' };
    expect(contactHash(same, us)).toBe(contactHash(c, us));
  });
  it('does not depend on the order the mapping lists its fields in', () => {
    expect(contactHash(c, { ...us, fields: [...us.fields].reverse() })).toBe(contactHash(c, us));
  });
  it('changes when a mapped value changes', () => {
    expect(contactHash({ ...c, firstName: 'Anna' }, us)).not.toBe(contactHash(c, us));
  });
  it('ignores fields the pairing does not map', () => {
    const s: ProjectionSettings = { fields: ['firstName', 'lastName', 'email'] };
    expect(contactHash({ ...c, notes: 'new note' }, s)).toBe(contactHash(c, s));
  });
  it('is a hex SHA-256', () => {
    expect(contactHash(c, us)).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('stableStringify and link ids', () => {
  it('sorts keys at every depth and drops undefined', () => {
    expect(stableStringify({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[1,{"y":2,"z":1}]},"b":1}');
  });
  it('link ids are deterministic per pairing, side and record', () => {
    const id = linkIdFor('p1', 'google', 'people/c1');
    expect(linkIdFor('p1', 'google', 'people/c1')).toBe(id);
    expect(linkIdFor('p2', 'google', 'people/c1')).not.toBe(id);
    expect(linkIdFor('p1', 'zoho', 'people/c1')).not.toBe(id);
    expect(id).toMatch(/^lnk_[0-9a-f]{24}$/);
  });
});
