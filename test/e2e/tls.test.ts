import fs from 'node:fs';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTemporal } from '../../clients/temporal';
import type { Settings } from '../../config';
import { temporalConnection } from '../../config/temporal';
import { stackPaths } from '../../stack/paths';
import { createWorkers, runWorkers, workflowsPath } from '../../workers/worker';
import { smokeWorkflow } from '../../workflows';
import { createTestEnv, unique, type TestEnv } from '../helpers/stack';
import { startTlsProxy, type TlsProxy } from '../helpers/tls-proxy';
import { spawnWorker, stopWorker, stopWorkers } from '../helpers/workers';

/**
 * Temporal over TLS with a client certificate (mTLS), as a self-hosted cluster or Temporal Cloud asks: the worker
 * (in process and as `npm run worker`), the Temporal client of the API and the CLI all connect through a
 * TLS-terminating proxy that refuses connections without a certificate of its CA.
 */
let env: TestEnv;
let proxy: TlsProxy;
let tls: Settings;
/** The proxy's certificates, keys and config; removed after the file (each run makes new ones). */
let proxyDir: string | undefined;

beforeAll(async () => {
  env = await createTestEnv('tls');
  const paths = stackPaths(env.settings);
  proxyDir = path.join(paths.data, `tls-${env.taskQueue}`);
  proxy = await startTlsProxy({ upstream: env.settings.TEMPORAL_ADDRESS, dir: proxyDir, logDir: paths.logs });
  tls = { ...env.settings, TEMPORAL_ADDRESS: proxy.address, TEMPORAL_TLS_CA_PATH: proxy.ca, TEMPORAL_TLS_CERT_PATH: proxy.cert, TEMPORAL_TLS_KEY_PATH: proxy.key, TEMPORAL_TLS_SERVER_NAME: proxy.serverName };
}, 180_000);
afterAll(async () => {
  await stopWorkers();
  await proxy?.stop();
  await env.close();
  if (proxyDir) fs.rmSync(proxyDir, { recursive: true, force: true });
});

const tlsEnv = (): NodeJS.ProcessEnv => ({
  ...process.env,
  TEMPORAL_TASK_QUEUE: env.taskQueue,
  MONGODB_URI: env.mongoUri(),
  CREATE_SCHEDULES: 'false',
  TEMPORAL_ADDRESS: proxy.address,
  TEMPORAL_TLS_CA_PATH: proxy.ca,
  TEMPORAL_TLS_CERT_PATH: proxy.cert,
  TEMPORAL_TLS_KEY_PATH: proxy.key,
  TEMPORAL_TLS_SERVER_NAME: proxy.serverName,
});

const smoke = (id: string) => ({ taskQueue: env.taskQueue, workflowId: id, args: [{ note: 'tls', upload: { bucket: env.settings.S3_DEFAULT_BUCKET, key: `tls/${id}.bin`, parts: 1 } }] as const });

describe('Temporal over mTLS', () => {
  it('a worker and a client with the certificate run a workflow through the proxy', async () => {
    const connection = await NativeConnection.connect(temporalConnection(tls));
    const { client, close } = await connectTemporal(tls);
    try {
      const workers = await createWorkers(tls, connection, env.deps, { workflows: { workflowsPath }, overrides: { shutdownGraceTime: '5s' } });
      const id = unique('tls-inproc');
      const result = await runWorkers(workers, () => client.workflow.execute(smokeWorkflow, { ...smoke(id), args: [...smoke(id).args] }));
      expect(result).toMatchObject({ documentId: id, attempt: 1 });
      // Really through the proxy: its address is not the server's.
      expect(proxy.address).not.toBe(env.settings.TEMPORAL_ADDRESS);
    } finally {
      await close();
      await connection.close();
    }
  }, 120_000);

  it('`npm run worker` and the CLI take the same TLS settings from the environment', async () => {
    const worker = spawnWorker(tlsEnv());
    try {
      const { client, close } = await connectTemporal(tls);
      try {
        const id = unique('tls-process');
        await expect(client.workflow.execute(smokeWorkflow, { ...smoke(id), args: [...smoke(id).args] })).resolves.toMatchObject({ documentId: id });
      } finally {
        await close();
      }
      const bin = path.join(__dirname, '..', '..', 'bin', 'switchyard.js');
      const { stdout } = await promisify(execFile)(process.execPath, [bin, 'status', '--json'], { env: tlsEnv() }).catch((e: { stdout: string }) => ({ stdout: e.stdout }));
      const status = JSON.parse(stdout) as { checks: { name: string; ok: boolean; target: string }[] };
      expect(status.checks.find((c) => c.name === 'temporal')).toMatchObject({ ok: true, target: proxy.address });
    } finally {
      await stopWorker(worker);
    }
  }, 120_000);

  it('refuses a connection without a client certificate, or with one of another CA', async () => {
    const { TEMPORAL_TLS_CERT_PATH: _c, TEMPORAL_TLS_KEY_PATH: _k, ...rest } = tls;
    const fails = async (s: Settings): Promise<boolean> =>
      connectTemporal(s, 3000).then(
        async ({ client, close }) => {
          try {
            await client.workflowService.getSystemInfo({});
            return false;
          } catch {
            return true;
          } finally {
            await close();
          }
        },
        () => true,
      );
    expect(await fails(rest as Settings)).toBe(true);
    expect(await fails({ ...tls, TEMPORAL_TLS_CERT_PATH: proxy.strangerCert, TEMPORAL_TLS_KEY_PATH: proxy.strangerKey })).toBe(true);
  }, 60_000);
});
