import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../config';
import { ensureStack } from '../../stack';
import { SERVICES } from '../../stack/services';
import { OwnedProcesses } from '../../stack/supervisor';

/**
 * What the stack does when a service's port is already in use: anything of ours that answers is reused, even
 * unhealthy; anything else fails the start naming the port and its setting, before anything is installed or started.
 * Fake servers on free ports stand in for what runs there; no real server is needed.
 */
const stackDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-ports-'));
const servers: net.Server[] = [];

afterAll(async () => {
  for (const s of servers) await new Promise((r) => s.close(r));
  fs.rmSync(stackDir, { recursive: true, force: true });
});

async function listen(server: net.Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as net.AddressInfo).port;
}

const httpServer = (status: number, body: string): Promise<number> =>
  listen(http.createServer((_req, res) => res.writeHead(status, { 'content-type': 'application/json' }).end(body)));

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

function stackWith(env: Record<string, string>): { settings: ReturnType<typeof loadSettings>; owned: OwnedProcesses; lines: string[] } {
  const lines: string[] = [];
  const settings = loadSettings({ STACK_DIR: stackDir, ...env });
  return { settings, owned: new OwnedProcesses(path.join(stackDir, 'logs'), (l) => lines.push(l)), lines };
}

describe('ports already in use', () => {
  it('reuses an API that answers 503 on /health, and starts no second one', async () => {
    const port = await httpServer(503, JSON.stringify({ ok: false, checks: [{ name: 'temporal', ok: false }, { name: 'mongodb', ok: true }] }));
    const { settings, owned, lines } = stackWith({ API_PORT: String(port) });
    const stack = await ensureStack(settings, ['api'], (l) => lines.push(l), { owned });
    expect(stack.services).toEqual([expect.objectContaining({ name: 'api', reused: true, detail: 'GET /health 503 (down: temporal)' })]);
    expect(owned.processes).toEqual([]);
  });

  it('refuses an API port held by an HTTP server that is not Switchyard, naming it and API_PORT', async () => {
    const port = await httpServer(404, '<html>not found</html>');
    const { settings, owned } = stackWith({ API_PORT: String(port) });
    await expect(ensureStack(settings, ['api'], () => undefined, { owned })).rejects.toThrow(
      `api: 127.0.0.1:${port} (HTTP) is taken by something that is not Switchyard's API (GET /health answered 404 without Switchyard's health checks). Stop what runs there, or set API_PORT to another port.`,
    );
    expect(owned.processes).toEqual([]);
  });

  it("refuses a sandbox port held by something else's HTTP server", async () => {
    const port = await httpServer(200, '{"status":"fine"}');
    const { settings, owned } = stackWith({ SANDBOX_PORT: String(port) });
    await expect(ensureStack(settings, ['sandbox'], () => undefined, { owned })).rejects.toThrow(/sandbox: .* is taken by something that is not Switchyard's sandbox .*set SANDBOX_PORT/);
    expect(owned.processes).toEqual([]);
  });

  it("refuses to start Temporal when its Web UI port is taken, before installing or starting anything", async () => {
    const uiPort = await listen(net.createServer());
    const { settings, owned } = stackWith({ TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`, TEMPORAL_UI_PORT: String(uiPort) });
    await expect(ensureStack(settings, ['temporal'], () => undefined, { owned })).rejects.toThrow(
      `temporal: cannot start it, 127.0.0.1:${uiPort} (its Web UI) is taken by something else. Stop what runs there, or set TEMPORAL_UI_PORT to another port.`,
    );
    expect(owned.processes).toEqual([]);
  });

  it("checks every port SeaweedFS binds, and moves them with the S3 port so a second stack does not collide", () => {
    const ports = (endpoint: string): number[] => (SERVICES.s3.otherPorts?.(loadSettings({ S3_ENDPOINT: endpoint })) ?? []).map((l) => l.port).sort((a, b) => a - b);
    expect(ports('http://127.0.0.1:8333')).toEqual([8888, 9333, 9340, 18333, 18888, 19333, 19340, 23646, 33646]);
    expect(ports('http://127.0.0.1:8433')).toEqual([8988, 9433, 9440, 18433, 18988, 19433, 19440, 23746, 33746]);
  });
});
