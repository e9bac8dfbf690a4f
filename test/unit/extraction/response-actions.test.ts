import { describe, expect, it } from 'vitest';
import { matchResponseAction, parseConfig } from '../../../extraction';
import { config } from './helpers';

const actionsOf = (actions: unknown) =>
  config({ name: 'r', extractions: [{ name: 'e', endpoint: { url: 'https://api.test/items' }, response_actions: actions }] }).extractions[0]!.response_actions;

describe('response_actions: the first rule that matches an answer decides', () => {
  const actions = actionsOf([
    { status_code: 404, action: 'ignore' },
    { status_code: [409, 423], action: 'retry' },
    { content: 'quota exceeded for today', action: 'fail' },
    { status_code: 200, content: '"status":"pending"', action: 'retry' },
    { status_code: 202, action: 'success' },
  ]);
  it('matches by status, by any of several statuses, by text in the body, and by both', () => {
    expect(matchResponseAction(actions, { status: 404, body: { error: 'not found' } })?.action).toBe('ignore');
    expect(matchResponseAction(actions, { status: 423, body: null })?.action).toBe('retry');
    expect(matchResponseAction(actions, { status: 200, body: { message: 'Quota Exceeded For Today' } })).toBeNull(); // case counts
    expect(matchResponseAction(actions, { status: 403, body: 'quota exceeded for today' })?.action).toBe('fail');
    expect(matchResponseAction(actions, { status: 200, body: { status: 'pending' } })?.action).toBe('retry');
    expect(matchResponseAction(actions, { status: 200, body: { status: 'done' } })).toBeNull();
    expect(matchResponseAction(actions, { status: 202, body: [] })?.action).toBe('success');
  });
  it('no rules: no action', () => {
    expect(matchResponseAction(undefined, { status: 404, body: null })).toBeNull();
  });
  it('a rule must say what it matches, and only the four actions exist', () => {
    for (const [rule, where] of [
      [{ action: 'ignore' }, 'extractions[0].response_actions[0]'],
      [{ status_code: 404, action: 'skip' }, 'extractions[0].response_actions[0].action'],
      [{ status_code: 99, action: 'fail' }, 'extractions[0].response_actions[0].status_code'],
    ] as const) {
      const r = parseConfig({ name: 'r', extractions: [{ name: 'e', endpoint: { url: 'https://api.test/items' }, response_actions: [rule] }] });
      expect(r.ok, JSON.stringify(rule)).toBe(false);
      if (!r.ok) expect(r.errors.map((e) => e.path).join(' ')).toContain(where);
    }
  });
  it('mapping_fetch has rules of its own', () => {
    const c = config({
      name: 'r',
      extractions: [{ name: 'e', endpoint: { url: 'https://api.test/items' }, mapping_fetch: { endpoint: { url: 'https://api.test/items/${record::id}' }, response_actions: [{ status_code: 410, action: 'ignore' }] } }],
    });
    expect(matchResponseAction(c.extractions[0]!.mapping_fetch!.response_actions, { status: 410, body: null })?.action).toBe('ignore');
  });
});
