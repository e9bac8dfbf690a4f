import { MongoClient } from 'mongodb';
async function main() {
  const c = new MongoClient('mongodb://127.0.0.1:27017/?directConnection=true', { serverSelectionTimeoutMS: 5000 });
  await c.connect();
  let t = Date.now();
  await c.db('admin').command({ ping: 1 });
  process.stderr.write(`ping ${Date.now() - t}\n`);
  t = Date.now();
  const r = await c.db('switchyard').collection('accounts').findOne({});
  process.stderr.write(`findOne switchyard ${Date.now() - t} ${!!r}\n`);
  await c.close();
}
main().catch((e) => process.stderr.write('ERR ' + e + '\n'));
