import { randomUUID } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import type { RunLog } from '../extraction';
import type { Cipher } from './crypto';

/**
 * The extractor's collections. Config documents and records hold keys such as `$currency_symbol` (the seed's
 * Zoho deals schema), which MongoDB-wire servers refuse as field names, so configs, snapshots and `last`
 * records are stored as JSON text. Everything here is insert-mostly: FerretDB's updates cost O(collection).
 */

/** A stored extraction config: the document as its author wrote it, with ids assigned. */
export interface ConfigDoc {
  _id: string;
  name: string;
  /** JSON text of the config (with `id` and every extraction's `id`). */
  json: string;
  /** The config's own cron, or null for the default schedule. */
  cron: string | null;
  /** Its extractions' ids and names, for listings that do not read the whole config (absent on older documents). */
  extractions?: { id: string; name: string }[];
  version: number;
  createdAt: Date;
  updatedAt: Date;
  updatedBy: string;
}

export interface ConfigHistoryDoc {
  configId: string;
  version: number;
  action: 'create' | 'update' | 'delete';
  /** Name of the API key (or `cli:<user>`) that made the change. */
  keyName: string;
  at: Date;
  /** JSON paths that differ from the previous version (create: every top-level key; delete: none). */
  changed: string[];
  /** Full JSON text of the config after the change (before it, for a delete). */
  snapshot: string;
}

/** A run log as stored: the seed's fields, `last` as JSON text. `_id` is the run's workflow id, so retries insert once. */
export interface RunLogDoc extends Omit<RunLog, 'last' | 'created_at'> {
  _id: string;
  last: string | null;
  created_at: Date;
}

export interface SecretDoc {
  _id: string;
  value: string;
  updatedAt: Date;
  updatedBy: string;
}

/** Per-run working state while an extraction runs; deleted when it ends. Holds the token encrypted. */
export interface RunDoc {
  _id: string;
  configId: string;
  extractionId: string;
  /** JSON text of the config as it was when the run started: a change mid-run does not affect the run. */
  config: string;
  /** `last` of the previous successful run (JSON text), read once so every attempt resolves last:: alike. */
  previousLast: string | null;
  /** Encrypted access token (refreshed at start and on a 401), or null for a static one. */
  token: string | null;
  tokenVersion: number;
  startedAt: Date;
  bucket: string;
  key: string;
  uploadId: string;
  /** JSON text of the last raw record in an uploaded part, written when a batch ends. */
  lastRecord: string | null;
}

/** A config in a listing: what it is and when it changed, without its body. */
export interface ConfigSummary {
  id: string;
  name: string;
  cron: string | null;
  extractions: { id: string; name: string }[] | null;
  version: number;
  updatedAt: string;
  updatedBy: string;
}

function extractionsOf(json: string): { id: string; name: string }[] {
  const exs = (JSON.parse(json) as { extractions?: { id?: unknown; name?: unknown }[] }).extractions ?? [];
  return exs.map((e) => ({ id: String(e.id ?? ''), name: String(e.name ?? '') }));
}

export const newId = (prefix: string): string => `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 16)}`;

export class ConfigNotFound extends Error {
  constructor(id: string) {
    super(`no config with id ${id}`);
    this.name = 'ConfigNotFound';
  }
}

/** JSON paths where two JSON values differ, for the change history (bounded). */
export function diffPaths(a: unknown, b: unknown, path = '', out: string[] = [], max = 200): string[] {
  if (out.length >= max) return out;
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
  if (isObj(a) && isObj(b) && Array.isArray(a) === Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      const p = Array.isArray(a) ? `${path}[${k}]` : path ? `${path}.${k}` : k;
      diffPaths(a[k], b[k], p, out, max);
    }
    return out;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) out.push(path || '(root)');
  return out;
}

export class ConfigStore {
  readonly configs: Collection<ConfigDoc>;
  readonly history: Collection<ConfigHistoryDoc>;
  readonly logs: Collection<RunLogDoc>;
  readonly secrets: Collection<SecretDoc>;
  readonly runs: Collection<RunDoc>;

  constructor(db: Db, private readonly cipher: Cipher) {
    this.configs = db.collection<ConfigDoc>('extract_configs');
    this.history = db.collection<ConfigHistoryDoc>('extract_config_history');
    this.logs = db.collection<RunLogDoc>('extract_run_logs');
    this.secrets = db.collection<SecretDoc>('extract_secrets');
    this.runs = db.collection<RunDoc>('extract_runs');
  }

  async ensureIndexes(): Promise<void> {
    await Promise.all([
      this.history.createIndex({ configId: 1, version: -1 }, { name: 'config_version' }),
      this.logs.createIndex({ extraction_id: 1, created_at: -1 }, { name: 'extraction_created' }),
    ]);
  }

  // ---- configs

  async list(): Promise<ConfigDoc[]> {
    return this.configs.find({}).sort({ _id: 1 }).toArray();
  }

  /** Every config's id and cron, for the schedule reconciliation (no bodies). */
  async crons(): Promise<{ id: string; cron: string | null }[]> {
    const docs = await this.configs.find({}, { projection: { cron: 1 } }).sort({ _id: 1 }).toArray();
    return docs.map((d) => ({ id: d._id, cron: d.cron }));
  }

  /** One page of configs by id, without their bodies; `next` is the cursor of the page after, or null. */
  async page(q: { limit: number; afterId?: string }): Promise<{ configs: ConfigSummary[]; next: string | null }> {
    const docs = await this.configs
      .find(q.afterId ? { _id: { $gt: q.afterId } } : {}, { projection: { json: 0 } })
      .sort({ _id: 1 })
      .limit(q.limit + 1)
      .toArray();
    const page = docs.slice(0, q.limit);
    return {
      configs: page.map((d) => ({ id: d._id, name: d.name, cron: d.cron, extractions: d.extractions ?? null, version: d.version, updatedAt: d.updatedAt.toISOString(), updatedBy: d.updatedBy })),
      next: docs.length > q.limit ? page[page.length - 1]!._id : null,
    };
  }

