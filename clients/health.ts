import { Connection } from '@temporalio/client';
import { temporalConnection } from '../config/temporal';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { MongoClient } from 'mongodb';
import nodemailer from 'nodemailer';
import type { Settings } from '../config';
import { s3Client } from '../store/s3';

/** What Switchyard depends on: the API's /health checks the first three, `switchyard status` all five. */
export type Dependency = 'temporal' | 'mongodb' | 's3' | 'smtp' | 'sandbox';

export interface Reachability {
  name: Dependency;
  target: string;
  ok: boolean;
  error?: string;
  ms: number;
}

const PROBE_TIMEOUT_MS = 2000;

/** A MongoDB URI without its password, for answers and logs. */
const redactUri = (uri: string): string => uri.replace(/\/\/([^:@/]+):([^@/]+)@/, '//$1:***@');

/**
 * One probe per dependency: it answers the way a client of it needs (Temporal's system info, a MongoDB ping, any
 * HTTP answer from S3's front end, an SMTP greeting, the sandbox's own health route), within about two seconds.
 */
const PROBES: Record<Dependency, { target(s: Settings): string; answers(s: Settings): Promise<boolean> }> = {
  temporal: {
    target: (s) => s.TEMPORAL_ADDRESS,
    async answers(s) {
      const connection = await Connection.connect({ ...temporalConnection(s), connectTimeout: PROBE_TIMEOUT_MS });
      try {
        await connection.withDeadline(Date.now() + PROBE_TIMEOUT_MS, () => connection.workflowService.getSystemInfo({}));
        return true;
      } finally {
        await connection.close();
      }
    },
  },
  mongodb: {
    target: (s) => redactUri(s.MONGODB_URI),
    async answers(s) {
      const client = new MongoClient(s.MONGODB_URI, { serverSelectionTimeoutMS: PROBE_TIMEOUT_MS, connectTimeoutMS: PROBE_TIMEOUT_MS });
      try {
        await client.db().command({ ping: 1 });
        return true;
      } finally {
        await client.close();
      }
    },
  },
  s3: {
    target: (s) => s.S3_ENDPOINT,
    async answers(s) {
      const client = s3Client(s);
      try {
        // Any HTTP status (even 403 or 404) means the S3 front end answers.
        await client.send(new HeadBucketCommand({ Bucket: s.S3_DEFAULT_BUCKET }), { abortSignal: AbortSignal.timeout(PROBE_TIMEOUT_MS) }).catch((err: { $metadata?: { httpStatusCode?: number } }) => {
          if (!err.$metadata?.httpStatusCode) throw err;
        });
        return true;
      } finally {
        client.destroy();
      }
    },
  },
  smtp: {
    target: (s) => s.SMTP_URL,
    async answers(s) {
      const transport = nodemailer.createTransport(s.SMTP_URL);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), PROBE_TIMEOUT_MS);
      });
      try {
        return await Promise.race([transport.verify(), late]);
      } finally {
        clearTimeout(timer);
        transport.close();
      }
    },
  },
  sandbox: {
    target: (s) => `http://127.0.0.1:${s.SANDBOX_PORT}`,
    answers: async (s) => (await fetch(`http://127.0.0.1:${s.SANDBOX_PORT}/_control/health`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) })).ok,
  },
};

/** Whether each dependency answers, with how long it took and why not. */
export async function checkReachability(settings: Settings, names: Dependency[] = ['temporal', 'mongodb', 's3']): Promise<Reachability[]> {
  return Promise.all(
    names.map(async (name) => {
      const started = Date.now();
      const target = PROBES[name].target(settings);
      try {
        const ok = await PROBES[name].answers(settings);
        return { name, target, ok, ms: Date.now() - started, ...(ok ? {} : { error: 'not answering' }) };
      } catch (err) {
        return { name, target, ok: false, error: err instanceof Error ? err.message : String(err), ms: Date.now() - started };
      }
    }),
  );
}
