import type { Settings } from '../config';
import { isLoopback, type Listen } from './addresses';
import { runInstallSteps } from './install';
import { stackPaths } from './paths';
import { tcpOpen, describeExit, type StackLog } from './proc';
import { formatMs, type RestartPolicy } from './restart';
import { SERVICES, type ServiceDef, type ServiceHandle, type ServiceName } from './services';
import { OwnedProcesses, type Supervised } from './supervisor';
import { waitForAll, type WaitItem, type WaitOptions } from './waiting';

export interface RunningStack {
  services: ServiceHandle[];
  /** Stops what this call started, in reverse order; reused servers keep running. */
  stop(): Promise<void>;
}

export interface StackOptions {
  /** The processes of the calling command, shared across calls (`npm start`); a fresh set when unset. */
  owned?: OwnedProcesses;
  /** Restart what this call starts when it dies later, by this policy; unset: nothing is restarted. */
  restart?: RestartPolicy;
  wait?: WaitOptions;
}

type Probe = { kind: 'answers' } | { kind: 'occupied'; at: Listen } | { kind: 'free' };

/**
 * Brings up the named services. Whatever answers is reused (even unhealthy); a port that accepts connections but
 * does not answer yet is waited for (a server starting up), never started twice; a port taken by something else
 * fails the start naming it. Then every missing install runs, one at a time, before anything is timed; then what is
 * missing starts, and the stack waits for it with progress lines. When any step fails, exactly what this call
 * started is stopped.
 */
export async function ensureStack(settings: Settings, names: ServiceName[], log: StackLog = () => undefined, opts: StackOptions = {}): Promise<RunningStack> {
  const paths = stackPaths(settings);
  const owned = opts.owned ?? new OwnedProcesses(paths.logs, log);
  const started: Supervised[] = [];
  const services: ServiceHandle[] = [];
  try {
    const states = await whatRuns(names, settings, log, opts.wait);
    const missing = names.filter((n) => states.get(n) === 'free').map((n) => SERVICES[n]);
    for (const def of missing) await checkStartable(def, settings);

    await runInstallSteps(missing.flatMap((def) => def.install?.(paths) ?? []), owned, log);

    const waits: WaitItem[] = [];
    for (const name of names) {
      const def = SERVICES[name];
      const url = def.url(settings);
      if (states.get(name) === 'answers') {
        const who = await def.whoRuns?.(settings).catch(() => undefined);
        services.push({ name, url, reused: true, detail: who ?? 'already running', stop: async () => undefined });
        continue;
      }
      const { process: spec, detail } = def.spec(settings, paths, log);
      const proc = owned.start(spec);
      started.push(proc);
      const gone = (): string | undefined => (proc.exit ? describeExit(proc.exit) : undefined);
      waits.push({ name, detail: url, check: () => def.isUp(settings), timeoutMs: def.startTimeoutMs, gone, logFile: proc.logFile });
      services.push({ name, url, reused: false, detail, process: proc, logFile: proc.logFile, stop: () => proc.stop() });
    }
    await waitForAll(waits, log, opts.wait);
    for (const name of names) await SERVICES[name].ready?.(settings);
  } catch (err) {
    const running = started.filter((p) => !p.exit).map((p) => p.spec.name);
    if (running.length && !owned.stopping) log(`start failed; stopping what it started: ${running.join(', ')}`);
    await owned.stop(started);
    throw err;
  }
  if (opts.restart) {
    for (const handle of services) {
      const def = SERVICES[handle.name];
      handle.process?.supervise({ policy: opts.restart, vetoRestart: () => somethingElseAnswers(def, settings) });
    }
  }
  return { services, stop: () => owned.stop(started) };
}

/**
 * Which services answer and which are missing. A port that accepts connections without answering yet is waited
 * for (a server starting up, maybe by another `npm start`) before anything starts, and then the missing ones are
 * asked again: what came up meanwhile is reused.
 */
async function whatRuns(names: ServiceName[], s: Settings, log: StackLog, wait: WaitOptions | undefined): Promise<Map<ServiceName, 'answers' | 'free'>> {
  const states = new Map<ServiceName, 'answers' | 'free'>();
  let ask = names;
  while (ask.length) {
    const probes = await Promise.all(ask.map(async (name) => ({ def: SERVICES[name], state: await probe(SERVICES[name], s) })));
    const waits: WaitItem[] = [];
    for (const { def, state } of probes) {
      if (state.kind !== 'occupied') {
        states.set(def.name, state.kind);
        continue;
      }
      log(`${def.name}: ${state.at.host}:${state.at.port} accepts connections but does not answer as ${def.title} yet; waiting for it rather than starting another`);
      const because = `it accepts connections but did not answer as ${def.title} within ${formatMs(def.startTimeoutMs)}`;
      waits.push({ name: def.name, detail: def.url(s), check: () => def.isUp(s), timeoutMs: def.startTimeoutMs, timeoutMessage: takenMessage(def, state.at, because) });
      states.set(def.name, 'answers');
    }
    if (!waits.length) break;
    await waitForAll(waits, log, wait);
    ask = ask.filter((name) => states.get(name) === 'free');
  }
  return states;
}

/** Whether it answers, or its port is taken, or nothing is there; throws when what answers is not it. */
async function probe(def: ServiceDef, s: Settings): Promise<Probe> {
  if (await def.isUp(s).catch(() => false)) return { kind: 'answers' };
  const at = def.address(s);
  if (!at || !(await tcpOpen(at.host, at.port))) return { kind: 'free' };
  const foreign = await def.foreign?.(s).catch(() => undefined);
  if (foreign) throw new Error(takenMessage(def, at, foreign));
  return { kind: 'occupied', at };
}

function takenMessage(def: ServiceDef, at: Listen, because: string): string {
  return `${def.name}: ${at.host}:${at.port} (${at.what}) is taken by something that is not ${def.title} (${because}). Stop what runs there, or set ${at.setting} to another port.`;
}

/** Throws when the stack may not start it here, or when one of the other ports it would bind is taken. */
async function checkStartable(def: ServiceDef, s: Settings): Promise<void> {
  const at = def.address(s);
  const refusal = def.cannotStart?.(s) ?? (at && !isLoopback(at.host) ? `${at.setting}=${def.url(s)} does not answer, and the stack only starts servers on loopback.` : undefined);
  if (refusal) throw new Error(`${def.name}: ${refusal}`);
  for (const other of def.otherPorts?.(s) ?? []) {
    if (await tcpOpen(other.host, other.port)) {
      throw new Error(`${def.name}: cannot start it, ${other.host}:${other.port} (its ${other.what}) is taken by something else. Stop what runs there, or set ${other.setting} to another port.`);
    }
  }
}

/** Before a restart: a reason not to, when something else now answers (or holds the port) where it ran. */
async function somethingElseAnswers(def: ServiceDef, s: Settings): Promise<string | undefined> {
  const at = def.address(s);
  if (!at) return undefined;
  if (await def.isUp(s).catch(() => false)) return `${def.title} already answers at ${at.host}:${at.port}; reusing it`;
  if (await tcpOpen(at.host, at.port)) return `${at.host}:${at.port} is taken by something else now`;
  return undefined;
}

export type { ServiceHandle, ServiceName };
