import type { S3Client } from '@aws-sdk/client-s3';
import type { Logger } from 'pino';
import { extractionNetwork, type Settings } from '../../config';
import type { Stores } from '../../store';
import { RunConfigs } from './run-config';
import { createSender, type Send } from './sender';

export interface ExtractionActivityDeps extends Pick<Stores, 'configs' | 'runLogs' | 'secrets' | 'extractionRuns' | 'parentRecords'> {
  settings: Settings;
  s3: S3Client;
  log: Logger;
  /** Sends extraction requests; the default is fetch with keep-alive. */
  send?: Send;
  /** Where a config's URL is served, when not at itself (the worker passes the sandbox's host map). */
  rewriteUrl?: ((url: string) => string) | undefined;
}

/** What every extraction activity of one worker process shares: its dependencies, the sender, the parsed configs. */
export interface ExtractionContext {
  deps: ExtractionActivityDeps;
  send: Send;
  runConfigs: RunConfigs;
  /** Bytes per multipart part (EXTRACT_PART_MIB). */
  partBytes: number;
}

export function extractionContext(deps: ExtractionActivityDeps): ExtractionContext {
  return {
    deps,
    send: deps.send ?? createSender({ timeoutMs: deps.settings.EXTRACT_HTTP_TIMEOUT_SECONDS * 1000, network: extractionNetwork(deps.settings), rewriteUrl: deps.rewriteUrl }),
    runConfigs: new RunConfigs(),
    partBytes: Math.round(deps.settings.EXTRACT_PART_MIB * 1024 * 1024),
  };
}
