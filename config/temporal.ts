import fs from 'node:fs';
import type { Settings } from './index';

/** TLS of a Temporal connection, as both the client (Connection) and the worker (NativeConnection) take it. */
export interface TemporalTls {
  serverNameOverride?: string;
  serverRootCACertificate?: Buffer;
  clientCertPair?: { crt: Buffer; key: Buffer };
}

export interface TemporalConnectionOptions {
  address: string;
  tls?: TemporalTls | boolean;
  apiKey?: string;
}

type TlsSettings = Pick<
  Settings,
  'TEMPORAL_ADDRESS' | 'TEMPORAL_TLS' | 'TEMPORAL_TLS_CERT_PATH' | 'TEMPORAL_TLS_KEY_PATH' | 'TEMPORAL_TLS_CA_PATH' | 'TEMPORAL_TLS_SERVER_NAME' | 'TEMPORAL_API_KEY'
>;

function read(path: string, what: string): Buffer {
  try {
    return fs.readFileSync(path);
  } catch (err) {
    throw new Error(`${what}: cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * How every Switchyard process (worker, API, CLI, the local stack) connects to Temporal: plain TCP to the local dev
 * server; TLS with a client certificate (mTLS) to a self-hosted cluster or Temporal Cloud; TLS with an API key to
 * Temporal Cloud. The files are read once, here, at process start.
 */
export function temporalConnection(s: TlsSettings): TemporalConnectionOptions {
  const mtls = s.TEMPORAL_TLS_CERT_PATH !== undefined || s.TEMPORAL_TLS_KEY_PATH !== undefined;
  if (mtls && !(s.TEMPORAL_TLS_CERT_PATH && s.TEMPORAL_TLS_KEY_PATH)) throw new Error('TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH go together (the client certificate and its key)');
  const tlsOn = s.TEMPORAL_TLS || mtls || s.TEMPORAL_TLS_CA_PATH !== undefined || s.TEMPORAL_API_KEY !== undefined;
  if (!tlsOn) return { address: s.TEMPORAL_ADDRESS };
  const tls: TemporalTls = {
    ...(s.TEMPORAL_TLS_SERVER_NAME ? { serverNameOverride: s.TEMPORAL_TLS_SERVER_NAME } : {}),
    ...(s.TEMPORAL_TLS_CA_PATH ? { serverRootCACertificate: read(s.TEMPORAL_TLS_CA_PATH, 'TEMPORAL_TLS_CA_PATH') } : {}),
    ...(mtls ? { clientCertPair: { crt: read(s.TEMPORAL_TLS_CERT_PATH!, 'TEMPORAL_TLS_CERT_PATH'), key: read(s.TEMPORAL_TLS_KEY_PATH!, 'TEMPORAL_TLS_KEY_PATH') } } : {}),
  };
  return { address: s.TEMPORAL_ADDRESS, tls: Object.keys(tls).length ? tls : true, ...(s.TEMPORAL_API_KEY ? { apiKey: s.TEMPORAL_API_KEY } : {}) };
}
