import { Context } from '@temporalio/activity';
import { redecide, settleLink, type ContactAdapter, type CreateItem, type ItemResult, type LinkWrite, type Side, type UpdateItem, type WriteOutcome } from '../../sync';
import type { BatchDoc } from '../../store/sync-cycles';
import { invalid, viewOf } from './context';
import type { ContactActivityDeps, PairingView } from './deps';
import { applySettlements } from './settle';
import { contactsWrittenTo } from '../../metrics';
import type { PushInput, PushSummary } from './types';

/**
 * Records of a complete listing that already carry one of `items`' link ids: creates that went through while their
 * answer was lost (a worker killed waiting for it). Google lists a new contact in sync results only after a delay, so
 * the listing is a full one.
 */
async function alreadyCreated(adapter: ContactAdapter<unknown>, items: readonly CreateItem[]): Promise<ItemResult<unknown>[]> {
  const wanted = new Set(items.map((i) => i.linkId));
  const found = new Map<string, ItemResult<unknown>>();
  let page: string | undefined;
  do {
    const res = await adapter.listChanges(null, page);
    if (res.kind !== 'page') throw invalid(`${adapter.provider}: a listing from scratch was refused as an expired cursor`);
    for (const raw of res.page.records) {
      const r = adapter.toRecord(raw);
      if (r.linkId && wanted.has(r.linkId) && !found.has(r.linkId)) found.set(r.linkId, { linkId: r.linkId, outcome: { ok: true, id: r.id, version: r.version }, record: raw });
    }
    page = res.page.nextPage;
    Context.current().heartbeat({ lookingFor: wanted.size, found: found.size });
  } while (page);
  return [...found.values()];
}

/** Creates a batch; a create that may have gone through unanswered adopts the record it made instead of a second one. */
async function create(adapter: ContactAdapter<unknown>, items: readonly CreateItem[]): Promise<ItemResult<unknown>[]> {
  // An earlier attempt of this batch, or an earlier cycle (retry), may have sent these creates.
  const maybeSent = Context.current().info.attempt > 1 || items.some((i) => i.retry);
  const adopted = maybeSent && !adapter.idempotentCreates ? await alreadyCreated(adapter, items) : [];
  const done = new Set(adopted.map((r) => r.linkId));
  const rest = items.filter((i) => !done.has(i.linkId));
  return [...adopted, ...(rest.length ? await adapter.create(rest) : [])];
}

/** Runs one stored batch against its provider and answers per item, by link id. */
async function run(adapter: ContactAdapter<unknown>, batch: BatchDoc['batch']): Promise<{ results: ItemResult<unknown>[]; current: ReadonlyMap<string, unknown> }> {
  switch (batch.op) {
    case 'create':
      return { results: await create(adapter, batch.items), current: new Map() };
    case 'update': {
      // Each update is written from the record as it is now: Google needs its etag, and a record that changed
      // since the plan is a conflict, decided again below, never overwritten blindly.
      const current = new Map<string, unknown>();
      const rows = await adapter.getMany(batch.items.map((i) => i.id));
      for (const raw of rows) current.set(adapter.toRecord(raw).id, raw);
      return { results: await adapter.update(batch.items, current), current };
    }
    case 'delete':
      return { results: await adapter.delete(batch.items), current: new Map() };
    case 'tag':
      return { results: await adapter.tag(batch.items), current: new Map() };
  }
}

/**
 * A stale version: the contact goes back through the policy with the record as it is now. When the new decision
 * writes only this side's update, it is written at once; anything else (a write on the other side) is left for the
 * next cycle, which sees the change again (the link is kept as it was).
 */
