import type { ChildProcess } from 'node:child_process';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_DEFS } from '../../common/names';
import type { Settings } from '../../config';
import { temporalBinary } from '../../stack/install';
import { stackPaths } from '../../stack/paths';
import { startProcess, stopProcess, tcpOpen, waitUntil } from '../../stack/proc';
import { freePort } from './free-port';

/**
 * A Temporal dev server of a test's own, on a free port, so the test can stop it without touching the shared one.
 * With `dbFile` it keeps its state in that SQLite file, so a stop and a start again is an outage, not a new server.
 */
export interface OwnTemporal {
  address: string;
  /** Starts the server (again) and waits until it serves the default namespace. */
  start(): Promise<void>;
  /** Stops it: SIGTERM (a clean stop) or SIGKILL (a crash). */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export async function ownTemporal(settings: Settings, opts: { dbFile?: string } = {}): Promise<OwnTemporal> {
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const paths = stackPaths(settings);
  const args = [
    'server',
    'start-dev',
    '--headless',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--log-level',
    'error',
    ...(opts.dbFile ? ['--db-filename', opts.dbFile] : []),
    ...SEARCH_ATTRIBUTE_DEFS.flatMap((a) => ['--search-attribute', a]),
  ];
  let child: ChildProcess | undefined;
  return {
    address,
    async start() {
      child = startProcess(`own-temporal-${port}`, temporalBinary(paths, () => undefined), args, { logDir: paths.logs }).child;
      await waitUntil(`the test's Temporal server on ${address}`, () => tcpOpen('127.0.0.1', port), 60_000, child);
      await waitUntil(
        `the test's Temporal server on ${address} to serve its namespace`,
        async () => {
          const connection = await Connection.connect({ address, connectTimeout: 2000 }).catch(() => null);
          if (!connection) return false;
          try {
            await connection.workflowService.describeNamespace({ namespace: settings.TEMPORAL_NAMESPACE });
            return true;
          } catch {
            return false;
          } finally {
            await connection.close();
          }
        },
        60_000,
        child,
      );
    },
    async stop(signal = 'SIGTERM') {
      if (child) await stopProcess(child, 10_000, signal);
      child = undefined;
    },
  };
}
