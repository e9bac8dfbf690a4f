/**
 * What the contact-sync activities take and answer: ids, cycle numbers and counts only. Contacts, links and plans
 * stay in MongoDB; workflow history carries none of them.
 */
import type { Halt, Side } from '../../sync';

export interface CycleInput {
  pairingId: string;
  /** The cycle's number within the pairing (the workflow's counter): names its working state. */
  cycle: number;
}

export interface StartCycleInput extends CycleInput {
  /** List both sides from scratch (fullResync, or the first cycle). */
  full: boolean;
}

export interface CycleStart {
  googleAccountId: string;
  zohoAccountId: string;
  target: 'crm' | 'creator';
  intervalSeconds: number;
  /** Whether each side is listed from scratch this cycle. */
  full: Record<Side, boolean>;
}

export interface PullInput extends CycleInput {
  full: boolean;
}

export interface PullSummary {
  side: Side;
  pages: number;
  records: number;
  deleted: number;
  complete: boolean;
  /** Why the listing was from scratch, when it was. */
  fullBecause: 'asked' | 'first' | 'expired' | null;
}

export interface PlanInput extends CycleInput {
  /** An operator confirmed the deletions of a halted cycle. */
  allowMassDelete: boolean;
}

export interface PlannedBatch {
  id: string;
  side: Side;
  op: 'create' | 'update' | 'delete' | 'tag';
  size: number;
}

export interface PlanSummary {
  halt: Halt | null;
  batches: PlannedBatch[];
  conflicts: number;
  flags: number;
  /** Links of the pairing in all, and those waiting for a side's id. */
  links: number;
  pending: number;
}

export interface PushInput extends CycleInput {
  batchId: string;
}

export interface PushSummary {
  side: Side;
  op: PlannedBatch['op'];
  ok: number;
  failed: number;
  /** Items whose record changed since the plan (stale etag): decided again. */
  conflicts: number;
  /** A re-decision needs a write on the other side: run another cycle soon. */
  another: boolean;
}

export interface SideCounts {
  created: number;
  updated: number;
  deleted: number;
  tagged: number;
}

export interface CycleSummary {
  cycle: number;
  google: SideCounts;
  zoho: SideCounts;
  conflicts: number;
  failed: number;
  links: number;
  pending: number;
  /** ISO times: when each side's cursor was last moved, and the last complete listings. */
  cursors: { googleFullAt: string | null; zohoAt: string | null; zohoFullAt: string | null };
}

export interface SyncProblem {
  pairingId: string;
  kind: string;
  message: string;
  accountId?: string;
}
