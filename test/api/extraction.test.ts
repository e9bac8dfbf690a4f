import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../clients/api/server';
import { ExtractionService } from '../../clients/extraction';
import { configSchedule, configScheduleId } from '../../clients/schedules';
import { prepareConfig } from '../../extraction';
import { newId } from '../../store/configs';
import { waitFor } from '../helpers/capture';
import { readS3 } from '../helpers/extraction';
import { startSandbox, type RunningSandbox } from '../helpers/sandbox';
import { createTestEnv, type TestEnv } from '../helpers/stack';

const ROOT = 'root-key-for-the-extract-api-test';
const examples = path.join(__dirname, '..', '..', 'extraction', 'examples');
let env: TestEnv;
let sandbox: RunningSandbox;
let api: FastifyInstance;
let maria = '';
const createdConfigs: string[] = [];

beforeAll(async () => {
  sandbox = await startSandbox();
  env = await createTestEnv('extract_api', { ROOT_API_KEY: ROOT, PROVIDERS_SANDBOX_URL: sandbox.baseUrl, EXTRACT_DEFAULT_CRON: '0 1 * * *' });
  api = await buildApi({ settings: env.settings, db: env.mongo.db, temporal: async () => env.client });
  maria = (await call('POST', '/api/keys', ROOT, { name: 'maria' })).json().key;
});
afterAll(async () => {
  // Schedules live in the shared Temporal namespace: remove what this file created.
  for (const id of createdConfigs) await env.client.schedule.getHandle(configScheduleId(env.settings, id)).delete().catch(() => undefined);
  await api.close();
  await env.close();
  await sandbox.close();
});

const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, key?: string, payload?: unknown) =>
  api.inject({ method, url, ...(key ? { headers: { 'x-api-key': key } } : {}), ...(payload === undefined ? {} : { payload: payload as object }) });

const load = (name: string): Record<string, unknown> => JSON.parse(fs.readFileSync(path.join(examples, name), 'utf8')) as Record<string, unknown>;

const demoConfig = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  ...extra,
  extractions: [
    {
      name: 'records',
      endpoint: { url: `${sandbox.baseUrl}/demo/api/more-records/records`, query_params: { per_page: 100 } },
      data_key: 'data',
      format: 'csv',
      data_schema: { id: 'id', email: 'email' },
      pagination: { type: 'sequential', parameters: { param_name: 'page', there_are_more_pages: 'info.more_records' } },
    },
  ],
});