async function redecideConflicts(deps: ContactActivityDeps, view: PairingView, input: PushInput, side: Side, adapter: ContactAdapter<unknown>, conflicts: { item: UpdateItem; raw: unknown }[], writes: Map<string, LinkWrite>, outcomes: Map<string, WriteOutcome>): Promise<boolean> {
  let another = false;
  const again: UpdateItem[] = [];
  const current = new Map<string, unknown>();
  for (const { item, raw } of conflicts) {
    const write = writes.get(item.linkId);
    if (!write) continue;
    const plan = redecide({ pairingId: input.pairingId, fields: view.fields, policy: view.pairing.policy, write, fresh: { side, record: adapter.toRecord(raw) } });
    const entry = plan.links.find((l) => l.linkId === item.linkId);
    const mine = plan[side];
    const other = plan[side === 'google' ? 'zoho' : 'google'];
    const onlyThisUpdate = !mine.creates.length && !mine.deletes.length && !mine.tags.length && mine.updates.length <= 1 && !other.creates.length && !other.updates.length && !other.deletes.length && !other.tags.length;
    if (entry && onlyThisUpdate) {
      await deps.cycles.replaceWrite(input.pairingId, input.cycle, entry);
      writes.set(item.linkId, entry);
      await deps.cycles.recordConflicts(input.pairingId, input.cycle, plan.conflicts);
      if (mine.updates[0]) {
        again.push(mine.updates[0]);
        current.set(mine.updates[0].id, raw);
      } else {
        outcomes.set(item.linkId, { ok: true }); // the fresh record already holds what the policy wants
      }
    } else {
      another = true;
    }
  }
  if (again.length) for (const r of await adapter.update(again, current)) outcomes.set(r.linkId, r.outcome);
  return another;
}

/** Pushes one batch of a cycle's plan and settles the links it answers. Idempotent: a finished batch is not sent again. */
export async function pushBatch(deps: ContactActivityDeps, input: PushInput): Promise<PushSummary> {
  const doc = await deps.cycles.batch(input.batchId);
  if (!doc) throw invalid(`cycle ${input.cycle} has no batch ${input.batchId}`);
  const count = (o: Iterable<WriteOutcome>): { ok: number; failed: number; conflicts: number } => {
    const all = [...o];
    return { ok: all.filter((x) => x.ok).length, failed: all.filter((x) => !x.ok && x.reason !== 'conflict').length, conflicts: all.filter((x) => !x.ok && x.reason === 'conflict').length };
  };
  if (doc.done) return { side: doc.side, op: doc.batch.op, ...count(Object.values(doc.outcomes)), another: false };
  const view = await viewOf(deps, input.pairingId);
  const adapter = await deps.sides(view.pairing, doc.side, view.mapping);
  const { results, current } = await run(adapter, doc.batch);
  Context.current().heartbeat({ batch: input.batchId, answered: results.length });

  const linkIds = results.map((r) => r.linkId);
  const planned = await deps.cycles.planLinks(input.pairingId, input.cycle, linkIds);
  const writes = new Map(planned.map((p) => [p.write.linkId, p.write]));
  const outcomes = new Map<string, WriteOutcome>();
  const conflicts: { item: UpdateItem; raw: unknown }[] = [];
  for (const r of results) {
    outcomes.set(r.linkId, r.outcome);
    if (doc.batch.op === 'update' && !r.outcome.ok && r.outcome.reason === 'conflict') {
      const item = doc.batch.items.find((i) => i.linkId === r.linkId);
      const raw = item ? current.get(item.id) : undefined;
      if (item && raw !== undefined) conflicts.push({ item, raw });
    }
  }
  const tally = count(outcomes.values());
  contactsWrittenTo(doc.side, doc.batch.op, tally.ok);
  const another = conflicts.length ? await redecideConflicts(deps, view, input, doc.side, adapter, conflicts, writes, outcomes) : false;

  await deps.cycles.recordOutcomes(input.pairingId, input.cycle, doc.side, outcomes);
  // Settle the links whose every awaited write is answered now (a link may wait for both sides).
  const answered = await deps.cycles.planLinks(input.pairingId, input.cycle, linkIds);
  const ready = answered.filter((p) => !p.settled && Object.keys(p.write.awaits).every((s) => p.outcomes[s as Side] !== undefined));
  await applySettlements(deps, input.pairingId, input.cycle, ready.map((p) => ({ linkId: p.write.linkId, settlement: settleLink(p.write, p.outcomes) })));
  await deps.cycles.finishBatch(input.batchId, Object.fromEntries(outcomes));
  if (tally.failed) deps.log.warn({ pairingId: input.pairingId, cycle: input.cycle, side: doc.side, op: doc.batch.op, failed: tally.failed, first: [...outcomes.values()].find((o) => !o.ok) }, 'some writes of a batch failed');
  return { side: doc.side, op: doc.batch.op, ...tally, another };
}
