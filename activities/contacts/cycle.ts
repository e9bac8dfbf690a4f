import { activityInfo } from '@temporalio/activity';
import { settleLink, type Side } from '../../sync';
import type { BatchDoc } from '../../store/sync-cycles';
import { invalid, viewOf } from './context';
import type { ContactActivityDeps } from './deps';
import { applySettlements } from './settle';
import type { CycleInput, CycleStart, CycleSummary, SideCounts, StartCycleInput, SyncProblem } from './types';

/** Starts a cycle: checks the pairing and its accounts, and drops what an abandoned earlier cycle left behind. */
export async function startCycle(deps: ContactActivityDeps, input: StartCycleInput): Promise<CycleStart> {
  const { pairing } = await viewOf(deps, input.pairingId);
  for (const id of [pairing.googleAccountId, pairing.zohoAccountId]) {
    const account = await deps.accounts.describe(id);
    if (!account) throw invalid(`pairing ${pairing._id}: account ${id} does not exist`);
    if (account.status !== 'active') throw invalid(`pairing ${pairing._id}: account ${id} is ${account.status}; reconnect it to resume`);
  }
  await deps.cycles.clear(input.pairingId, input.cycle - 1);
  return {
    googleAccountId: pairing.googleAccountId,
    zohoAccountId: pairing.zohoAccountId,
    target: pairing.target.kind,
    intervalSeconds: pairing.intervalSeconds,
    full: { google: input.full || pairing.cursors.google === null, zoho: input.full || pairing.cursors.zoho === null },
  };
}

const zero = (): SideCounts => ({ created: 0, updated: 0, deleted: 0, tagged: 0 });
const COUNTER = { create: 'created', update: 'updated', delete: 'deleted', tag: 'tagged' } as const;

/**
 * Ends a cycle: settles the links still waiting (a write that failed keeps its link as it was, so the change is
 * seen again), then moves the cursors, but only when every write went through (a failed write's change must come
 * back in the next pull), and removes the cycle's working state.
 */
export async function finishCycle(deps: ContactActivityDeps, input: CycleInput): Promise<CycleSummary> {
  const { pairingId, cycle } = input;
  const pairing = await deps.pairings.get(pairingId);
  const plan = await deps.cycles.planOf(pairingId, cycle);
  if (!plan) throw invalid(`cycle ${cycle} of ${pairingId} has no plan`);
  const counts: Record<Side, SideCounts> = { google: zero(), zoho: zero() };
  let failedWrites = 0;
  for (const id of plan.batchIds) {
    const b: BatchDoc | null = await deps.cycles.batch(id);
    if (!b) continue;
    for (const o of Object.values(b.outcomes)) {
      if (o.ok) counts[b.side][COUNTER[b.batch.op]]++;
      else if (o.reason !== 'notFound') failedWrites++;
    }
  }
  const left = await deps.cycles.unsettledLinks(pairingId, cycle);
  const { failed } = await applySettlements(deps, pairingId, cycle, left.map((p) => ({ linkId: p.write.linkId, settlement: settleLink(p.write, p.outcomes) })));
  const g = await deps.cycles.pullState(pairingId, cycle, 'google');
  const z = await deps.cycles.pullState(pairingId, cycle, 'zoho');
  const now = new Date();
  const clean = failed === 0 && failedWrites === 0;
  const cursors = clean && g?.done && z?.done
    ? {
        google: g.nextCursor,
        googleFullAt: g.full ? now : pairing.cursors.googleFullAt,
        zoho: z.nextCursor,
        zohoFullAt: z.full ? now : pairing.cursors.zohoFullAt,
      }
    : pairing.cursors;
  if (cursors !== pairing.cursors) await deps.pairings.setCursors(pairingId, cursors);
  await deps.cycles.clear(pairingId, cycle);
  const summary: CycleSummary = {
    cycle,
    google: counts.google,
    zoho: counts.zoho,
    conflicts: plan.counts.conflicts ?? 0,
    failed: Math.max(failed, failedWrites),
    links: await deps.links.count(pairingId),
    pending: await deps.links.countPending(pairingId),
    cursors: { googleFullAt: cursors.googleFullAt?.toISOString() ?? null, zohoAt: clean ? now.toISOString() : null, zohoFullAt: cursors.zohoFullAt?.toISOString() ?? null },
  };
  deps.log.info({ pairingId, ...summary }, 'contact sync cycle finished');
  return summary;
}

/** A problem a person must look at (a halted cycle, an invalid pairing): error log and e-mail. */
export async function reportSyncProblem(deps: ContactActivityDeps, input: SyncProblem): Promise<void> {
  const info = activityInfo();
  await deps.errorLogs.add({
    source: 'contactSync',
    provider: null,
    accountId: input.accountId ?? null,
    kind: input.kind,
    message: `pairing ${input.pairingId}: ${input.message}`,
    workflowId: info.workflowExecution?.workflowId ?? null,
    runId: info.workflowExecution?.runId ?? null,
    details: { pairingId: input.pairingId },
  });
  await deps.mailer.sendMail({
    from: deps.settings.ALERT_EMAIL_FROM,
    to: deps.settings.ALERT_EMAIL_TO,
    subject: `[Switchyard] contact sync ${input.pairingId} paused: ${input.kind}`,
    text: `The contact sync of pairing ${input.pairingId} is paused and touches nothing until someone resumes it.\n\n${input.message}\n\nResume: switchyard sync resume ${input.pairingId}`,
  });
}
