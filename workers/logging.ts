import type { Logger } from 'pino';
import { DefaultLogger, Runtime, makeTelemetryFilterString, type LogLevel } from '@temporalio/worker';

const toPino: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error',
};

/**
 * One Runtime per process: workflow and activity logs go through Temporal's logger into pino (JSON). With
 * `metricsAddress`, the SDK's runtime metrics (task latencies, schedule-to-start, slots, polls) are served in
 * Prometheus format there (workers/metrics.ts merges them into the worker's /metrics).
 */
export function installRuntime(log: Logger, level: LogLevel = 'INFO', opts: { metricsAddress?: string } = {}): void {
  Runtime.install({
    logger: new DefaultLogger(level, (entry) => {
      log[toPino[entry.level]]({ ...(entry.meta ?? {}), sdk: true }, entry.message);
    }),
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: 'WARN' }), forward: {} },
      // Seconds, and the unit in histogram names, as Prometheus conventions (and Temporal's dashboards) expect.
      ...(opts.metricsAddress ? { metrics: { prometheus: { bindAddress: opts.metricsAddress, countersTotalSuffix: true, unitSuffix: true, useSecondsForDurations: true } } } : {}),
    },
  });
}
