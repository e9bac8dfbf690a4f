/**
 * `npm run bench -- <name>`: runs bench/<name>.ts, which brings up what it needs like the tests do and ends
 * with one line `bench <name>: key=value ...`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

const name = process.argv[2];
const available = fs.readdirSync(__dirname).filter((f) => f.endsWith('.bench.ts')).map((f) => f.replace(/\.bench\.ts$/, ''));
if (!name || !available.includes(name)) {
  process.stderr.write(`usage: npm run bench -- <name>\navailable: ${available.join(', ') || '(none yet)'}\n`);
  process.exit(2);
}
const res = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', path.join(__dirname, `${name}.bench.ts`), ...process.argv.slice(3)], { stdio: 'inherit' });
process.exit(res.status ?? 1);
