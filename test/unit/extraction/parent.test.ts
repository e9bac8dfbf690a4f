import { describe, expect, it } from 'vitest';
import {
  advance,
  nextParentRecord,
  outputColumns,
  parentPaths,
  parentRefs,
  parentValues,
  parsePageState,
  parseConfig,
  requestFor,
  runOrder,
  startPagination,
  withParentColumns,
  type ConfigIssue,
} from '../../../extraction';
import { config } from './helpers';

const parentEx = { name: 'deals', endpoint: { url: 'https://api.test/deals' }, data_key: 'data' };
const childEx = (fields: Record<string, unknown> = {}) => ({
  name: 'events',
  endpoint: { url: 'https://api.test/deals/${parent::deal_id}/events', query_params: { owner: '${parent::owner, none}' } },
  parent: { extraction: 'deals', fields: { deal_id: 'id', owner: 'owner.id' }, include_parent_fields: ['id', 'name'] },
  pagination: { type: 'sequential', parameters: { param_name: 'page', there_are_more_pages: 'more' }, max_pages: 2 },
  data_key: 'data',
  ...fields,
});
const cfg = (...extractions: unknown[]) => ({ name: 'c', extractions });

function errors(input: unknown): ConfigIssue[] {
  const r = parseConfig(input);
  if (r.ok) throw new Error('expected errors, it parsed');
  return r.errors;
}

describe('parent: config validation', () => {
  it('accepts a child that names its parent, with parent:: in the URL path and a query param', () => {
    const c = config(cfg(parentEx, childEx()));
    expect(c.extractions[1]!.parent).toEqual({ extraction: 'deals', fields: { deal_id: 'id', owner: 'owner.id' }, include_parent_fields: ['id', 'name'] });
  });
  it('the parent must exist and not be the extraction itself', () => {
    expect(errors(cfg(parentEx, childEx({ parent: { extraction: 'nope', fields: { deal_id: 'id' } } })))).toContainEqual({
      path: 'extractions[1].parent.extraction',
      message: 'No extraction named "nope" in this config',
    });
    expect(errors(cfg(parentEx, childEx({ parent: { extraction: 'events', fields: { deal_id: 'id' } } })))).toContainEqual({
      path: 'extractions[1].parent.extraction',
      message: 'An extraction cannot be its own parent',
    });
  });
  it('refuses a cycle of parents, naming it', () => {
    const a = { name: 'a', endpoint: { url: 'https://api.test/a/${parent::x}' }, parent: { extraction: 'b', fields: { x: 'id' } } };
    const b = { name: 'b', endpoint: { url: 'https://api.test/b/${parent::x}' }, parent: { extraction: 'a', fields: { x: 'id' } } };
    const errs = errors(cfg(a, b));
    expect(errs).toContainEqual({ path: 'extractions[0].parent.extraction', message: 'Parents form a cycle: a -> b -> a' });
    expect(errs).toContainEqual({ path: 'extractions[1].parent.extraction', message: 'Parents form a cycle: b -> a -> b' });
  });
  it('parent:: must name a declared field', () => {
    expect(errors(cfg(parentEx, childEx({ endpoint: { url: 'https://api.test/deals/${parent::dealid}/events' } })))).toContainEqual({
      path: 'extractions[1].endpoint.url',
      message: '${parent::dealid}: "dealid" is not one of parent.fields (deal_id, owner)',
    });
  });
  it('parent:: only in the endpoint of an extraction with parent', () => {
    expect(errors(cfg({ ...parentEx, endpoint: { url: 'https://api.test/${parent::x}' } }))).toContainEqual({
      path: 'extractions[0].endpoint.url',
      message: '${parent::x}: parent:: references are only valid in the endpoint of an extraction with parent',
    });
    expect(errors(cfg(parentEx, childEx({ s3_destiny: { folder: '${parent::deal_id}' } })))).toContainEqual({
      path: 'extractions[1].s3_destiny.folder',
      message: '${parent::deal_id}: parent:: references are only valid in the endpoint of an extraction with parent',
    });
  });
  it('field names are plain names; at least one field', () => {
    expect(errors(cfg(parentEx, childEx({ parent: { extraction: 'deals', fields: { 'deal.id': 'id' } } }))).map((e) => e.path)).toContain('extractions[1].parent.fields["deal.id"]');
    expect(errors(cfg(parentEx, childEx({ parent: { extraction: 'deals', fields: {} } })))).toContainEqual({ path: 'extractions[1].parent.fields', message: 'Name at least one field' });
  });
  it('a _parent_ column data_schema also produces, and incremental, are refused', () => {
    expect(errors(cfg(parentEx, childEx({ data_schema: { id: 'id', x: '_parent_id' } })))).toContainEqual({
      path: 'extractions[1].parent.include_parent_fields',
      message: 'Column "_parent_id" is also produced by data_schema',
    });
    const inc = errors(cfg(parentEx, childEx({ incremental: { cursor_path: 'id', initial_value: 0 } })));
    expect(inc.map((e) => e.path)).toContain('extractions[1].incremental');
  });
});

