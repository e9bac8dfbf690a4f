import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { MongoClient } from 'mongodb';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import type { Settings } from '../config';
import { SEARCH_ATTRIBUTE_DEFS } from '../common/names';
import { ensureSearchAttributes } from '../clients/search-attributes';
import { ensureBucket, s3Client } from '../store/s3';
import { mongoServer, temporalBinary, weedBinary } from './install';
import type { StackPaths } from './paths';
import { startProcess, stopProcess, tcpOpen, tsEntry, waitUntil, type StackLog } from './proc';

export type ServiceName = 'temporal' | 'mongodb' | 's3' | 'smtp' | 'sandbox';

export interface ServiceHandle {
  name: ServiceName;
  /** Where it answers. */
  url: string;
  /** True when it already ran and was reused; false when this process started it. */
  reused: boolean;
  /** What runs: binary and version, for the operator. */
  detail: string;
  child?: ChildProcess;
  logFile?: string;
  stop(): Promise<void>;
}

interface ServiceDef {
  name: ServiceName;
  url(s: Settings): string;
  isUp(s: Settings): Promise<boolean>;
  start(s: Settings, p: StackPaths, log: StackLog): Promise<Omit<ServiceHandle, 'name' | 'url' | 'reused' | 'stop'>>;
  /** Work after it answers (create a bucket...), run whether started or reused. */
  ready?(s: Settings): Promise<void>;
  startTimeoutMs: number;
}

const isLoopback = (host: string): boolean => ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host);

function hostPort(address: string, defaultPort: number): { host: string; port: number } {
  const u = new URL(address.includes('://') ? address : `tcp://${address}`);
  return { host: u.hostname, port: Number(u.port || defaultPort) };
}

const temporal: ServiceDef = {
  name: 'temporal',
  url: (s) => s.TEMPORAL_ADDRESS,
  startTimeoutMs: 60_000,
  async isUp(s) {
    const { host, port } = hostPort(s.TEMPORAL_ADDRESS, 7233);
    if (!(await tcpOpen(host, port))) return false;
    const conn = await Connection.connect({ address: s.TEMPORAL_ADDRESS, connectTimeout: 2000 });
    try {
      await conn.workflowService.getSystemInfo({});
      return true;
    } finally {
      await conn.close();
    }
  },
  async start(s, p, log) {
    const { host, port } = hostPort(s.TEMPORAL_ADDRESS, 7233);
    if (!isLoopback(host)) throw new Error(`TEMPORAL_ADDRESS=${s.TEMPORAL_ADDRESS} does not answer, and the stack only starts servers on loopback.`);
    const binary = temporalBinary(p, log);
    const args = [
      'server', 'start-dev',
      '--ip', host,
      '--port', String(port),
      '--ui-port', String(s.TEMPORAL_UI_PORT),
      '--db-filename', path.join(p.data, 'temporal.sqlite'),
      '--log-level', 'warn',
      ...(s.TEMPORAL_NAMESPACE !== 'default' ? ['--namespace', s.TEMPORAL_NAMESPACE] : []),
      // Switchyard's search attributes, so the Web UI and list queries can filter on them.
      ...SEARCH_ATTRIBUTE_DEFS.flatMap((a) => ['--search-attribute', a]),
      // One partition per task queue on a single-node server: a queue's rate limit (the provider quotas) is then
      // enforced by one limiter instead of being split, bursty, across four.
      '--dynamic-config-value', 'matching.numTaskqueueReadPartitions=1',
      '--dynamic-config-value', 'matching.numTaskqueueWritePartitions=1',
    ];
    const { child, logFile } = startProcess('temporal', binary, args, { logDir: p.logs });
    return { child, logFile, detail: `${binary} (Temporal CLI dev server), Web UI http://${host}:${s.TEMPORAL_UI_PORT}` };
  },
  // A server started by an older version of Switchyard lacks the search attributes added since.
  async ready(s) {
    const conn = await Connection.connect({ address: s.TEMPORAL_ADDRESS, connectTimeout: 5000 });
    try {
      await ensureSearchAttributes(conn, s.TEMPORAL_NAMESPACE);
    } finally {
      await conn.close();
    }
  },
};

