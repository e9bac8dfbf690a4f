import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RestartPolicy } from '../../stack/restart';
import { OwnedProcesses, StackInterrupted, type ProcessSpec } from '../../stack/supervisor';

/**
 * The supervision `npm start` puts on what it started, with tiny fake children (`node -e`): an exit is logged with
 * its code or signal and the log file, restarted by the policy's backoff until its cap, and never after a stop.
 */
const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-supervisor-'));
const owned: OwnedProcesses[] = [];
const fast: RestartPolicy = { initialDelayMs: 50, maxDelayMs: 200, maxRestarts: 3, windowMs: 60_000, stableAfterMs: 60_000 };

const crashing = (name: string): ProcessSpec => ({ name, cmd: process.execPath, args: ['-e', 'console.log("failing"); process.exit(3)'] });
const running = (name: string): ProcessSpec => ({ name, cmd: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'], stopGraceMs: 5000 });

function processes(): { lines: string[]; owned: OwnedProcesses } {
  const lines: string[] = [];
  const o = new OwnedProcesses(logDir, (l) => lines.push(l));
  owned.push(o);
  return { lines, owned: o };
}

/** Polls until cond holds; a generous deadline, only so a broken supervisor fails instead of hanging. */
async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`never saw: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

afterAll(async () => {
  for (const o of owned) await o.stop(undefined, true);
  fs.rmSync(logDir, { recursive: true, force: true });
});

describe('supervised processes', () => {
  it('restarts a process that keeps dying with doubling delays, logs each exit with its code and log, then gives up', async () => {
    const { lines, owned: o } = processes();
    const p = o.start(crashing('crashy'));
    p.supervise({ policy: fast });
    await until(() => lines.some((l) => l.includes('not restarting it again')), 'the give-up line');

    const exits = lines.filter((l) => l.startsWith('crashy exited (code 3)'));
    expect(exits).toHaveLength(4);
    expect(exits.slice(0, 3).map((l) => /restarting it in (\S+ \S+)/.exec(l)?.[1])).toEqual(['50 ms', '100 ms', '200 ms']);
    for (const l of exits) expect(l).toContain(p.logFile);
    expect(exits[3]).toContain('at most 3 restarts within 1 min');
    expect(lines.filter((l) => l.startsWith('crashy restarted'))).toHaveLength(3);
    // Each start is marked in the log, with what the process wrote after it.
    const log = fs.readFileSync(p.logFile, 'utf8');
    expect(log.match(/=== started/g)).toHaveLength(4);
    expect(log.match(/^failing$/gm)).toHaveLength(4);
  });

  it('restarts a killed process with a new pid, and a stop ends it for good', async () => {
    const { lines, owned: o } = processes();
    const p = o.start(running('killed'));
    p.supervise({ policy: fast });
    const first = p.child.pid!;
    process.kill(first, 'SIGKILL');
    await until(() => lines.some((l) => l.startsWith('killed restarted')), 'the restart');

    expect(lines[0]).toMatch(/^killed exited \(signal SIGKILL\) after .*; restarting it in 50 ms \(restart 1, at most 3 restarts within 1 min\); log: /);
    const second = p.child.pid!;
    expect(second).not.toBe(first);
    expect(isAlive(second)).toBe(true);

    await p.stop();
    expect(p.exit).toEqual({ code: null, signal: 'SIGTERM' });
    expect(isAlive(second)).toBe(false);
    // A stop is not a death: nothing is logged and nothing restarts.
    expect(lines.filter((l) => l.includes('SIGTERM'))).toEqual([]);
  });

  it('cancels a pending restart when stopped during the backoff', async () => {
    const { lines, owned: o } = processes();
    const p = o.start(crashing('stopped-in-backoff'));
    p.supervise({ policy: { ...fast, initialDelayMs: 300, maxDelayMs: 300 } });
    await until(() => lines.some((l) => l.includes('restarting it in 300 ms')), 'the backoff line');
    await p.stop();
    await new Promise((r) => setTimeout(r, 1500));
    expect(lines.filter((l) => l.includes('restarted'))).toEqual([]);
  });

  it('does not restart when something else answers in its place now, and says so', async () => {
    const { lines, owned: o } = processes();
    const p = o.start(crashing('vetoed'));
    p.supervise({ policy: fast, vetoRestart: async () => 'a server already answers at 127.0.0.1:1; reusing it' });
    await until(() => lines.some((l) => l.startsWith('vetoed not restarted')), 'the veto line');
    expect(lines.at(-1)).toBe('vetoed not restarted: a server already answers at 127.0.0.1:1; reusing it');
    expect(fs.readFileSync(p.logFile, 'utf8').match(/=== started/g)).toHaveLength(1);
  });

  it('stops everything one command started, and starts nothing once stopping', async () => {
    const { owned: o } = processes();
    const a = o.start(running('first'));
    const b = o.start(running('second'));
    const pids = [a.child.pid!, b.child.pid!];
    expect(pids.every(isAlive)).toBe(true);
    await o.stop();
    expect(pids.some(isAlive)).toBe(false);
    expect(o.stopping).toBe(true);
    expect(() => o.start(running('too-late'))).toThrow(StackInterrupted);
  });

  it('reports a command that cannot be started as an exit', async () => {
    const { owned: o } = processes();
    const p = o.start({ name: 'missing', cmd: path.join(logDir, 'no-such-binary'), args: [] });
    const exit = await p.waitExit();
    expect(exit.error).toMatch(/could not be started: .*ENOENT/);
  });
});