describe('parent: run order', () => {
  it('keeps config order without parents, and moves a child after its parent', () => {
    const plain = [{ name: 'a' }, { name: 'b' }, { name: 'c' }];
    expect(runOrder(plain).map((e) => e.name)).toEqual(['a', 'b', 'c']);
    const p = (name: string, parent?: string) => ({ name, ...(parent ? { parent: { extraction: parent, fields: { x: 'id' }, include_parent_fields: [] } } : {}) });
    expect(runOrder([p('grandchild', 'child'), p('child', 'top'), p('other'), p('top')]).map((e) => e.name)).toEqual(['other', 'top', 'child', 'grandchild']);
  });
});

describe('parent: values kept and used', () => {
  const c = config(cfg(parentEx, childEx(), { ...childEx(), name: 'notes', endpoint: { url: 'https://api.test/notes/${parent::d}' }, parent: { extraction: 'deals', fields: { d: 'id' }, include_parent_fields: ['stage'] } }));
  const child = c.extractions[1]!;

  it('a parent keeps every field its children read, nothing else; missing ones as null', () => {
    const paths = parentPaths(c, c.extractions[0]!);
    expect(paths.sort()).toEqual(['id', 'name', 'owner.id', 'stage']);
    expect(parentPaths(c, child)).toEqual([]);
    expect(parentValues(paths, { id: 7, name: 'Acme', owner: { id: 'u/1' }, secret: 'x' })).toEqual({ id: 7, name: 'Acme', 'owner.id': 'u/1', stage: null });
  });
  it('the child request reads parent:: of the record, percent-encoded in the path', () => {
    const values = { id: 7, name: 'Acme', 'owner.id': 'u/1' };
    const req = requestFor(child, startPagination(child), { parent: parentRefs(child.parent!, values) });
    expect(req.ok && req.value.url).toBe('https://api.test/deals/7/events?owner=u%2F1&page=1');
    const missing = requestFor(child, startPagination(child), { parent: parentRefs(child.parent!, { id: null }) });
    expect(missing.ok ? '' : missing.error).toContain('the parent record has no "deal_id"');
  });
  it('without a parent record, parent:: is an error, not an empty string', () => {
    const req = requestFor(child, startPagination(child), {});
    expect(req.ok ? '' : req.error).toContain('only valid in an extraction with parent');
  });
  it('adds the _parent_ columns after the row, also to the CSV header', () => {
    expect(withParentColumns(child.parent!, { id: 7, name: 'Acme' }, { event: 'e1', id: 'ev-1' })).toEqual({ event: 'e1', id: 'ev-1', _parent_id: 7, _parent_name: 'Acme' });
    const schema = config(cfg(parentEx, childEx({ data_schema: { id: 'event_id' } }))).extractions[1]!;
    expect(outputColumns(schema)).toEqual(['event_id', '_parent_id', '_parent_name']);
  });
});

describe('parent: pagination state per parent record', () => {
  const child = config(cfg(parentEx, childEx())).extractions[1]!;
  const page = (more: boolean, ids: number[]) => ({ url: 'https://api.test/x', status: 200, headers: {}, body: { data: ids.map((id) => ({ id })), more }, records: ids.length });

  it('starts at the first parent record; the next one starts at page 1 again with the counts going on', () => {
    const s0 = startPagination(child);
    expect(s0.parent).toEqual({ index: 0, firstPage: 0 });
    const a = advance(child, s0, page(true, [1, 2]));
    const b = a.kind === 'next' ? advance(child, a.state, page(false, [3])) : a;
    expect(b).toMatchObject({ kind: 'done', state: { pages: 2, records: 3 } });
    const s1 = nextParentRecord(child, b.state);
    expect(s1).toMatchObject({ position: { type: 'sequential', value: 1 }, pages: 2, records: 3, lastPageHash: null, seen: [], parent: { index: 1, firstPage: 2 } });
    // The same records as the last page of the previous parent record are not "the same page twice".
    expect(advance(child, s1, page(true, [3])).kind).toBe('next');
    expect(parsePageState(JSON.parse(JSON.stringify(s1)))).toEqual({ ok: true, value: s1 });
  });
  it('max_pages counts the pages of each parent record apart', () => {
    const s1 = nextParentRecord(child, { ...startPagination(child), pages: 5 });
    const a = advance(child, s1, page(true, [1]));
    expect(a.kind).toBe('next');
    const b = a.kind === 'next' ? advance(child, a.state, page(true, [2])) : a;
    expect(b.kind === 'error' && b.message).toContain('max_pages (2)');
  });
});
