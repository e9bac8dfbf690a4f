import net from 'node:net';
import type http from 'node:http';
import { collectProcessMetrics, metricsContentType, metricsText } from '../metrics';

/**
 * A loopback address for the Temporal SDK's own Prometheus exporter. Runtime.install binds it itself (the SDK
 * core serves it from Rust), so it cannot share our health server's port: it gets a free loopback port, and
 * `/metrics` on WORKER_METRICS_PORT serves its scrape together with ours. One port to open and scrape per worker,
 * and no second port to keep free when several workers share a host.
 */
export async function sdkMetricsAddress(): Promise<string> {
  const port = await new Promise<number>((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
  return `127.0.0.1:${port}`;
}

/** The SDK's scrape, or a comment saying why it is missing (our own metrics are served either way). */
async function sdkMetrics(address: string): Promise<string> {
  try {
    const res = await fetch(`http://${address}/metrics`, { signal: AbortSignal.timeout(5_000) });
    if (!res.ok) return `# temporal sdk metrics: HTTP ${res.status}\n`;
    return await res.text();
  } catch (err) {
    return `# temporal sdk metrics unavailable: ${err instanceof Error ? err.message : String(err)}\n`;
  }
}

/** The `/metrics` route of the worker's health server: Switchyard's counters, the process's, then the SDK's. */
export function workerMetricsRoute(sdkAddress: string | undefined): (req: http.IncomingMessage, res: http.ServerResponse) => boolean {
  collectProcessMetrics();
  return (req, res) => {
    if ((req.url ?? '/').split('?')[0] !== '/metrics') return false;
    void Promise.all([metricsText(), sdkAddress ? sdkMetrics(sdkAddress) : Promise.resolve('')]).then(
      ([ours, sdk]) => {
        res.writeHead(200, { 'content-type': metricsContentType });
        res.end(`${ours}\n${sdk}`);
      },
      (err: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`metrics failed: ${err instanceof Error ? err.message : String(err)}\n`);
      },
    );
    return true;
  };
}
