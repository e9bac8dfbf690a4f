import type { FastifyInstance } from 'fastify';
import type { FakeClock } from './clock';
import type { FaultBook } from './faults';
import type { RequestLog } from './requests';

/** What every fake provider shares: the clock, armed faults, the request log and its own public base URL. */
export interface SandboxContext {
  clock: FakeClock;
  faults: FaultBook;
  requests: RequestLog;
  /** e.g. http://127.0.0.1:4010 — fakes that hand out URLs (Zoho api_domain, next links) build them from this. */
  baseUrl: string;
}

/**
 * One fake provider: its public routes under /<name>, and its control hooks under /_control/<name>/...
 * seed/configure bodies are validated by the provider itself (zod), and an invalid body answers 400.
 */
export interface FakeProvider {
  readonly name: string;
  /** Registers the provider's public routes; the app mounts them under the prefix /<name>. */
  routes(app: FastifyInstance): void | Promise<void>;
  /** Back to a fresh state: no data, default limits. */
  reset(): void;
  /** Adds data (accounts, tokens, contacts, records...). Returns what was created. */
  seed(body: unknown): unknown;
  /** Changes limits and switches (quotas, lags, status strings the real API is unsure about). */
  configure(body: unknown): unknown;
  /** Everything the fake holds, for tests to read back. */
  state(query: Record<string, string>): unknown;
  /** Optional extra control routes under /_control/<name>/. */
  controlRoutes?(app: FastifyInstance): void | Promise<void>;
  /**
   * Optional path prefixes also answered at the sandbox root (rewritten to /<name><path>). Official clients
   * that keep only the origin of a configured base URL need them: googleapis resolves a per-API `rootUrl`
   * with new URL('/v1/...', rootUrl), dropping any path such as /google/.
   */
  readonly rootAliases?: readonly string[];
}

export type FakeProviderFactory = (ctx: SandboxContext) => FakeProvider;
