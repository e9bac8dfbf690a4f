import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describeExit, startProcess, stopProcess, type ExitInfo, type StackLog } from './proc';
import { describeWindow, formatMs, RestartTracker, type RestartPolicy } from './restart';

export interface ProcessSpec {
  /** Names its log file (<logs>/<name>.log) and its lines. */
  name: string;
  cmd: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** SIGTERM, then SIGKILL after this long (10 s unless told; the worker drains its activities first). */
  stopGraceMs?: number;
}

export interface SuperviseOptions {
  policy: RestartPolicy;
  /** Asked before each restart: a reason not to restart (something else answers in its place now), or undefined. */
  vetoRestart?: () => Promise<string | undefined>;
}

/** Thrown by OwnedProcesses.start once the command is stopping (Ctrl-C during start-up). */
export class StackInterrupted extends Error {
  constructor() {
    super('stopped while starting');
    this.name = 'StackInterrupted';
  }
}

/**
 * One long-running process with its output appended to <logs>/<name>.log, in its own process group (so stopping it
 * stops what it forked, and a terminal's Ctrl-C reaches only the command that owns it). Once supervised, an exit
 * nobody asked for is logged with its code or signal and restarted by the policy's backoff, until its cap.
 */
export class Supervised {
  readonly logFile: string;
  /** <stack>/run/<name>.pid: the current process's pid, for operators (and the probe) to find it. */
  readonly pidFile: string;
  private current!: ChildProcess;
  private currentExit: ExitInfo | undefined;
  private exitWaiters: ((e: ExitInfo) => void)[] = [];
  private startedAt = 0;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private supervision: { tracker: RestartTracker; options: SuperviseOptions } | undefined;

  constructor(
    readonly spec: ProcessSpec,
    logDir: string,
    private readonly log: StackLog,
  ) {
    this.logFile = path.join(logDir, `${spec.name}.log`);
    this.pidFile = path.join(logDir, '..', 'run', `${spec.name}.pid`);
    this.spawn();
  }

  get child(): ChildProcess {
    return this.current;
  }

  /** How the current process ended, or undefined while it runs (or while a restart is pending, the last exit). */
  get exit(): ExitInfo | undefined {
    return this.currentExit;
  }

  /** Resolves when the current process exits (at once when it has). */
  waitExit(): Promise<ExitInfo> {
    return this.currentExit ? Promise.resolve(this.currentExit) : new Promise((resolve) => this.exitWaiters.push(resolve));
  }

  /** From now on, an unasked-for exit is restarted (or given up on) by the policy. */
  supervise(options: SuperviseOptions): void {
    this.supervision = { tracker: new RestartTracker(options.policy), options };
    if (this.currentExit) this.onExit(this.currentExit);
  }

  /** Stops it (and any pending restart); SIGKILL at once when forced. */
  async stop(force = false): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    await stopProcess(this.current, force ? 0 : (this.spec.stopGraceMs ?? 10_000), force ? 'SIGKILL' : 'SIGTERM');
  }

  private spawn(): void {
    const { name, cmd, args, cwd, env } = this.spec;
    const { child } = startProcess(name, cmd, args, { logDir: path.dirname(this.logFile), ...(cwd ? { cwd } : {}), ...(env ? { env } : {}) });
    this.current = child;
    this.currentExit = undefined;
    this.startedAt = Date.now();
    if (child.pid !== undefined) writePidFile(this.pidFile, child.pid);
    const settle = (e: ExitInfo): void => {
      if (this.current !== child || this.currentExit) return;
      this.currentExit = e;
      fs.rmSync(this.pidFile, { force: true });
      for (const w of this.exitWaiters.splice(0)) w(e);
      // Whatever it forked and left behind goes with it: its group outlives it only as orphans.
      if (child.pid !== undefined && !e.error) signalGroup(child.pid, 'SIGKILL');
      this.onExit(e);
    };
    child.once('exit', (code, signal) => settle({ code, signal }));
    child.once('error', (err) => settle({ code: null, signal: null, error: `could not be started: ${err.message}` }));
  }

  private onExit(e: ExitInfo): void {
    if (this.stopping || !this.supervision) return;
    const { name } = this.spec;
    const ran = Date.now() - this.startedAt;
    const { tracker, options } = this.supervision;
    const decision = tracker.next(Date.now(), ran);
    const what = `${name} exited (${describeExit(e)}) after ${formatMs(ran)}`;
    if (!decision.restart) {
      this.log(`${what}; not restarting it again (at most ${describeWindow(options.policy)}). Read ${this.logFile}; once the cause is fixed, \`npm start\` starts what is missing.`);
      return;
    }
    this.log(`${what}; restarting it in ${formatMs(decision.delayMs)} (restart ${decision.count}, at most ${describeWindow(options.policy)}); log: ${this.logFile}`);
    this.restartTimer = setTimeout(() => void this.restart(), decision.delayMs);
  }

  private async restart(): Promise<void> {
    this.restartTimer = undefined;
    const veto = await this.supervision?.options.vetoRestart?.().catch(() => undefined);
    if (this.stopping) return;
    if (veto) {
      this.log(`${this.spec.name} not restarted: ${veto}`);
      return;
    }
    try {
      this.spawn();
    } catch (err) {
      this.log(`${this.spec.name} could not be restarted: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    this.log(`${this.spec.name} restarted (pid ${this.current.pid ?? '?'})`);
  }
}

function writePidFile(file: string, pid: number): void {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${pid}\n`);
  } catch {
    // a pid file is a convenience: its absence must not stop the stack
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // no group left
  }
}

/** Every process one command started, so it can stop exactly those, newest first. */
export class OwnedProcesses {
  private readonly list: Supervised[] = [];
  private closed = false;

  constructor(
    private readonly logDir: string,
    private readonly log: StackLog,
  ) {}

  /** Starts and records a process; throws StackInterrupted once stopAll has begun. */
  start(spec: ProcessSpec): Supervised {
    if (this.closed) throw new StackInterrupted();
    const p = new Supervised(spec, this.logDir, this.log);
    this.list.push(p);
    return p;
  }

  get processes(): readonly Supervised[] {
    return this.list;
  }

  get stopping(): boolean {
    return this.closed;
  }

  /** Stops the given ones (default: all), newest first; after a stop of all, start() refuses. */
  async stop(which: readonly Supervised[] = this.list, force = false): Promise<void> {
    if (which === this.list) this.closed = true;
    for (const p of [...which].reverse()) await p.stop(force);
  }
}
