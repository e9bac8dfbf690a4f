import type { Settings } from '../config';
import { stackPaths } from './paths';
import type { StackLog } from './proc';
import { ensureService, type ServiceHandle, type ServiceName } from './services';

export interface RunningStack {
  services: ServiceHandle[];
  /** Stops what this process started, in reverse order; reused servers keep running. */
  stop(): Promise<void>;
}

/**
 * Brings up the named servers: each is reused when the settings point at one that answers, else found on
 * PATH or in the project-local folder, else installed there, then started on loopback.
 */
export async function ensureStack(settings: Settings, names: ServiceName[], log: StackLog = () => undefined): Promise<RunningStack> {
  const paths = stackPaths(settings);
  const services: ServiceHandle[] = [];
  const stop = async (): Promise<void> => {
    for (const s of [...services].reverse()) await s.stop();
  };
  try {
    // Installs run one at a time (they share the Python environment); servers then start side by side.
    const results = await Promise.allSettled(names.map((name) => ensureService(name, settings, paths, log)));
    for (const r of results) if (r.status === 'fulfilled') services.push(r.value);
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed.length) throw new Error(failed.map((f) => (f.reason instanceof Error ? f.reason.message : String(f.reason))).join('\n\n'));
  } catch (err) {
    await stop();
    throw err;
  }
  return { services, stop };
}

export type { ServiceHandle, ServiceName };
