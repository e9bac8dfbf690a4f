import { activityInfo } from '@temporalio/activity';
import { inboxEntries } from '../../store/kommo-inbox';
import type { ProgressDoc } from '../../store/kommo-progress';
import { fullView } from './begin';
import { invalid } from './context';
import type { KommoActivityDeps } from './deps';
import type { CommitInput, CommitResult, MirrorProblem } from './types';

const resultOf = (p: ProgressDoc, extra: { fullDone: boolean; queued: number }): CommitResult => ({
  summary: p.last!,
  totals: p.totals,
  full: fullView(p.full),
  pollActive: p.poll.active,
  lastPollAt: p.poll.lastAt?.getTime() ?? null,
  ...extra,
});

/**
 * Ends a batch: takes its inbox entries out, moves the full sync's or poll's listing on, adds to the totals and
 * closes it, in one write of the progress document (the commit point); then removes the batch's working state.
 * At the end of a full sync, contacts the mirror knows but the listing never showed go back to the inbox, to be
 * fetched by id: the ones Kommo no longer has leave the list.
 */
export async function commitBatch(deps: KommoActivityDeps, input: CommitInput): Promise<CommitResult> {
  const { mirrorId, n, push } = input;
  const { batches, progress, inbox, state } = deps.kommo;
  const p = await progress.get(mirrorId);
  if (p.open?.n !== n) {
    if (p.last?.n !== n) throw invalid(`batch ${n} of mirror ${mirrorId} is not open`);
    await batches.remove(mirrorId, n); // committed by an earlier attempt: only the clean-up may be left
    return resultOf(p, { fullDone: false, queued: 0 });
  }
  const [head, fetched, plan] = await Promise.all([batches.head(mirrorId, n), batches.fetched(mirrorId, n), batches.plan(mirrorId, n)]);
  if (!head || !fetched || !plan) throw invalid(`batch ${n} of mirror ${mirrorId} is incomplete (begun ${!!head}, fetched ${!!fetched}, planned ${!!plan})`);

  let fullDone = false;
  let queued = 0;
  if (head.kind === 'inbox') await inbox.remove(head.entryIds);
  if (head.kind === 'full') {
    await batches.saveSeen(mirrorId, p.full.gen, p.full.batches, fetched.contacts.map((c) => c.id));
    p.full = { ...p.full, batches: p.full.batches + 1, contacts: p.full.contacts + fetched.contacts.length, next: fetched.next };
    if (fetched.next === null) {
      const seen = new Set<number>();
      for (let k = 0; k < p.full.batches; k++) for (const id of await batches.seen(mirrorId, p.full.gen, k)) seen.add(id);
      const unseen = (await state.contactIds(mirrorId)).filter((id) => !seen.has(id));
      await inbox.add(inboxEntries(mirrorId, unseen, 'full-sync'));
      await batches.removeSeen(mirrorId, p.full.gen, p.full.batches);
      queued = unseen.length;
      fullDone = true;
      p.full = { ...p.full, active: false, finishedAt: new Date() };
      deps.log.info({ mirrorId, gen: p.full.gen, contacts: p.full.contacts, unseen: queued }, 'full sync listed every contact');
    }
  }
  if (head.kind === 'poll') {
    p.poll = fetched.next === null ? { ...p.poll, active: false, next: null, since: p.poll.startedAt, lastAt: new Date() } : { ...p.poll, next: fetched.next };
  }
  await state.removeDeleted(mirrorId, fetched.missing, n);
  await state.dropUnreferenced(mirrorId, plan.excludes);

  const t = p.totals;
  p.totals = {
    batches: t.batches + 1,
    contacts: t.contacts + plan.counts.contacts,
    imported: t.imported + push.imported,
    excluded: t.excluded + push.excluded,
    rejected: t.rejected + push.rejected,
    kommoCalls: t.kommoCalls + fetched.calls,
    importCalls: t.importCalls + push.importCalls,
  };
  p.last = {
    n,
    kind: head.kind,
    contacts: plan.counts.contacts,
    changed: plan.counts.changed,
    imported: push.imported,
    excluded: push.excluded,
    rejected: push.rejected,
    kommoCalls: fetched.calls,
    importCalls: push.importCalls,
    at: new Date().toISOString(),
  };
  p.open = null;
  await progress.save(p);
  await batches.remove(mirrorId, n);
  return resultOf(p, { fullDone, queued });
}

/** A problem a person must look at (a refused Unisender key, a mirror no longer set up): error log and e-mail. */
export async function reportMirrorProblem(deps: KommoActivityDeps, input: MirrorProblem): Promise<void> {
  const info = activityInfo();
  await deps.errorLogs.add({
    source: 'kommoMirror',
    provider: /^unisender/.test(input.message) ? 'unisender' : 'kommo',
    accountId: (await deps.kommo.mirrors.find(input.mirrorId))?.accountId ?? null,
    kind: input.kind,
    message: `mirror ${input.mirrorId}: ${input.message}`,
    workflowId: info.workflowExecution?.workflowId ?? null,
    runId: info.workflowExecution?.runId ?? null,
    details: { mirrorId: input.mirrorId },
  });
  await deps.mailer.sendMail({
    from: deps.settings.ALERT_EMAIL_FROM,
    to: deps.settings.ALERT_EMAIL_TO,
    subject: `[Switchyard] Kommo mirror ${input.mirrorId} paused: ${input.kind}`,
    text: `The Kommo -> Unisender mirror ${input.mirrorId} is paused; webhooks are still accepted and wait in its inbox.\n\n${input.message}\n\nFix the cause, then: switchyard kommo resume ${input.mirrorId}`,
  });
}
