/**
 * The extraction benchmark's baseline: what a plain script does with no Temporal, no S3 and no checkpoints.
 * Fetches every page of the demo API in order, maps each record to the benchmark's columns, and writes the same
 * CSV to a local file through csv-stringify. Prints `baseline records=<n> seconds=<s>`.
 *   node --import tsx bench/extract-baseline.ts <list url> <out file>
 */
import fs from 'node:fs';
import { once } from 'node:events';
import { stringify } from 'csv-stringify';

interface Rec {
  id: number;
  name: string;
  email: string;
  status: string;
  amount: number;
  currency: string;
  owner: { name: string };
  address: { city: string; country: string };
  updated_at: string;
}

const BENCH_COLUMNS = ['id', 'name', 'email', 'status', 'amount', 'currency', 'owner_name', 'city', 'country', 'updated_at'];

async function main(): Promise<void> {
  const [url, out] = process.argv.slice(2);
  if (!url || !out) throw new Error('usage: extract-baseline <list url> <out file>');
  const t0 = Date.now();
  const file = fs.createWriteStream(out);
  const csv = stringify({ header: true, columns: BENCH_COLUMNS, record_delimiter: '\n' });
  csv.pipe(file);
  let records = 0;
  for (let page = 1; ; page++) {
    const res = await fetch(`${url}?per_page=100&page=${page}`);
    const body = (await res.json()) as { data: Rec[]; info: { more_records: boolean } };
    for (const r of body.data) {
      const ok = csv.write([r.id, r.name, r.email, r.status, r.amount, r.currency, r.owner.name, r.address.city, r.address.country, r.updated_at]);
      if (!ok) await once(csv, 'drain');
    }
    records += body.data.length;
    if (!body.info.more_records) break;
  }
  csv.end();
  await once(file, 'finish');
  process.stdout.write(`baseline records=${records} seconds=${((Date.now() - t0) / 1000).toFixed(3)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
