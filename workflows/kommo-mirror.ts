import {
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { AlertActivities } from '../activities/alerts';
import type { KommoActivities } from '../activities/kommo';
import type { BatchKind, FullSyncView, MirrorTotals, PushSummary } from '../activities/kommo/types';
import type { TokenActivities } from '../activities/tokens';
import { FailureType, providerQueue } from '../common/names';
import { failureOf, withFreshToken } from './failures';
import {
  freshMirrorState,
  fullSyncSignal,
  noFullSync,
  pauseSignal,
  resumeSignal,
  showStatus,
  statusOf,
  statusQuery,
  wakeSignal,
  type KommoMirrorInput,
  type KommoMirrorState,
  type MirrorPhase,
} from './kommo-mirror-status';

export * from './kommo-mirror-status';

/**
 * One long-lived workflow per Kommo account's mirror, `kommo-mirror:<mirrorId>`. Webhook deliveries wait in an
 * inbox in MongoDB; a coalesced `wake` signal says some arrived. The workflow drains them in batches of up to 500
 * contacts: take the batch, fetch the contacts' current state from Kommo (250 ids a request), plan against what
 * the mirror knows (e-mails added, e-mails no contact has any more), import and exclude in Unisender, commit. A
 * full sync and a periodic poll of recently changed contacts are batches of the same kind, one after the other,
 * so nothing competes for Kommo's 7 requests/s. Continue-as-new after each stretch of work.
 */

/** Batches a run handles before it continues as new (about 15 history events each). */
const MAX_BATCHES_PER_RUN = 25;
/** Unisender imports at most 500 rows a call: a batch starts at once when this many entries wait. */
const FULL_BATCH = 500;
/** After a batch failed for a reason retries did not fix (a provider down for long): try it again this much later. */
const RETRY_FAILED_BATCH_MS = 60_000;

// Store work: MongoDB only, on the main queue.
const storeCalls: ActivityOptions = {
  startToCloseTimeout: '5m',
  retry: { initialInterval: '1s', maximumInterval: '30s', maximumAttempts: 20, nonRetryableErrorTypes: [FailureType.Invalid] },
};
// Kommo reads: a batch is at most a few requests, paced per account inside; a 429 is retried inside within a budget,
// Kommo's 403 block (never provoked) waits its 15 minutes through nextRetryDelay; a 401 comes back here (AuthExpired)
// to be refreshed by the serialised token refresh.
const kommoCalls = (): ActivityOptions => ({
  taskQueue: providerQueue(workflowInfo().taskQueue, 'kommo-data'),
  startToCloseTimeout: '10m',
  heartbeatTimeout: '2m',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '2m', maximumAttempts: 30, nonRetryableErrorTypes: [FailureType.Invalid, FailureType.AuthRevoked, FailureType.AuthExpired] },
});
// Unisender writes: imports and excludes heartbeat their position, so a retry resumes there; retry_later and the
// call limits wait for their delay (nextRetryDelay); a refused key or a bad argument does not retry.
const unisenderCalls = (): ActivityOptions => ({
  taskQueue: providerQueue(workflowInfo().taskQueue, 'unisender'),
  startToCloseTimeout: '30m',
  heartbeatTimeout: '2m',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '2m', maximumAttempts: 30, nonRetryableErrorTypes: [FailureType.Invalid, FailureType.AuthRevoked] },
});

const store = proxyActivities<KommoActivities>(storeCalls);
const { sendAlert } = proxyActivities<AlertActivities>(storeCalls);
const { reportRefreshFailure } = proxyActivities<TokenActivities>(storeCalls);

/** The mirror paused itself (revoked access, a refused key): nothing more happens until a resume. */
class Paused extends Error {}

const NO_PUSH: PushSummary = { imported: 0, rejected: 0, excluded: 0, importCalls: 0 };

