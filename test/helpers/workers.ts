import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import path from 'node:path';
import { stopProcess, tsEntry } from '../../stack/proc';

const repo = path.join(__dirname, '..', '..');
const running = new Set<ChildProcess>();

/**
 * Starts `npm run worker`'s entry point as a child process with the given environment (tests that kill workers).
 * Every process started here is tracked, so `stopWorkers()` in afterAll leaves none behind when a test fails
 * half-way.
 */
export function spawnWorker(env: NodeJS.ProcessEnv, stdio: StdioOptions = ['ignore', 'ignore', 'inherit']): ChildProcess {
  const [node, args] = tsEntry(repo, 'workers/main.ts');
  // The sandbox runs on loopback: like the local stack, tests let extraction configs reach it.
  const child = spawn(node, args, { cwd: repo, env: { EXTRACT_ALLOW_LOOPBACK: 'true', ...env }, stdio });
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

/** Signals a worker process and waits for it to exit (SIGKILL after 30 s); nothing when it is gone already. */
export const stopWorker = (child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => stopProcess(child, 30_000, signal);

/** Kills whatever worker processes this test file started and are still running. */
export async function stopWorkers(): Promise<void> {
  await Promise.all([...running].map((c) => stopWorker(c, 'SIGKILL')));
}
