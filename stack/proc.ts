import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { markStart } from './logs';
import { waitForAll } from './waiting';

export type StackLog = (line: string) => void;

/** True when something accepts TCP connections on host:port. */
export function tcpOpen(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Waits until `check` passes, failing when `child` exits first or after timeoutMs (no progress lines). */
export function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number, child?: ChildProcess, logFile?: string): Promise<void> {
  const gone = (): string | undefined => (child && (child.exitCode !== null || child.signalCode !== null) ? describeExit({ code: child.exitCode, signal: child.signalCode }) : undefined);
  return waitForAll([{ name: what, check, timeoutMs, gone, ...(logFile ? { logFile } : {}) }], () => undefined);
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all (ENOENT...). */
  error?: string;
}

export const describeExit = (e: ExitInfo): string => e.error ?? (e.signal ? `signal ${e.signal}` : `code ${e.code}`);

/**
 * Command line that runs one of our TypeScript entry points in a single Node process (tsx as a loader, not
 * the tsx CLI, which forks a second process that a SIGKILL of the first would leave running).
 */
export function tsEntry(repo: string, file: string): [string, string[]] {
  return [process.execPath, ['--import', 'tsx', path.join(repo, file)]];
}

/** Finds an executable on PATH, or undefined. */
export function which(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts a long-running server with its output appended to a log file. The child is put in its own
 * process group so stopping it also stops anything it forked, and never takes a terminal's Ctrl-C twice.
 */
export function startProcess(name: string, cmd: string, args: string[], opts: { logDir: string; env?: NodeJS.ProcessEnv; cwd?: string }): { child: ChildProcess; logFile: string } {
  const logFile = path.join(opts.logDir, `${name}.log`);
  markStart(logFile, cmd, args);
  const out = fs.openSync(logFile, 'a');
  const child = spawn(cmd, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ['ignore', out, out],
    detached: true,
  });
  fs.closeSync(out);
  return { child, logFile };
}

/**
 * `first` (SIGTERM unless told) to the process group (or the process, when it leads none), then SIGKILL if it has
 * not exited within graceMs. Nothing when it is gone already.
 */
export async function stopProcess(child: ChildProcess, graceMs = 10_000, first: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signal = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-child.pid!, sig);
    } catch {
      try {
        child.kill(sig);
      } catch {
        // already gone
      }
    }
  };
  signal(first);
  const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), graceMs).unref());
  if ((await Promise.race([exited, timer])) === 'timeout') {
    signal('SIGKILL');
    await exited;
  }
}
