import fs from 'node:fs';
import path from 'node:path';
import type { Settings } from '../config';

/** Where the local stack keeps what it installs and the data of the servers it starts (git-ignored). */
export interface StackPaths {
  root: string;
  venv: string;
  venvBin: string;
  bin: string;
  data: string;
  logs: string;
  run: string;
  repo: string;
}

export function stackPaths(settings: Pick<Settings, 'STACK_DIR'>): StackPaths {
  const root = path.resolve(settings.STACK_DIR);
  const p: StackPaths = {
    root,
    venv: path.join(root, 'venv'),
    venvBin: path.join(root, 'venv', 'bin'),
    bin: path.join(root, 'bin'),
    data: path.join(root, 'data'),
    logs: path.join(root, 'logs'),
    run: path.join(root, 'run'),
    repo: path.resolve(__dirname, '..'),
  };
  for (const dir of [p.root, p.bin, p.data, p.logs, p.run]) fs.mkdirSync(dir, { recursive: true });
  return p;
}
