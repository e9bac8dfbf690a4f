import { BATCH_LIMITS, batchPlan, planSync, type LinkWrite, type Side, type SideChanges, type SideRecord } from '../../sync';
import type { BatchItems } from '../../store/sync-cycles';
import { invalid, viewOf } from './context';
import type { ContactActivityDeps } from './deps';
import { conflictsRecorded } from '../../metrics';
import type { PlanInput, PlanSummary, PlannedBatch } from './types';

/** What one side's pull stored this cycle, as the engine takes it (a record seen twice: its last version). */
async function changesOf(deps: ContactActivityDeps, input: PlanInput, side: Side): Promise<SideChanges> {
  const state = await deps.cycles.pullState(input.pairingId, input.cycle, side);
  if (!state?.done) throw invalid(`cycle ${input.cycle}: ${side} was not pulled before planning`);
  const byId = new Map<string, SideRecord>();
  const deleted = new Set<string>();
  for (const page of await deps.cycles.pages(input.pairingId, input.cycle, side, state.pages)) {
    for (const r of page.records) {
      byId.set(r.id, r);
      deleted.delete(r.id);
    }
    for (const id of page.deleted) {
      byId.delete(id);
      deleted.add(id);
    }
  }
  return { records: [...byId.values()], deleted: [...deleted], complete: state.full };
}

const ORDER: { side: Side; op: BatchItems['op'] }[] = [
  // Creates first (a re-created contact's counterpart may be updated next cycle), deletes and tags last.
  { side: 'zoho', op: 'create' },
  { side: 'google', op: 'create' },
  { side: 'zoho', op: 'update' },
  { side: 'google', op: 'update' },
  { side: 'zoho', op: 'delete' },
  { side: 'google', op: 'delete' },
  { side: 'zoho', op: 'tag' },
  { side: 'google', op: 'tag' },
];

/**
 * Reconciles the two pulls against the pairing's links (in MongoDB, never in history) and stores the plan: the
 * provider batches, the link writes waiting for them, and the conflicts. Links that wait for a create are stored
 * before any write, so a create whose answer is lost is adopted next cycle through the link id it carries. Links
 * that wait for no write are stored now. A halt (one side suddenly empty, or too many deletions) stores nothing.
 */
export async function planCycle(deps: ContactActivityDeps, input: PlanInput): Promise<PlanSummary> {
  const { pairingId, cycle } = input;
  const done = await deps.cycles.planOf(pairingId, cycle);
  const { pairing, mapping, fields } = await viewOf(deps, pairingId);
  const summaryOf = async (plan: NonNullable<typeof done>): Promise<PlanSummary> => {
    const batches: PlannedBatch[] = [];
    for (const id of plan.batchIds) {
      const b = await deps.cycles.batch(id);
      if (b) batches.push({ id, side: b.side, op: b.batch.op, size: b.batch.items.length });
    }
    return { halt: plan.halt, batches, conflicts: plan.counts.conflicts ?? 0, flags: plan.counts.flags ?? 0, links: plan.counts.links ?? 0, pending: plan.counts.pending ?? 0 };
  };
  if (done) return summaryOf(done);

  const google = await changesOf(deps, input, 'google');
  const zoho = await changesOf(deps, input, 'zoho');
  const links =
    google.complete || zoho.complete
      ? await deps.links.all(pairingId)
      : await deps.links.involved(pairingId, {
          googleIds: [...google.records.map((r) => r.id), ...google.deleted],
          zohoIds: [...zoho.records.map((r) => r.id), ...zoho.deleted],
          linkIds: [...google.records, ...zoho.records].flatMap((r) => (r.linkId ? [r.linkId] : [])),
        });
  const totalLinks = await deps.links.count(pairingId);
  const decision = planSync({ pairingId, fields, policy: pairing.policy, links, totalLinks, google, zoho, allowMassDelete: input.allowMassDelete });
  if (decision.kind === 'halt') {
    await deps.cycles.savePlan(pairingId, cycle, { halt: decision.halt, batches: [], links: [], counts: {} });
    return { halt: decision.halt, batches: [], conflicts: 0, flags: 0, links: totalLinks, pending: await deps.links.countPending(pairingId) };
  }
  const plan = decision.plan;
  const limits = { google: BATCH_LIMITS.google, zoho: mapping.kind === 'crm' ? BATCH_LIMITS.zohoCrm : BATCH_LIMITS.zohoCreator };
  const split = batchPlan(plan, limits);
  const batches: { side: Side; batch: BatchItems }[] = [];
  for (const { side, op } of ORDER) {
    const s = split[side];
    const groups = op === 'create' ? s.creates.map((items) => ({ op, items })) : op === 'update' ? s.updates.map((items) => ({ op, items })) : op === 'delete' ? s.deletes.map((items) => ({ op, items })) : s.tags.map((items) => ({ op, items }));
    for (const batch of groups) batches.push({ side, batch: batch as BatchItems });
  }
  // Link writes: stored now when they wait for nothing (an adoption, a first-sync match of equal contacts, an
  // unlink), or before the writes when a create is planned; the others are settled as their writes are answered.
  const now: LinkWrite[] = [];
  const waiting: LinkWrite[] = [];
  for (const w of plan.links) (Object.keys(w.awaits).length ? waiting : now).push(w);
  await deps.links.put(pairingId, [...now, ...waiting.filter((w) => w.storeBeforeWrites)].flatMap((w) => (w.next ? [w.next] : [])));
  await deps.links.delete(pairingId, now.filter((w) => w.next === null).map((w) => w.linkId));
  await deps.cycles.recordConflicts(pairingId, cycle, plan.conflicts);
  conflictsRecorded(plan.conflicts.length);
  const counts = { conflicts: plan.conflicts.length, flags: plan.flags.length, links: totalLinks, pending: await deps.links.countPending(pairingId) };
  await deps.cycles.savePlan(pairingId, cycle, { halt: null, batches, links: waiting, counts });
  for (const f of plan.flags) deps.log.info({ pairingId, linkId: f.linkId, flag: f.flag, side: f.side, id: f.id }, f.detail);
  return summaryOf((await deps.cycles.planOf(pairingId, cycle))!);
}
