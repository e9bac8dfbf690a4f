import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { tsEntry } from '../stack/proc';

const repo = path.join(__dirname, '..');

/** A numeric `--name value` argument of a benchmark, or its default. */
export function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

/** The sandbox in its own process on `port` (so the benchmark's processes do not share its CPU time), once it listens. */
export async function startSandboxProcess(port: number): Promise<ChildProcess> {
  const [node, args] = tsEntry(repo, 'sandbox/main.ts');
  const child = spawn(node, args, { cwd: repo, env: { ...process.env, SANDBOX_PORT: String(port), LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('listening')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`sandbox exited with ${code}`)));
  });
  return child;
}
