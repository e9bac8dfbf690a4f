/**
 * The one settings module. Every process parses its environment here, once, at start,
 * and passes the typed result down. Nothing else in Switchyard reads process.env.
 */
import path from 'node:path';
import { z } from 'zod';

// Switchyard supports Node 20; the AWS SDK's notice about its future Node 22 floor is noise in every log.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** The example keys of .env.example (and the local stack's defaults): refused outside it (config/example-keys.ts). */
export const EXAMPLE_ROOT_API_KEY = 'switchyard-local-root-key';
export const EXAMPLE_ENCRYPTION_KEY = '0000000000000000000000000000000000000000000000000000000000000001';

const port = z.coerce.number().int().min(1).max(65535);

// Empty strings in an env file mean "not set", so defaults still apply.
const optional = <T extends z.ZodTypeAny>(schema: T) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema);

export const settingsSchema = z.object({
  NODE_ENV: optional(z.enum(['development', 'test', 'production']).default('development')),
  LOG_LEVEL: optional(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')),

  TEMPORAL_ADDRESS: optional(z.string().default('127.0.0.1:7233')),
  TEMPORAL_NAMESPACE: optional(z.string().default('default')),
  TEMPORAL_UI_PORT: optional(port.default(8233)),
  TEMPORAL_TASK_QUEUE: optional(z.string().default('switchyard')),
  /**
   * TLS to Temporal (a self-hosted cluster or Temporal Cloud). Any of these turns TLS on: TEMPORAL_TLS=true (system CAs),
   * a CA file, a client certificate and key (mTLS), or a Temporal Cloud API key. TEMPORAL_TLS_SERVER_NAME overrides the
   * name the server certificate is checked against.
   */
  TEMPORAL_TLS: optional(z.enum(['true', 'false']).default('false').transform((v) => v === 'true')),
  TEMPORAL_TLS_CERT_PATH: optional(z.string().optional()),
  TEMPORAL_TLS_KEY_PATH: optional(z.string().optional()),
  TEMPORAL_TLS_CA_PATH: optional(z.string().optional()),
  TEMPORAL_TLS_SERVER_NAME: optional(z.string().optional()),
  /** A Temporal Cloud API key (sent as a bearer token, over TLS). */
  TEMPORAL_API_KEY: optional(z.string().optional()),

  MONGODB_URI: optional(z.string().url().default('mongodb://127.0.0.1:27017/switchyard?directConnection=true')),
  MONGODB_PORT: optional(port.default(27017)),

  S3_ENDPOINT: optional(z.string().url().default('http://127.0.0.1:8333')),
  S3_REGION: optional(z.string().default('us-east-1')),
  S3_ACCESS_KEY_ID: optional(z.string().default('switchyard')),
  S3_SECRET_ACCESS_KEY: optional(z.string().default('switchyard-secret')),
  S3_DEFAULT_BUCKET: optional(z.string().default('api-extractor-output-prod')),
  S3_FORCE_PATH_STYLE: optional(z.enum(['true', 'false']).default('true').transform((v) => v === 'true')),

  API_PORT: optional(port.default(3000)),
  /** The API's address as browsers reach it (OAuth callbacks, reconnect links); default http://127.0.0.1:<API_PORT>. */
  API_PUBLIC_URL: optional(z.string().url().optional()),
  ROOT_API_KEY: optional(z.string().min(16, 'ROOT_API_KEY must be at least 16 characters').default(EXAMPLE_ROOT_API_KEY)),
  ENCRYPTION_KEY: optional(
    z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, 'ENCRYPTION_KEY must be 64 hex characters (32 bytes, AES-256)')
      .default(EXAMPLE_ENCRYPTION_KEY),
  ),
  /**
   * More keys that decrypt but never encrypt, comma-separated: the previous ENCRYPTION_KEY while
   * `switchyard keys rotate-encryption` rewrites what it encrypted, or the next one before it becomes ENCRYPTION_KEY.
   */
  ENCRYPTION_DECRYPT_KEYS: optional(
    z
      .string()
      .default('')
      .transform((v) => v.split(',').map((k) => k.trim()).filter(Boolean))
      .pipe(z.array(z.string().regex(/^[0-9a-fA-F]{64}$/, 'ENCRYPTION_DECRYPT_KEYS must list keys of 64 hex characters, comma-separated'))),
  ),

  SMTP_URL: optional(z.string().url().default('smtp://127.0.0.1:2525')),
  SMTP_SINK_HTTP_PORT: optional(port.default(2526)),
  ALERT_EMAIL_TO: optional(z.string().default('ops@switchyard.local')),
  ALERT_EMAIL_FROM: optional(z.string().default('switchyard@switchyard.local')),

  SANDBOX_PORT: optional(port.default(4010)),
  /** When set, every provider (Google, Zoho, Kommo, Unisender) is reached at its fake under this base URL. */
  PROVIDERS_SANDBOX_URL: optional(z.string().url().optional()),

  /** Global refresh rates per provider token endpoint, enforced by the Temporal server on each provider queue. */
  GOOGLE_TOKEN_RPS: optional(z.coerce.number().positive().default(20)),
  ZOHO_TOKEN_RPS: optional(z.coerce.number().positive().default(2)),
  KOMMO_TOKEN_RPS: optional(z.coerce.number().positive().default(5)),
  /** Zoho's token throttling ("too many requests continuously") carries no Retry-After; its window is a minute. */
  ZOHO_THROTTLE_RETRY_SECONDS: optional(z.coerce.number().int().min(1).default(60)),
  /**
   * Failed attempts of one account's refresh (timeouts, 5xx, network) before it is given up as failed. Rate-limit
   * answers do not count: they wait for the provider's Retry-After as long as the 30-minute refresh budget lasts.
   */
  TOKEN_REFRESH_MAX_TRANSIENT_FAILURES: optional(z.coerce.number().int().min(1).default(8)),
  /** Minutes before expiry at which the scheduled refresh picks a token up. */
  TOKEN_REFRESH_MARGIN_MINUTES: optional(z.coerce.number().int().positive().default(15)),
  /**
   * Provider data APIs (contact sync, mirroring): activities started per second on each provider's data queue,
   * across every worker, and in flight at once per worker. Separate from the token queues: a token endpoint's low
   * rate never throttles data calls, and a burst of data calls never starves refreshes. Per-user quotas (Google's
   * reads and writes per minute) are paced inside the activities, below.
   */
  GOOGLE_DATA_RPS: optional(z.coerce.number().positive().default(50)),
  GOOGLE_DATA_CONCURRENCY: optional(z.coerce.number().int().min(1).default(20)),
  ZOHO_DATA_RPS: optional(z.coerce.number().positive().default(20)),
  ZOHO_DATA_CONCURRENCY: optional(z.coerce.number().int().min(1).default(10)),
  /** Google People API per-user quotas (requests a minute): critical reads, and writes (batch calls count once). */
  GOOGLE_READS_PER_MINUTE: optional(z.coerce.number().int().min(1).default(60)),
  GOOGLE_WRITES_PER_MINUTE: optional(z.coerce.number().int().min(1).default(30)),
  /** Zoho CRM API calls a minute per organisation that contact sync allows itself (credits are per day). */
  ZOHO_CRM_CALLS_PER_MINUTE: optional(z.coerce.number().int().min(1).default(100)),
  /** Contact sync: seconds between the cycles of a pairing that names no interval. */
  SYNC_DEFAULT_INTERVAL_SECONDS: optional(z.coerce.number().int().min(5).default(300)),
  /**
   * Contact sync: overlap of the Zoho Modified_Time window, so a record saved in the second of the last pull (Modified_Time
   * has whole seconds) or committed a moment after its Modified_Time is still seen. Records in the overlap are listed
   * again (and recognised as unchanged), so a long one costs calls after every burst of writes.
   */
  SYNC_ZOHO_OVERLAP_SECONDS: optional(z.coerce.number().int().min(0).default(10)),
  /**
   * Contact sync: seconds between reads of Zoho CRM's deleted records (one call each time, even when nothing was
   * deleted); deletions reach Google within this long. Deleted records stay readable 60 days.
   */
  SYNC_ZOHO_DELETES_EVERY_SECONDS: optional(z.coerce.number().int().min(0).default(900)),

  /**
   * Kommo -> Unisender mirroring. The kommo-data and unisender queues: activities started per second across every
   * worker, and in flight at once per worker. One mirror activity makes at most a few provider calls.
   */
  KOMMO_DATA_RPS: optional(z.coerce.number().positive().default(20)),
  KOMMO_DATA_CONCURRENCY: optional(z.coerce.number().int().min(1).default(10)),
  UNISENDER_RPS: optional(z.coerce.number().positive().default(10)),
  UNISENDER_CONCURRENCY: optional(z.coerce.number().int().min(1).default(10)),
  /**
   * Kommo requests per second per account that a mirror allows itself (Kommo: 7, then a 15-minute block after
   * repeated 429s). One below 6 leaves room for the API's by-hand reads of the same account.
   */
  KOMMO_REQUESTS_PER_SECOND: optional(z.coerce.number().int().min(1).max(6).default(5)),
  /** Unisender calls a minute per API key that a mirror allows itself (Unisender: about 1,200). */
  UNISENDER_CALLS_PER_MINUTE: optional(z.coerce.number().int().min(1).max(1200).default(1000)),
  /** The API's address as Kommo reaches it: webhook destinations are `<this>/webhooks/kommo/<mirrorId>/<secret>`. */
  KOMMO_WEBHOOK_BASE_URL: optional(z.string().url().optional()),
  /** Seconds between a mirror's polls of contacts changed in Kommo (catches webhooks that were lost or never sent). */
  KOMMO_MIRROR_POLL_SECONDS: optional(z.coerce.number().int().min(10).default(300)),
  /** Seconds between sweeps (in every worker) that wake mirrors whose inbox holds deliveries. */
  KOMMO_MIRROR_SWEEP_SECONDS: optional(z.coerce.number().int().min(1).default(60)),
  /**
   * A mirror collects deliveries into a batch until 500 are waiting, none came for GATHER_MS, or the first has
   * waited MAX_GATHER_MS: full batches (one import per 500 contacts) without holding a lone change back.
   */
  KOMMO_MIRROR_GATHER_MS: optional(z.coerce.number().int().min(0).default(300)),
  KOMMO_MIRROR_MAX_GATHER_MS: optional(z.coerce.number().int().min(0).default(2000)),
  /** How long an install's `state` stays usable (Kommo's own authorization codes live 20 minutes). */
  KOMMO_INSTALL_STATE_TTL_SECONDS: optional(z.coerce.number().int().min(60).default(1800)),

  /** A worker's health (/live, /ready) and metrics port; off when unset. */
  WORKER_METRICS_PORT: optional(port.optional()),

  /** Whether workers create the token-refresh schedules at start. */
  CREATE_SCHEDULES: optional(z.enum(['true', 'false']).default('true').transform((v) => v === 'true')),

  /** Extraction: cron of a config's schedule when the config names none (the seed's EVENT_BRIDGE_SCHEDULE, 01:00 UTC). */
  EXTRACT_DEFAULT_CRON: optional(z.string().default('0 1 * * *')),
  /** Extraction: S3 multipart part size in MiB (S3 needs at least 5 for every part but the last). */
  EXTRACT_PART_MIB: optional(z.coerce.number().min(5).max(512).default(5)),
  /** Extraction: a page-fetching activity returns after about this long (at a part boundary), so progress reaches the workflow. */
  EXTRACT_BATCH_SECONDS: optional(z.coerce.number().positive().default(10)),
  /** Extraction: page-fetching activities are declared dead after this long without a heartbeat, then resume elsewhere. */
  EXTRACT_HEARTBEAT_SECONDS: optional(z.coerce.number().int().min(2).default(30)),
  /** Extraction: mapping_fetch detail requests in flight at once per run. */
  EXTRACT_DETAIL_CONCURRENCY: optional(z.coerce.number().int().min(1).max(100).default(8)),
  /**
   * Extraction: a request answered 429, 408 or 5xx (or not answered) is sent again inside the page-fetching activity
   * up to this many times, waiting for Retry-After or backing off, so the pages already fetched are not fetched again.
   */
  EXTRACT_REQUEST_RETRIES: optional(z.coerce.number().int().min(0).default(8)),
  /** Extraction: the most one request waits in total across its retries before the activity gives up (and Temporal retries it). */
  EXTRACT_REQUEST_RETRY_SECONDS: optional(z.coerce.number().min(0).default(300)),
  /**
   * Extraction: whether configs may reach this machine (loopback) and private networks. Link-local addresses and
   * cloud metadata services are never reachable, nor the API's own port. The local stack allows loopback (the sandbox).
   */
  EXTRACT_ALLOW_LOOPBACK: optional(z.enum(['true', 'false']).default('false').transform((v) => v === 'true')),
  EXTRACT_ALLOW_PRIVATE_NETWORKS: optional(z.enum(['true', 'false']).default('false').transform((v) => v === 'true')),
  /** Extraction: how long a request to an extracted API waits for its answer to start, or through a pause in its body. */
  EXTRACT_HTTP_TIMEOUT_SECONDS: optional(z.coerce.number().positive().default(60)),
  /** Extraction: activities per second on the http queue (batches and token refreshes, not pages), across workers. */
  EXTRACT_HTTP_ACTIVITIES_PER_SECOND: optional(z.coerce.number().positive().default(50)),

  /** Project-local folder where the stack installs binaries and keeps its data. */
  STACK_DIR: optional(z.string().default(path.resolve(__dirname, '..', '.stack'))),
});

