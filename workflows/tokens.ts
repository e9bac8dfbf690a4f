import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { TokenActivities, RefreshAccountResult } from '../activities/tokens';
import type { AlertActivities } from '../activities/alerts';
import { FailureType, NEEDS_REAUTH, NON_RETRYABLE, providerQueue, type OAuthProvider } from '../common/names';

export type Provider = OAuthProvider;

// Store and e-mail calls: quick, idempotent; retried for a while so a MongoDB or SMTP blip does not lose a report.
const storeCalls = {
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '1m', maximumAttempts: 10 },
} as const;

// Token endpoint calls: 30 s is twice the HTTP timeout; 429s wait for the provider's delay (nextRetryDelay) for
// as long as the 30-minute budget lasts (no attempt limit: the activity counts its other transient failures and
// gives up after TOKEN_REFRESH_MAX_TRANSIENT_FAILURES); revoked or invalid credentials never retry. Runs on the
// provider's queue, whose workers cap the global rate.
const refreshCalls = (provider: Provider): ActivityOptions => ({
  taskQueue: providerQueue(workflowInfo().taskQueue, provider),
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '30m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', nonRetryableErrorTypes: NON_RETRYABLE },
});


const { listAccountsToRefresh, reportRefreshFailure, describeAccount } = proxyActivities<TokenActivities>(storeCalls);
const { sendAlert } = proxyActivities<AlertActivities>(storeCalls);
const refresher = (provider: Provider) => proxyActivities<Pick<TokenActivities, 'refreshAccount'>>(refreshCalls(provider)).refreshAccount;

export interface RefreshFailure {
  accountId: string;
  reason: string;
  kind: string;
}

export interface RefreshAllInput {
  provider: Provider;
  /** Only accounts whose token expires within this many minutes (or whose expiry is unknown). All when absent. */
  expiringWithinMinutes?: number;
  /** Refreshes in flight at once; the provider queue's rate limit paces them globally. */
  concurrency?: number;
  /**
   * Accounts read per page (default 2,000, the most); the next page is read while the current one is being
   * refreshed. A MongoDB-wire server without a usable index (the local FerretDB) reads every account for each page.
   */
  pageSize?: number;
  /**
   * Refresh even the accounts another run refreshed within the last minute (which are otherwise skipped, saying
   * so: a second manual run right after the first would only spend the provider's quota).
   */
  force?: boolean;
  /** Continue as new once the history has this many events (default 10,000; lower only to test it). */
  historyBudget?: number;
  /** Carried across continueAsNew. */
  state?: RefreshAllState;
}

export interface RefreshAllState {
  refreshed: number;
  skipped: number;
  failed: RefreshFailure[];
  failedCount: number;
  afterId?: string;
  pages: number;
  expiringBefore?: string;
  startedAt: number;
  runs: number;
}

export interface RefreshAllResult {
  refreshed: number;
  skipped: number;
  failed: RefreshFailure[];
  failedCount: number;
  pages: number;
  durationMs: number;
  /** Runs of the workflow chain so far (1 + how many times it continued as new). */
  runs: number;
}

export interface RefreshProgress extends RefreshAllResult {
  inFlight: number;
  cursor: string | null;
  provider: Provider;
}

export const progressQuery = defineQuery<RefreshProgress>('progress');

/** A token another run stored this recently is not refreshed again, unless forced. */
const RECENTLY_REFRESHED_SECONDS = 60;

/** At most this many failures are kept in the result (the count is exact). */
const MAX_FAILURES_KEPT = 500;
/** Continue as new before the history gets heavy, whatever the server suggests. */
const HISTORY_EVENTS_BUDGET = 10_000;

const isNeedsReauth = (kind: string): boolean => (NEEDS_REAUTH as string[]).includes(kind);

function failureOf(err: unknown): { kind: string; message: string } {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) return { kind: cause.type ?? 'Error', message: cause.message };
  return { kind: 'Error', message: err instanceof Error ? err.message : String(err) };
}

