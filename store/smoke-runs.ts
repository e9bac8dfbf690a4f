import type { Collection, Db } from 'mongodb';

interface SmokeRunDoc {
  _id: string;
  note: string;
  workflowId: string | null;
  at: Date;
}

/** `smoke_runs`: what the foundation's end-to-end check writes, one document per smoke workflow. */
export class SmokeRunStore {
  private readonly col: Collection<SmokeRunDoc>;

  constructor(db: Db) {
    this.col = db.collection<SmokeRunDoc>('smoke_runs');
  }

  /** Writes (or overwrites, on a retry) the document of one smoke run. */
  async record(id: string, note: string, workflowId: string | null): Promise<void> {
    await this.col.updateOne({ _id: id }, { $set: { note, workflowId, at: new Date() } }, { upsert: true });
  }
}
