import type { Collection, Db } from 'mongodb';
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

/** A run to start: its working state with the access token in clear (it is encrypted here). */
export type NewExtractionRun = Omit<ExtractionRunDoc, 'token' | 'tokenVersion'> & { accessToken: string | null };

/**
 * `extract_runs`: the working state of runs in flight. Insert-mostly and small: FerretDB's updates cost
 * O(collection), so a run writes its token only when it changes and its `last` once per batch.
 */
export class ExtractionRunStore {
  private readonly col: Collection<ExtractionRunDoc>;

  constructor(
    db: Db,
    private readonly cipher: Cipher,
  ) {
    this.col = db.collection<ExtractionRunDoc>('extract_runs');
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

  async saveAccessToken(runWorkflowId: string, accessToken: string | null): Promise<void> {
    await this.col.updateOne({ _id: runWorkflowId }, { $set: { token: accessToken === null ? null : this.cipher.encrypt(accessToken) }, $inc: { tokenVersion: 1 } });
  }

  async saveLastRecord(runWorkflowId: string, lastRecord: string): Promise<void> {
    await this.col.updateOne({ _id: runWorkflowId }, { $set: { lastRecord } });
  }

  /** Whether another run in flight writes to this S3 key. */
  async keyTaken(bucket: string, key: string, exceptRunWorkflowId: string): Promise<boolean> {
    return (await this.col.findOne({ bucket, key, _id: { $ne: exceptRunWorkflowId } }, { projection: { _id: 1 } })) !== null;
  }

  async end(runWorkflowId: string): Promise<void> {
    await this.col.deleteOne({ _id: runWorkflowId });
  }
}
