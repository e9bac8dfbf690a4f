import { describe, expect, it } from 'vitest';
import { findExtraction, formatIssues, formatPath, outputColumns, parseConfig, type ConfigIssue } from '../../../extraction';
import { config, extraction } from './helpers';

const base = (fields: Record<string, unknown> = {}, top: Record<string, unknown> = {}) => ({
  name: 'cfg',
  ...top,
  extractions: [{ name: 'e', endpoint: { url: 'https://api.test/items' }, ...fields }],
});

/** The errors of an input that must not parse. */
function errors(input: unknown): ConfigIssue[] {
  const r = parseConfig(input);
  if (r.ok) throw new Error('expected errors, it parsed');
  return r.errors;
}
const seq = (parameters: Record<string, unknown>) => base({ pagination: { type: 'sequential', parameters } });

describe('parseConfig: minimal configs and defaults', () => {
  it('accepts a minimal config and applies the defaults', () => {
    const e = extraction({});
    expect(e.format).toBe('csv');
    expect(e.output_params.csv_separator).toBe(',');
    expect(e.transformations).toEqual([]);
    expect(e.pagination).toBeUndefined();
  });
  it('sequential defaults: start_from 1, step 1', () => {
    const e = extraction({ pagination: { type: 'sequential', parameters: { param_name: 'page', there_are_more_pages: 'info.more' } } });
    expect(e.pagination).toMatchObject({ parameters: { start_from: 1, step: 1 } });
  });
  it('link_header needs no parameters', () => {
    expect(extraction({ pagination: { type: 'link_header' } }).pagination).toEqual({ type: 'link_header', parameters: { rel: 'next' } });
  });
  it('keeps optional ids of config and extraction', () => {
    const c = config({ ...base({ id: 'ex-1' }), id: 'cfg-1' });
    expect(c.id).toBe('cfg-1');
    expect(c.extractions[0]?.id).toBe('ex-1');
    expect(findExtraction(c, 'ex-1')?.name).toBe('e');
    expect(findExtraction(c, 'e')?.id).toBe('ex-1');
  });
  it('a transformation priority defaults to 0', () => {
    const e = extraction({ data_schema: { a: 'a' }, transformations: [{ action: 'trim', on: ['a'] }] });
    expect(e.transformations[0]?.priority).toBe(0);
  });
});

describe('parseConfig: errors name the JSON path', () => {
  it('a wrong type (the issue example)', () => {
    expect(errors(seq({ param_name: 'page', step: '2', there_are_more_pages: 'a' }))).toEqual([
      { path: 'extractions[0].pagination.parameters.step', message: 'Expected number, received string' },
    ]);
  });
  it('a missing required field', () => {
    expect(errors({ extractions: base().extractions })).toEqual([{ path: 'name', message: 'Required (expected string)' }]);
  });
  it('not an object at all: the root path is empty', () => {
    const e = errors('nope');
    expect(e[0]?.path).toBe('');
    expect(formatIssues(e)).toMatch(/^\(root\): Expected object, received string/);
  });
  it('quotes keys that are not identifiers', () => {
    const e = errors(base({ endpoint: { url: 'https://x', headers: { 'If-Modified-Since': { a: 1 } } } }));
    expect(e[0]?.path).toBe('extractions[0].endpoint.headers["If-Modified-Since"]');
    expect(e[0]?.message).toBe('Expected string | number | boolean, received object');
  });
  it('an unknown pagination type lists the known ones', () => {
    const e = errors(base({ pagination: { type: 'pages' } }));
    expect(e).toEqual([{ path: 'extractions[0].pagination.type', message: expect.stringContaining('received "pages"') }]);
    expect(e[0]?.message).toContain('"sequential" | "link"');
  });
  it('an unknown format', () => {
    expect(errors(base({ format: 'xml' }))).toEqual([{ path: 'extractions[0].format', message: 'Expected one of "csv" | "json" | "jsonl", received "xml"' }]);
  });
  it('at least one extraction', () => {
    expect(errors({ name: 'x', extractions: [] })[0]?.path).toBe('extractions');
  });
  it('reports several errors at once', () => {
    expect(errors({ name: '', extractions: [{ name: 'a' }, { endpoint: { url: 'https://x' } }] }).map((i) => i.path)).toEqual([
      'name',
      'extractions[0].endpoint',
      'extractions[1].name',
    ]);
  });
  it('formatPath', () => {
    expect(formatPath(['extractions', 0, 'data_schema', '$state', 'a.b'])).toBe('extractions[0].data_schema.$state["a.b"]');
  });
});

