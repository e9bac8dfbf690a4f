/**
 * What the mirror's activities take and answer: a mirror id, batch numbers and counts. Contacts, e-mails and
 * plans stay in MongoDB; workflow history carries none of them.
 */
import type { BatchKind } from '../../store/kommo-batches';
import type { BatchSummary, MirrorTotals } from '../../store/kommo-progress';

export type { BatchKind, BatchSummary, MirrorTotals };

/** A full sync as the status shows it. */
export interface FullSyncView {
  active: boolean;
  gen: number;
  batches: number;
  contacts: number;
  /** Contacts the mirror knew when it started (the progress bar's total until the listing ends). */
  expected: number;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface MirrorInput {
  mirrorId: string;
}

export interface BatchInput extends MirrorInput {
  /** The batch's number within the mirror. */
  n: number;
}

export interface BeginInput extends BatchInput {
  kind: BatchKind;
}

/** What a workflow run needs to know when it starts. */
export interface OpenedMirror {
  exists: boolean;
  /** Setup complete (Unisender key, list, webhook): only then does the mirror touch anything. */
  ready: boolean;
  /** The Switchyard account whose Kommo token the mirror uses (for the refresh activity). */
  accountId: string;
  /** The last batch number handed out, and the one still in flight from an earlier run. */
  batch: number;
  open: { n: number; kind: BatchKind } | null;
  full: FullSyncView;
  pollActive: boolean;
  /** When the last poll ended (ms), null before the first. */
  lastPollAt: number | null;
  totals: MirrorTotals;
  settings: { pollSeconds: number; gatherMs: number; maxGatherMs: number };
}

export interface BeganBatch {
  /** False when there was nothing to take (an empty inbox, no listing in progress): the number stays free. */
  started: boolean;
  /** inbox: contacts taken, and whether entries remain beyond this batch. */
  size: number;
  more: boolean;
}

export interface FetchSummary {
  found: number;
  missing: number;
  calls: number;
  /** listing: whether pages remain after this batch. */
  more: boolean;
}

export interface PlanSummary {
  contacts: number;
  changed: number;
  imports: number;
  excludes: number;
}

export interface PushSummary {
  imported: number;
  rejected: number;
  excluded: number;
  importCalls: number;
}

export interface CommitInput extends BatchInput {
  push: PushSummary;
}

export interface CommitResult {
  summary: BatchSummary;
  totals: MirrorTotals;
  full: FullSyncView;
  /** The full sync ended with this batch. */
  fullDone: boolean;
  pollActive: boolean;
  lastPollAt: number | null;
  /** Contacts queued in the inbox (a full sync's end: the ones Kommo no longer listed). */
  queued: number;
}

export interface FullSyncStart {
  /** False when one was running already: the request joins it. */
  started: boolean;
  full: FullSyncView;
}

export interface MirrorProblem extends MirrorInput {
  kind: string;
  message: string;
}
