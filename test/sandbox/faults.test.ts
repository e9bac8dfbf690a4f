import http from 'node:http';
import { describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../helpers/sandbox';
import { useSandbox } from './use-sandbox';

/** Faults that hold a request: before the provider acts on it (delayMs), or after, holding only its answer (answerDelayMs). */
const TOKEN = 'ya29.faults-access';
const sb: RunningSandbox = useSandbox(async () => {
  await sb.control.seed('google', {
    clients: [{ clientId: 'faults.apps.googleusercontent.com', clientSecret: 'GOCSPX-faults', redirectUris: [] }],
    users: [{ email: 'faults@example.com', clientId: 'faults.apps.googleusercontent.com', refreshToken: '1//faults', accessToken: TOKEN, accessTokenExpiresInSeconds: 3600 }],
  });
});

/** Sends a batch create and hangs up after `giveUpMs`, as a worker process killed while waiting would; answers whether an answer came first. */
function createThenHangUp(giveUpMs: number): Promise<'answered' | 'hung up'> {
  const body = JSON.stringify({ contacts: [{ contactPerson: { names: [{ givenName: 'Held' }] } }], readMask: 'names' });
  const url = new URL(`${sb.baseUrl}/google/v1/people:batchCreateContacts`);
  return new Promise((resolve) => {
    const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, 'content-length': Buffer.byteLength(body) } });
    req.on('error', () => resolve('hung up'));
    req.on('response', () => resolve('answered'));
    req.end(body);
    setTimeout(() => req.destroy(), giveUpMs);
  });
}

const contacts = async (): Promise<unknown[]> => {
  const res = await fetch(`${sb.baseUrl}/google/v1/people/me/connections?personFields=names`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return ((await res.json()) as { connections?: unknown[] }).connections ?? [];
};
const settle = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('held requests', () => {
  it('delayMs holds the request before the provider acts: a client that gives up changed nothing', async () => {
    await sb.control.armFault({ provider: 'google', path: 'batchCreateContacts', delayMs: 400 });
    expect(await createThenHangUp(100)).toBe('hung up');
    await settle(600);
    expect(await contacts()).toEqual([]);
  });

  it('answerDelayMs holds only the answer: the provider acted, and a client that gives up never learns it', async () => {
    await sb.control.armFault({ provider: 'google', path: 'batchCreateContacts', answerDelayMs: 400 });
    expect(await createThenHangUp(100)).toBe('hung up');
    expect(await contacts()).toHaveLength(1);
    await settle(600);
    expect(await contacts()).toHaveLength(1);
  });
});
