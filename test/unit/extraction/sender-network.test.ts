import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSender } from '../../../activities/extraction/sender';
import type { NetworkPolicy } from '../../../extraction/network';

// The network policy is enforced on the address a connection reached, at request time: a host name, a redirect or
// a DNS answer that changed since the config was saved cannot lead an extraction to an address the policy refuses.

interface Server {
  port: number;
  hits: string[];
  close(): Promise<void>;
}

async function serve(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<Server> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, hits, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

let target: Server;
let redirector: Server;

beforeAll(async () => {
  target = await serve((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":[1]}'));
  redirector = await serve((_req, res) => res.writeHead(302, { location: `http://127.0.0.1:${target.port}/moved` }).end());
});
afterAll(async () => {
  await target.close();
  await redirector.close();
});

const policy = (over: Partial<NetworkPolicy> = {}): NetworkPolicy => ({ allowLoopback: false, allowPrivate: false, apiPort: null, ...over });
const send = (p: NetworkPolicy, url: string) => createSender({ timeoutMs: 5_000, network: p })({ method: 'GET', url, headers: {}, body: undefined });

async function refusedWith(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

describe('extraction requests under the network policy', () => {
  it('a loopback address is refused unless the policy allows it, and the server never sees the request', async () => {
    const before = target.hits.length;
    const err = await refusedWith(send(policy(), `http://127.0.0.1:${target.port}/records`));
    expect(err.type).toBe('Invalid');
    expect(err.nonRetryable).toBe(true);
    expect(err.message).toContain('a loopback address');
    expect(err.message).toContain('EXTRACT_ALLOW_LOOPBACK');
    expect(target.hits.length).toBe(before);

    const ok = await send(policy({ allowLoopback: true }), `http://127.0.0.1:${target.port}/records`);
    expect(ok).toMatchObject({ status: 200, body: { data: [1] } });
  });

  it('a host name is judged by the address it resolves to', async () => {
    const before = target.hits.length;
    const err = await refusedWith(send(policy(), `http://localhost:${target.port}/records`));
    expect(err.message).toMatch(/refused, (127\.0\.0\.1|::1) is a loopback address/);
    expect(target.hits.length).toBe(before);
  });

  it("the API's own port is refused even where loopback is allowed, also when reached by a redirect", async () => {
    const direct = await refusedWith(send(policy({ allowLoopback: true, apiPort: target.port }), `http://127.0.0.1:${target.port}/api/keys`));
    expect(direct.message).toContain("the Switchyard API's own port");

    const before = target.hits.length;
    const viaRedirect = await refusedWith(send(policy({ allowLoopback: true, apiPort: target.port }), `http://127.0.0.1:${redirector.port}/start`));
    expect(viaRedirect.message).toContain("the Switchyard API's own port");
    expect(redirector.hits).toContain('/start');
    expect(target.hits.length).toBe(before);
  });
});
