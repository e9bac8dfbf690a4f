import type { FastifyInstance } from 'fastify';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../clients/api/server';
import { configScheduleId } from '../../clients/schedules';
import { createLogger } from '../../config/logger';
import { bringSchedulesInStep } from '../../workers/schedules';
import { CapturedLog, mailMark, mailsAbout, waitFor } from '../helpers/capture';
import { startSandbox, type RunningSandbox } from '../helpers/sandbox';
import { createTestEnv, unique, type TestEnv } from '../helpers/stack';

/** Bad requests are 4xx answers that say what and where; a stored bad config never stops a worker start. */
const ROOT = 'root-key-for-the-hardening-tests';
let env: TestEnv;
let sandbox: RunningSandbox;
let api: FastifyInstance;
const apiLog = new CapturedLog();
const createdConfigs: string[] = [];

beforeAll(async () => {
  sandbox = await startSandbox();
  env = await createTestEnv('hardening', { ROOT_API_KEY: ROOT, PROVIDERS_SANDBOX_URL: sandbox.baseUrl });
  api = await buildApi({ settings: env.settings, db: env.mongo.db, temporal: async () => env.client, log: createLogger({ LOG_LEVEL: 'info' }, 'api', apiLog) });
});
afterAll(async () => {
  for (const id of createdConfigs) await env.client.schedule.getHandle(configScheduleId(env.settings, id)).delete().catch(() => undefined);
  await api.close();
  await env.close();
  await sandbox.close();
});

const send = (method: 'GET' | 'POST' | 'PUT', url: string, opts: { key?: string | null; body?: string; contentType?: string } = {}) =>
  api.inject({
    method,
    url,
    headers: { ...(opts.key === null ? {} : { 'x-api-key': opts.key ?? ROOT }), ...(opts.body !== undefined ? { 'content-type': opts.contentType ?? 'application/json' } : {}) },
    ...(opts.body !== undefined ? { payload: opts.body } : {}),
  });

const config = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  ...extra,
  extractions: [{ name: 'records', endpoint: { url: `${sandbox.baseUrl}/demo/api/more-records/records` }, data_key: 'data', format: 'json' }],
});

describe('every bad request is a 4xx that says what and where', () => {
  it('a JSON syntax error names its line and column', async () => {
    const res = await send('POST', '/api/configs', { body: '{\n  "name": "x",\n  "extractions": [1 2]\n}' });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/^Body is not valid JSON: comma expected at line 3, column 21$/);
  });

  it('nesting ten thousand levels deep is refused before parsing, saying where', async () => {
    const res = await send('POST', '/api/configs', { body: `${'['.repeat(10_000)}${']'.repeat(10_000)}` });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/nests deeper than 64 levels \(at line 1, column 65\)/);
  });

  it('a __proto__ key is refused, naming its path', async () => {
    const res = await send('POST', '/api/configs', { body: '{"name":"x","extractions":[{"__proto__":{"polluted":true}}]}' });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toBe('Body has a key that is not allowed: $.extractions[0].__proto__');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('the key is checked before the body is read: a bad body without a key is a 401', async () => {
    for (const url of ['/api/configs', '/api/accounts', '/api/keys', '/api/oauth-clients']) {
      const res = await send('POST', url, { key: null, body: '{not json' });
      expect(res.statusCode, url).toBe(401);
    }
  });

  it('an unknown or another provider\'s OAuth client is a 400 on oauthClientId', async () => {
    await send('POST', '/api/oauth-clients', { body: JSON.stringify({ id: 'zoho-1', provider: 'zoho', clientId: '1000.X', clientSecret: 'zoho-secret-value' }) });
    const unknown = await send('POST', '/api/accounts', { body: JSON.stringify({ provider: 'google', oauthClientId: 'nope', email: 'a@example.com', refreshToken: 'rt-1' }) });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().message).toBe('oauthClientId: no OAuth client with id nope (register it with POST /api/oauth-clients)');
    const other = await send('POST', '/api/accounts', { body: JSON.stringify({ provider: 'google', oauthClientId: 'zoho-1', email: 'a@example.com', refreshToken: 'rt-1' }) });
    expect(other.statusCode).toBe(400);
    expect(other.json().message).toBe('oauthClientId: zoho-1 is a zoho OAuth client, not a google one');
  });

  it('running an extraction the config does not have is a 400 naming it, with or without wait', async () => {
    const created = (await send('POST', '/api/configs', { body: JSON.stringify(config('runs')) })).json();
    createdConfigs.push(created.id);
    for (const q of ['?wait=true&extraction=bogus', '?extraction=bogus']) {
      const res = await send('POST', `/api/configs/${created.id}/run${q}`);
      expect(res.statusCode, q).toBe(400);
      expect(res.json().message).toMatch(/extraction: config .* has no extraction bogus/);
    }
  });

  it('a run with an empty JSON body is accepted (curl sends the content type with nothing after it)', async () => {
    const created = (await send('POST', '/api/configs', { body: JSON.stringify(config('empty body')) })).json();
    createdConfigs.push(created.id);
    const res = await send('POST', `/api/configs/${created.id}/run`, { body: '' });
    expect(res.statusCode).toBe(202);
    await env.client.workflow.getHandle(res.json().workflowId).terminate('test done');
  });

  it('every answer carries a request id; a 5xx is logged with it', async () => {
    const res = await send('GET', '/api/configs');
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const mine = await api.inject({ method: 'GET', url: '/api/configs', headers: { 'x-api-key': ROOT, 'x-request-id': 'caller-chosen-id-1' } });
    expect(mine.headers['x-request-id']).toBe('caller-chosen-id-1');
  });
});

