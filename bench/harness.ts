import type { AddressInfo } from 'node:net';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { Settings } from '../config';
import { ensureStack } from '../stack';
import { buildSandbox } from '../sandbox/app';
import { SandboxControl } from '../sandbox/client';

/** What a Temporal benchmark runs against: the local stack's Temporal and MongoDB, and an in-process sandbox. */
export interface BenchBed {
  sandboxUrl: string;
  control: SandboxControl;
  /** Closes the sandbox and stops what ensureStack started. */
  close(): Promise<void>;
}

export async function startBenchBed(base: Settings): Promise<BenchBed> {
  const stack = await ensureStack(base, ['temporal', 'mongodb'], (l) => process.stdout.write(`[stack] ${l}\n`));
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const sandbox = await buildSandbox({ baseUrl: 'http://127.0.0.1:0' });
  await sandbox.app.listen({ host: '127.0.0.1', port: 0 });
  const sandboxUrl = `http://127.0.0.1:${(sandbox.app.server.address() as AddressInfo).port}`;
  sandbox.ctx.baseUrl = sandboxUrl;
  return {
    sandboxUrl,
    control: new SandboxControl(sandboxUrl),
    async close() {
      await sandbox.app.close();
      await stack.stop();
    },
  };
}
