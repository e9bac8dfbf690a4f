import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, scrub } from '../../../config/logger';

class Lines extends Writable {
  text = '';
  override _write(chunk: Buffer, _e: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

const SECRET = 'rt-1000.very-secret-refresh-token';

/** The shape of an HTTP client's error (axios): the whole request rides along in `config`. */
function httpClientError(): Error {
  return Object.assign(new Error('Request failed with status code 503'), {
    isAxiosError: true,
    code: 'ERR_BAD_RESPONSE',
    config: { url: 'https://accounts.zoho.eu/oauth/v2/token', params: { refresh_token: SECRET, client_secret: SECRET }, headers: { Authorization: `Bearer ${SECRET}` } },
    request: { _header: `POST /oauth/v2/token?refresh_token=${SECRET}` },
    response: { status: 503, headers: {}, data: { error: 'x' } },
  });
}

describe('logger: nothing secret at any depth', () => {
  it('reduces an HTTP client error nested deep in a cause chain to message, code and status', () => {
    const outer = new Error('Activity failed', { cause: { details: [{ cause: { deeper: { cause: httpClientError() } } }] } });
    const lines = new Lines();
    createLogger({ LOG_LEVEL: 'info' }, 'test', lines).warn({ error: outer, attempt: 2 }, 'Activity failed');
    expect(lines.text).not.toContain(SECRET);
    expect(lines.text).toContain('Request failed with status code 503');
    expect(lines.text).toContain('"status":503');
    expect(lines.text).toContain('"attempt":2');
  });

  it('redacts secret-named fields at any depth and omits request headers', () => {
    const out = JSON.stringify(scrub({ a: { b: { c: { d: { refresh_token: SECRET, apiKey: SECRET, keep: 'visible' } } } }, res: { headers: { authorization: SECRET } } }));
    expect(out).not.toContain(SECRET);
    expect(out).toContain('visible');
  });

  it('survives cycles and very deep values', () => {
    const a: Record<string, unknown> = { name: 'a' };
    a.self = a;
    let deep: Record<string, unknown> = { token: SECRET };
    for (let i = 0; i < 50; i++) deep = { next: deep };
    const out = JSON.stringify(scrub({ a, deep }));
    expect(out).toContain('[circular]');
    expect(out).not.toContain(SECRET);
  });
});