describe('parseConfig: endpoint', () => {
  it('requires an absolute http(s) url unless it starts with a reference', () => {
    expect(errors(base({ endpoint: { url: '/relative' } }))[0]).toEqual({ path: 'extractions[0].endpoint.url', message: 'Expected an absolute http(s) URL' });
    expect(errors(base({ endpoint: { url: 'ftp://x/y' } }))[0]?.path).toBe('extractions[0].endpoint.url');
    expect(parseConfig(base({ endpoint: { url: '${secret::base_url}/v1/items' } })).ok).toBe(true);
  });
  it('query params: scalars, null, arrays; not objects', () => {
    expect(parseConfig(base({ endpoint: { url: 'https://x', query_params: { a: 1, b: true, c: null, d: ['x', 2] } } })).ok).toBe(true);
    expect(errors(base({ endpoint: { url: 'https://x', query_params: { a: { b: 1 } } } }))[0]?.path).toBe('extractions[0].endpoint.query_params.a');
  });
  it('method must be a known verb', () => {
    expect(errors(base({ endpoint: { url: 'https://x', method: 'FETCH' } }))[0]?.path).toBe('extractions[0].endpoint.method');
  });
});

describe('parseConfig: sequential stop rules', () => {
  it('continue_while_status_code_is and stop_when_response_body_is_empty are exclusive', () => {
    const e = errors(seq({ param_name: 'p', continue_while_status_code_is: 200, stop_when_response_body_is_empty: true }));
    expect(e).toEqual([{ path: 'extractions[0].pagination.parameters', message: expect.stringContaining('cannot both be set') }]);
  });
  it('even an explicit false counts as setting both (the seed: only one may be configured)', () => {
    expect(errors(seq({ param_name: 'p', continue_while_status_code_is: 200, stop_when_response_body_is_empty: false }))).toHaveLength(1);
  });
  it('a config with no stop rule is rejected', () => {
    const e = errors(seq({ param_name: 'p' }));
    expect(e[0]?.message).toMatch(/^No stop rule/);
    expect(errors(seq({ param_name: 'p', stop_when_response_body_is_empty: false }))[0]?.message).toMatch(/^No stop rule/);
  });
  it('each stop rule alone is enough', () => {
    for (const rule of [
      { there_are_more_pages: 'info.more_records' },
      { there_are_more_pages: 'info.page < info.total' },
      { continue_while_status_code_is: 200 },
      { stop_when_response_body_is_empty: true },
      { stop_when_records_fewer_than: 100 },
    ]) {
      expect(parseConfig(seq({ param_name: 'p', ...rule })).ok, JSON.stringify(rule)).toBe(true);
    }
  });
  it('step must be a positive integer, status a real status code', () => {
    expect(errors(seq({ param_name: 'p', step: 0, stop_when_response_body_is_empty: true }))[0]?.path).toBe('extractions[0].pagination.parameters.step');
    expect(errors(seq({ param_name: 'p', step: 1.5, stop_when_response_body_is_empty: true }))[0]?.path).toBe('extractions[0].pagination.parameters.step');
    expect(errors(seq({ param_name: 'p', continue_while_status_code_is: 20 }))[0]?.path).toBe(
      'extractions[0].pagination.parameters.continue_while_status_code_is',
    );
  });
  it('a malformed there_are_more_pages is caught at parse time', () => {
    expect(errors(seq({ param_name: 'p', there_are_more_pages: 'info.a = 3' }))[0]?.path).toBe('extractions[0].pagination.parameters.there_are_more_pages');
  });
  it('max_pages must be a positive integer', () => {
    const e = errors(base({ pagination: { type: 'link', parameters: { next_link: 'next' }, max_pages: 0 } }));
    expect(e[0]?.path).toBe('extractions[0].pagination.max_pages');
  });
});