const mongodb: ServiceDef = {
  name: 'mongodb',
  url: (s) => s.MONGODB_URI,
  startTimeoutMs: 30_000,
  async isUp(s) {
    const { hosts } = mongoHost(s.MONGODB_URI);
    if (hosts.length === 1 && !(await tcpOpen(hosts[0]!.host, hosts[0]!.port))) return false;
    const client = new MongoClient(s.MONGODB_URI, { serverSelectionTimeoutMS: 2000, connectTimeoutMS: 2000 });
    try {
      await client.connect();
      await client.db().command({ ping: 1 });
      return true;
    } finally {
      await client.close();
    }
  },
  async start(s, p, log) {
    const { hosts } = mongoHost(s.MONGODB_URI);
    const target = hosts[0];
    if (hosts.length !== 1 || !target || !isLoopback(target.host)) {
      throw new Error(`MONGODB_URI=${redactUri(s.MONGODB_URI)} does not answer, and the stack only starts a server for a single loopback host.`);
    }
    const server = mongoServer(p, log);
    const dataDir = path.join(p.data, server.kind === 'mongod' ? 'mongod' : 'ferretdb');
    const args =
      server.kind === 'mongod'
        ? ['--dbpath', dataDir, '--bind_ip', target.host, '--port', String(target.port)]
        : ['-listen', `${target.host}:${target.port}`, '-dir', dataDir];
    if (server.kind === 'mongod') fs.mkdirSync(dataDir, { recursive: true });
    const { child, logFile } = startProcess('mongodb', server.binary, args, { logDir: p.logs });
    return { child, logFile, detail: server.kind === 'mongod' ? `${server.binary} (MongoDB)` : `${server.binary} (FerretDB v1.24.1 on SQLite)` };
  },
};

function mongoHost(uri: string): { hosts: { host: string; port: number }[] } {
  const m = /^mongodb(?:\+srv)?:\/\/(?:[^@/]*@)?([^/?]+)/.exec(uri);
  const list = (m?.[1] ?? '').split(',').filter(Boolean);
  return {
    hosts: list.map((h) => {
      const idx = h.lastIndexOf(':');
      return idx > 0 ? { host: h.slice(0, idx), port: Number(h.slice(idx + 1)) } : { host: h, port: 27017 };
    }),
  };
}

export function redactUri(uri: string): string {
  return uri.replace(/\/\/([^:@/]+):([^@/]+)@/, '//$1:***@');
}

const s3: ServiceDef = {
  name: 's3',
  url: (s) => s.S3_ENDPOINT,
  startTimeoutMs: 60_000,
  async isUp(s) {
    const u = new URL(s.S3_ENDPOINT);
    if (!(await tcpOpen(u.hostname, Number(u.port || (u.protocol === 'https:' ? 443 : 80))))) return false;
    // Any HTTP answer (even 403) means the S3 front end is up; a bucket listing proves the credentials.
    const client = s3Client(s);
    try {
      await client.send(new HeadBucketCommand({ Bucket: s.S3_DEFAULT_BUCKET })).catch((err: { name?: string; $metadata?: { httpStatusCode?: number } }) => {
        if (!err.$metadata?.httpStatusCode) throw err;
      });
      return true;
    } finally {
      client.destroy();
    }
  },
  async start(s, p, log) {
    const u = new URL(s.S3_ENDPOINT);
    if (!isLoopback(u.hostname)) throw new Error(`S3_ENDPOINT=${s.S3_ENDPOINT} does not answer, and the stack only starts servers on loopback.`);
    const binary = weedBinary(p, log);
    const dir = path.join(p.data, 'seaweedfs');
    fs.mkdirSync(dir, { recursive: true });
    const args = [
      'mini',
      `-dir=${dir}`,
      `-ip=${u.hostname}`,
      `-ip.bind=${u.hostname}`,
      `-s3.port=${u.port || 8333}`,
      '-s3.port.iceberg=0',
      '-s3.port.lance=0',
      '-admin.ui=false',
      '-webdav=false',
      '-master.telemetry=false',
      // Small volumes: the local stack should not reserve gigabytes of disk.
      '-master.volumeSizeLimitMB=256',
    ];
    const env = { ...process.env, AWS_ACCESS_KEY_ID: s.S3_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: s.S3_SECRET_ACCESS_KEY, S3_BUCKET: s.S3_DEFAULT_BUCKET };
    const { child, logFile } = startProcess('s3', binary, args, { logDir: p.logs, env, cwd: dir });
    return { child, logFile, detail: `${binary} mini (SeaweedFS 4.48)` };
  },
  async ready(s) {
    const client = s3Client(s);
    try {
      await ensureBucket(client, s.S3_DEFAULT_BUCKET);
    } finally {
      client.destroy();
    }
  },
};

