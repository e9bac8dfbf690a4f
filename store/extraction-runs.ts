import { Binary, type Collection, type Db } from 'mongodb';
import type { Cipher } from './crypto';

/** Per-run working state while an extraction runs; deleted when it ends. Holds the access token encrypted. */
export interface ExtractionRunDoc {
  /** The run's workflow id (its extractRun). */
  _id: string;
  configId: string;
  extractionId: string;
  /** JSON text of the config as it was when the run started: a change mid-run does not affect the run. */
  config: string;
  /** `last` of the previous successful run (JSON text), read once so every attempt resolves last:: alike. */
  previousLast: string | null;
  /** The previous published run's incremental cursor (JSON text of an IncrementalLog); absent or null: none. */
  previousIncremental?: string | null;
  /** Encrypted access token (refreshed at start and on a 401), or null for a static one. */
  token: string | null;
  /** When the access token expires, when its refresh answer said (`expires_in`). */
  tokenExpiresAt?: Date | null;
  tokenVersion: number;
  startedAt: Date;
  bucket: string;
  key: string;
  uploadId: string;
  /** JSON text of the last raw record in an uploaded part, written when a batch ends. */
  lastRecord: string | null;
  /**
   * JSON text of the run's durable progress, written as each part's upload completes: the checkpoint (pagination
   * and writer state, part ETags) and the last raw record in those parts. A failed run publishes what it names.
   */
  progress?: string | null;
  /** A child extraction's: the run of its parent in the same config run, and how many records that run wrote. */
  parent?: ParentRun | null;
}

/** The parent run a child extraction's run reads its parent records from. */
export interface ParentRun {
  runWorkflowId: string;
  records: number;
}

/**
 * What a page-fetching attempt had fetched past its last uploaded part when it left (a request whose retries were
 * spent): the bytes not yet in a part and the state after them, so the next attempt goes on from there instead of
 * fetching those pages again. `afterParts` and `baseBytes` name the checkpoint it follows.
 */
export interface RunTail {
  afterParts: number;
  baseBytes: number;
  state: unknown;
  data: Buffer;
}

/**
 * `extract_tokens`: access tokens shared by every run whose token refresh request is the same (the extractions of a
 * config, and configs that share a refresh token), by a SHA-256 of that request. Zoho grants 10 tokens per refresh
 * token in 10 minutes, so a config of 11 extractions refreshing once each would be throttled.
 */
interface SharedTokenDoc {
  _id: string;
  token: string;
  obtainedAt: Date;
  expiresAt: Date | null;
}

export interface SharedToken {
  token: string;
  obtainedAt: Date;
  expiresAt: Date | null;
}

interface RunTailChunk {
  _id: string;
  run: string;
  i: number;
  afterParts: number;
  baseBytes: number;
  state: string | null;
  data: Binary;
}

/** Chunks under MongoDB's 16 MiB document limit whatever EXTRACT_PART_MIB is. */
const TAIL_CHUNK_BYTES = 4 * 1024 * 1024;

/** A run to start: its working state with the access token in clear (it is encrypted here). */
export type NewExtractionRun = Omit<ExtractionRunDoc, 'token' | 'tokenVersion' | 'tokenExpiresAt'> & { accessToken: string | null; tokenExpiresAt: Date | null };

/**
 * `extract_runs`: the working state of runs in flight. Insert-mostly and small: FerretDB's updates cost
 * O(collection), so a run writes its token only when it changes and its `last` once per batch.
 */
export class ExtractionRunStore {
  private readonly col: Collection<ExtractionRunDoc>;
  private readonly tails: Collection<RunTailChunk>;
  private readonly shared: Collection<SharedTokenDoc>;

  constructor(
    db: Db,
    private readonly cipher: Cipher,
  ) {
    this.col = db.collection<ExtractionRunDoc>('extract_runs');
    this.tails = db.collection<RunTailChunk>('extract_run_tails');
    this.shared = db.collection<SharedTokenDoc>('extract_tokens');
  }

