import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FailureType, ProviderError } from '../../providers/errors';
import { HttpClient, WindowPacer } from '../../providers/http';

/** A tiny HTTP server whose next answers a test scripts, recording when each request arrived. */
let server: http.Server;
let base: string;
let script: { status: number; headers?: Record<string, string>; body?: string; hang?: boolean }[] = [];
let arrivals: { at: number; url: string; auth: string | undefined; body: string }[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      arrivals.push({ at: Date.now(), url: req.url ?? '', auth: req.headers.authorization, body });
      const next = script.shift() ?? { status: 200, body: '{"ok":true}' };
      if (next.hang) return;
      res.writeHead(next.status, { 'content-type': 'application/json', ...next.headers });
      res.end(next.body ?? '');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
beforeEach(() => {
  script = [];
  arrivals = [];
});

const SECRET = 'secret-token-7f3a';

/** Every rendering of an error an operator or a log could see. */
const renderings = (err: unknown): string[] => [JSON.stringify(err), inspect(err, { depth: 20, showHidden: true }), String(err), (err as Error).stack ?? ''];

describe('HttpClient', () => {
  it('answers parsed JSON and sends query, JSON body and headers', async () => {
    script.push({ status: 200, body: '{"a":[1,2]}' });
    const client = new HttpClient({ provider: 'test' });
    const res = await client.send({ method: 'POST', url: `${base}/x`, query: { ids: ['1', '2'], skip: undefined, n: 3 }, json: { k: 'v' }, headers: { authorization: `Bearer ${SECRET}` } });
    expect(res.data).toEqual({ a: [1, 2] });
    expect(arrivals[0]!.url).toBe('/x?ids=1&ids=2&n=3');
    expect(arrivals[0]!.body).toBe('{"k":"v"}');
    expect(arrivals[0]!.auth).toBe(`Bearer ${SECRET}`);
  });

  it('retries a 429 after its Retry-After, within the budget', async () => {
    script.push({ status: 429, headers: { 'retry-after': '2' }, body: '{"error":"slow down"}' }, { status: 200, body: '{"ok":1}' });
    const retries: number[] = [];
    const client = new HttpClient({ provider: 'test', retry: { attempts: 3, maxWaitMs: 10_000 }, onRetry: (_e, _a, delay) => retries.push(delay) });
    const res = await client.send({ method: 'GET', url: `${base}/page` });
    expect(res.data).toEqual({ ok: 1 });
    expect(retries).toEqual([2000]);
    expect(arrivals).toHaveLength(2);
    // The second request came no sooner than the provider asked.
    expect(arrivals[1]!.at - arrivals[0]!.at).toBeGreaterThanOrEqual(2000);
  });

  it('gives up at once when Retry-After exceeds what is left of the budget, with the delay on the error', async () => {
    script.push({ status: 429, headers: { 'retry-after': '120' } });
    const client = new HttpClient({ provider: 'test', retry: { attempts: 5, maxWaitMs: 60_000 } });
    const err = await client.send({ method: 'GET', url: `${base}/page` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).kind).toBe(FailureType.RateLimited);
    expect((err as ProviderError).details.retryAfterMs).toBe(120_000);
    expect(arrivals).toHaveLength(1);
  });

  it('does not retry what retrying cannot fix', async () => {
    script.push({ status: 400, body: '{"error":"bad"}' });
    const client = new HttpClient({ provider: 'test', retry: { attempts: 5, maxWaitMs: 60_000 } });
    const err = (await client.send({ method: 'GET', url: `${base}/page` }).catch((e: unknown) => e)) as ProviderError;
    expect(err.kind).toBe(FailureType.Invalid);
    expect(err.message).toContain('HTTP 400');
    expect(arrivals).toHaveLength(1);
  });

  it('never carries the request (query, headers, body) in an error, whatever the failure', async () => {
    const client = new HttpClient({ provider: 'test', timeoutMs: 300 });
    const req = {
      method: 'POST' as const,
      url: `${base}/token?refresh_token=${SECRET}`,
      query: { client_secret: SECRET },
      headers: { authorization: `Bearer ${SECRET}` },
      form: { refresh_token: SECRET },
    };
    script.push({ status: 500, body: '{"error":"internal"}' });
    const http500 = await client.send(req).catch((e: unknown) => e);
    script.push({ status: 200, hang: true });
    const timeout = await client.send(req).catch((e: unknown) => e);
    const refused = await new HttpClient({ provider: 'test' }).send({ ...req, url: 'http://127.0.0.1:1/token' }).catch((e: unknown) => e);
    for (const err of [http500, timeout, refused]) {
      expect(err).toBeInstanceOf(ProviderError);
      expect((err as ProviderError).kind).toBe(FailureType.Transient);
      for (const text of renderings(err)) expect(text).not.toContain(SECRET);
    }
    expect((timeout as ProviderError).message).toContain('timed out');
    expect((refused as ProviderError).details.code).toBe('ECONNREFUSED');
  });
});

describe('WindowPacer', () => {
  it('lets at most `limit` calls start in any window', async () => {
    let now = 0;
    const pacer = new WindowPacer(3, 1000, () => now);
    for (let i = 0; i < 3; i++) await pacer.take();
    let fourth = false;
    const pending = pacer.take().then(() => (fourth = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(fourth).toBe(false);
    now = 1001;
    await pending;
    expect(fourth).toBe(true);
  });
});
