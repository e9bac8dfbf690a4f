import { describe, expect, it } from 'vitest';
import { addMissingQuery, fingerprint, hashString, header, isBlankBody, isEmptyBody, queryValues, sensitiveQueryNames, setQuery, stripQuery } from '../../../extraction';
import { extraction } from './helpers';

describe('query editing keeps the rest of the URL byte for byte', () => {
  it('setQuery replaces same-name params and appends the rest', () => {
    expect(setQuery('https://a/x?keep=%20x&page=1&page=2', [['page', '3']])).toBe('https://a/x?keep=%20x&page=3');
    expect(setQuery('https://a/x', [['ids', '1'], ['ids', '2']])).toBe('https://a/x?ids=1&ids=2');
    expect(setQuery('https://a/x?a=1', [])).toBe('https://a/x?a=1');
  });
  it('matches names after decoding (a%5B%5D is a[])', () => {
    expect(setQuery('https://a/x?a%5B%5D=1', [['a[]', '2']])).toBe('https://a/x?a%5B%5D=2');
  });
  it('addMissingQuery adds only absent names', () => {
    expect(addMissingQuery('https://a/x?limit=5', [['limit', '10'], ['key', 'k']])).toBe('https://a/x?limit=5&key=k');
    expect(addMissingQuery('https://a/x?limit=5', [['limit', '10']])).toBe('https://a/x?limit=5');
  });
  it('stripQuery removes by name and leaves the URL alone when nothing matches', () => {
    expect(stripQuery('https://a/x?token=s&page=2&token=t', ['token'])).toBe('https://a/x?page=2');
    expect(stripQuery('https://a/x?page=2', ['token'])).toBe('https://a/x?page=2');
    expect(stripQuery('https://a/x?token=s', ['token'])).toBe('https://a/x');
  });
  it('queryValues decodes', () => {
    expect(queryValues('https://a/x?q=a+b&q=c%2Cd&r', 'q')).toEqual(['a b', 'c,d']);
    expect(queryValues('https://a/x?r', 'r')).toEqual(['']);
  });
});

describe('sensitiveQueryNames', () => {
  it('names params whose value comes from a secret or from the config itself', () => {
    const e = extraction({
      endpoint: {
        url: 'https://a/x',
        query_params: { api_key: '${secret::k}', token: 'Bearer $(self::name)', since: '${last::id, 0}', plain: 'x', n: 1, list: ['a', '${secret::b}'] },
      },
    });
    expect(sensitiveQueryNames(e.endpoint)).toEqual(['api_key', 'token', 'list']);
  });
});

describe('small helpers', () => {
  it('header lookup is case-insensitive', () => {
    expect(header({ 'Content-Type': 'json', link: 'l' }, 'content-type')).toBe('json');
    expect(header({ link: 'l' }, 'Link')).toBe('l');
    expect(header({}, 'x')).toBeUndefined();
  });
  it('blank vs empty bodies', () => {
    for (const b of [null, undefined, '', '  \n']) expect(isBlankBody(b)).toBe(true);
    for (const b of [[], {}, 0, false, 'x']) expect(isBlankBody(b)).toBe(false);
    for (const b of [null, '', [], {}]) expect(isEmptyBody(b)).toBe(true);
    for (const b of [[1], { a: 1 }, 0, 'x']) expect(isEmptyBody(b)).toBe(false);
  });
  it('fingerprints are stable, short, and differ for different content', () => {
    expect(hashString('abc')).toBe(hashString('abc'));
    expect(hashString('abc')).toMatch(/^[0-9a-f]{16}$/);
    expect(hashString('abc')).not.toBe(hashString('abd'));
    expect(hashString('')).not.toBe(hashString(' '));
    expect(fingerprint([{ id: 1 }])).not.toBe(fingerprint([{ id: 2 }]));
    expect(fingerprint(undefined)).toBe(fingerprint(undefined));
    const many = new Set(Array.from({ length: 5000 }, (_, i) => hashString(`page-${i}`)));
    expect(many.size).toBe(5000);
  });
});
