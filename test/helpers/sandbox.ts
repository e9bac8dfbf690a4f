import type { AddressInfo } from 'node:net';
import { buildSandbox, type Sandbox } from '../../sandbox/app';
import { SandboxControl } from '../../sandbox/client';

export interface RunningSandbox extends Sandbox {
  baseUrl: string;
  control: SandboxControl;
  close(): Promise<void>;
}

/** An in-process sandbox on a free loopback port, one per test file, so files never share fake state. */
export async function startSandbox(): Promise<RunningSandbox> {
  // The base URL is only known after listen; the fakes read ctx.baseUrl lazily, so patch it in then.
  const sandbox = await buildSandbox({ baseUrl: 'http://127.0.0.1:0' });
  await sandbox.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = sandbox.app.server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  sandbox.ctx.baseUrl = baseUrl;
  // Closing waits for requests in flight; a fault that holds an answer (or a reset half-done) must not hold the
  // test file's teardown, so after a grace period the remaining connections are cut.
  const close = async (): Promise<void> => {
    const cut = setTimeout(() => sandbox.app.server.closeAllConnections(), 2_000);
    try {
      await sandbox.app.close();
    } finally {
      clearTimeout(cut);
    }
  };
  return { ...sandbox, baseUrl, control: new SandboxControl(baseUrl), close };
}
