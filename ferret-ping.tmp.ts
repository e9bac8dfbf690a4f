import { MongoClient } from 'mongodb';
async function main() {
  const c = new MongoClient('mongodb://127.0.0.1:27017/?directConnection=true', { serverSelectionTimeoutMS: 5000 });
  await c.connect();
  const t = Date.now();
  const dbs = await c.db().admin().listDatabases({ nameOnly: true });
  process.stderr.write(`ping ok ${Date.now() - t} ${dbs.databases.filter((d) => d.name.startsWith('scratch')).map((d) => d.name).join(',')}\n`);
  for (const d of dbs.databases) if (d.name.startsWith('scratch_kommo')) { await c.db(d.name).dropDatabase(); process.stderr.write(`dropped ${d.name}\n`); }
  await c.close();
}
main().catch((e) => process.stderr.write('ERR ' + e + '\n'));
