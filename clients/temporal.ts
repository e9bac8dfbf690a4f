import { Client, Connection, isGrpcServiceError } from '@temporalio/client';
import type { Settings } from '../config';
import { temporalConnection } from '../config/temporal';

/** Temporal could not be reached in time (down, restarting, network): the caller answers at once instead of hanging. */
export class TemporalUnavailable extends Error {
  constructor(readonly what: string) {
    super(`Temporal is not reachable, so ${what} cannot happen now; try again shortly`);
    this.name = 'TemporalUnavailable';
  }
}

/** How long an interactive caller (the API, the CLI) waits for Temporal before it says it is unavailable. */
export const TEMPORAL_ANSWER_MS = 1200;

/** gRPC UNAVAILABLE (14) and DEADLINE_EXCEEDED (4), or no connection at all. */
export function isUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (isGrpcServiceError(e) && (e.code === 14 || e.code === 4)) return true;
    if (e instanceof Error && /Failed to connect before the deadline|deadline exceeded|ECONNREFUSED|No connection established/i.test(e.message)) return true;
  }
  return false;
}

/** A Temporal client for the API and CLI; the caller closes its connection. */
export async function connectTemporal(settings: Settings, connectTimeoutMs = 5000): Promise<{ client: Client; close(): Promise<void> }> {
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...temporalConnection(settings), connectTimeout: connectTimeoutMs });
  } catch (err) {
    if (isUnavailable(err)) throw new TemporalUnavailable('this request');
    throw err;
  }
  const client = new Client({ connection, namespace: settings.TEMPORAL_NAMESPACE });
  return { client, close: () => connection.close() };
}

/** Runs a Temporal call with a deadline; a server that does not answer in time becomes TemporalUnavailable(what). */
export async function withinDeadline<T>(client: Client, what: string, fn: () => Promise<T>, ms = TEMPORAL_ANSWER_MS): Promise<T> {
  try {
    return await client.connection.withDeadline(Date.now() + ms, fn);
  } catch (err) {
    if (isUnavailable(err)) throw new TemporalUnavailable(what);
    throw err;
  }
}

/**
 * A Temporal client connected on first use, for a long-running process (the API) that must answer while Temporal
 * is down: a failed connect is not kept, so the next call tries again.
 */
export function lazyTemporal(settings: Settings): { get(): Promise<Client>; close(): Promise<void> } {
  let pending: Promise<{ client: Client; close(): Promise<void> }> | undefined;
  return {
    get: async () => {
      pending ??= connectTemporal(settings, TEMPORAL_ANSWER_MS).catch((err: unknown) => {
        pending = undefined;
        throw err;
      });
      return (await pending).client;
    },
    close: async () => {
      if (pending) await (await pending.catch(() => null))?.close().catch(() => undefined);
    },
  };
}