describe('crons are checked the way Temporal reads them', () => {
  it('refuses what Temporal refuses with a 400 on cron, and stores nothing', async () => {
    const before = (await send('GET', '/api/configs?limit=1000')).json().length;
    for (const cron of ['0 0 L * *', '0 0 * * 5L', 'H H * * *', '0 1 * * 5#6', '0 0 * * 8']) {
      const res = await send('POST', '/api/configs', { body: JSON.stringify(config(`cron ${cron}`, { cron })) });
      expect(res.statusCode, cron).toBe(400);
      expect(res.json().details[0].path).toBe('cron');
    }
    expect((await send('GET', '/api/configs?limit=1000')).json()).toHaveLength(before);
  });

  it("accepts ? as Quartz and EventBridge mean it, and Temporal's schedule fires on the right day", async () => {
    for (const [cron, stored] of [['0 12 * * ?', '0 12 * * *'], ['0 0 ? * *', '0 0 * * *'], ['0 1 ? * 2 *', '0 1 * * 1'], ['0 9 ? * 2#1 *', '0 9 1-7 * 1']] as const) {
      const res = await send('POST', '/api/configs', { body: JSON.stringify(config(`ok ${cron}`, { cron })) });
      expect(res.statusCode, cron).toBe(201);
      createdConfigs.push(res.json().id);
      expect(res.json()).toMatchObject({ cron: stored, schedule: { state: 'in_step' } });
      const described = await env.client.schedule.getHandle(configScheduleId(env.settings, res.json().id)).describe();
      if (stored === '0 1 * * 1') expect(described.info.nextActionTimes[0]!.getUTCDay()).toBe(1); // a Monday
      if (stored === '0 9 1-7 * 1') for (const t of described.info.nextActionTimes) expect([t.getUTCDay(), t.getUTCDate() <= 7]).toEqual([1, true]); // first Mondays
    }
  });

  it('a stored config whose cron Temporal refuses does not stop a worker start: the others get their schedules, and it is logged and e-mailed', async () => {
    const good = (await send('POST', '/api/configs', { body: JSON.stringify(config('good one', { cron: '15 3 * * *' })) })).json();
    createdConfigs.push(good.id);
    await env.client.schedule.getHandle(configScheduleId(env.settings, good.id)).delete();
    // Written straight into MongoDB (a restore, an older version): the API would have refused it.
    const badId = unique('cfg_bad').replace(/-/g, '');
    await env.deps.configs.insert({ id: badId, name: 'bad cron', json: JSON.stringify({ id: badId, ...config('bad cron'), cron: '0 0 * * 5L' }), cron: '0 0 * * 5L' }, 'restore-script');
    const log = new CapturedLog();
    const mailer = nodemailer.createTransport(env.settings.SMTP_URL);
    const since = await mailMark(env.settings);
    try {
      await bringSchedulesInStep({ temporal: env.client, settings: { ...env.settings, CREATE_SCHEDULES: true }, configs: env.deps.configs, mailer, log: createLogger({ LOG_LEVEL: 'info' }, 'worker', log) });
    } finally {
      mailer.close();
    }
    const described = await env.client.schedule.getHandle(configScheduleId(env.settings, good.id)).describe();
    expect(described.scheduleId).toBe(configScheduleId(env.settings, good.id));
    expect(log.text).toContain('extraction schedule could not be brought in step');
    expect(log.text).toContain(badId);
    const mails = await waitFor('the alert', async () => {
      const m = await mailsAbout(env.settings, badId, since);
      return m.length ? m : undefined;
    });
    expect(mails[0]!.subject).toMatch(/could not be brought in step at worker start/);
  });
});

describe('config listings', () => {
  it('page by id with a Link to the next page, without the configs\' bodies', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await send('POST', '/api/configs', { body: JSON.stringify(config(`paged ${i}`)) })).json().id);
    createdConfigs.push(...ids);
    const seen: string[] = [];
    let url: string | null = '/api/configs?limit=2';
    while (url) {
      const res = await send('GET', url);
      expect(res.statusCode).toBe(200);
      const page = res.json() as { id: string; extractions: unknown; endpoint?: unknown }[];
      expect(page.length).toBeLessThanOrEqual(2);
      for (const c of page) expect(JSON.stringify(c)).not.toContain('more-records');
      seen.push(...page.map((c) => c.id));
      const link = res.headers.link as string | undefined;
      url = link ? /<([^>]+)>; rel="next"/.exec(link)![1]! : null;
    }
    for (const id of ids) expect(seen).toContain(id);
    expect(new Set(seen).size).toBe(seen.length);
  });
});
