import type { ParentValues } from '../../extraction';
import type { ParentRun } from '../../store/extraction-runs';
import type { ParentRecordStore } from '../../store/parent-records';
import { invalid } from '../failures';

/** Parent records read per query: memory stays flat however many records the parent wrote. */
const WINDOW = 500;

/** A child run's view of its parent run's records, read a window at a time in the order the parent wrote them. */
export class ParentRecords {
  /** The window holds records from..to-1 (to is exclusive; empty at first). */
  private from = 0;
  private to = 0;
  private window = new Map<number, ParentValues>();

  constructor(
    private readonly store: Pick<ParentRecordStore, 'range'>,
    private readonly parent: ParentRun,
  ) {}

  /** The values of parent record `index` (0-based), or null past the last one. */
  async at(index: number): Promise<ParentValues | null> {
    if (index >= this.parent.records) return null;
    if (index < this.from || index >= this.to) {
      this.from = index;
      this.to = Math.min(index + WINDOW, this.parent.records);
      this.window = await this.store.range(this.parent.runWorkflowId, this.from, this.to);
    }
    const values = this.window.get(index);
    if (!values) throw invalid(`parent record ${index + 1} of run ${this.parent.runWorkflowId} is not stored (kept 7 days): run the config again`);
    return values;
  }
}
