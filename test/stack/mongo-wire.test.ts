import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MongoClient } from 'mongodb';
import { loadSettings } from '../../config';
import { mongoServer } from '../../stack/install';
import { stackPaths } from '../../stack/paths';
import { startProcess, stopProcess, tcpOpen, waitUntil } from '../../stack/proc';
import { freePort } from '../helpers/free-port';

const server = mongoServer(stackPaths(loadSettings()), () => undefined);
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

// The local MongoDB-wire server (FerretDB on SQLite, stack/mongo-wire); a real mongod on PATH replaces it.
describe.skipIf(server.kind !== 'ferretdb')('the local MongoDB-wire server', () => {
  it('starts over a database file that holds no table (FerretDB alone refuses to), and deletes only that file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-mongowire-'));
    dirs.push(dir);
    const port = await freePort();
    const uri = `mongodb://127.0.0.1:${port}/?directConnection=true`;
    // Its output goes to <dir>/mongodb.log (startProcess), read below; a start that fails shows the log's tail.
    const start = async () => {
      const { child, logFile } = startProcess('mongodb', server.binary, ['-listen', `127.0.0.1:${port}`, '-dir', dir], { logDir: dir });
      await waitUntil(`the MongoDB-wire server on port ${port}`, () => tcpOpen('127.0.0.1', port), 10_000, child, logFile);
      return { child, logFile };
    };

    // A database with data, written by the server itself.
    const first = await start();
    let client = await MongoClient.connect(uri);
    await client.db('kept').collection('things').insertOne({ _id: 'a' as never, n: 1 });
    await client.close();
    await stopProcess(first.child);

    // A file without any table, as a database dropped while something reopened it leaves behind.
    fs.writeFileSync(path.join(dir, 'leftover.sqlite'), '');
    const { child, logFile } = await start();
    try {
      client = await MongoClient.connect(uri);
      expect(await client.db('kept').collection('things').findOne({ _id: 'a' as never })).toEqual({ _id: 'a', n: 1 });
      expect((await client.db().admin().listDatabases()).databases.map((d) => d.name)).toContain('kept');
      await client.close();
      expect(fs.existsSync(path.join(dir, 'leftover.sqlite'))).toBe(false);
      expect(fs.existsSync(path.join(dir, 'kept.sqlite'))).toBe(true);
      expect(fs.readFileSync(logFile, 'utf8')).toContain('removed leftover.sqlite');
    } finally {
      await stopProcess(child);
    }
  }, 60_000);
});
