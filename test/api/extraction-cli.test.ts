import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readS3 } from '../helpers/extraction';
import { startSandbox, type RunningSandbox } from '../helpers/sandbox';
import { createTestEnv, type TestEnv } from '../helpers/stack';

const bin = path.join(__dirname, '..', '..', 'bin', 'switchyard.js');
let env: TestEnv;
let sandbox: RunningSandbox;
let dir: string;

beforeAll(async () => {
  sandbox = await startSandbox();
  env = await createTestEnv('extract_cli', { PROVIDERS_SANDBOX_URL: sandbox.baseUrl });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'extract-cli-'));
});
afterAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  await env.close();
  await sandbox.close();
});

function cli(args: string[], input?: string): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [bin, ...args], { env: { ...process.env, MONGODB_URI: env.mongoUri(), TEMPORAL_TASK_QUEUE: env.taskQueue, LOG_LEVEL: 'warn', EXTRACT_ALLOW_LOOPBACK: 'true' } }, (err, stdout, stderr) =>
      resolve({ stdout, stderr, code: err ? ((err as { code?: number }).code ?? 1) : 0 }),
    );
    child.stdin?.end(input ?? '');
  });
}

const writeConfig = (name: string, perPage: number): string => {
  const file = path.join(dir, `${name}-${perPage}.json`);
  fs.writeFileSync(
    file,
    JSON.stringify({
      name,
      extractions: [
        {
          name: 'records',
          endpoint: { url: `${sandbox.baseUrl}/demo/api/more-records/records`, query_params: { per_page: perPage } },
          data_key: 'data',
          data_schema: { id: 'id', email: 'email' },
          pagination: { type: 'sequential', parameters: { param_name: 'page', there_are_more_pages: 'info.more_records' } },
        },
      ],
    }),
  );
  return file;
};

describe('switchyard configs / extract', () => {
  it('stores secrets from standard input, lists their names only, and deletes them', async () => {
    const value = 'cli-secret-value-1234567890';
    const set = await cli(['secrets', 'set', 'demo_token', '-'], `${value}\n`);
    expect(set.code, set.stderr).toBe(0);
    expect(await env.deps.secrets.values(['demo_token'])).toEqual({ demo_token: value });
    const list = await cli(['secrets', 'list']);
    expect(list.stdout).toMatch(/^demo_token\s+\S+\s+cli:/m);
    expect(list.stdout).not.toContain(value);
    expect((await cli(['secrets', 'delete', 'demo_token'])).code).toBe(0);
    const again = await cli(['secrets', 'delete', 'demo_token']);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('no secret named demo_token');
  });

  it('creates, lists, shows, updates a config, records its history, and deletes it', async () => {
    const created = await cli(['configs', 'create', writeConfig('cli config', 100)]);
    expect(created.code, created.stderr).toBe(0);
    // The answer is the stored config, plus the state of its schedule.
    const { schedule, ...stored } = JSON.parse(created.stdout) as { id: string; extractions: { id: string }[]; schedule: { state: string } };
    expect(schedule.state).toBe('in_step');
    expect(stored.id).toMatch(/^cfg_/);
    expect((await cli(['configs', 'list'])).stdout).toContain(stored.id);
    expect(JSON.parse((await cli(['configs', 'show', stored.id])).stdout)).toEqual(stored);
    const updated = await cli(['configs', 'update', stored.id, writeConfig('cli config', 50)]);
    expect(updated.code, updated.stderr).toBe(0);
    expect(JSON.parse(updated.stdout).extractions[0].id).toBe(stored.extractions[0]!.id);
    const history = JSON.parse((await cli(['configs', 'history', stored.id])).stdout) as { action: string; by: string; changed: string[] }[];
    expect(history.map((h) => h.action)).toEqual(['update', 'create']);
    expect(history[0]!.by).toMatch(/^cli:/);
    expect(history[0]!.changed).toEqual(['extractions[0].endpoint.query_params.per_page']);
    expect((await cli(['configs', 'delete', stored.id])).code).toBe(0);
    const gone = await cli(['configs', 'show', stored.id]);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain(`no config with id ${stored.id}`);
  });

  it('explains an invalid config file with JSON paths', async () => {
    const file = path.join(dir, 'bad.json');
    fs.writeFileSync(file, JSON.stringify({ name: 'bad', extractions: [{ name: 'x', endpoint: {} }] }));
    const res = await cli(['configs', 'create', file]);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('extractions[0].endpoint.url');
  });

  it('runs a config file with --wait, then shows its logs', async () => {
    await sandbox.control.configure('demo', { count: 180 });
    const file = writeConfig('cli run', 100);
    const res = await env.withWorker(() => cli(['extract', 'run', file, '--wait']));
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/config cfg_\w+ created/);
    const result = JSON.parse(res.stdout.slice(res.stdout.indexOf('{'))) as { configId: string; runs: { success: boolean; records: number; destination: string; extractionId: string }[] };
    expect(result.runs[0]).toMatchObject({ success: true, records: 180 });
    expect((await readS3(env.deps.s3, result.runs[0]!.destination)).trim().split('\n')).toHaveLength(181);
    // The same file again updates the stored config of that name and runs it.
    const again = await env.withWorker(() => cli(['extract', 'run', file, '--wait']));
    expect(again.stdout).toContain(`config ${result.configId} updated`);
    const logs = JSON.parse((await cli(['extract', 'logs', result.runs[0]!.extractionId])).stdout) as { success: boolean; data_inserted_len: number }[];
    expect(logs.map((l) => [l.success, l.data_inserted_len])).toEqual([
      [true, 180],
      [true, 180],
    ]);
    expect((await cli(['configs', 'delete', result.configId])).code).toBe(0);
  });
});
