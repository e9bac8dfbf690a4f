import { CronExpressionParser } from 'cron-parser';
import { ScheduleNotFoundError, ScheduleOverlapPolicy, WorkflowIdReusePolicy, type Client, type ScheduleOptions, type WorkflowHandle } from '@temporalio/client';
import type { Settings } from '../config';
import { parseConfig, type ConfigIssue } from '../extraction';
import { ConfigNotFound, newId, type ConfigDoc, type ConfigStore } from '../store/configs';
import { extractConfig, type ExtractConfigInput, type ExtractTuning } from '../workflows/extract';
import { SA, configIdOfScheduleId, ids } from '../common/names';
import { ensureSchedules } from './schedules';
import { deploymentWorkflowId } from './tokens';

/** A config that does not validate; `issues` name the JSON path of each problem. */
export class ConfigInvalid extends Error {
  constructor(readonly issues: ConfigIssue[]) {
    super(`invalid config: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`);
    this.name = 'ConfigInvalid';
  }
}

export const tuningFrom = (s: Settings): ExtractTuning => ({ batchSeconds: s.EXTRACT_BATCH_SECONDS, heartbeatSeconds: s.EXTRACT_HEARTBEAT_SECONDS, historyBudget: 2000 });

/**
 * A cron for Temporal: five fields, UTC. The seed's AWS EventBridge form (`0 1 * * ? *`: six fields with a year
 * and `?`) is accepted and converted.
 */
export function normaliseCron(cron: string): string {
  let fields = cron.trim().split(/\s+/);
  if (fields.length === 6 && fields.includes('?')) fields = fields.slice(0, 5).map((f) => (f === '?' ? '*' : f));
  if (fields.length !== 5) throw new Error(`expected 5 fields (minute hour day-of-month month day-of-week), got ${fields.length}`);
  const out = fields.join(' ');
  CronExpressionParser.parse(out);
  return out;
}

export const configScheduleId = (settings: Settings, configId: string): string => deploymentWorkflowId(settings, ids.extractSchedule(configId));

/** The config id of one of this deployment's extraction schedule ids, else null (another deployment's, or not an extraction's). */
export function configIdOfSchedule(settings: Settings, scheduleId: string): string | null {
  const configId = configIdOfScheduleId(scheduleId);
  return configId !== null && configScheduleId(settings, configId) === scheduleId ? configId : null;
}

/** The config's schedule: its own cron, else EXTRACT_DEFAULT_CRON; overlapping runs are skipped. */
export function configSchedule(settings: Settings, configId: string, cron: string | null): ScheduleOptions {
  const expression = cron ?? normaliseCron(settings.EXTRACT_DEFAULT_CRON);
  return {
    scheduleId: configScheduleId(settings, configId),
    spec: { cronExpressions: [expression] },
    action: {
      type: 'startWorkflow',
      workflowType: extractConfig,
      workflowId: deploymentWorkflowId(settings, ids.extractConfig(configId)),
      taskQueue: settings.TEMPORAL_TASK_QUEUE,
      args: [{ configId, trigger: 'schedule', tuning: tuningFrom(settings), taskQueue: settings.TEMPORAL_TASK_QUEUE } satisfies ExtractConfigInput],
      typedSearchAttributes: [{ key: SA.configId, value: configId }],
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1h' },
    memo: { description: `Extraction config ${configId}` },
  };
}

/** The stored document as the API shows it: the config as written, with its ids. */
export const configView = (doc: ConfigDoc): Record<string, unknown> => JSON.parse(doc.json) as Record<string, unknown>;

/** Validates a config body and gives it ids: the config's, and one per extraction (kept from `prev` by id or name). */
export function prepareConfig(body: unknown, id: string, prev: ConfigDoc | null): { json: string; name: string; cron: string | null } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ConfigInvalid([{ path: '', message: 'Expected a JSON object' }]);
  const { cron: rawCron, id: _ignored, ...rest } = body as Record<string, unknown>;
  let cron: string | null = null;
  if (rawCron !== undefined && rawCron !== null) {
    if (typeof rawCron !== 'string') throw new ConfigInvalid([{ path: 'cron', message: 'Expected a cron expression (string) or null' }]);
    try {
      cron = normaliseCron(rawCron);
    } catch (err) {
      throw new ConfigInvalid([{ path: 'cron', message: (err as Error).message }]);
    }
  }
  const parsed = parseConfig(rest);
  if (!parsed.ok) throw new ConfigInvalid(parsed.errors);
  const prevExtractions = prev ? ((JSON.parse(prev.json) as { extractions?: { id?: string; name?: string }[] }).extractions ?? []) : [];
  const extractions = (rest.extractions as Record<string, unknown>[]).map((ex) => {
    const given = typeof ex.id === 'string' ? ex.id : undefined;
    const kept = given && prevExtractions.some((p) => p.id === given) ? given : prevExtractions.find((p) => p.name === ex.name)?.id;
    return { id: kept ?? newId('ex'), ...Object.fromEntries(Object.entries(ex).filter(([k]) => k !== 'id')) };
  });
  const doc = { id, ...rest, ...(cron !== null ? { cron } : {}), extractions };
  return { json: JSON.stringify(doc), name: parsed.config.name, cron };
}

