import { defineQuery, defineSignal, setCurrentDetails } from '@temporalio/workflow';
import type { BatchKind, BatchSummary, FullSyncView, MirrorTotals } from '../activities/kommo/types';
import { QUERIES, SIGNALS } from '../common/names';

/** The Kommo mirror workflow's signals, query and state, shared by the workflow and its clients. */

export type MirrorPhase = 'starting' | 'not set up' | 'waiting' | 'paused' | 'gathering' | 'taking' | 'fetching' | 'planning' | 'pushing' | 'committing' | 'retrying';

export interface KommoMirrorState {
  paused: { reason: string; at: number; kind: 'operator' | 'kommo' | 'unisender' | 'invalid' } | null;
  /** Deliveries are waiting (a wake signal, a resume, or a batch that left entries behind). */
  wake: boolean;
  /** Entries the API reported since the last inbox batch started; at 500 a batch starts without waiting. */
  pendingHint: number;
  firstWakeAt: number | null;
  lastWakeAt: number | null;
  fullRequested: boolean;
  lastPollAt: number | null;
  last: BatchSummary | null;
  lastError: { message: string; at: number } | null;
  /** Signals received in all (coalesced wakes included), so the Web UI shows what was asked. */
  signals: number;
}

export interface KommoMirrorInput {
  mirrorId: string;
  state?: KommoMirrorState;
}

export interface KommoMirrorStatus {
  mirrorId: string;
  phase: MirrorPhase;
  paused: KommoMirrorState['paused'];
  /** The batch in flight. */
  batch: { n: number; kind: BatchKind } | null;
  last: BatchSummary | null;
  totals: MirrorTotals;
  full: FullSyncView;
  poll: { active: boolean; lastAt: string | null; nextAt: string | null };
  inbox: { waiting: boolean; reported: number };
  lastError: { message: string; at: string } | null;
  signals: number;
}

export const wakeSignal = defineSignal<[{ entries?: number }?]>(SIGNALS.wake);
export const fullSyncSignal = defineSignal(SIGNALS.fullSync);
export const pauseSignal = defineSignal<[{ reason?: string }?]>(SIGNALS.pause);
export const resumeSignal = defineSignal(SIGNALS.resume);
export const statusQuery = defineQuery<KommoMirrorStatus>(QUERIES.status);

export const freshMirrorState = (): KommoMirrorState => ({
  paused: null,
  // A new run looks at the inbox once: deliveries may have arrived while no run was there to be woken.
  wake: true,
  pendingHint: 0,
  firstWakeAt: null,
  lastWakeAt: null,
  fullRequested: false,
  lastPollAt: null,
  last: null,
  lastError: null,
  signals: 0,
});

export const noFullSync = (): FullSyncView => ({ active: false, gen: 0, batches: 0, contacts: 0, expected: 0, startedAt: null, finishedAt: null });

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function statusOf(
  mirrorId: string,
  state: KommoMirrorState,
  now: { phase: MirrorPhase; batch: KommoMirrorStatus['batch']; totals: MirrorTotals; full: FullSyncView; pollActive: boolean; nextPollAt: number | null },
): KommoMirrorStatus {
  return {
    mirrorId,
    phase: now.phase,
    paused: state.paused,
    batch: now.batch,
    last: state.last,
    totals: now.totals,
    full: now.full,
    poll: { active: now.pollActive, lastAt: iso(state.lastPollAt), nextAt: iso(now.nextPollAt) },
    inbox: { waiting: state.wake, reported: state.pendingHint },
    lastError: state.lastError ? { message: state.lastError.message, at: new Date(state.lastError.at).toISOString() } : null,
    signals: state.signals,
  };
}

/** The status as the Web UI's current details (markdown). */
export function showStatus(s: KommoMirrorStatus): void {
  const t = s.totals;
  const lines = [
    `**${s.mirrorId}**: ${s.paused ? `paused (${s.paused.reason})` : s.phase}${s.batch ? `, batch ${s.batch.n} (${s.batch.kind})` : ''}`,
    `${t.contacts} contacts looked at in ${t.batches} batches · ${t.imported} rows imported · ${t.excluded} e-mails excluded · ${t.rejected} rejected by Unisender`,
  ];
  if (s.full.active) lines.push(`full sync: ${s.full.contacts} contacts in ${s.full.batches} batches (about ${Math.max(s.full.expected, s.full.contacts)} expected)`);
  if (s.lastError) lines.push(`last error: ${s.lastError.message}`);
  setCurrentDetails(lines.join('\n\n'));
}