describe('HTTP API: extraction configs, runs, logs, secrets', () => {
  it('answers 401 without a key, 403 for root-only routes, clear 400s that name the JSON path, 404s', async () => {
    expect((await call('GET', '/api/configs')).statusCode).toBe(401);
    expect((await call('POST', '/api/configs', undefined, demoConfig('x'))).json()).toEqual({ error: 'unauthorized', message: 'missing x-api-key header' });
    expect((await call('PUT', '/api/secrets/token', maria, { value: 'v' })).statusCode).toBe(403);
    expect((await call('GET', '/api/secrets', maria)).statusCode).toBe(403);
    const bad = await call('POST', '/api/configs', maria, { name: 'bad', extractions: [{ name: 'e', endpoint: { url: 'not a url' }, pagination: { type: 'sequential', parameters: { param_name: 'page', step: 0 } } }] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toBe('invalid_request');
    const paths = (bad.json().details as { path: string }[]).map((d) => d.path);
    expect(paths).toContain('extractions[0].endpoint.url');
    expect(paths).toContain('extractions[0].pagination.parameters.step');
    expect((await call('POST', '/api/configs', maria, { ...demoConfig('c'), cron: 'every day' })).json().details).toEqual([{ path: 'cron', message: expect.stringContaining('5 fields') }]);
    expect((await call('GET', '/api/configs/nope', maria)).statusCode).toBe(404);
    expect((await call('PUT', '/api/configs/nope', maria, demoConfig('x'))).statusCode).toBe(404);
    expect((await call('DELETE', '/api/configs/nope', maria)).statusCode).toBe(404);
    expect((await call('POST', '/api/configs/nope/run', maria)).statusCode).toBe(404);
    expect((await call('GET', '/api/configs/nope/history', maria)).statusCode).toBe(404);
  });

  it('refuses invalid PUT /api/configs/:id bodies with a 400 naming the JSON path, and changes nothing', async () => {
    const created = await call('POST', '/api/configs', maria, demoConfig('stays as it was', { cron: '0 3 * * *' }));
    expect(created.statusCode).toBe(201);
    const { schedule: _schedule, warnings: _warnings, ...stored } = created.json();
    createdConfigs.push(stored.id);
    const schedule = env.client.schedule.getHandle(configScheduleId(env.settings, stored.id));
    const specBefore = (await schedule.describe()).spec;
    const historyBefore = (await call('GET', `/api/configs/${stored.id}/history`, ROOT)).json();
    expect(historyBefore).toHaveLength(1);
    const valid = demoConfig('changed');
    const extraction = (over: Record<string, unknown>) => ({ ...valid, extractions: [{ ...valid.extractions[0], ...over }] });
    const invalid: [unknown, string][] = [
      [extraction({ endpoint: { url: 'not a url' } }), 'extractions[0].endpoint.url'],
      [extraction({ pagination: { type: 'sequential', parameters: { param_name: 'page', step: 0 } } }), 'extractions[0].pagination.parameters.step'],
      [extraction({ format: 'xml' }), 'extractions[0].format'],
      [{ ...valid, cron: 'every day' }, 'cron'],
      [{ ...valid, extractions: 'records' }, 'extractions'],
    ];
    for (const [body, path] of invalid) {
      const res = await call('PUT', `/api/configs/${stored.id}`, maria, body);
      expect(res.statusCode, path).toBe(400);
      expect(res.json().error, path).toBe('invalid_request');
      expect((res.json().details as { path: string }[]).map((d) => d.path), JSON.stringify(res.json())).toContain(path);
    }
    // Nothing changed: the config, its history and its schedule are as they were.
    expect((await call('GET', `/api/configs/${stored.id}`, maria)).json()).toEqual(stored);
    expect((await call('GET', `/api/configs/${stored.id}/history`, ROOT)).json()).toEqual(historyBefore);
    expect((await schedule.describe()).spec).toEqual(specBefore);
  });

  it("stores the seed's examples unchanged, with ids, and a schedule per config kept in step", async () => {
    const deals = await call('POST', '/api/configs', maria, load('zoho-deals.json'));
    expect(deals.statusCode).toBe(201);
    const body = deals.json();
    createdConfigs.push(body.id);
    expect(body.id).toMatch(/^cfg_/);
    expect(body.extractions[0].id).toMatch(/^ex_/);
    // The answer is the stored config, plus the state of its schedule.
    // Warnings name exactly the ${secret::...} references not set yet (other tests may have set some).
    const { schedule: scheduleState, warnings, ...config } = body;
    expect(scheduleState).toMatchObject({ state: 'in_step' });
    const stored = new Set((await env.deps.secrets.names()).map((s) => s.name));
    const unset = ['zoho_refresh_token', 'zoho_client_id', 'zoho_client_secret'].filter((n) => !stored.has(n));
    expect(warnings ?? []).toEqual(unset.map((n) => ({ path: 'secrets', message: expect.stringMatching(new RegExp(`^\\$\\{secret::${n}\\} is not set`)) })));
    const { id: _id, extractions, ...rest } = config;
    const { extractions: seedExtractions, ...seedRest } = load('zoho-deals.json') as { extractions: Record<string, unknown>[] };
    expect(rest).toEqual(seedRest);
    const { id: _exId, ...ex } = extractions[0];
    expect(ex).toEqual(seedExtractions[0]);
    expect((await call('GET', `/api/configs/${body.id}`, maria)).json()).toEqual(config);
    expect((await call('GET', '/api/configs', maria)).json().map((c: { id: string }) => c.id)).toContain(body.id);

    const schedule = env.client.schedule.getHandle(configScheduleId(env.settings, body.id));
    const cronOf = async (): Promise<string> => {
      const d = await schedule.describe();
      const c = d.spec.calendars?.[0];
      return `minute=${c?.minute?.[0]?.start ?? '?'} hour=${c?.hour?.[0]?.start ?? '?'}`;
    };
    expect(await cronOf()).toBe('minute=0 hour=1');

    // Update with a cron (the seed's EventBridge form is accepted): the extraction keeps its id, the schedule follows.
    const updated = await call('PUT', `/api/configs/${body.id}`, maria, { ...load('zoho-deals.json'), cron: '30 2 * * ? *' });
    expect(updated.statusCode).toBe(200);
    expect(updated.json().extractions[0].id).toBe(body.extractions[0].id);
    expect(updated.json().cron).toBe('30 2 * * *');
    expect(await cronOf()).toBe('minute=30 hour=2');

    const history = (await call('GET', `/api/configs/${body.id}/history`, ROOT)).json();
    expect(history.map((h: { action: string; keyName: string }) => [h.action, h.keyName])).toEqual([
      ['update', 'maria'],
      ['create', 'maria'],
    ]);
    expect(history[0].changed).toContain('cron');
    expect(history[0].snapshot.cron).toBe('30 2 * * *');

    expect((await call('DELETE', `/api/configs/${body.id}`, ROOT)).statusCode).toBe(204);
    await expect(schedule.describe()).rejects.toThrow();
    expect((await call('GET', `/api/configs/${body.id}`, maria)).statusCode).toBe(404);
    const after = (await call('GET', `/api/configs/${body.id}/history`, maria)).json();
    expect(after[0]).toMatchObject({ action: 'delete', keyName: 'root' });
  });

  it('brings schedules in step at worker start with configs written or removed outside the API', async () => {
    // A config restored straight into MongoDB (no schedule yet), and a schedule left behind by a config that was
    // removed from MongoDB by hand; plus another deployment's schedule, which is not this worker's to touch.
    const service = new ExtractionService({ settings: env.settings, configs: env.deps.configs, secrets: env.deps.secrets, temporal: async () => env.client });
    const restoredId = 'cfg_restored0000001';
    const { json, name, cron } = prepareConfig({ ...demoConfig('restored'), cron: '15 4 * * *' }, restoredId, null, newId);
    await env.deps.configs.insert({ id: restoredId, json, name, cron }, 'restore-script');
    createdConfigs.push(restoredId);
    const orphan = configSchedule(env.settings, 'cfg_gone00000000001', null);
    const foreign = configSchedule({ ...env.settings, TEMPORAL_TASK_QUEUE: `${env.settings.TEMPORAL_TASK_QUEUE}-other` }, 'cfg_other0000000001', null);
    await env.client.schedule.create(orphan);
    await env.client.schedule.create(foreign);
    try {
      // Schedule listing reads the visibility store, which trails the writes a little.
      await waitFor('the orphan listed', async () => {
        for await (const s of env.client.schedule.list()) if (s.scheduleId === orphan.scheduleId) return true;
        return undefined;
      });
      const result = await service.reconcileSchedules();
      expect(result.ensured).toContain(configScheduleId(env.settings, restoredId));
      expect(result.deleted).toEqual([orphan.scheduleId]);
      const restored = await env.client.schedule.getHandle(configScheduleId(env.settings, restoredId)).describe();
      expect(restored.spec.calendars?.[0]).toMatchObject({ minute: [{ start: 15 }], hour: [{ start: 4 }] });
      await expect(env.client.schedule.getHandle(orphan.scheduleId).describe()).rejects.toThrow();
      expect((await env.client.schedule.getHandle(foreign.scheduleId).describe()).scheduleId).toBe(foreign.scheduleId);
      // A second pass changes nothing.
      expect((await service.reconcileSchedules()).deleted).toEqual([]);
    } finally {
      await env.client.schedule.getHandle(foreign.scheduleId).delete().catch(() => undefined);
      await env.client.schedule.getHandle(orphan.scheduleId).delete().catch(() => undefined);
    }
  });

  it('sets secrets with the root key only, encrypted at rest and never answered', async () => {
    expect((await call('PUT', '/api/secrets/zoho_refresh_token', ROOT, { value: 'super-secret-refresh-value' })).statusCode).toBe(204);
    const list = await call('GET', '/api/secrets', ROOT);
    expect(list.json()).toEqual([expect.objectContaining({ name: 'zoho_refresh_token', updatedBy: 'root' })]);
    expect(list.body).not.toContain('super-secret');
    const stored = await env.mongo.db.collection('extract_secrets').findOne({});
    expect(JSON.stringify(stored)).not.toContain('super-secret');
    expect(await env.deps.secrets.values(['zoho_refresh_token'])).toEqual({ zoho_refresh_token: 'super-secret-refresh-value' });
    expect((await call('DELETE', '/api/secrets/zoho_refresh_token', ROOT)).statusCode).toBe(204);
    expect((await call('DELETE', '/api/secrets/zoho_refresh_token', ROOT)).statusCode).toBe(404);
  });

  it('runs a config (?wait=true answers at the end), alongside its schedule, and serves the run logs', async () => {
    await sandbox.control.configure('demo', { count: 230 });
    const created = (await call('POST', '/api/configs', maria, demoConfig('demo run'))).json();
    createdConfigs.push(created.id);
    const extractionId = created.extractions[0].id as string;
    const res = await env.withWorker(async () => call('POST', `/api/configs/${created.id}/run?wait=true`, maria));
    expect(res.statusCode).toBe(200);
    const { workflowId, result } = res.json();
    expect(workflowId).toContain(`extract-config:${created.id}`);
    expect(result.runs[0]).toMatchObject({ success: true, records: 230, extractionId });
    const csv = await readS3(env.deps.s3, result.runs[0].destination);
    expect(csv.split('\n')[0]).toBe('id,email');
    expect(csv.trim().split('\n')).toHaveLength(231);

    // The schedule fires while a manual run is started: both run, to completion.
    const schedule = env.client.schedule.getHandle(configScheduleId(env.settings, created.id));
    await schedule.trigger();
    const started = await call('POST', `/api/configs/${created.id}/run`, maria);
    expect(started.statusCode).toBe(202);
    expect(started.json().workflowId).not.toBe(workflowId);
    await env.withWorker(async () => {
      const scheduled = await waitFor('the scheduled run', async () => (await schedule.describe()).info.recentActions[0]?.action.workflow.workflowId);
      expect(scheduled).not.toBe(started.json().workflowId);
      const results = await Promise.all([started.json().workflowId, scheduled].map((id: string) => env.client.workflow.getHandle(id).result()));
      // The errors first, so that a failed run says why.
      expect(results.map((r) => r.runs[0]?.error ?? null)).toEqual([null, null]);
      expect(results.map((r) => r.runs[0]?.success)).toEqual([true, true]);
    });

    const logs = (await call('GET', `/api/extractions/${extractionId}/logs`, maria)).json();
    expect(logs).toHaveLength(3);
    expect(logs[0]).toMatchObject({ extraction_name: 'records', extraction_id: extractionId, config_name: 'demo run', config_id: created.id, success: true, error: null, data_inserted_len: 230 });
    for (const k of ['destiny', 'last', 'created_at', 'workflow_id', 'pages', 'bytes', 'duration_ms']) expect(logs[0]).toHaveProperty(k);
    expect(logs[0].last).toMatchObject({ id: 230 });
    // A last record's integer past 2^53 is listed with its exact digits.
    await env.mongo.db.collection<{ _id: string; extraction_id: string; last: string; created_at: Date }>('extract_run_logs').insertOne({ _id: `bigint-${extractionId}`, extraction_id: `bigint-${extractionId}`, last: '{"id":1790000000000000001}', created_at: new Date() });
    const raw = await call('GET', `/api/extractions/bigint-${extractionId}/logs`, maria);
    expect(raw.statusCode).toBe(200);
    expect(raw.body).toContain('"last":{"id":1790000000000000001}');
  });

  it('serves an OpenAPI document of the routes', async () => {
    const doc = (await call('GET', '/api/openapi.json')).json();
    expect(doc.openapi).toMatch(/^3\./);
    for (const p of ['/api/configs', '/api/configs/{id}', '/api/configs/{id}/run', '/api/configs/{id}/history', '/api/extractions/{extractionId}/logs', '/api/secrets/{name}']) {
      expect(Object.keys(doc.paths)).toContain(p);
    }
    expect(doc.components.securitySchemes.apiKey).toMatchObject({ in: 'header', name: 'x-api-key' });
  });
});
