import {
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { ContactActivities } from '../activities/contacts';
import type { AlertActivities } from '../activities/alerts';
import type { CycleSummary, PlanSummary, SideCounts } from '../activities/contacts/types';
import type { TokenActivities } from '../activities/tokens';
import { FailureType, QUERIES, SIGNALS, providerQueue, type OAuthProvider } from '../common/names';
import { failureOf, withFreshToken } from './failures';

/**
 * One long-lived workflow per pairing, `contact-sync:<pairingId>`: a cycle (pull both sides, reconcile, push in
 * provider-sized batches, commit the cursors), then a wait for the interval or a signal, then continue-as-new.
 * Contacts and links live in MongoDB; this carries ids and counts. Operators steer it with signals (resync,
 * fullResync, pause, resume) and read it with the `status` query, also shown as its current details in the Web UI.
 */

export interface ContactSyncState {
  cycle: number;
  intervalSeconds: number;
  lastCycleAt: number | null;
  resyncRequested: boolean;
  fullRequested: boolean;
  /** Set by a resume that confirms a halted cycle's deletions; used by the next cycle only. */
  allowMassDelete: boolean;
  paused: { reason: string; at: number } | null;
  totals: { google: SideCounts; zoho: SideCounts; conflicts: number; failed: number };
  last: CycleSummary | null;
  lastError: { message: string; at: number } | null;
  /** Signals received in all, so the Web UI shows that a resync was asked for and coalesced. */
  signals: number;
}

export interface ContactSyncInput {
  pairingId: string;
  state?: ContactSyncState;
}

export type SyncPhase = 'waiting' | 'paused' | 'starting' | 'pulling google' | 'pulling zoho' | 'planning' | 'pushing' | 'finishing';

export interface ContactSyncStatus extends Omit<ContactSyncState, 'allowMassDelete'> {
  pairingId: string;
  phase: SyncPhase;
  /** Batches of the current cycle pushed so far, and in all. */
  progress: { batches: number; pushed: number } | null;
  nextCycleAt: string | null;
}

export const resyncSignal = defineSignal(SIGNALS.resync);
export const fullResyncSignal = defineSignal(SIGNALS.fullResync);
export const pauseSignal = defineSignal<[{ reason?: string }?]>(SIGNALS.pause);
export const resumeSignal = defineSignal<[{ allowMassDelete?: boolean }?]>(SIGNALS.resume);
export const statusQuery = defineQuery<ContactSyncStatus>(QUERIES.status);

const zeroCounts = (): SideCounts => ({ created: 0, updated: 0, deleted: 0, tagged: 0 });

// Store work (start, plan, finish): MongoDB only; a plan of 10,000 links takes a while on a small server.
const storeCalls: ActivityOptions = {
  startToCloseTimeout: '10m',
  retry: { initialInterval: '1s', maximumInterval: '1m', maximumAttempts: 10, nonRetryableErrorTypes: [FailureType.Invalid] },
};
// Provider calls: long pulls and batches heartbeat; 429s wait for Retry-After inside the activity (within a
// budget) and then via nextRetryDelay; a 401 comes back here (AuthExpired) to be refreshed by the token workflow's
// activity; revoked or invalid never retries.
const dataCalls = (queue: 'google-data' | 'zoho-data'): ActivityOptions => ({
  taskQueue: providerQueue(workflowInfo().taskQueue, queue),
  startToCloseTimeout: '1h',
  heartbeatTimeout: '2m',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '2m', maximumAttempts: 20, nonRetryableErrorTypes: [FailureType.Invalid, FailureType.AuthRevoked, FailureType.AuthExpired] },
});

const store = proxyActivities<ContactActivities>(storeCalls);
const { sendAlert } = proxyActivities<AlertActivities>(storeCalls);
const { reportRefreshFailure } = proxyActivities<TokenActivities>(storeCalls);

/** A pause that a person must lift: the cycle stops here, its cursors are not moved. */
class Paused extends Error {}