  async find(id: string): Promise<ConfigDoc | null> {
    return this.configs.findOne({ _id: id });
  }

  async get(id: string): Promise<ConfigDoc> {
    const doc = await this.find(id);
    if (!doc) throw new ConfigNotFound(id);
    return doc;
  }

  async findByName(name: string): Promise<ConfigDoc | null> {
    return this.configs.findOne({ name });
  }

  /** Inserts a config (its JSON already carries its ids) and its first history entry. */
  async insert(doc: { id: string; name: string; json: string; cron: string | null }, keyName: string): Promise<ConfigDoc> {
    const now = new Date();
    const stored: ConfigDoc = { _id: doc.id, name: doc.name, json: doc.json, cron: doc.cron, extractions: extractionsOf(doc.json), version: 1, createdAt: now, updatedAt: now, updatedBy: keyName };
    await this.configs.insertOne(stored);
    await this.history.insertOne({
      configId: doc.id,
      version: 1,
      action: 'create',
      keyName,
      at: now,
      changed: Object.keys(JSON.parse(doc.json) as object),
      snapshot: doc.json,
    });
    return stored;
  }

  /** Replaces a config (compare-and-swap on its version) and records what changed and who changed it. */
  async replace(prev: ConfigDoc, next: { name: string; json: string; cron: string | null }, keyName: string): Promise<ConfigDoc | null> {
    const now = new Date();
    const version = prev.version + 1;
    const res = await this.configs.updateOne(
      { _id: prev._id, version: prev.version },
      { $set: { name: next.name, json: next.json, cron: next.cron, extractions: extractionsOf(next.json), version, updatedAt: now, updatedBy: keyName } },
    );
    if (!res.matchedCount) return null;
    await this.history.insertOne({
      configId: prev._id,
      version,
      action: 'update',
      keyName,
      at: now,
      changed: diffPaths(JSON.parse(prev.json), JSON.parse(next.json)),
      snapshot: next.json,
    });
    return { ...prev, ...next, extractions: extractionsOf(next.json), version, updatedAt: now, updatedBy: keyName };
  }

  async delete(prev: ConfigDoc, keyName: string): Promise<void> {
    await this.configs.deleteOne({ _id: prev._id });
    await this.history.insertOne({ configId: prev._id, version: prev.version + 1, action: 'delete', keyName, at: new Date(), changed: [], snapshot: prev.json });
  }

  async historyOf(configId: string, limit = 100): Promise<ConfigHistoryDoc[]> {
    return this.history.find({ configId }, { projection: { _id: 0 } }).sort({ version: -1 }).limit(limit).toArray();
  }

  // ---- secrets (encrypted at rest, never returned by the API)

  async setSecret(name: string, value: string, keyName: string): Promise<void> {
    await this.secrets.updateOne({ _id: name }, { $set: { value: this.cipher.encrypt(value), updatedAt: new Date(), updatedBy: keyName } }, { upsert: true });
  }

  async deleteSecret(name: string): Promise<boolean> {
    return (await this.secrets.deleteOne({ _id: name })).deletedCount > 0;
  }

  async secretNames(): Promise<{ name: string; updatedAt: string; updatedBy: string }[]> {
    const docs = await this.secrets.find({}, { projection: { value: 0 } }).sort({ _id: 1 }).toArray();
    return docs.map((d) => ({ name: d._id, updatedAt: d.updatedAt.toISOString(), updatedBy: d.updatedBy }));
  }

  /** The decrypted values of the named secrets that exist. */
  async secretValues(names: readonly string[]): Promise<Record<string, string>> {
    if (names.length === 0) return {};
    const docs = await this.secrets.find({ _id: { $in: [...names] } }).toArray();
    const out: Record<string, string> = {};
    for (const d of docs) out[d._id] = this.cipher.decrypt(d.value);
    return out;
  }

  // ---- run logs

  /** Inserts a run log once per run (its workflow id); a retried insert is a no-op. */
  async addLog(log: RunLog): Promise<void> {
    const { last, created_at, ...rest } = log;
    try {
      await this.logs.insertOne({ ...rest, _id: log.workflow_id, last: last === null || last === undefined ? null : JSON.stringify(last), created_at: new Date(created_at) });
    } catch (err) {
      if ((err as { code?: number }).code !== 11000) throw err;
    }
  }

  async logsOf(extractionId: string, limit = 50): Promise<RunLog[]> {
    const docs = await this.logs.find({ extraction_id: extractionId }).sort({ created_at: -1 }).limit(limit).toArray();
    return docs.map(fromLogDoc);
  }

  /** `last` of the newest successful run of an extraction, as JSON text (null when none). */
  async lastOf(extractionId: string): Promise<string | null> {
    const doc = await this.logs.find({ extraction_id: extractionId, success: true }).sort({ created_at: -1 }).limit(1).next();
    return doc?.last ?? null;
  }

  // ---- per-run state

  encrypt(value: string): string {
    return this.cipher.encrypt(value);
  }

  decrypt(value: string): string {
    return this.cipher.decrypt(value);
  }
}

export function fromLogDoc(d: RunLogDoc): RunLog {
  const { _id, last, created_at, ...rest } = d;
  return { ...rest, last: last === null ? null : (JSON.parse(last) as unknown), created_at: created_at.toISOString() };
}
