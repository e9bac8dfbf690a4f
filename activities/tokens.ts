import { Context, activityInfo } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Settings } from '../config';
import { FailureType, NEEDS_REAUTH, SIGNALS, workflowsOfAccount, type OAuthProvider } from '../common/names';
import type { ProviderEndpoints } from '../providers/endpoints';
import { ROTATES_REFRESH_TOKEN, type RefreshFn, type RefreshInput } from '../providers/oauth';
import type { AccountStore, Credentials } from '../store/accounts';
import type { RefreshLeaseStore } from '../store/refresh-leases';
import type { RateGrantStore } from '../store/rate-grants';
import { RateGate } from './rate-gate';
import type { ErrorLogStore } from '../store/error-logs';
import { asProviderError, failure, invalid, toApplicationFailure } from './failures';
import { tokenRefreshFailed, tokenRefreshed } from '../metrics';

export interface TokenActivityDeps {
  accounts: AccountStore;
  refreshLeases: RefreshLeaseStore;
  /** Where the token endpoints' per-second slots are claimed, shared by every worker process. */
  rateGrants: RateGrantStore;
  errorLogs: ErrorLogStore;
  endpoints: ProviderEndpoints;
  refreshers: Record<OAuthProvider, RefreshFn>;
  /** For pausing an account's other workflows when its access is revoked. */
  temporal: Client | null;
  log: Logger;
  settings: Pick<Settings, 'TOKEN_REFRESH_MAX_TRANSIENT_FAILURES' | 'GOOGLE_TOKEN_RPS' | 'ZOHO_TOKEN_RPS' | 'KOMMO_TOKEN_RPS'>;
}

/**
 * What an attempt that fails leaves for the next one in its heartbeat details (failure reports carry them to the
 * server): the transient failures of attempts 1..`through`. An attempt after `through` that left nothing ended
 * without reporting (it timed out, or its worker died, most likely while calling the provider): the next attempt
 * counts each such attempt as one failure. A successful attempt records nothing, so a refresh costs no heartbeat.
 */
interface RefreshAttemptDetails {
  transientFailures: number;
  through?: number;
  /** Written before `through` existed: set while the provider was being called (still set: the attempt died mid-call). */
  calling?: boolean;
}

/** The transient failures before this attempt, and how many of them ended without a report. */
function failuresSoFar(prev: RefreshAttemptDetails | undefined, attempt: number): { failures: number; unreported: number } {
  const recorded = prev?.transientFailures ?? 0;
  const through = prev === undefined ? 0 : prev.through ?? (prev.calling ? attempt - 2 : attempt - 1);
  const unreported = Math.max(0, attempt - 1 - through);
  return { failures: recorded + unreported, unreported };
}

export interface RefreshAccountInput {
  accountId: string;
  /** Skip when another refresh stored a token this recently and it is not about to expire. */
  minAgeSeconds?: number;
}

export interface RefreshAccountResult {
  accountId: string;
  outcome: 'refreshed' | 'skipped';
  reason?: string;
  version: number;
  expiresAt: string | null;
}

export interface RefreshFailureReport {
  accountId: string;
  provider: OAuthProvider | null;
  kind: string;
  message: string;
  source: string;
}

/**
 * A refresh holds its account's lease this long at most; a dead holder's lease then lapses. Longer than the
 * activity's 30 s start-to-close timeout, so an attempt the server gave up on cannot overlap the next one.
 */
const LEASE_MS = 60_000;
/** A token this close to expiry is refreshed even if it was refreshed recently. */
const STILL_FRESH_MARGIN_MS = 5 * 60_000;

/** The plain input of a provider's refresh, from the decrypted credentials. */
function refreshInput(creds: Credentials): RefreshInput {
  const a = creds.account;
  return {
    accountId: a._id,
    oauthClient: { clientId: creds.oauthClient.clientId, clientSecret: creds.oauthClient.clientSecret, redirectUri: creds.oauthClient.redirectUri },
    refreshToken: creds.refreshToken,
    ...(a.zoho ? { zohoDataCentre: a.zoho.dataCentre } : {}),
    ...(a.kommo ? { kommoSubdomain: a.kommo.subdomain } : {}),
  };
}

