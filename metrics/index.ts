import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Switchyard's own Prometheus metrics, one function per thing counted, so activities and routes never touch
 * prom-client. The registry belongs to the process (a worker or the API), like the process it describes: what
 * one process did, scraped from that process (`/metrics` on WORKER_METRICS_PORT, or the API's `/metrics`).
 */
export const registry = new Registry();

const counter = <L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> =>
  new Counter({ name, help, labelNames, registers: [registry] });

const tokensRefreshed = counter('switchyard_tokens_refreshed_total', 'Access tokens obtained from a provider and stored', ['provider']);
const tokenRefreshFailures = counter('switchyard_token_refresh_failures_total', 'Token refresh attempts a provider refused or that failed on the way (kind: AuthRevoked, RateLimited, Transient, ...)', ['provider', 'kind']);
const recordsExtracted = counter('switchyard_extracted_records_total', 'Records of extraction runs published to S3');
const bytesExtracted = counter('switchyard_extracted_bytes_total', 'Bytes of extraction files published to S3');
const contactsWritten = counter('switchyard_contacts_written_total', 'Contact writes a provider accepted during contact sync, per side (google, zoho) and operation', ['side', 'op']);
const webhookEvents = counter('switchyard_webhook_events_accepted_total', 'Webhook events accepted from a provider', ['provider']);
const syncConflicts = counter('switchyard_sync_conflicts_total', 'Contact sync conflicts (both sides changed since the last sync) recorded');
const httpDuration = new Histogram({
  name: 'switchyard_http_request_duration_seconds',
  help: 'API request durations, by method, route pattern and status code',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

export const tokenRefreshed = (provider: string): void => tokensRefreshed.inc({ provider });
export const tokenRefreshFailed = (provider: string, kind: string): void => tokenRefreshFailures.inc({ provider, kind });
export function extracted(records: number, bytes: number): void {
  recordsExtracted.inc(records);
  bytesExtracted.inc(bytes);
}
export const contactsWrittenTo = (side: string, op: string, count: number): void => {
  if (count > 0) contactsWritten.inc({ side, op }, count);
};
export const webhookEventsAccepted = (provider: string, count = 1): void => webhookEvents.inc({ provider }, count);
export const conflictsRecorded = (count: number): void => {
  if (count > 0) syncConflicts.inc(count);
};
export const httpRequestObserved = (method: string, route: string, status: number, seconds: number): void =>
  httpDuration.observe({ method, route, status: String(status) }, seconds);

let processMetrics = false;
/** The process's own figures (CPU, resident memory, event-loop lag, GC), once, by a process that serves /metrics. */
export function collectProcessMetrics(): void {
  if (processMetrics) return;
  processMetrics = true;
  collectDefaultMetrics({ register: registry });
}

export const metricsContentType = registry.contentType;
export const metricsText = (): Promise<string> => registry.metrics();
