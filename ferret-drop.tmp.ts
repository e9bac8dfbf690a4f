import { MongoClient } from 'mongodb';
async function main() {
  const c = new MongoClient('mongodb://127.0.0.1:27017/?directConnection=true', { serverSelectionTimeoutMS: 5000 });
  await c.connect();
  const name = process.argv[2]!;
  const t = Date.now();
  const r = await c.db(name).collection('m').findOne({}).catch((e) => String(e));
  process.stderr.write(`find ${name} ${Date.now() - t} ${JSON.stringify(r)}\n`);
  await c.db(name).dropDatabase();
  process.stderr.write(`dropped ${name} ${Date.now() - t}\n`);
  await c.close();
}
main().catch((e) => process.stderr.write('ERR ' + e + '\n'));
