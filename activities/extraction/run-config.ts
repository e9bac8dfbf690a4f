import { findExtraction, formatIssues, parseConfig, type Config, type Extraction } from '../../extraction';
import { invalid } from '../failures';

export interface RunConfig {
  config: Config;
  extraction: Extraction;
}

/** Parses a config's JSON text and finds one of its extractions; a config that does not validate is Invalid. */
export function loadConfig(json: string, extractionId: string): RunConfig {
  const parsed = parseConfig(JSON.parse(json));
  if (!parsed.ok) throw invalid(`the config is not valid:\n${formatIssues(parsed.errors)}`);
  const extraction = findExtraction(parsed.config, extractionId);
  if (!extraction) throw invalid(`the config has no extraction ${extractionId}`);
  return { config: parsed.config, extraction };
}

/**
 * The parsed config of each run this worker process works on, by run workflow id. A run's config is the snapshot in
 * its working state and never changes, so it is parsed once per run and process, not again for every batch, at
 * completion and at failure. Small and bounded: the oldest entries go first.
 */
export class RunConfigs {
  private readonly byRun = new Map<string, RunConfig>();

  constructor(private readonly max = 100) {}

  get(runWorkflowId: string, json: string, extractionId: string): RunConfig {
    const known = this.byRun.get(runWorkflowId);
    if (known) {
      // Most recently used last, so a long run is not evicted by many short ones.
      this.byRun.delete(runWorkflowId);
      this.byRun.set(runWorkflowId, known);
      return known;
    }
    return this.remember(runWorkflowId, loadConfig(json, extractionId));
  }

  /** Keeps a run's config, parsed from the snapshot its working state holds. */
  remember(runWorkflowId: string, runConfig: RunConfig): RunConfig {
    this.byRun.set(runWorkflowId, runConfig);
    if (this.byRun.size > this.max) this.byRun.delete(this.byRun.keys().next().value!);
    return runConfig;
  }

  forget(runWorkflowId: string): void {
    this.byRun.delete(runWorkflowId);
  }
}
