import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

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

export async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number, child?: ChildProcess, logFile?: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) {
      throw new Error(`${what} exited with code ${child.exitCode} before it answered${logFile ? `; see ${logFile}:\n${tail(logFile)}` : ''}`);
    }
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} did not answer within ${Math.round(timeoutMs / 1000)} s${logFile ? `; see ${logFile}:\n${tail(logFile)}` : ''}`);
}

function tail(file: string, lines = 15): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

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

/** Runs an install step, streaming nothing; throws with its output and the manual command on failure. */
export function runInstallStep(what: string, cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; manual: string }): void {
  const res = spawnSync(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (res.error || res.status !== 0) {
    const output = `${res.stdout ?? ''}${res.stderr ?? ''}`.trim().split('\n').slice(-20).join('\n');
    throw new Error(
      `Could not install ${what}: \`${cmd} ${args.join(' ')}\` ${res.error ? `failed: ${res.error.message}` : `exited with ${res.status}`}\n${output}\n` +
        `Install it by hand with:\n  ${opts.manual}`,
    );
  }
}

/**
 * Starts a long-running server with its output appended to a log file. The child is put in its own
 * process group so stopping it also stops anything it forked, and never takes a terminal's Ctrl-C twice.
 */
export function startProcess(name: string, cmd: string, args: string[], opts: { logDir: string; env?: NodeJS.ProcessEnv; cwd?: string }): { child: ChildProcess; logFile: string } {
  const logFile = path.join(opts.logDir, `${name}.log`);
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