describe('parseConfig: other pagination styles', () => {
  it('link requires next_link as a JsonField', () => {
    expect(errors(base({ pagination: { type: 'link', parameters: {} } }))[0]?.path).toBe('extractions[0].pagination.parameters.next_link');
    expect(errors(base({ pagination: { type: 'link', parameters: { next_link: 'a..b' } } }))[0]?.path).toBe(
      'extractions[0].pagination.parameters.next_link',
    );
  });
  it('cursor needs exactly one of cursor_key and cursor_header', () => {
    const cur = (p: Record<string, unknown>) => base({ pagination: { type: 'cursor', parameters: { param_name: 'pageToken', ...p } } });
    expect(errors(cur({}))[0]?.message).toBe('Set exactly one of cursor_key and cursor_header');
    expect(errors(cur({ cursor_key: 'a', cursor_header: 'b' }))).toHaveLength(1);
    expect(parseConfig(cur({ cursor_key: 'nextPageToken' })).ok).toBe(true);
    expect(parseConfig(cur({ cursor_header: 'record_cursor', send_as: 'header' })).ok).toBe(true);
  });
  it('cursor sent in the body needs a JsonField param_name', () => {
    const e = errors(base({ pagination: { type: 'cursor', parameters: { param_name: 'a b', send_as: 'body', cursor_key: 'c' } } }));
    expect(e[0]?.path).toBe('extractions[0].pagination.parameters.param_name');
  });
  it('offset needs limit and total; names default to offset/limit', () => {
    expect(errors(base({ pagination: { type: 'offset', parameters: { total: 't' } } }))[0]?.path).toBe('extractions[0].pagination.parameters.limit');
    const e = extraction({ pagination: { type: 'offset', parameters: { limit: 50, total: 'meta.total' } } });
    expect(e.pagination).toEqual({ type: 'offset', parameters: { offset_param: 'offset', limit_param: 'limit', limit: 50, start_from: 0, total: 'meta.total' } });
  });
});

