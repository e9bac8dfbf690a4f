import { execFile } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, type TestEnv } from '../helpers/stack';

const bin = path.join(__dirname, '..', '..', 'bin', 'switchyard.js');
let env: TestEnv;

beforeAll(async () => {
  env = await createTestEnv('cli');
});
afterAll(async () => {
  await env.close();
});

function cli(args: string[], input?: string): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [bin, ...args], { env: { ...process.env, MONGODB_URI: env.mongoUri(), TEMPORAL_TASK_QUEUE: env.taskQueue } }, (err, stdout, stderr) =>
      resolve({ stdout, stderr, code: err ? ((err as { code?: number }).code ?? 1) : 0 }),
    );
    if (input !== undefined) child.stdin!.end(input);
  });
}

describe('switchyard CLI', () => {
  it('adds an OAuth client and an account (secrets from standard input) and lists them without secrets', async () => {
    expect((await cli(['oauth-clients', 'add', '--id', 'zc', '--provider', 'zoho', '--client-id', '1000.X', '--client-secret', '-'], 'zoho-secret-value\n')).code).toBe(0);
    const added = await cli(['accounts', 'add', '--provider', 'zoho', '--oauth-client', 'zc', '--email', 'z@example.com', '--zoho-dc', 'eu', '--refresh-token', '-'], '1000.refresh-value\n');
    expect(added.code).toBe(0);
    expect(JSON.parse(added.stdout)).toMatchObject({ provider: 'zoho', key: 'z@example.com', zoho: { dataCentre: 'eu' } });
    const list = await cli(['accounts', 'list', '--json']);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toHaveLength(1);
    for (const secret of ['zoho-secret-value', '1000.refresh-value']) expect(list.stdout + added.stdout).not.toContain(secret);
  });

  it('prints the consent URL that connects an account, and keeps its state single-use and hashed', async () => {
    const res = await cli(['accounts', 'connect', '--provider', 'zoho', '--oauth-client', 'zc']);
    expect(res.code, res.stderr).toBe(0);
    const url = new URL(res.stdout.trim());
    expect(url.pathname).toMatch(/\/oauth\/v2\/auth$/);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({ client_id: '1000.X', access_type: 'offline', prompt: 'consent', response_type: 'code' });
    expect(url.searchParams.get('redirect_uri')).toMatch(/\/oauth\/zoho\/callback$/);
    const state = url.searchParams.get('state') ?? '';
    const stored = await env.mongo.db.collection('oauth_states').find({}).toArray();
    expect(stored).toHaveLength(1);
    expect(JSON.stringify(stored)).not.toContain(state);
    expect((await cli(['accounts', 'connect', '--provider', 'kommo', '--oauth-client', 'zc'])).code).not.toBe(0);
  });

  it('explains a bad invocation', async () => {
    const res = await cli(['tokens', 'refresh']);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/either --account ID or --provider NAME/);
    const bad = await cli(['accounts', 'add', '--provider', 'google', '--oauth-client', 'zc', '--refresh-token', 'x']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/email/);
  });

  it('reports what is reachable', async () => {
    const res = await cli(['status', '--json']);
    const body = JSON.parse(res.stdout) as { checks: { name: string; ok: boolean }[] };
    expect(body.checks.find((c) => c.name === 'temporal')?.ok).toBe(true);
    expect(body.checks.find((c) => c.name === 'mongodb')?.ok).toBe(true);
  });
});
