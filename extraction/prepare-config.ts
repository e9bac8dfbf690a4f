import { parseConfig, type ConfigIssue } from './config';
import { CronInvalid, normaliseCron } from './cron';

/** A config that does not validate; `issues` name the JSON path of each problem. */
export class ConfigInvalid extends Error {
  constructor(readonly issues: ConfigIssue[]) {
    super(`invalid config: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`);
    this.name = 'ConfigInvalid';
  }
}

export interface PreparedConfig {
  /** The config as stored: the body with its id, every extraction's id and the normalised cron. */
  json: string;
  name: string;
  cron: string | null;
}

/**
 * Validates a config body and gives it ids: the config's, and one per extraction, kept from the previous version
 * (`prevJson`) by id or by name, else new from `newId`. Pure: the caller passes the id generator.
 */
export function prepareConfig(body: unknown, id: string, prevJson: string | null, newId: (prefix: string) => string): PreparedConfig {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ConfigInvalid([{ path: '', message: 'Expected a JSON object' }]);
  // `id` is ours to give; `schedule` is the state an answer reports (a body read back and written again has it).
  const { cron: rawCron, id: _id, schedule: _schedule, ...rest } = body as Record<string, unknown>;
  let cron: string | null = null;
  if (rawCron !== undefined && rawCron !== null) {
    if (typeof rawCron !== 'string') throw new ConfigInvalid([{ path: 'cron', message: 'Expected a cron expression (string) or null' }]);
    try {
      cron = normaliseCron(rawCron);
    } catch (err) {
      if (!(err instanceof CronInvalid)) throw err;
      throw new ConfigInvalid([{ path: 'cron', message: err.message }]);
    }
  }
  const parsed = parseConfig(rest);
  if (!parsed.ok) throw new ConfigInvalid(parsed.errors);
  const prevExtractions = prevJson ? ((JSON.parse(prevJson) as { extractions?: { id?: string; name?: string }[] }).extractions ?? []) : [];
  const extractions = (rest.extractions as Record<string, unknown>[]).map((ex) => {
    const given = typeof ex.id === 'string' ? ex.id : undefined;
    const kept = given && prevExtractions.some((p) => p.id === given) ? given : prevExtractions.find((p) => p.name === ex.name)?.id;
    return { id: kept ?? newId('ex'), ...Object.fromEntries(Object.entries(ex).filter(([k]) => k !== 'id')) };
  });
  const doc = { id, ...rest, ...(cron !== null ? { cron } : {}), extractions };
  return { json: JSON.stringify(doc), name: parsed.config.name, cron };
}
