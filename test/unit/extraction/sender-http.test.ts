import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSender } from '../../../activities/extraction/sender';

// What an extraction request does on the wire, whatever HTTP client sends it: redirects followed the way fetch
// follows them (and the URL that answered reported), compressed answers decoded, repeated headers kept, a server
// that does not answer in time turned into a retryable failure that names the path and never the query.

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

let seen: Seen[] = [];
let other: http.Server;
let main: http.Server;
let base = '';
let otherBase = '';

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function record(req: http.IncomingMessage, then: (s: Seen) => void): void {
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString()));
  req.on('end', () => {
    const s = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
    seen.push(s);
    then(s);
  });
}

beforeAll(async () => {
  other = http.createServer((req, res) => record(req, () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"on":"other"}')));
  main = http.createServer((req, res) =>
    record(req, (s) => {
      const path = s.url.split('?')[0];
      if (path === '/temp') return res.writeHead(307, { location: '/final?x=1' }).end();
      if (path === '/see-other') return res.writeHead(303, { location: '/final' }).end();
      if (path === '/away') return res.writeHead(302, { location: `${otherBase}/there` }).end();
      if (path === '/loop') return res.writeHead(302, { location: '/loop' }).end();
      if (path === '/gzip') {
        const json = JSON.stringify({ data: [{ id: 1 }, { id: 2 }], big: '9007199254740993' });
        return res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(zlib.gzipSync(json));
      }
      if (path === '/links') {
        res.setHeader('link', ['<https://a.example/?page=2>; rel="next"', '<https://a.example/?page=9>; rel="last"']);
        res.setHeader('x-rate', '7');
        return res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":[]}');
      }
      if (path === '/slow') return setTimeout(() => res.writeHead(200).end('{}'), 1500).unref();
      if (path === '/text') return res.writeHead(200, { 'content-type': 'text/plain' }).end('not json');
      return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ method: s.method, url: s.url }));
    }),
  );
  otherBase = await listen(other);
  base = await listen(main);
});

afterAll(async () => {
  main.closeAllConnections();
  other.closeAllConnections();
  await new Promise((r) => main.close(r));
  await new Promise((r) => other.close(r));
});

const sender = (timeoutMs = 5_000) => createSender({ timeoutMs, network: { allowLoopback: true, allowPrivate: false, apiPort: null } });

describe('extraction requests on the wire', () => {
  it('follow a 307 with the same method and body, and report the URL that answered', async () => {
    seen = [];
    const res = await sender()({ method: 'POST', url: `${base}/temp`, headers: { 'content-type': 'application/json' }, body: { q: 1 } });
    expect(res.status).toBe(200);
    expect(res.url).toBe(`${base}/final?x=1`);
    expect(seen.map((s) => [s.method, s.url, s.body])).toEqual([
      ['POST', '/temp', '{"q":1}'],
      ['POST', '/final?x=1', '{"q":1}'],
    ]);
  });

  it('follow a 303 with a GET and no body', async () => {
    seen = [];
    const res = await sender()({ method: 'POST', url: `${base}/see-other`, headers: {}, body: { q: 1 } });
    expect(res.body).toEqual({ method: 'GET', url: '/final' });
    expect(seen[1]).toMatchObject({ method: 'GET', body: '' });
    expect(seen[1]!.headers['content-type']).toBeUndefined();
  });

  it('drop the Authorization header when a redirect leaves the origin', async () => {
    seen = [];
    const res = await sender()({ method: 'GET', url: `${base}/away`, headers: { authorization: 'Bearer secret-token', 'x-keep': 'yes' }, body: undefined });
    expect(res.url).toBe(`${otherBase}/there`);
    expect(res.body).toEqual({ on: 'other' });
    expect(seen[0]!.headers.authorization).toBe('Bearer secret-token');
    expect(seen[1]!.headers.authorization).toBeUndefined();
    expect(seen[1]!.headers['x-keep']).toBe('yes');
  });

  it('give up on a redirect loop with a clear, retry-free message', async () => {
    const err = await sender()({ method: 'GET', url: `${base}/loop?token=abc`, headers: {}, body: undefined }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as Error).message).toMatch(/more than 20 redirects/);
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    expect((err as Error).message).not.toContain('token=abc');
  });

  it('ask for compressed answers and decode them, integers past 2^53 exact', async () => {
    seen = [];
    const res = await sender()({ method: 'GET', url: `${base}/gzip`, headers: {}, body: undefined });
    expect(seen[0]!.headers['accept-encoding']).toMatch(/gzip/);
    expect(res.body).toEqual({ data: [{ id: 1 }, { id: 2 }], big: '9007199254740993' });
  });

  it('keep every value of a repeated header, lower-cased names, and text that is not JSON as text', async () => {
    const res = await sender()({ method: 'GET', url: `${base}/links`, headers: {}, body: undefined });
    expect(res.headers.link).toBe('<https://a.example/?page=2>; rel="next", <https://a.example/?page=9>; rel="last"');
    expect(res.headers['x-rate']).toBe('7');
    const text = await sender()({ method: 'GET', url: `${base}/text`, headers: {}, body: undefined });
    expect(text.body).toBe('not json');
    expect(text.bytes).toBe(8);
  });

  it('turn a server that does not answer in time into a retryable failure naming the path, not the query', async () => {
    const err = await sender(300)({ method: 'GET', url: `${base}/slow?api_key=hidden`, headers: {}, body: undefined }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).nonRetryable).toBe(false);
    expect((err as Error).message).toContain('/slow');
    expect((err as Error).message).toContain('timed out after 300 ms');
    expect((err as Error).message).not.toContain('hidden');
  });

  it('stop at once when the activity is cancelled', async () => {
    const ac = new AbortController();
    const p = sender()({ method: 'GET', url: `${base}/slow`, headers: {}, body: undefined }, ac.signal);
    setTimeout(() => ac.abort(new Error('activity cancelled')), 50);
    const t0 = Date.now();
    await expect(p).rejects.toThrow();
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});