/**
 * Token refresh activities. Credentials are read from the store here and never leave this module:
 * workflows pass account ids and get back versions and expiry times.
 */
export const createTokenActivities = (deps: TokenActivityDeps) => {
  // Each provider's token endpoint takes at most its *_TOKEN_RPS calls in any second, across every worker.
  const gate = new RateGate(deps.rateGrants);
  const tokenRps: Record<OAuthProvider, number> = { google: deps.settings.GOOGLE_TOKEN_RPS, zoho: deps.settings.ZOHO_TOKEN_RPS, kommo: deps.settings.KOMMO_TOKEN_RPS };
  return {
    /** A page of active account ids of a provider, optionally only those expiring before a time. */
    async listAccountsToRefresh(input: { provider: OAuthProvider; expiringBefore?: string; afterId?: string; limit: number }): Promise<string[]> {
      return deps.accounts.idsToRefresh({
        provider: input.provider,
        limit: input.limit,
        ...(input.afterId ? { afterId: input.afterId } : {}),
        ...(input.expiringBefore ? { expiringBefore: new Date(input.expiringBefore) } : {}),
      });
    },

    /**
     * Refreshes one account's access token and stores it before returning.
     *
     * Serialised per account by a lease in MongoDB, whichever workflow asks (bulk, single, schedule), because a
     * Kommo refresh token dies the moment it is used: two concurrent refreshes would revoke each other.
     *
     * Kommo rotation and a dying worker: before calling Kommo the account is marked `rotationPending`. If the worker
     * dies after Kommo rotated but before the new pair was stored, the new refresh token is gone for good: no
     * design can recover it, since only that process ever saw it. The retry then finds `rotationPending` set, tries
     * the stored refresh token once more (Kommo may not have rotated: the request may have died on the way), and if
     * Kommo rejects it, the account goes to `needs_reauth` with a message that says exactly this, while the access
     * token it still holds stays usable until it expires (24 h for Kommo). Never a silent loss.
     */
    async refreshAccount(input: RefreshAccountInput): Promise<RefreshAccountResult> {
      const info = activityInfo();
      // Transient failures so far, across attempts, counting each earlier attempt that ended without a report.
      const { failures: transientFailures, unreported } = failuresSoFar(info.heartbeatDetails as RefreshAttemptDetails | undefined, info.attempt);
      const report = (failures: number): void => Context.current().heartbeat({ transientFailures: failures, through: info.attempt } satisfies RefreshAttemptDetails);
      if (unreported > 0 && transientFailures >= deps.settings.TOKEN_REFRESH_MAX_TRANSIENT_FAILURES) {
        throw failure(
          FailureType.Transient,
          `account ${input.accountId}: gave up after ${transientFailures} failed attempts (the last one timed out or lost its worker while calling the provider)`,
          { nonRetryable: true },
        );
      }
      // This activity execution, across its attempts: the run is part of it, because workflow ids and activity ids
      // repeat on every run of `token-refresh-all:<provider>` and `token-refresh:<accountId>`.
      const wf = info.workflowExecution;
      const caller = `${wf ? `${wf.workflowId}/${wf.runId}` : 'direct'}/${info.activityId}`;
      // One owner per attempt: a retry never shares the lease with an earlier attempt that may still be running.
      const owner = `${caller}/${info.attempt}`;
      // A provider that does not rotate refresh tokens is called with the account as read, without first looking for
      // a token change committed and not yet applied (rare: a writer died between its two writes): a stale refresh
      // token still works there, the store below then finds the newer version, and a revocation is checked against
      // the settled account before it is believed.
      const leased = await deps.accounts.acquireLease(input.accountId, owner, LEASE_MS, { settleIf: (doc) => ROTATES_REFRESH_TOKEN[doc.provider] });
      if (!leased) {
        if (!(await deps.accounts.exists(input.accountId))) throw invalid(`account ${input.accountId} not found`);
        // Someone else is refreshing it: come back when its lease ends (it usually releases it much sooner), and
        // the refresh it stored then makes this one a skip. One retry, not a burst of attempts.
        const until = await deps.refreshLeases.until(input.accountId);
        const wait = until ? Math.min(Math.max(until.getTime() - Date.now(), 0), LEASE_MS) : 0;
        report(transientFailures); // waiting for another run is not a failure of this one
        throw failure(FailureType.RefreshInProgress, `account ${input.accountId} is being refreshed by another run`, { nextRetryDelay: Math.max(1000, Math.min(wait + 250, 15_000)) });
      }
      const account = leased;
      const skip = async (reason: string): Promise<RefreshAccountResult> => {
        await deps.refreshLeases.release(account._id, owner);
        return { accountId: account._id, outcome: 'skipped', reason, version: account.token.version, expiresAt: account.token.expiresAt?.toISOString() ?? null };
      };
      if (account.status !== 'active' || !account.isActive) return skip(`account is ${account.isActive ? account.status : 'inactive'}`);
      const now = Date.now();
      const recent = account.token.refreshedAt && now - account.token.refreshedAt.getTime() < (input.minAgeSeconds ?? 0) * 1000;
      const fresh = account.token.expiresAt && account.token.expiresAt.getTime() - now > STILL_FRESH_MARGIN_MS;
      if (fresh && account.token.refreshedBy === caller) {
        // An earlier attempt of this very activity stored it, then lost its completion (timeout, worker death).
        await deps.refreshLeases.release(account._id, owner);
        return { accountId: account._id, outcome: 'refreshed', reason: 'stored by an earlier attempt', version: account.token.version, expiresAt: account.token.expiresAt!.toISOString() };
      }
      if (recent && fresh) return skip('refreshed moments ago by another run');

      const rotates = ROTATES_REFRESH_TOKEN[account.provider];
      const rotationWasPending = rotates && account.rotationPending !== null;
      const creds = await deps.accounts.credentials(account);
      // The call's grant, before a rotation is marked pending: a store that cannot grant one leaves no trace of a call
      // that never happened (and no lease behind for the retry to wait out).
      try {
        await gate.acquire(`token:${account.provider}`, tokenRps[account.provider]);
      } catch (err) {
        await deps.refreshLeases.release(account._id, owner).catch(() => undefined);
        report(transientFailures);
        throw failure(FailureType.Transient, `account ${account._id}: no call to the ${account.provider} token endpoint could be granted (${(err as Error).message})`);
      }
      if (rotates) await deps.accounts.markRotationPending(account._id, owner);

      let refreshed;
      try {
        refreshed = await deps.refreshers[account.provider](refreshInput(creds), deps.endpoints);
      } catch (err) {
        const pe = asProviderError(err, account.provider);
        tokenRefreshFailed(account.provider, pe.kind);
        if (pe.kind === FailureType.AuthRevoked) {
          if (!rotates && (await deps.accounts.get(account._id)).token.version !== account.token.version) {
            // The refresh token sent was replaced meanwhile (a reconnect whose write was still being applied): the
            // retry sends the current one. Not a revocation.
            await deps.refreshLeases.release(account._id, owner);
            report(transientFailures);
            throw failure(FailureType.Transient, `account ${account._id}: its refresh token changed while it was being refreshed; retrying with the current one`);
          }
          const lost = rotationWasPending
            ? `${pe.message}. An earlier refresh (started ${account.rotationPending!.startedAt.toISOString()}) was cut off after Kommo may have rotated the ` +
              `refresh token, so the rotated token was never stored. The stored access token stays usable until ` +
              `${account.token.expiresAt?.toISOString() ?? 'it expires'}; reconnect the account to resume.`
            : pe.message;
          const kind = rotationWasPending ? FailureType.RotationLost : FailureType.AuthRevoked;
          await deps.accounts.markNeedsReauth(account._id, kind, lost, owner);
          throw toApplicationFailure(pe, { message: `${account.provider}: ${lost}`, nonRetryable: true, type: kind });
        }
        // No answer from a rotating provider: rotation unknown, keep rotationPending so the retry knows.
        // A rate limit says nothing about the account: no write for it.
        if (pe.kind !== FailureType.RateLimited) await deps.accounts.recordError(account._id, pe.kind, pe.message);
        await deps.refreshLeases.release(account._id, owner);
        // The retry policy sets no attempt limit, so that a storm of 429s (each one waits for Retry-After) never
        // fails an account; other transient failures are counted here, across attempts, against their own limit.
        const failures = transientFailures + (pe.kind === FailureType.RateLimited ? 0 : 1);
        if (failures >= deps.settings.TOKEN_REFRESH_MAX_TRANSIENT_FAILURES) {
          throw toApplicationFailure(pe, { message: `${pe.provider}: ${pe.message} (gave up after ${failures} failed attempts)`, nonRetryable: true });
        }
        report(failures);
        throw toApplicationFailure(pe);
      }

      // The new pair is written (journaled, majority) before anything else happens: for Kommo the old refresh
      // token is already dead.
      const version = await storeWithRetries(() => deps.accounts.storeRefreshed(account._id, account.token.version, refreshed, owner, caller));
      if (version === null) {
        const now = await deps.accounts.get(account._id);
        if (!rotates && now.token.version > account.token.version && now.token.expiresAt && now.token.expiresAt.getTime() - Date.now() > STILL_FRESH_MARGIN_MS) {
          // Another refresh stored a token in the meantime (an earlier attempt of this activity that outlived its
          // timeout, or another run); both tokens are valid for a provider that does not rotate.
          const ours = now.token.refreshedBy === caller;
          return {
            accountId: account._id,
            outcome: ours ? 'refreshed' : 'skipped',
            reason: ours ? 'stored by an earlier attempt' : 'a concurrent refresh stored a newer token',
            version: now.token.version,
            expiresAt: now.token.expiresAt.toISOString(),
          };
        }
        throw invalid(`account ${account._id} changed while it was being refreshed (reconnected?); the new token was not stored`);
      }
      deps.log.info({ accountId: account._id, provider: account.provider, version }, 'token refreshed');
      tokenRefreshed(account.provider);
      return { accountId: account._id, outcome: 'refreshed', version, expiresAt: refreshed.expiresAt.toISOString() };
    },

    /**
     * Records a refresh failure in `error_logs`, and for revoked access pauses the account's other work (its
     * running workflows get a `pause` signal). The account itself was already marked `needs_reauth`.
     */
    async reportRefreshFailure(input: RefreshFailureReport): Promise<{ paused: string[] }> {
      const info = activityInfo();
      await deps.errorLogs.add({
        source: input.source,
        provider: input.provider,
        accountId: input.accountId,
        kind: input.kind,
        message: input.message,
        workflowId: info.workflowExecution?.workflowId ?? null,
        runId: info.workflowExecution?.runId ?? null,
        details: null,
      });
      const paused: string[] = [];
      if ((NEEDS_REAUTH as string[]).includes(input.kind) && deps.temporal) {
        try {
          const query = workflowsOfAccount(input.accountId);
          for await (const wf of deps.temporal.workflow.list({ query })) {
            if (wf.workflowId.startsWith('token-refresh')) continue;
            await deps.temporal.workflow.getHandle(wf.workflowId).signal(SIGNALS.pause, { reason: `access revoked: ${input.message}` });
            paused.push(wf.workflowId);
          }
        } catch (err) {
          deps.log.warn({ accountId: input.accountId, err: (err as Error).message }, 'could not pause the account workflows');
        }
      }
      return { paused };
    },

    /** Account facts a workflow may see (no secrets), e.g. for an alert text. */
    async describeAccount(accountId: string): Promise<{ id: string; provider: OAuthProvider; key: string; status: string } | null> {
      return deps.accounts.describe(accountId);
    },
  };
};

/**
 * The store write after a rotation is the one write that must not be lost: retry a brief MongoDB outage here,
 * inside the attempt, rather than fail the attempt and let the retry spend a refresh token that is already dead.
 */
async function storeWithRetries<T>(write: () => Promise<T>, attempts = 6): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await write();
    } catch (err) {
      if (i >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 250 * 2 ** i));
    }
  }
}

export type TokenActivities = ReturnType<typeof createTokenActivities>;