describe('parseConfig: transformations', () => {
  const tx = (t: unknown[], schema: unknown = { a: 'a', b: 'b' }) => base({ data_schema: schema, transformations: t });
  it('rejects unknown actions', () => {
    expect(errors(tx([{ action: 'reverse', on: ['a'] }]))[0]?.path).toBe('extractions[0].transformations[0].action');
  });
  it('requires the params the seed lists', () => {
    expect(errors(tx([{ action: 'replace', on: ['a'], params: { value: '.' } }]))[0]?.path).toBe('extractions[0].transformations[0].params.to_replace');
    expect(errors(tx([{ action: 'replace', on: ['a'] }]))[0]?.path).toBe('extractions[0].transformations[0].params');
    expect(errors(tx([{ action: 'split', on: ['a'], params: {} }]))[0]?.path).toBe('extractions[0].transformations[0].params.char');
    expect(errors(tx([{ action: 'join', on: ['a'], params: {} }]))[0]?.path).toBe('extractions[0].transformations[0].params.sep');
    expect(parseConfig(tx([{ action: 'slice', on: ['a'] }])).ok).toBe(true);
    expect(parseConfig(tx([{ action: 'slice', on: ['a'], params: { start: null, stop: -1 } }])).ok).toBe(true);
  });
  it('needs at least one column in on', () => {
    expect(errors(tx([{ action: 'trim', on: [] }]))[0]?.path).toBe('extractions[0].transformations[0].on');
  });
  it('with a data_schema, on must name produced columns', () => {
    const e = errors(tx([{ action: 'trim', on: ['a', 'zz'] }]));
    expect(e).toEqual([{ path: 'extractions[0].transformations[0].on', message: expect.stringContaining('"zz"') }]);
  });
  it('a column made by new_column_prefix can be used by a LATER (lower priority) transformation only', () => {
    const later = tx([
      { action: 'trim', on: ['clean_a'], priority: 0 },
      { action: 'lower', on: ['a'], new_column_prefix: 'clean_', priority: 5 },
    ]);
    expect(parseConfig(later).ok).toBe(true);
    const earlier = tx([
      { action: 'trim', on: ['clean_a'], priority: 9 },
      { action: 'lower', on: ['a'], new_column_prefix: 'clean_', priority: 5 },
    ]);
    expect(errors(earlier)[0]?.path).toBe('extractions[0].transformations[0].on');
  });
  it('a new column may not collide with an existing one', () => {
    const e = errors(tx([{ action: 'lower', on: ['a'], new_column_prefix: 'b' }], { a: 'a', x: 'ba' }));
    expect(e[0]?.message).toBe('New column "ba" already exists');
  });
  it('without a data_schema columns cannot be checked, so any name loads', () => {
    expect(parseConfig(base({ transformations: [{ action: 'trim', on: ['whatever'] }] })).ok).toBe(true);
  });
});

describe('parseConfig: data_schema', () => {
  it('accepts nested schemas and $ keys', () => {
    expect(parseConfig(base({ data_schema: { $state: 'state', user: { account: { number: 'n' } } } })).ok).toBe(true);
  });
  it('rejects a column produced twice', () => {
    expect(errors(base({ data_schema: { a: 'x', b: { c: 'x' } } }))).toEqual([{ path: 'extractions[0].data_schema', message: 'Column "x" is produced twice' }]);
  });
  it('rejects a schema that selects nothing', () => {
    expect(errors(base({ data_schema: {} }))[0]?.message).toBe('Selects no columns');
  });
  it('rejects non-string leaves with a clear message', () => {
    expect(errors(base({ data_schema: { a: 1 } }))).toEqual([
      { path: 'extractions[0].data_schema.a', message: 'Expected a column name (string) or a nested schema (object)' },
    ]);
    expect(errors(base({ data_schema: { a: '' } }))[0]?.path).toBe('extractions[0].data_schema.a');
  });
});

describe('parseConfig: references anywhere', () => {
  it('a malformed reference in any string is an error at its path', () => {
    const e = errors(base({ s3_destiny: { folder: 'x/${secret::}' } }));
    expect(e).toEqual([{ path: 'extractions[0].s3_destiny.folder', message: expect.stringContaining('names nothing') }]);
    expect(errors(base({ endpoint: { url: 'https://x', headers: { A: '${vault::k}' } } }))[0]?.path).toBe('extractions[0].endpoint.headers.A');
  });
  it('record:: only inside mapping_fetch', () => {
    expect(errors(base({ endpoint: { url: 'https://x/${record::id}' } }))[0]?.message).toContain('only valid inside mapping_fetch');
    expect(parseConfig(base({ mapping_fetch: { endpoint: { url: 'https://x/items/${record::id}' } } })).ok).toBe(true);
  });
  it('self:: must point at something in the config', () => {
    expect(errors(base({ endpoint: { url: 'https://x', headers: { A: '${self::auth.acces_token}' } } }, { auth: { access_token: 't' } }))[0]?.message).toContain(
      'does not exist',
    );
    expect(parseConfig(base({ endpoint: { url: 'https://x', headers: { A: '${self::name}' } } })).ok).toBe(true);
    expect(parseConfig(base({ endpoint: { url: 'https://x', headers: { A: '${self::nope, d}' } } })).ok).toBe(true);
  });
  it('self::auth.access_token is fine whenever auth exists (the refresh writes it)', () => {
    const refresh = { refresh_token: { endpoint: { url: 'https://accounts.test/token' }, response_token_key: 'access_token' } };
    expect(parseConfig(base({ endpoint: { url: 'https://x', headers: { A: 'Bearer ${self::auth.access_token}' } } }, { auth: refresh })).ok).toBe(true);
  });
});