export async function kommoMirror(input: KommoMirrorInput): Promise<void> {
  const { mirrorId } = input;
  const state: KommoMirrorState = input.state ?? freshMirrorState();
  const kommo = proxyActivities<Pick<KommoActivities, 'fetchMirrorBatch'>>(kommoCalls());
  const unisender = proxyActivities<Pick<KommoActivities, 'pushMirrorBatch'>>(unisenderCalls());
  let phase: MirrorPhase = 'starting';
  let batch: { n: number; kind: BatchKind } | null = null;
  let totals: MirrorTotals = { batches: 0, contacts: 0, imported: 0, excluded: 0, rejected: 0, kommoCalls: 0, importCalls: 0 };
  let full: FullSyncView = noFullSync();
  let pollActive = false;
  let pollMs = 300_000;
  const nextPollAt = (): number | null => (state.paused ? null : (state.lastPollAt ?? Date.now()) + pollMs);
  const status = () => statusOf(mirrorId, state, { phase, batch, totals, full, pollActive, nextPollAt: nextPollAt() });
  const setPhase = (p: MirrorPhase): void => {
    phase = p;
    showStatus(status());
  };

  setHandler(wakeSignal, (arg) => {
    state.signals++;
    state.wake = true;
    state.pendingHint += arg?.entries ?? 1;
    state.firstWakeAt ??= Date.now();
    state.lastWakeAt = Date.now();
  });
  setHandler(fullSyncSignal, () => {
    state.signals++;
    state.fullRequested = true;
  });
  setHandler(pauseSignal, (arg) => {
    state.signals++;
    state.paused ??= { reason: arg?.reason ?? 'paused by an operator', at: Date.now(), kind: 'operator' };
    showStatus(status());
  });
  setHandler(resumeSignal, () => {
    state.signals++;
    if (state.paused) state.wake = true; // whatever piled up while paused
    state.paused = null;
    showStatus(status());
  });
  setHandler(statusQuery, status);

  const opened = await store.openMirror({ mirrorId });
  if (!opened.exists) {
    log.warn('the mirror no longer exists: its workflow ends', { mirrorId });
    return;
  }
  totals = opened.totals;
  full = opened.full;
  pollActive = opened.pollActive;
  pollMs = opened.settings.pollSeconds * 1000;
  state.lastPollAt = opened.lastPollAt ?? state.lastPollAt ?? Date.now();
  if (!opened.ready) {
    // Started before its setup ended (a stray webhook): wait for a signal, then look again.
    setPhase('not set up');
    await condition(() => state.signals > 0);
    await condition(allHandlersFinished);
    return continueAsNew<typeof kommoMirror>({ mirrorId, state });
  }
  let n = opened.batch;
  let open = opened.open;
  let done = 0;

  /** Runs a Kommo step; on AuthExpired refreshes the account's token through the token activity, then tries again. */
  async function withKommoToken<T>(step: () => Promise<T>): Promise<T> {
    return withFreshToken({ accountId: opened.accountId, provider: 'kommo' }, step, async (r) => {
      const reason = `Kommo access revoked for account ${opened.accountId}: install the integration again to resume`;
      state.paused = { reason, at: Date.now(), kind: 'kommo' };
      await reportRefreshFailure({ accountId: opened.accountId, provider: 'kommo', kind: r.type, message: r.message, source: 'kommoMirror' });
      await sendAlert({ subject: `Kommo mirror ${mirrorId} paused: its Kommo account needs to be reconnected`, text: `${reason}\n\n${r.message}` });
      throw new Paused(reason);
    });
  }

  async function runBatch(b: { n: number; kind: BatchKind }): Promise<void> {
    batch = b;
    const at = { mirrorId, n: b.n };
    setPhase('fetching');
    await withKommoToken(() => kommo.fetchMirrorBatch(at));
    setPhase('planning');
    const plan = await store.planMirrorBatch(at);
    setPhase('pushing');
    const push = plan.imports || plan.excludes ? await unisender.pushMirrorBatch(at) : NO_PUSH;
    setPhase('committing');
    const c = await store.commitMirrorBatch({ ...at, push });
    totals = c.totals;
    full = c.full;
    pollActive = c.pollActive;
    if (c.lastPollAt !== null) state.lastPollAt = c.lastPollAt;
    if (c.queued) state.wake = true;
    state.last = c.summary;
    state.lastError = null;
    batch = null;
    done++;
  }

  /** Starts batch n+1 of a kind; false when there was nothing to take. */
  async function takeAndRun(kind: BatchKind): Promise<boolean> {
    setPhase('taking');
    if (kind === 'inbox') {
      state.wake = false;
      state.pendingHint = 0;
      state.firstWakeAt = null;
    }
    const began = await store.beginMirrorBatch({ mirrorId, n: n + 1, kind });
    if (!began.started) {
      if (kind === 'full') full = { ...full, active: false };
      if (kind === 'poll') {
        pollActive = false;
        state.lastPollAt = Date.now();
      }
      return false;
    }
    n++;
    if (kind === 'inbox' && began.more) {
      state.wake = true;
      state.pendingHint = Math.max(state.pendingHint, FULL_BATCH);
    }
    await runBatch({ n, kind });
    return true;
  }

  /** Lets deliveries gather into a full batch: until 500 wait, none came for gatherMs, or the first waited maxGatherMs. */
  async function gather(): Promise<void> {
    const { gatherMs, maxGatherMs } = opened.settings;
    const start = state.firstWakeAt ?? Date.now();
    setPhase('gathering');
    for (;;) {
      if (state.pendingHint >= FULL_BATCH || state.paused) return;
      const now = Date.now();
      const wait = Math.min((state.lastWakeAt ?? now) + gatherMs, start + maxGatherMs) - now;
      if (wait <= 0) return;
      const before = state.signals;
      await condition(() => state.signals !== before || state.paused !== null, wait);
    }
  }

  for (;;) {
    if (state.paused) {
      setPhase('paused');
      await condition(() => state.paused === null);
      continue;
    }
    if (done >= MAX_BATCHES_PER_RUN || workflowInfo().continueAsNewSuggested) break;
    try {
      if (open) {
        const o = open;
        open = null;
        await runBatch(o);
        continue;
      }
      if (state.fullRequested) {
        state.fullRequested = false;
        full = (await store.startFullSync({ mirrorId })).full;
      }
      // Deliveries first: a webhook's contact should not wait behind a long full sync.
      if (state.wake) {
        await gather();
        if (!state.paused) await takeAndRun('inbox');
        continue;
      }
      if (full.active && (await takeAndRun('full'))) continue;
      if (pollActive || Date.now() >= (state.lastPollAt ?? 0) + pollMs) {
        await takeAndRun('poll');
        continue;
      }
      // Nothing to do. After a stretch of work, continue as new (history stays short); else wait.
      if (done > 0) break;
      setPhase('waiting');
      await condition(() => state.wake || state.fullRequested || state.paused !== null, Math.max(1, (state.lastPollAt ?? 0) + pollMs - Date.now()));
    } catch (err) {
      if (batch) open = batch; // taken, not committed: it is finished first
      batch = null;
      if (err instanceof Paused) continue;
      const f = failureOf(err);
      state.lastError = { message: `${f.type}: ${f.message}`, at: Date.now() };
      if (f.type === FailureType.Invalid || f.type === FailureType.AuthRevoked) {
        const kind = f.message.startsWith('unisender') ? 'unisender' : 'invalid';
        state.paused = { reason: f.message, at: Date.now(), kind };
        await store.reportMirrorProblem({ mirrorId, kind: f.type, message: f.message });
        continue;
      }
      setPhase('retrying');
      await condition(() => state.paused !== null, RETRY_FAILED_BATCH_MS);
    }
  }
  setPhase(state.paused ? 'paused' : 'waiting');
  await condition(allHandlersFinished);
  await continueAsNew<typeof kommoMirror>({ mirrorId, state });
}
