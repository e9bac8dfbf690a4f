import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSender } from '../../../activities/extraction/sender';
import { encodeBody, parseConfig, refreshRequest, type HttpRequest } from '../../../extraction';
import { config, extraction, run } from './helpers';

// OAuth token endpoints take application/x-www-form-urlencoded (RFC 6749 section 4.1.3, 6); Zoho reads its refresh
// parameters from the query or a form, not from JSON. `body_format: "form"` sends the endpoint's body that way.
const formRefresh = (body: unknown, extra: Record<string, unknown> = {}) =>
  config({
    name: 'z',
    auth: {
      refresh_token: {
        endpoint: { url: 'https://accounts.test/oauth/token', body_format: 'form', body, ...extra },
        response_token_key: 'access_token',
      },
    },
    extractions: [{ name: 'a', endpoint: { url: 'https://api.test/items' } }],
  });

const received: { method: string; type: string | undefined; body: string }[] = [];
let server: http.Server;
let base: string;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      received.push({ method: req.method ?? '', type: req.headers['content-type'], body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"access_token":"t","data":[]}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
const send = (req: HttpRequest) => createSender({ timeoutMs: 5_000, network: { allowLoopback: true, allowPrivate: false, apiPort: null } })(req);

describe('form-encoded request bodies (body_format: "form")', () => {
  it('the token refresh sends its body form-encoded, secrets resolved, lists repeated, nulls left out', async () => {
    const cfg = formRefresh({ grant_type: 'refresh_token', refresh_token: '${secret::rt}', client_id: 'a b&c', scope: ['read', 'write'], audience: null, n: 5 });
    const req = refreshRequest(cfg, { secrets: { rt: 'R/+=' } });
    expect(req?.ok).toBe(true);
    if (!req?.ok) return;
    expect(req.value).toMatchObject({ method: 'POST', bodyFormat: 'form' });
    const encoded = encodeBody(req.value);
    expect(encoded).toEqual({ ok: true, value: { contentType: 'application/x-www-form-urlencoded', text: 'grant_type=refresh_token&refresh_token=R%2F%2B%3D&client_id=a+b%26c&scope=read&scope=write&n=5' } });
    received.length = 0;
    await send({ ...req.value, url: `${base}/oauth/token` });
    expect(received).toEqual([{ method: 'POST', type: 'application/x-www-form-urlencoded', body: 'grant_type=refresh_token&refresh_token=R%2F%2B%3D&client_id=a+b%26c&scope=read&scope=write&n=5' }]);
  });

  it('JSON stays the default, and a content-type the config sets is kept', async () => {
    const json = refreshRequest(formRefresh(undefined, { body_format: undefined, body: { a: 1 } }), {});
    expect(json?.ok && encodeBody(json.value)).toEqual({ ok: true, value: { contentType: 'application/json', text: '{"a":1}' } });
    const cfg = formRefresh({ a: '1' }, { headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' } });
    const req = refreshRequest(cfg, {});
    if (!req?.ok) throw new Error('no request');
    received.length = 0;
    await send({ ...req.value, url: `${base}/oauth/token` });
    expect(received).toEqual([{ method: 'POST', type: 'application/x-www-form-urlencoded; charset=utf-8', body: 'a=1' }]);
  });

  it('an extraction request may be a form too, with a cursor sent in it', () => {
    const e = extraction({
      endpoint: { url: 'https://search.test/q', body_format: 'form', body: { q: 'x', size: 10 } },
      data_key: 'hits',
      pagination: { type: 'cursor', parameters: { param_name: 'after', send_as: 'body', cursor_key: 'next' } },
    });
    const r = run(e, (_req, n) => ({ body: { hits: [{ id: n }], next: n === 0 ? 'k 1' : null } }));
    expect(r.requests.map((q) => [q.method, encodeBody(q)])).toEqual([
      ['POST', { ok: true, value: { contentType: 'application/x-www-form-urlencoded', text: 'q=x&size=10' } }],
      ['POST', { ok: true, value: { contentType: 'application/x-www-form-urlencoded', text: 'q=x&size=10&after=k+1' } }],
    ]);
  });

  it('a form body must be an object of text, numbers, booleans, nulls or lists of them: the config says where not', () => {
    const bad = (body: unknown) => {
      const r = parseConfig({ name: 'z', extractions: [{ name: 'a', endpoint: { url: 'https://api.test/x', body_format: 'form', body } }] });
      return r.ok ? [] : r.errors;
    };
    expect(bad(['a'])).toEqual([{ path: 'extractions[0].endpoint.body', message: expect.stringContaining('form body must be an object') }]);
    expect(bad({ a: { b: 1 } })).toEqual([{ path: 'extractions[0].endpoint.body.a', message: expect.stringContaining('form field') }]);
    expect(bad({ a: [1, [2]] })).toEqual([{ path: 'extractions[0].endpoint.body.a', message: expect.stringContaining('form field') }]);
    expect(bad({ a: 1, b: [true, 'x'], c: null })).toEqual([]);
  });
});