/**
 * Config changes and runs, shared by the HTTP API and the CLI: validate, assign ids, store with history,
 * and keep each config's Temporal Schedule in step.
 */
export class ExtractService {
  constructor(private readonly deps: { settings: Settings; configs: ConfigStore; temporal: () => Promise<Client> }) {}

  async list(): Promise<Record<string, unknown>[]> {
    return (await this.deps.configs.list()).map(configView);
  }

  async get(id: string): Promise<Record<string, unknown>> {
    return configView(await this.deps.configs.get(id));
  }

  async create(body: unknown, keyName: string): Promise<Record<string, unknown>> {
    const id = newId('cfg');
    const next = prepareConfig(body, id, null);
    const doc = await this.deps.configs.insert({ id, ...next }, keyName);
    await this.syncSchedule(doc._id, doc.cron);
    return configView(doc);
  }

  async update(id: string, body: unknown, keyName: string): Promise<Record<string, unknown>> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const prev = await this.deps.configs.get(id);
      const next = prepareConfig(body, id, prev);
      const doc = await this.deps.configs.replace(prev, next, keyName);
      if (!doc) continue; // a concurrent change: read again and retry
      await this.syncSchedule(id, doc.cron);
      return configView(doc);
    }
    throw new Error(`config ${id} keeps changing under this update; try again`);
  }

  async delete(id: string, keyName: string): Promise<void> {
    const prev = await this.deps.configs.get(id);
    await this.deps.configs.delete(prev, keyName);
    const handle = (await this.deps.temporal()).schedule.getHandle(configScheduleId(this.deps.settings, id));
    await handle.delete().catch((err: unknown) => {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
    });
  }

  /**
   * Brings the schedules in step with the stored configs, for configs written or removed behind the API's back
   * (a restore, a script writing to MongoDB): every config gets its schedule, and this deployment's extraction
   * schedules whose config is gone are deleted. Run at worker start; safe to run from several workers at once.
   */
  async reconcileSchedules(): Promise<{ ensured: string[]; deleted: string[] }> {
    const client = await this.deps.temporal();
    const docs = await this.deps.configs.list();
    const ensured = await ensureSchedules(client, this.deps.settings, docs.map((d) => configSchedule(this.deps.settings, d._id, d.cron)));
    const known = new Set(ensured);
    const deleted: string[] = [];
    for await (const summary of client.schedule.list()) {
      const id = summary.scheduleId;
      if (known.has(id) || configIdOfSchedule(this.deps.settings, id) === null) continue;
      await client.schedule.getHandle(id).delete().catch((err: unknown) => {
        if (!(err instanceof ScheduleNotFoundError)) throw err;
      });
      deleted.push(id);
    }
    return { ensured, deleted };
  }

  async syncSchedule(configId: string, cron: string | null): Promise<void> {
    await ensureSchedules(await this.deps.temporal(), this.deps.settings, [configSchedule(this.deps.settings, configId, cron)]);
  }

  /** Starts a run of a config (every extraction, or those named). Runs of one config may overlap a scheduled one. */
  async startRun(configId: string, opts: { extractionIds?: string[]; trigger?: ExtractConfigInput['trigger'] } = {}): Promise<WorkflowHandle<typeof extractConfig>> {
    if (!(await this.deps.configs.find(configId))) throw new ConfigNotFound(configId);
    const client = await this.deps.temporal();
    return startExtractConfig(client, this.deps.settings, { configId, ...(opts.extractionIds ? { extractionIds: opts.extractionIds } : {}), trigger: opts.trigger ?? 'manual' });
  }
}

export async function startExtractConfig(client: Client, settings: Settings, input: Omit<ExtractConfigInput, 'tuning' | 'taskQueue'>): Promise<WorkflowHandle<typeof extractConfig>> {
  return client.workflow.start(extractConfig, {
    taskQueue: settings.TEMPORAL_TASK_QUEUE,
    workflowId: deploymentWorkflowId(settings, ids.extractConfig(input.configId, Date.now())),
    args: [{ ...input, tuning: tuningFrom(settings), taskQueue: settings.TEMPORAL_TASK_QUEUE }],
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    typedSearchAttributes: [{ key: SA.configId, value: input.configId }],
  });
}
