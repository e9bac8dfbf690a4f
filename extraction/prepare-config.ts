import type { Config } from './config';
import { parseConfig, type ConfigIssue } from './parse-config';
import { CronInvalid, normaliseCron } from './cron';
import { destinationFor } from './destination';
import { urlRefusal, type NetworkPolicy } from './network';

/** S3 refuses longer keys; a run may add up to this many characters to a default file name ("-123-99"). */
const S3_KEY_MAX_BYTES = 1024;
const KEY_SUFFIX_ROOM = 8;

/** Problems a config would only meet at run time, found now: its URLs under the network policy, its S3 keys. */
function runTimeIssues(config: Config, network: NetworkPolicy | undefined): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const url = (value: string | undefined, path: string): void => {
    const why = value && network ? urlRefusal(value, network) : null;
    if (why) issues.push({ path, message: `${value} is ${why}: extraction configs may not reach it` });
  };
  url(config.auth?.refresh_token?.endpoint.url, 'auth.refresh_token.endpoint.url');
  url(config.auth?.client_credentials?.token_url, 'auth.client_credentials.token_url');
  config.extractions.forEach((ex, i) => {
    url(ex.endpoint.url, `extractions[${i}].endpoint.url`);
    url(ex.mapping_fetch?.endpoint.url, `extractions[${i}].mapping_fetch.endpoint.url`);
    // The longest key a run can write: the default name's timestamp is fixed-width, references count as written.
    const key = destinationFor(config, ex, { startedAt: new Date('2000-01-01T00:00:00Z') }).key;
    const bytes = Buffer.byteLength(key, 'utf8') + (ex.s3_destiny?.filename === undefined ? KEY_SUFFIX_ROOM : 0);
    if (bytes > S3_KEY_MAX_BYTES) {
      issues.push({ path: `extractions[${i}].s3_destiny`, message: `the S3 key (folder and file name) would be ${bytes} bytes; S3 allows ${S3_KEY_MAX_BYTES}` });
    }
  });
  return issues;
}

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
export function prepareConfig(body: unknown, id: string, prevJson: string | null, newId: (prefix: string) => string, opts: { network?: NetworkPolicy } = {}): PreparedConfig {
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
  const later = runTimeIssues(parsed.config, opts.network);
  if (later.length) throw new ConfigInvalid(later);
  const prevExtractions = prevJson ? ((JSON.parse(prevJson) as { extractions?: { id?: string; name?: string }[] }).extractions ?? []) : [];
  const extractions = (rest.extractions as Record<string, unknown>[]).map((ex) => {
    const given = typeof ex.id === 'string' ? ex.id : undefined;
    const kept = given && prevExtractions.some((p) => p.id === given) ? given : prevExtractions.find((p) => p.name === ex.name)?.id;
    return { id: kept ?? newId('ex'), ...Object.fromEntries(Object.entries(ex).filter(([k]) => k !== 'id')) };
  });
  const doc = { id, ...rest, ...(cron !== null ? { cron } : {}), extractions };
  return { json: JSON.stringify(doc), name: parsed.config.name, cron };
}
