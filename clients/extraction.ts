import { WorkflowIdReusePolicy, type Client, type WorkflowHandle } from '@temporalio/client';
import { extractionNetwork, type Settings } from '../config';
import { SA, deploymentId, ids } from '../common/names';
import { ConfigInvalid, prepareConfig, secretNames } from '../extraction';
import { ConfigNotFound, newId, type ConfigDoc, type ConfigStore, type ConfigSummary } from '../store/configs';
import type { SecretStore } from '../store/secrets';
import { extractConfig, type ExtractConfigInput } from '../workflows/extraction';
import { configSchedule, configScheduleId, deleteSchedule, ensureSchedules, reconcileConfigSchedules, tuningFrom, type ReconcileResult } from './schedules';
import { TemporalUnavailable, withinDeadline } from './temporal';

/** Whether a config's schedule is in step with it, or waits for Temporal (the next worker start brings it in step). */
export type ScheduleState = { state: 'in_step'; id: string } | { state: 'pending'; id: string; reason: string };

/** Which of the asked extraction ids or names the config does not have. */
function unknownExtractions(doc: ConfigDoc, asked: string[]): string[] {
  const extractions = (JSON.parse(doc.json) as { extractions?: { id?: string; name?: string }[] }).extractions ?? [];
  return asked.filter((a) => !extractions.some((e) => e.id === a || e.name === a));
}

/** The stored document as the API shows it: the config as written, with its ids. */
export const configView = (doc: ConfigDoc): Record<string, unknown> => JSON.parse(doc.json) as Record<string, unknown>;

/**
 * Config changes and runs, shared by the HTTP API and the CLI: validate, assign ids, store with history,
 * and keep each config's Temporal Schedule in step.
 */
export class ExtractionService {
  constructor(private readonly deps: { settings: Settings; configs: ConfigStore; secrets: SecretStore; temporal: () => Promise<Client> }) {}

  /** One page of configs without their bodies (GET one config for its body). */
  async list(q: { limit?: number; after?: string } = {}): Promise<{ configs: ConfigSummary[]; next: string | null }> {
    return this.deps.configs.page({ limit: q.limit ?? 100, ...(q.after ? { afterId: q.after } : {}) });
  }

  async get(id: string): Promise<Record<string, unknown>> {
    return configView(await this.deps.configs.get(id));
  }

  async create(body: unknown, keyName: string): Promise<Record<string, unknown>> {
    const id = newId('cfg');
    const next = prepareConfig(body, id, null, newId, { network: extractionNetwork(this.deps.settings) });
    const doc = await this.deps.configs.insert({ id, ...next }, keyName);
    return { ...configView(doc), schedule: await this.syncSchedule(doc._id, doc.cron), ...(await this.warnings(doc.json)) };
  }

  async update(id: string, body: unknown, keyName: string): Promise<Record<string, unknown>> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const prev = await this.deps.configs.get(id);
      const next = prepareConfig(body, id, prev.json, newId, { network: extractionNetwork(this.deps.settings) });
      const doc = await this.deps.configs.replace(prev, next, keyName);
      if (!doc) continue; // a concurrent change: read again and retry
      return { ...configView(doc), schedule: await this.syncSchedule(id, doc.cron), ...(await this.warnings(doc.json)) };
    }
    throw new Error(`config ${id} keeps changing under this update; try again`);
  }

  /** Deletes a config and its schedule; with Temporal down, the next worker start deletes the orphaned schedule. */
  async delete(id: string, keyName: string): Promise<void> {
    const prev = await this.deps.configs.get(id);
    await this.deps.configs.delete(prev, keyName);
    await this.withTemporal('the schedule deletion', (temporal) => deleteSchedule(temporal, configScheduleId(this.deps.settings, id))).catch((err: unknown) => {
      if (!(err instanceof TemporalUnavailable)) throw err;
    });
  }

  /** What a stored config will miss at run time: secrets it references that are not set (yet). */
  private async warnings(json: string): Promise<{ warnings?: { path: string; message: string }[] }> {
    const stored = new Set((await this.deps.secrets.names()).map((s) => s.name));
    const missing = secretNames(JSON.parse(json)).filter((n) => !stored.has(n));
    if (!missing.length) return {};
    return { warnings: missing.map((n) => ({ path: 'secrets', message: `\${secret::${n}} is not set: runs fail until it is (switchyard secrets set ${n} -)` })) };
  }

  /** See reconcileConfigSchedules: run at worker start. */
  async reconcileSchedules(): Promise<ReconcileResult> {
    const temporal = await this.deps.temporal();
    return reconcileConfigSchedules(temporal, this.deps.settings, await this.deps.configs.crons());
  }

  /**
   * Brings a config's schedule in step. The config is stored already: with Temporal unreachable, the schedule is
   * pending (the worker-start reconciliation creates it) and the caller is told so, within about a second.
   */
  async syncSchedule(configId: string, cron: string | null): Promise<ScheduleState> {
    const id = configScheduleId(this.deps.settings, configId);
    try {
      await this.withTemporal('the schedule update', (temporal) => ensureSchedules(temporal, this.deps.settings, [configSchedule(this.deps.settings, configId, cron)]));
      return { state: 'in_step', id };
    } catch (err) {
      if (!(err instanceof TemporalUnavailable)) throw err;
      return { state: 'pending', id, reason: 'Temporal is not reachable; the config is stored and the next worker start creates its schedule' };
    }
  }

  /** Starts a run of a config (every extraction, or those named). Runs of one config may overlap a scheduled one. */
  async startRun(configId: string, opts: { extractionIds?: string[]; trigger?: ExtractConfigInput['trigger'] } = {}): Promise<WorkflowHandle<typeof extractConfig>> {
    const doc = await this.deps.configs.find(configId);
    if (!doc) throw new ConfigNotFound(configId);
    const unknown = unknownExtractions(doc, opts.extractionIds ?? []);
    if (unknown.length) throw new ConfigInvalid([{ path: 'extraction', message: `config ${configId} has no extraction ${unknown.join(', ')} (give an extraction's id or name)` }]);
    return this.withTemporal('the run', (temporal) =>
      startExtractConfig(temporal, this.deps.settings, { configId, ...(opts.extractionIds ? { extractionIds: opts.extractionIds } : {}), trigger: opts.trigger ?? 'manual' }),
    );
  }

  private async withTemporal<T>(what: string, fn: (temporal: Client) => Promise<T>): Promise<T> {
    const temporal = await this.deps.temporal();
    return withinDeadline(temporal, what, () => fn(temporal));
  }
}

export async function startExtractConfig(temporal: Client, settings: Settings, input: Omit<ExtractConfigInput, 'tuning' | 'taskQueue'>): Promise<WorkflowHandle<typeof extractConfig>> {
  return temporal.workflow.start(extractConfig, {
    taskQueue: settings.TEMPORAL_TASK_QUEUE,
    workflowId: deploymentId(settings.TEMPORAL_TASK_QUEUE, ids.extractConfig(input.configId, Date.now())),
    args: [{ ...input, tuning: tuningFrom(settings), taskQueue: settings.TEMPORAL_TASK_QUEUE }],
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    typedSearchAttributes: [{ key: SA.configId, value: input.configId }],
  });
}