export type Settings = z.infer<typeof settingsSchema>;

export class SettingsError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid settings:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'SettingsError';
  }
}

/** Parses an environment (process.env by default) into typed settings, or throws naming every bad variable. */
export function loadSettings(env: Record<string, string | undefined> = process.env): Settings {
  const parsed = settingsSchema.safeParse(env);
  if (!parsed.success) {
    throw new SettingsError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  return parsed.data;
}

/** Which networks extraction configs may reach (extraction/network.ts reads it). */
/** The API's address as browsers reach it. */
export const apiPublicUrl = (s: Pick<Settings, 'API_PUBLIC_URL' | 'API_PORT'>): string => (s.API_PUBLIC_URL ?? `http://127.0.0.1:${s.API_PORT}`).replace(/\/$/, '');

export function extractionNetwork(s: Pick<Settings, 'EXTRACT_ALLOW_LOOPBACK' | 'EXTRACT_ALLOW_PRIVATE_NETWORKS' | 'API_PORT'>): { allowLoopback: boolean; allowPrivate: boolean; apiPort: number } {
  return { allowLoopback: s.EXTRACT_ALLOW_LOOPBACK, allowPrivate: s.EXTRACT_ALLOW_PRIVATE_NETWORKS, apiPort: s.API_PORT };
}

/** Derived connection facts shared by processes. */
export function temporalUiUrl(s: Settings): string {
  const host = s.TEMPORAL_ADDRESS.split(':')[0] ?? '127.0.0.1';
  return `http://${host}:${s.TEMPORAL_UI_PORT}`;
}

export function mongoDbName(s: Settings): string {
  const u = new URL(s.MONGODB_URI);
  return u.pathname.replace(/^\//, '') || 'switchyard';
}