export async function contactSync(input: ContactSyncInput): Promise<void> {
  const state: ContactSyncState = input.state ?? {
    cycle: 0,
    intervalSeconds: 300,
    lastCycleAt: null,
    resyncRequested: false,
    fullRequested: false,
    allowMassDelete: false,
    paused: null,
    totals: { google: zeroCounts(), zoho: zeroCounts(), conflicts: 0, failed: 0 },
    last: null,
    lastError: null,
    signals: 0,
  };
  // The provider queues are named after this workflow's own main queue (a test's or a second deployment's).
  const google = proxyActivities<Pick<ContactActivities, 'pullGoogle' | 'pushBatch'>>(dataCalls('google-data'));
  const zoho = proxyActivities<Pick<ContactActivities, 'pullZoho' | 'pushBatch'>>(dataCalls('zoho-data'));
  let phase: SyncPhase = 'waiting';
  let progress: ContactSyncStatus['progress'] = null;
  const nextCycleAt = (): number | null => (state.paused ? null : state.resyncRequested || state.lastCycleAt === null ? Date.now() : state.lastCycleAt + state.intervalSeconds * 1000);

  setHandler(resyncSignal, () => {
    state.signals++;
    state.resyncRequested = true;
  });
  setHandler(fullResyncSignal, () => {
    state.signals++;
    state.fullRequested = true;
    state.resyncRequested = true;
  });
  setHandler(pauseSignal, (arg) => {
    state.signals++;
    state.paused ??= { reason: arg?.reason ?? 'paused by an operator', at: Date.now() };
    showStatus();
  });
  setHandler(resumeSignal, (arg) => {
    state.signals++;
    if (state.paused) state.resyncRequested = true; // catch up at once
    state.paused = null;
    if (arg?.allowMassDelete) state.allowMassDelete = true;
    showStatus();
  });
  const status = (): ContactSyncStatus => {
    const { allowMassDelete: _a, ...rest } = state;
    const next = nextCycleAt();
    return { ...rest, pairingId: input.pairingId, phase, progress, nextCycleAt: next === null ? null : new Date(next).toISOString() };
  };
  setHandler(statusQuery, status);
  function showStatus(): void {
    const t = state.totals;
    const lines = [
      `**${input.pairingId}**: ${state.paused ? `paused (${state.paused.reason})` : phase}, cycle ${state.cycle}`,
      `Google: ${t.google.created} created, ${t.google.updated} updated, ${t.google.deleted} deleted · Zoho: ${t.zoho.created} created, ${t.zoho.updated} updated, ${t.zoho.deleted} deleted · ${t.conflicts} conflicts`,
    ];
    if (progress) lines.push(`pushing: ${progress.pushed} of ${progress.batches} batches`);
    if (state.last) lines.push(`links: ${state.last.links} (${state.last.pending} pending)`);
    if (state.lastError) lines.push(`last error: ${state.lastError.message}`);
    setCurrentDetails(lines.join('\n\n'));
  }
  const setPhase = (p: SyncPhase): void => {
    phase = p;
    showStatus();
  };

  // Wait for the next cycle: the interval after the last one, or a signal; a pause holds it until resumed.
  setPhase(state.paused ? 'paused' : 'waiting');
  for (;;) {
    if (state.paused) {
      setPhase('paused');
      await condition(() => state.paused === null);
      continue;
    }
    const due = nextCycleAt()!;
    if (due <= Date.now()) break;
    if (await condition(() => state.resyncRequested || state.paused !== null, due - Date.now())) continue;
    break;
  }

  const full = state.fullRequested || state.cycle === 0;
  const allowMassDelete = state.allowMassDelete;
  state.resyncRequested = false;
  state.fullRequested = false;
  state.allowMassDelete = false;
  state.cycle++;
  const cycle = { pairingId: input.pairingId, cycle: state.cycle };

  /** Runs a provider step; on AuthExpired refreshes that account's token through the token activity, then tries again. */
  async function withToken<T>(accountId: string, provider: OAuthProvider, step: () => Promise<T>): Promise<T> {
    return withFreshToken({ accountId, provider }, step, async (r) => {
      const reason = `access revoked for ${provider} account ${accountId}: reconnect it to resume`;
      await reportRefreshFailure({ accountId, provider, kind: r.type, message: r.message, source: 'contactSync' });
      await sendAlert({ subject: `contact sync ${input.pairingId} paused: ${provider} account ${accountId} needs to be reconnected`, text: `${reason}\n\n${r.message}`, reconnectAccountId: accountId });
      state.paused = { reason, at: Date.now() };
      throw new Paused(reason);
    });
  }

  const stopIfPaused = (): void => {
    if (state.paused) throw new Paused(state.paused.reason);
  };
  try {
    setPhase('starting');
    const start = await store.startCycle({ ...cycle, full });
    state.intervalSeconds = start.intervalSeconds;
    setPhase('pulling google');
    await withToken(start.googleAccountId, 'google', () => google.pullGoogle({ ...cycle, full: start.full.google }));
    setPhase('pulling zoho');
    await withToken(start.zohoAccountId, 'zoho', () => zoho.pullZoho({ ...cycle, full: start.full.zoho }));
    stopIfPaused();
    setPhase('planning');
    const plan: PlanSummary = await store.planCycle({ ...cycle, allowMassDelete });
    if (plan.halt) {
      state.paused = { reason: `halted: ${plan.halt.message}`, at: Date.now() };
      await store.reportSyncProblem({ pairingId: input.pairingId, kind: 'SyncHalted', message: `${plan.halt.message}. Nothing was written. Resume with allowMassDelete to apply these deletions, or fix the cause and resume.` });
      throw new Paused(state.paused.reason);
    }
    setPhase('pushing');
    progress = { batches: plan.batches.length, pushed: 0 };
    let another = false;
    const pushAll = async (batches: PlanSummary['batches']): Promise<void> => {
      for (const b of batches) {
        stopIfPaused();
        const r = await withToken(b.side === 'google' ? start.googleAccountId : start.zohoAccountId, b.side, () => (b.side === 'google' ? google : zoho).pushBatch({ ...cycle, batchId: b.id }));
        another ||= r.another;
        progress!.pushed++;
        showStatus();
      }
    };
    if (patched('contact-sync-side-lanes')) {
      // One lane per side, in the plan's order within each: the two providers' quotas are independent, so Google's
      // paced writes never wait behind Zoho's batches. A link awaiting both sides settles when its second answer
      // lands, whichever lane that is. Both lanes end before the cycle goes on, even when one fails.
      const lanes = await Promise.allSettled((['google', 'zoho'] as const).map((side) => pushAll(plan.batches.filter((b) => b.side === side))));
      const failed = lanes.find((l): l is PromiseRejectedResult => l.status === 'rejected');
      if (failed) throw failed.reason;
    } else {
      await pushAll(plan.batches);
    }
    setPhase('finishing');
    const summary = await store.finishCycle(cycle);
    progress = null;
    state.last = summary;
    for (const side of ['google', 'zoho'] as const) {
      for (const k of ['created', 'updated', 'deleted', 'tagged'] as const) state.totals[side][k] += summary[side][k];
    }
    state.totals.conflicts += summary.conflicts;
    state.totals.failed += summary.failed;
    // A re-decision that needs a write on the other side is picked up by a cycle right away; failed writes are
    // seen again by the next cycle at its interval.
    if (another) state.resyncRequested = true;
    state.lastError = null;
  } catch (err) {
    progress = null;
    if (!(err instanceof Paused)) {
      const f = failureOf(err);
      state.lastError = { message: `${f.type}: ${f.message}`, at: Date.now() };
      if (f.type === FailureType.Invalid || f.type === FailureType.AuthRevoked) {
        state.paused = { reason: f.message, at: Date.now() };
        await store.reportSyncProblem({ pairingId: input.pairingId, kind: f.type, message: f.message });
      }
    }
  }
  state.lastCycleAt = Date.now();
  setPhase(state.paused ? 'paused' : 'waiting');
  await condition(allHandlersFinished);
  await continueAsNew<typeof contactSync>({ pairingId: input.pairingId, state });
}
