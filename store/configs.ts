import { randomUUID } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import type { ConfigHistoryStore } from './config-history';
import { ConfigNotFound } from './errors';

export { ConfigNotFound } from './errors';

/**
 * `extract_configs`: the extraction configs. Config documents hold keys such as `$currency_symbol` (the seed's Zoho
 * deals schema), which MongoDB-wire servers refuse as field names, so a config is stored as JSON text. Every change
 * is recorded in the config history (store/config-history.ts) with who made it.
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
  private readonly col: Collection<ConfigDoc>;

  constructor(
    db: Db,
    private readonly history: ConfigHistoryStore,
  ) {
    this.col = db.collection<ConfigDoc>('extract_configs');
  }

  /** Every config's id and cron, for the schedule reconciliation (no bodies). */
  async crons(): Promise<{ id: string; cron: string | null }[]> {
    const docs = await this.col.find({}, { projection: { cron: 1 } }).sort({ _id: 1 }).toArray();
    return docs.map((d) => ({ id: d._id, cron: d.cron }));
  }

  /** One page of configs by id, without their bodies; `next` is the cursor of the page after, or null. */
  async page(q: { limit: number; afterId?: string }): Promise<{ configs: ConfigSummary[]; next: string | null }> {
    const docs = await this.col
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
    return this.col.findOne({ _id: id });
  }

  async get(id: string): Promise<ConfigDoc> {
    const doc = await this.find(id);
    if (!doc) throw new ConfigNotFound(id);
    return doc;
  }

  async findByName(name: string): Promise<ConfigDoc | null> {
    return this.col.findOne({ name });
  }

  /** Inserts a config (its JSON already carries its ids) and its first history entry. */
  async insert(doc: { id: string; name: string; json: string; cron: string | null }, keyName: string): Promise<ConfigDoc> {
    const now = new Date();
    const stored: ConfigDoc = { _id: doc.id, name: doc.name, json: doc.json, cron: doc.cron, extractions: extractionsOf(doc.json), version: 1, createdAt: now, updatedAt: now, updatedBy: keyName };
    await this.col.insertOne(stored);
    await this.history.record({ configId: doc.id, version: 1, action: 'create', keyName, at: now, changed: Object.keys(JSON.parse(doc.json) as object), snapshot: doc.json });
    return stored;
  }

  /** Replaces a config (compare-and-swap on its version) and records what changed and who changed it. */
  async replace(prev: ConfigDoc, next: { name: string; json: string; cron: string | null }, keyName: string): Promise<ConfigDoc | null> {
    const now = new Date();
    const version = prev.version + 1;
    const res = await this.col.updateOne(
      { _id: prev._id, version: prev.version },
      { $set: { name: next.name, json: next.json, cron: next.cron, extractions: extractionsOf(next.json), version, updatedAt: now, updatedBy: keyName } },
    );
    if (!res.matchedCount) return null;
    await this.history.record({ configId: prev._id, version, action: 'update', keyName, at: now, changed: diffPaths(JSON.parse(prev.json), JSON.parse(next.json)), snapshot: next.json });
    return { ...prev, ...next, extractions: extractionsOf(next.json), version, updatedAt: now, updatedBy: keyName };
  }

  async delete(prev: ConfigDoc, keyName: string): Promise<void> {
    await this.col.deleteOne({ _id: prev._id });
    await this.history.record({ configId: prev._id, version: prev.version + 1, action: 'delete', keyName, at: new Date(), changed: [], snapshot: prev.json });
  }
}
