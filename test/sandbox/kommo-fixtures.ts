import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { startSandbox, type RunningSandbox } from '../helpers/sandbox';

/** Shared set-up of the Kommo fake tests. */

export interface Received {
  contentType: string;
  form: Record<string, string>;
}

/** A receiver whose answers a test scripts: status codes or delays per call, then 200. */
export class Receiver {
  server: Server;
  received: Received[] = [];
  script: ({ status: number } | { delayMs: number })[] = [];
  url = '';
  constructor() {
    this.server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        this.received.push({ contentType: req.headers['content-type'] ?? '', form: Object.fromEntries(new URLSearchParams(body)) });
        const step = this.script.shift();
        if (step && 'delayMs' in step) {
          setTimeout(() => res.writeHead(200).end('late'), step.delayMs);
          return;
        }
        res.writeHead(step?.status ?? 200).end();
      });
    });
  }
  async start(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/kommo/webhook`;
  }
  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

/**
 * useSandbox plus a webhook receiver for the file: both started once, the sandbox reset and the receiver
 * emptied before every test, then `setup` runs.
 */
export function useSandboxWithReceiver(setup?: () => Promise<void>): { sb: RunningSandbox; rx: Receiver } {
  const out = { sb: {} as RunningSandbox, rx: new Receiver() };
  beforeAll(async () => {
    Object.assign(out.sb, await startSandbox());
    await out.rx.start();
  });
  afterAll(async () => {
    await out.rx.stop();
    await out.sb.close();
  });
  beforeEach(async () => {
    await out.sb.control.reset();
    out.rx.received = [];
    out.rx.script = [];
    await setup?.();
  });
  return out;
}

/** The account's webhook deliveries once `count` exist and none is pending (retries run on real timers). */
export async function settledDeliveries<D extends { status: string }>(sb: RunningSandbox, subdomain: string, count = 1, timeoutMs = 5_000): Promise<D[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const state = await sb.control.state<{ accounts: { deliveries: D[] }[] }>('kommo', { subdomain, contacts: '0' });
    const list = state.accounts[0]?.deliveries ?? [];
    if (list.length >= count && list.every((d) => d.status !== 'pending')) return list;
    if (Date.now() > until) throw new Error(`deliveries did not settle: ${JSON.stringify(list)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