const httpOk = async (url: string): Promise<boolean> => {
  const res = await fetch(url, { signal: AbortSignal.timeout(1500) });
  return res.ok;
};

const smtp: ServiceDef = {
  name: 'smtp',
  url: (s) => s.SMTP_URL,
  startTimeoutMs: 30_000,
  async isUp(s) {
    const u = new URL(s.SMTP_URL);
    return tcpOpen(u.hostname, Number(u.port || 25));
  },
  async start(s, p) {
    const u = new URL(s.SMTP_URL);
    if (!isLoopback(u.hostname)) throw new Error(`SMTP_URL host ${u.hostname} does not answer, and the stack only starts an SMTP sink on loopback.`);
    const { child, logFile } = startProcess('smtp-sink', ...tsEntry(p.repo, 'stack/smtp-sink.ts'), { logDir: p.logs, cwd: p.repo });
    return { child, logFile, detail: `SMTP sink, messages at http://127.0.0.1:${s.SMTP_SINK_HTTP_PORT}/messages` };
  },
};

const sandbox: ServiceDef = {
  name: 'sandbox',
  url: (s) => `http://127.0.0.1:${s.SANDBOX_PORT}`,
  startTimeoutMs: 30_000,
  isUp: (s) => httpOk(`http://127.0.0.1:${s.SANDBOX_PORT}/_control/health`),
  async start(s, p) {
    const { child, logFile } = startProcess('sandbox', ...tsEntry(p.repo, 'sandbox/main.ts'), { logDir: p.logs, cwd: p.repo });
    return { child, logFile, detail: `fake providers at http://127.0.0.1:${s.SANDBOX_PORT} (google, zoho, kommo, unisender, demo)` };
  },
};

export const SERVICES: Record<ServiceName, ServiceDef> = { temporal, mongodb, s3, smtp, sandbox };

/** Reuses the service when it answers, else installs and starts it, then waits until it answers. */
export async function ensureService(name: ServiceName, s: Settings, p: StackPaths, log: StackLog): Promise<ServiceHandle> {
  const def = SERVICES[name];
  const url = def.url(s);
  if (await def.isUp(s).catch(() => false)) {
    await def.ready?.(s);
    return { name, url, reused: true, detail: 'already running', stop: async () => undefined };
  }
  const started = await def.start(s, p, log);
  const handle: ServiceHandle = {
    name,
    url,
    reused: false,
    ...started,
    stop: async () => {
      if (started.child) await stopProcess(started.child);
    },
  };
  try {
    await waitUntil(name, () => def.isUp(s), def.startTimeoutMs, started.child, started.logFile);
    await def.ready?.(s);
  } catch (err) {
    await handle.stop();
    throw err;
  }
  return handle;
}
