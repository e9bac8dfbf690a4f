import { execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startProcess, stopProcess, tcpOpen, waitUntil, which } from '../../stack/proc';
import { freePort } from './free-port.js';

/**
 * A TLS-terminating gRPC proxy in front of the local Temporal dev server that requires a client certificate, the
 * way a self-hosted cluster with mTLS (or Temporal Cloud) answers. nginx does it (stunnel cannot: gRPC clients need
 * HTTP/2 negotiated by ALPN). Certificates come from openssl: a CA, a server certificate and a client certificate
 * (X.509 v3, which the worker's TLS stack requires).
 */
export interface TlsProxy {
  address: string;
  serverName: string;
  ca: string;
  cert: string;
  key: string;
  /** A client certificate signed by another CA, which the proxy must refuse. */
  strangerCert: string;
  strangerKey: string;
  stop(): Promise<void>;
}

/** nginx on PATH, or installed from Debian's packages (CI's fresh machine has none). */
function nginxBinary(): string {
  const found = which('nginx') ?? (fs.existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : undefined);
  if (found) return found;
  try {
    execFileSync('apt-get', ['install', '-y', '-q', 'nginx-light'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  } catch (err) {
    throw new Error(`The TLS test needs nginx (Debian package nginx-light) and could not install it: ${(err as Error).message}`, { cause: err });
  }
  return '/usr/sbin/nginx';
}


function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

function makeCertificates(dir: string, serverName: string): void {
  for (const ca of ['ca', 'stranger-ca']) openssl(dir, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${ca}.key`, '-out', `${ca}.crt`, '-days', '2', '-subj', `/CN=${ca}`);
  fs.writeFileSync(path.join(dir, 'server.ext'), `subjectAltName=DNS:${serverName},IP:127.0.0.1\nextendedKeyUsage=serverAuth\n`);
  fs.writeFileSync(path.join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n');
  const sign = (name: string, subject: string, ca: string, ext: string): void => {
    openssl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${subject}`);
    openssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', ext);
  };
  sign('server', serverName, 'ca', 'server.ext');
  sign('client', 'switchyard-worker', 'ca', 'client.ext');
  sign('stranger', 'someone-else', 'stranger-ca', 'client.ext');
}

export async function startTlsProxy(opts: { upstream: string; dir: string; logDir: string }): Promise<TlsProxy> {
  const nginx = nginxBinary();
  const serverName = 'temporal.switchyard.test';
  fs.rmSync(opts.dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(opts.dir, 'tmp'), { recursive: true });
  makeCertificates(opts.dir, serverName);
  const port = await freePort();
  const d = opts.dir;
  fs.writeFileSync(
    path.join(d, 'nginx.conf'),
    [
      'daemon off;',
      `pid ${d}/nginx.pid;`,
      `error_log ${d}/error.log warn;`,
      'worker_processes 1;',
      'events { worker_connections 256; }',
      'http {',
      '  access_log off;',
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${d}/tmp;`),
      '  server {',
      `    listen 127.0.0.1:${port} ssl http2;`,
      `    ssl_certificate ${d}/server.crt;`,
      `    ssl_certificate_key ${d}/server.key;`,
      `    ssl_client_certificate ${d}/ca.crt;`,
      '    ssl_verify_client on;',
      '    grpc_read_timeout 300s;',
      '    grpc_send_timeout 300s;',
      `    location / { grpc_pass grpc://${opts.upstream}; }`,
      '  }',
      '}',
    ].join('\n'),
  );
  const { child } = startProcess(`nginx-tls-${port}`, nginx, ['-c', path.join(d, 'nginx.conf'), '-e', path.join(d, 'error.log')], { logDir: opts.logDir });
  await waitUntil('the TLS proxy', () => tcpOpen('127.0.0.1', port), 30_000, child);
  const file = (n: string): string => path.join(d, n);
  return {
    address: `127.0.0.1:${port}`,
    serverName,
    ca: file('ca.crt'),
    cert: file('client.crt'),
    key: file('client.key'),
    strangerCert: file('stranger.crt'),
    strangerKey: file('stranger.key'),
    stop: () => stopProcess(child as ChildProcess, 5000),
  };
}