describe('parseConfig: names, unknown fields, seed short forms', () => {
  it('rejects duplicate extraction names and ids', () => {
    const e = errors({
      name: 'c',
      extractions: [
        { id: 'x', name: 'a', endpoint: { url: 'https://x' } },
        { id: 'x', name: 'a', endpoint: { url: 'https://x' } },
      ],
    });
    expect(e.map((i) => i.path)).toEqual(['extractions[1].name', 'extractions[1].id']);
  });
  it('loads unknown fields and reports them as warnings', () => {
    const r = parseConfig({ ...base({ colour: 'red', pagination: { type: 'link', parameters: { next_link: 'n', extra: 1 } } }), owner: 'ops' });
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.warnings).toEqual([
        { path: 'extractions[0].colour', message: 'Unknown field, ignored' },
        { path: 'extractions[0].pagination.parameters.extra', message: 'Unknown field, ignored' },
        { path: 'owner', message: 'Unknown field, ignored' },
      ]);
      expect('owner' in r.config).toBe(false);
    }
  });
  it("accepts the seed's refresh example short form auth.endpoint + auth.response_token_key", () => {
    const r = parseConfig(
      base({}, { auth: { endpoint: { url: 'https://accounts.com/oauth/v2/', query_params: { refresh_token: 'afe21e5ac3f9ea12639' } }, response_token_key: 'mytoken' } }),
    );
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.config.auth?.refresh_token?.response_token_key).toBe('mytoken');
      expect(r.warnings[0]?.path).toBe('auth');
    }
  });
  it('but not both forms at once', () => {
    const both = { endpoint: { url: 'https://a' }, response_token_key: 'k', refresh_token: { endpoint: { url: 'https://a' }, response_token_key: 'k' } };
    expect(errors(base({}, { auth: both }))[0]?.path).toBe('auth');
  });
  it('csv_separator is one character', () => {
    expect(extraction({ output_params: { csv_separator: ';' } }).output_params.csv_separator).toBe(';');
    expect(extraction({ output_params: { csv_separator: '\t' } }).output_params.csv_separator).toBe('\t');
    expect(errors(base({ output_params: { csv_separator: ';;' } }))[0]?.path).toBe('extractions[0].output_params.csv_separator');
    expect(errors(base({ output_params: { csv_separator: '"' } }))).toHaveLength(1);
  });
  it('never throws, whatever the input', () => {
    for (const input of [undefined, null, 0, [], 'x', { extractions: 'x' }, { name: 1, extractions: [null] }]) {
      expect(() => parseConfig(input)).not.toThrow();
      expect(parseConfig(input).ok).toBe(false);
    }
  });
});

describe('outputColumns', () => {
  it('schema columns depth first, then new_column_prefix columns in run order', () => {
    const e = extraction({
      data_schema: { name: 'user_name', user: { account: { number: 'user_acc_number' } }, city: 'city' },
      transformations: [
        { action: 'upper', on: ['city'], new_column_prefix: 'up_' },
        { action: 'lower', on: ['user_name'], new_column_prefix: 'low_', priority: 3 },
      ],
    });
    expect(outputColumns(e)).toEqual(['user_name', 'user_acc_number', 'city', 'low_user_name', 'up_city']);
  });
  it('is null without a data_schema', () => {
    expect(outputColumns(extraction({}))).toBeNull();
  });
});
