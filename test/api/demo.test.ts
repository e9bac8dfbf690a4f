import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExtractionService } from '../../clients/extraction';
import { configScheduleId } from '../../clients/schedules';
import { seedDemo } from '../../stack/demo';
import { startSandbox, type RunningSandbox } from '../helpers/sandbox';
import { createTestEnv, type TestEnv } from '../helpers/stack';

// What `npm start` seeds: demo accounts on the sandbox's fakes, and the seed's Zoho deals config with its secrets.
let env: TestEnv;
let sandbox: RunningSandbox;
let configId: string | null = null;

beforeAll(async () => {
  sandbox = await startSandbox();
  env = await createTestEnv('demo', { PROVIDERS_SANDBOX_URL: sandbox.baseUrl });
});
afterAll(async () => {
  if (configId) await env.client.schedule.getHandle(configScheduleId(env.settings, configId)).delete().catch(() => undefined);
  await env.close();
  await sandbox.close();
});

describe('npm start demo data', () => {
  it('seeds accounts and a runnable extraction config once, whose schedule the worker start creates', async () => {
    const settings = { ...env.settings, MONGODB_URI: env.mongoUri() };
    const first = await seedDemo(settings, sandbox.baseUrl, true);
    expect(first.accounts).toEqual(['demo-gmail-1', 'demo-gmail-2', 'demo-gmail-3', 'demo-zoho', 'demo-kommo']);
    expect(first.config).toMatch(/^cfg_/);
    configId = first.config;
    expect(await seedDemo(settings, sandbox.baseUrl, true)).toEqual({ accounts: [], config: null });
    expect((await env.deps.configHistory.of(configId!))[0]).toMatchObject({ action: 'create', keyName: 'demo' });

    const service = new ExtractionService({ settings: env.settings, configs: env.deps.configs, secrets: env.deps.secrets, temporal: async () => env.client });
    expect((await service.reconcileSchedules()).ensured).toContain(configScheduleId(env.settings, configId!));
    const result = await env.withWorker(async () => (await service.startRun(configId!)).result());
    expect(result.runs).toEqual([expect.objectContaining({ success: true, records: 450, pages: 3 })]);
    expect(result.runs[0]!.destination).toMatch(/^s3:\/\/api-extractor-output-prod\/zoho\/deals\//);
  });
});
