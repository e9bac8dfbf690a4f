/**
 * `npm run bench -- sandbox [--repeat 5]`
 *
 * How fast the sandbox's fakes serve the large data sets the tests and the other benchmarks lean on. These were
 * bounds inside tests ("under 50 ms"); on a shared machine they say more about the neighbours than about the
 * code, so they are measured here and the tests keep only the behaviour (right records, right pages). Every
 * figure is the median of --repeat runs, in milliseconds, against an in-process sandbox:
 *
 *   demo_view_10m_ms      one page 9,999,900 records deep into a 10M-record demo view (pure, no HTTP)
 *   demo_page_1m_ms       GET page 10,000 of a 1M-record demo data set
 *   demo_deep_pages_ms    100 consecutive next-link pages around page 9,800 of the same data set
 *   google_seed_5000_ms   seeding 5,000 Google users in one control call
 *   google_refresh_500_ms 500 concurrent refresh-token grants against them
 *   kommo_seed_50k_ms     seeding a Kommo account with 50,000 generated contacts
 *   kommo_deep_page_ms    GET contacts page 200 (limit 250) of that account
 */
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { buildSandbox } from '../sandbox/app';
import { SandboxControl } from '../sandbox/client';
import { buildView, type Timeline } from '../sandbox/demo/dataset';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const REPEAT = Math.max(1, arg('repeat', 5));
const GOOGLE_CLIENT = { clientId: 'bench-sandbox.apps.googleusercontent.com', clientSecret: 'bench-sandbox-secret' };
const KOMMO = { subdomain: 'bench', accountId: 29_000_009, accessToken: 'bench-sandbox-kommo-at' };

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

/** Median wall time of `fn` over REPEAT runs; `before` (untimed) prepares each run. */
async function timed(fn: () => Promise<void> | void, before?: () => Promise<void>): Promise<number> {
  const runs: number[] = [];
  for (let i = 0; i < REPEAT; i++) {
    await before?.();
    const t0 = performance.now();
    await fn();
    runs.push(performance.now() - t0);
  }
  return median(runs);
}

async function ok(res: Promise<Response>, what: string): Promise<void> {
  const r = await res;
  await r.arrayBuffer();
  if (r.status !== 200) throw new Error(`${what} answered ${r.status}`);
}

async function main(): Promise<void> {
  const sandbox = await buildSandbox({ baseUrl: 'http://127.0.0.1:0' });
  await sandbox.app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(sandbox.app.server.address() as AddressInfo).port}`;
  sandbox.ctx.baseUrl = base;
  const control = new SandboxControl(base);
  const out: Record<string, number> = {};
  try {
    const big: Timeline = { epochMs: Date.parse('2024-01-01T00:00:00Z'), stepMs: 30_000, count: 10_000_000 };
    out.demo_view_10m_ms = await timed(() => {
      const ids = buildView(big, new Map(), { inclusive: true, sort: 'id' }).slice(9_999_900, 100);
      if (ids[0] !== 9_999_901) throw new Error(`deep view starts at ${String(ids[0])}`);
    });

    await control.configure('demo', { count: 1_000_000 });
    out.demo_page_1m_ms = await timed(() => ok(fetch(`${base}/demo/api/more-records/records?page=10000&per_page=100`), 'demo page 10,000'));
    out.demo_deep_pages_ms = await timed(async () => {
      for (let p = 9_800; p < 9_900; p++) await ok(fetch(`${base}/demo/api/next-link/records?page=${p}&per_page=100`), `demo page ${p}`);
    });

    const seedGoogle = async (): Promise<void> => {
      await control.seed('google', { clients: [{ ...GOOGLE_CLIENT, redirectUris: [] }] });
      await control.seed('google', { generate: { count: 5000, prefix: 'bench', clientId: GOOGLE_CLIENT.clientId } });
    };
    out.google_seed_5000_ms = await timed(seedGoogle, () => control.resetProvider('google'));
    out.google_refresh_500_ms = await timed(async () => {
      await Promise.all(
        Array.from({ length: 500 }, (_, i) =>
          ok(
            fetch(`${base}/google/token`, {
              method: 'POST',
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
              body: new URLSearchParams({ grant_type: 'refresh_token', client_id: GOOGLE_CLIENT.clientId, client_secret: GOOGLE_CLIENT.clientSecret, refresh_token: `1//rt-bench${i + 1}` }).toString(),
            }),
            'google refresh',
          ),
        ),
      );
    });

    await control.configure('kommo', { rateLimit: { perSecond: 0 } });
    const seedKommo = (): Promise<unknown> =>
      control.seed('kommo', { accounts: [{ subdomain: KOMMO.subdomain, accountId: KOMMO.accountId, tokens: [{ accessToken: KOMMO.accessToken }], generateContacts: { count: 50_000 } }] });
    out.kommo_seed_50k_ms = await timed(async () => void (await seedKommo()), async () => {
      await control.resetProvider('kommo');
      await control.configure('kommo', { rateLimit: { perSecond: 0 } });
    });
    out.kommo_deep_page_ms = await timed(() =>
      ok(fetch(`${base}/kommo/${KOMMO.subdomain}/api/v4/contacts?limit=250&page=200`, { headers: { authorization: `Bearer ${KOMMO.accessToken}` } }), 'kommo page 200'),
    );
  } finally {
    await sandbox.app.close();
  }
  const figures = Object.entries(out).map(([k, v]) => `${k}=${v.toFixed(1)}`);
  process.stdout.write(`bench sandbox: repeat=${REPEAT} ${figures.join(' ')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench sandbox failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