  /** The shared access token of a refresh request (by its SHA-256), in clear, or null. */
  async sharedToken(key: string): Promise<SharedToken | null> {
    const doc = await this.shared.findOne({ _id: key });
    return doc ? { token: this.cipher.decrypt(doc.token), obtainedAt: doc.obtainedAt, expiresAt: doc.expiresAt } : null;
  }

  async saveSharedToken(key: string, t: SharedToken): Promise<void> {
    await this.shared.replaceOne({ _id: key }, { token: this.cipher.encrypt(t.token), obtainedAt: t.obtainedAt, expiresAt: t.expiresAt }, { upsert: true });
  }

  /** Replaces the run's tail (written once, when an attempt leaves with fetched pages not yet in a part). */
  async saveTail(runWorkflowId: string, tail: RunTail): Promise<void> {
    await this.dropTail(runWorkflowId);
    const chunks: RunTailChunk[] = [];
    for (let i = 0, at = 0; at < tail.data.length || i === 0; i++, at += TAIL_CHUNK_BYTES) {
      const data = new Binary(tail.data.subarray(at, at + TAIL_CHUNK_BYTES));
      chunks.push({ _id: `${runWorkflowId}#${i}`, run: runWorkflowId, i, afterParts: tail.afterParts, baseBytes: tail.baseBytes, state: i === 0 ? JSON.stringify(tail.state) : null, data });
    }
    await this.tails.insertMany(chunks);
  }

  /** The run's tail when it follows this checkpoint (its part count and bytes), else null. */
  async findTail(runWorkflowId: string, afterParts: number, baseBytes: number): Promise<RunTail | null> {
    const chunks = await this.tails.find({ run: runWorkflowId }).sort({ i: 1 }).toArray();
    const head = chunks[0];
    if (!head || head.i !== 0 || head.state === null || head.afterParts !== afterParts || head.baseBytes !== baseBytes) return null;
    if (chunks.some((c, i) => c.i !== i)) return null; // a chunk missing: not usable
    return { afterParts, baseBytes, state: JSON.parse(head.state) as unknown, data: Buffer.concat(chunks.map((c) => Buffer.from(c.data.buffer))) };
  }

  async dropTail(runWorkflowId: string): Promise<void> {
    await this.tails.deleteMany({ run: runWorkflowId });
  }

  async find(runWorkflowId: string): Promise<ExtractionRunDoc | null> {
    return this.col.findOne({ _id: runWorkflowId });
  }

  async start(run: NewExtractionRun): Promise<ExtractionRunDoc> {
    const { accessToken, ...rest } = run;
    const doc: ExtractionRunDoc = { ...rest, token: accessToken === null ? null : this.cipher.encrypt(accessToken), tokenVersion: 1 };
    await this.col.insertOne(doc);
    return doc;
  }

  /** The run's access token in clear, or null when its config uses a static one. */
  accessToken(run: ExtractionRunDoc): string | null {
    return run.token === null ? null : this.cipher.decrypt(run.token);
  }

  async saveAccessToken(runWorkflowId: string, accessToken: string | null, expiresAt: Date | null = null): Promise<void> {
    await this.col.updateOne({ _id: runWorkflowId }, { $set: { token: accessToken === null ? null : this.cipher.encrypt(accessToken), tokenExpiresAt: expiresAt }, $inc: { tokenVersion: 1 } });
  }

  async saveProgress(runWorkflowId: string, progress: string): Promise<void> {
    await this.col.updateOne({ _id: runWorkflowId }, { $set: { progress } });
  }

  async saveLastRecord(runWorkflowId: string, lastRecord: string): Promise<void> {
    await this.col.updateOne({ _id: runWorkflowId }, { $set: { lastRecord } });
  }

  /** Whether another run in flight writes to this S3 key. */
  async keyTaken(bucket: string, key: string, exceptRunWorkflowId: string): Promise<boolean> {
    return (await this.col.findOne({ bucket, key, _id: { $ne: exceptRunWorkflowId } }, { projection: { _id: 1 } })) !== null;
  }

  async end(runWorkflowId: string): Promise<void> {
    await this.dropTail(runWorkflowId);
    await this.col.deleteOne({ _id: runWorkflowId });
  }
}