/**
 * Refreshes every active account of a provider (or those expiring soon), in bounded-concurrency chunks.
 * Never an unbounded burst: at most `concurrency` calls are in flight, and the provider queue's server-side
 * rate limit paces them across all workers.
 */
export async function refreshAllTokens(input: RefreshAllInput): Promise<RefreshAllResult> {
  const concurrency = Math.max(1, Math.min(input.concurrency ?? 20, 200));
  // Runs started before pages of 2,000 were the default keep the 500 they were started with (replay).
  const pageSize = Math.max(concurrency, Math.min(input.pageSize ?? (patched('refresh-all-pages-of-2000') ? 2000 : 500), 2000));
  const historyBudget = Math.max(100, Math.min(input.historyBudget ?? HISTORY_EVENTS_BUDGET, HISTORY_EVENTS_BUDGET));
  const state: RefreshAllState = input.state ?? {
    refreshed: 0,
    skipped: 0,
    failed: [],
    failedCount: 0,
    pages: 0,
    startedAt: Date.now(),
    runs: 0,
    ...(input.expiringWithinMinutes !== undefined ? { expiringBefore: new Date(Date.now() + input.expiringWithinMinutes * 60_000).toISOString() } : {}),
  };
  state.runs++;
  let inFlight = 0;
  const result = (): RefreshAllResult => ({
    refreshed: state.refreshed,
    skipped: state.skipped,
    failed: state.failed,
    failedCount: state.failedCount,
    pages: state.pages,
    durationMs: Date.now() - state.startedAt,
    runs: state.runs,
  });
  setHandler(progressQuery, () => ({ ...result(), inFlight, cursor: state.afterId ?? null, provider: input.provider }));
  const refresh = refresher(input.provider);
  const showProgress = (): void =>
    setCurrentDetails(
      `**${input.provider}**: ${state.refreshed} refreshed, ${state.skipped} skipped, ${state.failedCount} failed; ${state.pages} pages` +
        (state.expiringBefore ? `; expiring before ${state.expiringBefore}` : ''),
    );

  // Accounts stream through the lanes: the next page is read while the current one is still being refreshed, so
  // neither a page boundary nor one account waiting out a long Retry-After holds the other lanes back. Ids are
  // taken in order, so "every id up to the last one taken is done" holds once the lanes are drained, and that id is
  // where a continued run resumes.
  let listCursor = state.afterId;
  let buffer: string[] = [];
  let exhausted = false;
  // Typed by assertion: it is assigned in closures, which a plain `= null` would let narrowing ignore.
  let listing = null as Promise<void> | null;
  let stopping = false;
  const readPage = (): Promise<void> =>
    (listing ??= (async () => {
      const ids = await listAccountsToRefresh({
        provider: input.provider,
        limit: pageSize,
        ...(listCursor ? { afterId: listCursor } : {}),
        ...(state.expiringBefore ? { expiringBefore: state.expiringBefore } : {}),
      });
      if (ids.length) {
        buffer = buffer.concat(ids);
        listCursor = ids[ids.length - 1]!;
        state.pages++;
        showProgress();
      }
      if (ids.length < pageSize) exhausted = true;
    })().finally(() => {
      listing = null;
    }));

  const lane = async (): Promise<void> => {
    while (!stopping) {
      if (!buffer.length) {
        if (exhausted) return;
        await readPage();
        continue;
      }
      // Keep a page ahead: start reading the next one when fewer than two rounds of lanes are left.
      if (buffer.length < concurrency * 2 && !exhausted && !listing) {
        readPage().catch(() => undefined); // a failed read-ahead is read again by the lane that needs it
      }
      const accountId = buffer.shift()!;
      state.afterId = accountId;
      inFlight++;
      try {
        const r: RefreshAccountResult = await refresh({ accountId, minAgeSeconds: input.force ? 0 : RECENTLY_REFRESHED_SECONDS });
        if (r.outcome === 'refreshed') state.refreshed++;
        else state.skipped++;
      } catch (err) {
        const f = failureOf(err);
        state.failedCount++;
        if (state.failed.length < MAX_FAILURES_KEPT) state.failed.push({ accountId, reason: f.message, kind: f.kind });
        await reportRefreshFailure({ accountId, provider: input.provider, kind: f.kind, message: f.message, source: 'refreshAllTokens' });
        if (isNeedsReauth(f.kind)) {
          await sendAlert({ subject: `${input.provider} account ${accountId} needs to be reconnected`, text: revokedText(accountId, input.provider, f.message), reconnectAccountId: accountId });
        }
      } finally {
        inFlight--;
      }
      if (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > historyBudget) stopping = true;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  if (stopping && !(exhausted && !buffer.length)) {
    // Every account up to state.afterId is done; the next run lists from there. A read-ahead still in flight is
    // let finish (its page is read again by the next run), and its failure does not matter any more.
    if (listing) await listing.catch(() => undefined);
    await condition(allHandlersFinished);
    await continueAsNew<typeof refreshAllTokens>({ ...input, state });
  }

  const otherFailures = state.failed.filter((f) => !isNeedsReauth(f.kind));
  if (otherFailures.length) {
    await sendAlert({
      subject: `token refresh for ${input.provider}: ${state.failedCount} account(s) failed`,
      text:
        `The ${input.provider} token refresh run ${workflowInfo().workflowId} finished with ${state.refreshed} refreshed, ` +
        `${state.skipped} skipped and ${state.failedCount} failed.\n\n` +
        otherFailures.map((f) => `- ${f.accountId}: [${f.kind}] ${f.reason}`).join('\n'),
    });
  }
  showProgress();
  return result();
}

function revokedText(accountId: string, provider: string, reason: string): string {
  return (
    `The ${provider} account ${accountId} can no longer refresh its access token:\n\n  ${reason}\n\n` +
    `It is marked needs_reauth, its syncs are paused, and it is skipped until someone reconnects it ` +
    `(switchyard accounts reconnect ${accountId} --refresh-token ...).`
  );
}

export interface RefreshTokenInput {
  accountId: string;
  /** Seconds within which a refresh by another run counts as "just happened" (default 60). */
  minAgeSeconds?: number;
  /** Refresh even when another run just did (minAgeSeconds 0). */
  force?: boolean;
}

/**
 * Refreshes one account. Started with workflow id `token-refresh:<accountId>` so concurrent requests share one
 * run; the activity re-reads the account and skips when another refresh just happened.
 */
export async function refreshToken(input: RefreshTokenInput): Promise<RefreshAccountResult> {
  const account = await describeAccount(input.accountId);
  if (!account) throw ApplicationFailure.create({ type: FailureType.Invalid, message: `account ${input.accountId} not found`, nonRetryable: true });
  setCurrentDetails(`refreshing **${account.provider}** account ${account.id}`);
  try {
    const r = await refresher(account.provider)({ accountId: input.accountId, minAgeSeconds: input.force ? 0 : (input.minAgeSeconds ?? RECENTLY_REFRESHED_SECONDS) });
    setCurrentDetails(`${r.outcome}: ${account.provider} account ${account.id}${r.reason ? ` (${r.reason})` : ''}`);
    return r;
  } catch (err) {
    const f = failureOf(err);
    await reportRefreshFailure({ accountId: input.accountId, provider: account.provider, kind: f.kind, message: f.message, source: 'refreshToken' });
    await sendAlert({
      subject: isNeedsReauth(f.kind) ? `${account.provider} account ${account.id} needs to be reconnected` : `token refresh failed for ${account.provider} account ${account.id}`,
      text: isNeedsReauth(f.kind) ? revokedText(account.id, account.provider, f.message) : `[${f.kind}] ${f.message}`,
      ...(isNeedsReauth(f.kind) ? { reconnectAccountId: account.id } : {}),
    });
    throw ApplicationFailure.create({ type: f.kind, message: `refresh of ${account.id} failed: ${f.message}`, nonRetryable: true });
  }
}
