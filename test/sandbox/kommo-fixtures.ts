import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import type { RunningSandbox } from '../helpers/sandbox';
import { useSandbox } from './use-sandbox';

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
  const rx = new Receiver();
  beforeAll(() => rx.start());
  afterAll(() => rx.stop());
  const sb = useSandbox(async () => {
    rx.received = [];
    rx.script = [];
    await setup?.();
  });
  return { sb, rx };
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

export interface Contact {
  id: number;
  name: string;
  updated_at: number;
  created_at: number;
  is_deleted: boolean;
  account_id: number;
  custom_fields_values: { field_id: number; field_name: string; field_code: string; field_type: string; values: { value: string; enum_id: number; enum_code: string }[] }[] | null;
  _links: { self: { href: string } };
  _embedded: Record<string, unknown[]>;
}
export interface Page {
  _page: number;
  _links: { self: { href: string }; next?: { href: string } };
  _embedded: { contacts: Contact[] };
}
export interface Problem {
  title: string;
  status: number;
  'validation-errors'?: { request_id: string; errors: { code: string; path: string; detail: string }[] }[];
}

export interface ContactsKit {
  sb: RunningSandbox;
  /** Seeds the account `subdomain` with a token, generated and/or listed contacts; answers the seeded id range. */
  seed(generate?: Record<string, unknown>, contacts?: unknown[]): Promise<{ firstId: number; lastId: number }>;
  /** An API call with the account's bearer token (JSON body when given). */
  api(path: string, init?: RequestInit): Promise<Response>;
  /** GET /api/v4/contacts<query>, the body parsed when there is one. */
  page(query: string): Promise<{ status: number; body: Page; type: string | null }>;
}

/** The contacts tests' set-up: one account (no rate limit) reached with one access token. */
export function useKommoContacts(subdomain: string, accessToken: string, accountId: number): ContactsKit {
  const sb: RunningSandbox = useSandbox(async () => {
    await sb.control.configure('kommo', { rateLimit: { perSecond: 0 } });
  });
  const seed: ContactsKit['seed'] = async (generate, contacts) => {
    const res = await sb.control.seed<{ accounts: { contacts: { firstId: number; lastId: number } }[] }>('kommo', {
      accounts: [
        {
          subdomain,
          accountId,
          tokens: [{ accessToken }],
          ...(generate ? { generateContacts: generate } : {}),
          ...(contacts ? { contacts } : {}),
        },
      ],
    });
    const c = res.accounts[0]?.contacts;
    if (!c) throw new Error('no contacts');
    return c;
  };
  const api: ContactsKit['api'] = (path, init = {}) =>
    fetch(`${sb.baseUrl}/kommo/${subdomain}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${accessToken}`, ...(init.body ? { 'content-type': 'application/json' } : {}), ...(init.headers ?? {}) },
    });
  const page: ContactsKit['page'] = async (query) => {
    const res = await api(`/api/v4/contacts${query}`);
    const text = await res.text();
    return { status: res.status, type: res.headers.get('content-type'), body: (text ? JSON.parse(text) : undefined) as Page };
  };
  return { sb, seed, api, page };
}
