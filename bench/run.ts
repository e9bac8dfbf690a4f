/**
 * `npm run bench -- <name>`: runs bench/<name>.ts, which brings up what it needs like the tests do and ends
 * with one line `bench <name>: key=value ...`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import os from 'node:os';

const name = process.argv[2];
const available = fs.readdirSync(__dirname).filter((f) => f.endsWith('.bench.ts')).map((f) => f.replace(/\.bench\.ts$/, ''));
if (!name || !available.includes(name)) {
  process.stderr.write(`usage: npm run bench -- <name>\navailable: ${available.join(', ') || '(none yet)'}\n`);
  process.exit(2);
}
const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', path.join(__dirname, `${name}.bench.ts`), ...process.argv.slice(3)], { stdio: 'inherit' });
// A stopped `npm run bench` (Ctrl-C, `timeout`) stops the bench too, rather than leave it running on its own.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + os.constants.signals[signal] : 1)));
