import { describe, expect, it } from 'vitest';
import { collectReferences, parseTemplate, resolveString, resolveValue, secretNames, type ReferenceContext } from '../../../extraction';

const ctx: ReferenceContext = {
  self: { auth: { access_token: 'tok-123' }, name: 'Zoho', nested: '${secret::inner}', loopA: '${self::loopB}', loopB: '${self::loopA}' },
  last: { id: 42, Modified_Time: '2024-01-02T03:04:05-05:00', blank: null, obj: { a: 1 } },
  secrets: { zoho_client_id: 'cid', inner: 'deep-secret' },
};

const res = (s: string, c: ReferenceContext = ctx) => resolveString(s, c);

describe('reference syntax', () => {
  it('resolves ${...} and $(...) the same way', () => {
    expect(res('Bearer ${self::auth.access_token}')).toEqual({ ok: true, value: 'Bearer tok-123' });
    expect(res('Bearer $(self::auth.access_token)')).toEqual({ ok: true, value: 'Bearer tok-123' });
  });
  it('resolves several references in one string', () => {
    expect(res('${secret::zoho_client_id}:$(last::id)')).toEqual({ ok: true, value: 'cid:42' });
  });
  it('keeps a default with colons and dashes whole (seed deals example)', () => {
    expect(res('${last::Modified_Time, 2020-09-03T17:40:53-05:00}', {})).toEqual({ ok: true, value: '2020-09-03T17:40:53-05:00' });
  });
  it('uses the value over the default when present', () => {
    expect(res('${last::Modified_Time, 2020-09-03T17:40:53-05:00}')).toEqual({ ok: true, value: '2024-01-02T03:04:05-05:00' });
  });
  it('uses the default on a first run ($(last::id, 1) from the seed)', () => {
    expect(res('$(last::id, 1)', { last: null })).toEqual({ ok: true, value: '1' });
  });
  it('treats null like missing', () => {
    expect(res('${last::blank, x}')).toEqual({ ok: true, value: 'x' });
  });
  it('allows spaces inside the brackets', () => {
    expect(res('${ secret::zoho_client_id }')).toEqual({ ok: true, value: 'cid' });
  });
  it('quoted defaults may hold the closing bracket and keep their spaces', () => {
    expect(res('${last::nope, "a } b "}', {})).toEqual({ ok: true, value: 'a } b ' });
    expect(res("$(last::nope, 'x)')", {})).toEqual({ ok: true, value: 'x)' });
  });
  it('an empty default is allowed', () => {
    expect(res('[${last::nope,}]', {})).toEqual({ ok: true, value: '[]' });
  });
  it('stringifies objects as JSON and numbers as text', () => {
    expect(res('${last::obj}')).toEqual({ ok: true, value: '{"a":1}' });
  });
  it('leaves strings without references alone, including $-words and other templates', () => {
    for (const s of ['$currency_symbol', 'price $5', '${name}', '$(document)', 'a::b', '']) {
      expect(res(s)).toEqual({ ok: true, value: s });
    }
  });
  it('$${ and $$( write literal ${ and $(', () => {
    expect(res('$${self::auth.access_token}')).toEqual({ ok: true, value: '${self::auth.access_token}' });
    expect(res('$$(x)')).toEqual({ ok: true, value: '$(x)' });
  });
});

describe('reference errors', () => {
  it('a missing secret without default names the secret, not a value', () => {
    const r = res('${secret::nope}');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain('secret "nope" not found');
  });
  it('a missing last:: without default is an error (never an empty string)', () => {
    const r = res('${last::id}', { last: null });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/first run/);
  });
  it('unknown types, single colons, empty refs and unterminated refs fail to parse', () => {
    expect(parseTemplate('${env::HOME}').ok).toBe(false);
    expect(parseTemplate('${secret:x}').ok).toBe(false);
    expect(parseTemplate('${secret::}').ok).toBe(false);
    expect(parseTemplate('${secret::x').ok).toBe(false);
    expect(parseTemplate('${secret::a b}').ok).toBe(false);
    expect(parseTemplate('${self::a..b}').ok).toBe(false);
    expect(parseTemplate('${last::x, "open}').ok).toBe(false);
  });
  it('record:: needs a record in the context', () => {
    expect(res('${record::id}').ok).toBe(false);
    expect(resolveString('${record::id}', { record: { id: 'r1' } })).toEqual({ ok: true, value: 'r1' });
  });
  it('self:: without a config is an error', () => {
    expect(res('${self::x}', {}).ok).toBe(false);
  });
});

describe('self:: chains', () => {
  it('resolves references inside the referenced value', () => {
    expect(res('${self::nested}')).toEqual({ ok: true, value: 'deep-secret' });
  });
  it('detects cycles', () => {
    const r = res('${self::loopA}');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain('cycle');
  });
});

describe('URL encoding of data-derived values', () => {
  it('percent-encodes record and last values when asked', () => {
    const r = resolveString('https://x/items/${record::id}?q=${secret::s}', { record: { id: 'a/b c' }, secrets: { s: 'x/y' } }, { encode: ['record', 'last'] });
    expect(r).toEqual({ ok: true, value: 'https://x/items/a%2Fb%20c?q=x/y' });
  });
});

describe('resolveValue', () => {
  it('resolves deep, copying, keys untouched', () => {
    const input = { '${secret::k}': ['${secret::zoho_client_id}', 1, null], nested: { t: 'Bearer ${self::auth.access_token}' } };
    expect(resolveValue(input, ctx)).toEqual({ ok: true, value: { '${secret::k}': ['cid', 1, null], nested: { t: 'Bearer tok-123' } } });
  });
  it('typed: a whole-string reference keeps the JSON type', () => {
    expect(resolveValue({ since: '$(last::id, 1)' }, ctx, { typed: true })).toEqual({ ok: true, value: { since: 42 } });
    expect(resolveValue({ o: '${last::obj}' }, ctx, { typed: true })).toEqual({ ok: true, value: { o: { a: 1 } } });
  });
  it('typed: an unquoted JSON-literal default is parsed, a quoted one stays text', () => {
    expect(resolveValue({ a: '$(last::id, 1)', b: '$(last::id, "1")', c: '$(last::x, true)', d: '$(last::x, 2020-01-01)' }, {}, { typed: true })).toEqual({
      ok: true,
      value: { a: 1, b: '1', c: true, d: '2020-01-01' },
    });
  });
  it('typed: text around a reference makes a string', () => {
    expect(resolveValue('id-${last::id}', ctx, { typed: true })).toEqual({ ok: true, value: 'id-42' });
  });
  it('reports the key of a failing value', () => {
    const r = resolveValue({ a: { b: '${secret::nope}' } }, ctx);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/^a: b: /);
  });
});

describe('collecting references', () => {
  it('lists the secrets a config needs, once each', () => {
    const cfg = { a: '${secret::x}', b: ['$(secret::y, d)', '${secret::x} ${last::id}'], c: { '${secret::key_only}': 1 } };
    expect(secretNames(cfg)).toEqual(['x', 'y']);
    expect(collectReferences(cfg).map((r) => `${r.type}::${r.ref}`)).toEqual(['secret::x', 'secret::y', 'secret::x', 'last::id']);
  });
});
