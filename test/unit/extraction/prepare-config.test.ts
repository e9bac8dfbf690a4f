import { describe, expect, it } from 'vitest';
import { sandboxRewrite } from '../../../sandbox/demo/hosts';
import { cursorOf } from '../../../activities/extraction/fetch';
import { ConfigInvalid, normaliseCron, prepareConfig } from '../../../extraction';
import { startPagination } from '../../../extraction';
import { diffPaths, newId } from '../../../store/configs';

const body = (extra: Record<string, unknown> = {}) => ({
  name: 'c',
  extractions: [
    { name: 'a', endpoint: { url: 'https://api.example.com/a' } },
    { name: 'b', endpoint: { url: 'https://api.example.com/b' } },
  ],
  ...extra,
});

describe('config ids, cron and history diffs', () => {
  it('assigns the config id and a new id per extraction, ignoring ids in a new body', () => {
    const out = JSON.parse(prepareConfig({ ...body(), id: 'mine' }, 'cfg_1', null, newId).json) as { id: string; extractions: { id: string; name: string }[] };
    expect(out.id).toBe('cfg_1');
    expect(out.extractions.map((e) => e.id)).toEqual([expect.stringMatching(/^ex_/), expect.stringMatching(/^ex_/)]);
    expect(out.extractions[0]!.id).not.toBe(out.extractions[1]!.id);
  });

  it('keeps extraction ids on update, by id or by name, and gives new extractions new ids', () => {
    const first = prepareConfig(body(), 'cfg_1', null, newId);
    const prev = first.json;
    const [a, b] = (JSON.parse(first.json) as { extractions: { id: string }[] }).extractions;
    const next = body({ extractions: [{ name: 'b', endpoint: { url: 'https://api.example.com/b2' } }, { id: a!.id, name: 'renamed', endpoint: { url: 'https://x.example.com' } }, { name: 'new', endpoint: { url: 'https://n.example.com' } }] });
    const out = JSON.parse(prepareConfig(next, 'cfg_1', prev, newId).json) as { extractions: { id: string }[] };
    expect(out.extractions[0]!.id).toBe(b!.id);
    expect(out.extractions[1]!.id).toBe(a!.id);
    expect([a!.id, b!.id]).not.toContain(out.extractions[2]!.id);
  });

  it('rejects invalid configs with JSON paths, and bad crons under "cron"', () => {
    const err = (() => {
      try {
        prepareConfig({ name: '', extractions: [] }, 'x', null, newId);
      } catch (e) {
        return e as ConfigInvalid;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(ConfigInvalid);
    expect(err!.issues.map((i) => i.path)).toEqual(['name', 'extractions']);
    expect(() => prepareConfig(body({ cron: '61 * * * *' }), 'x', null, newId)).toThrow(ConfigInvalid);
    expect(() => prepareConfig(body({ cron: 'cron(0 1 1 * ? 1999)' }), 'x', null, newId)).toThrow(/^invalid config: cron: year 1999 is out of range 2000-2100/);
  });

  it('stores an EventBridge year with the cron, so the schedule ends with it', () => {
    const out = prepareConfig(body({ cron: 'cron(0 1 1 * ? 2026)' }), 'x', null, newId);
    expect(out.cron).toBe('0 1 1 * * 2026');
    expect((JSON.parse(out.json) as { cron: string }).cron).toBe('0 1 1 * * 2026');
  });

  it("normalises crons: five fields, or the seed's EventBridge form", () => {
    expect(normaliseCron('0 1 * * ? *')).toBe('0 1 * * *');
    expect(normaliseCron(' 30  2 * * 1-5 ')).toBe('30 2 * * 1-5');
    expect(() => normaliseCron('0 1 * *')).toThrow(/5 fields/);
  });

  it('lists the JSON paths that changed', () => {
    expect(diffPaths({ a: 1, b: { c: [1, 2] }, d: 'x' }, { a: 1, b: { c: [1, 3] }, e: true })).toEqual(['b.c[1]', 'd', 'e']);
  });
});

describe('sending extraction requests', () => {
  it("maps the seed's Zoho hosts to the sandbox only when a sandbox is set", () => {
    const sb = 'http://127.0.0.1:4010/';
    expect(sandboxRewrite('https://www.zohoapis.com/crm/v2/deals?page=2', sb)).toBe('http://127.0.0.1:4010/demo/zoho/crm/v2/deals?page=2');
    expect(sandboxRewrite('https://accounts.zoho.com/oauth/v2/token?x=1', sb)).toBe('http://127.0.0.1:4010/demo/zoho/oauth/v2/token?x=1');
    expect(sandboxRewrite('https://desk.zoho.com/api/v1/tickets', sb)).toBe('http://127.0.0.1:4010/demo/zoho/desk/api/v1/tickets');
    expect(sandboxRewrite('https://api.example.com/x', sb)).toBe('https://api.example.com/x');
    expect(sandboxRewrite('https://www.zohoapis.com/crm/v2/deals', undefined)).toBe('https://www.zohoapis.com/crm/v2/deals');
  });

  it('describes the cursor without a link query (it may carry a token)', () => {
    const s = startPagination({ pagination: { type: 'link', parameters: { next_link: 'next' } } });
    expect(cursorOf(s)).toBe('first page');
    expect(cursorOf({ ...s, position: { type: 'link', next: 'https://a.example.com/r?token=secret&page=2' } })).toBe('link /r');
    expect(cursorOf({ ...s, position: { type: 'sequential', value: 3 } })).toBe('page 3');
  });
});
