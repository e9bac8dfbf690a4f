/**
 * planSync: one cycle's decision, from the links involved and the changes pulled from each side. Pure and
 * deterministic: the same input always gives the same plan (new link ids are derived from the record they start
 * from), so a cycle planned again after a crash creates nothing twice.
 */
import { cleanContact, isEmptyContact, otherSide, type Side } from './contact';
import { decideLink } from './decide';
import type { Observation } from './detect';
import { checkGuard } from './guard';
import { linkIdFor } from './hash';
import { withFlag, withSide, type SyncLink } from './link';
import { matchUnlinked } from './match';
import { observe } from './observe';
import { makeCtx, type Ctx } from './resolve';
import { emptyPlan, type PlanFlag, type SideRecord, type SyncDecision, type SyncInput, type SyncPlan } from './types';

/** Appends one link's plan to the cycle's. */
export function mergePlan(into: SyncPlan, part: SyncPlan): SyncPlan {
  for (const side of ['google', 'zoho'] as const) {
    into[side].creates.push(...part[side].creates);
    into[side].updates.push(...part[side].updates);
    into[side].deletes.push(...part[side].deletes);
    into[side].tags.push(...part[side].tags);
  }
  into.links.push(...part.links);
  into.conflicts.push(...part.conflicts);
  into.flags.push(...part.flags);
  return into;
}

const seen = (side: Side, record: SideRecord): Record<Side, Observation> => {
  const obs: Record<Side, Observation> = { google: { kind: 'none' }, zoho: { kind: 'none' } };
  obs[side] = { kind: 'record', record };
  return obs;
};

/** A record no link knows: a new link, and its counterpart created on the other side. */
function planNewRecord(ctx: Ctx, side: Side, r: SideRecord, ambiguous: boolean): SyncPlan {
  // None of the mapped fields set: no blank record on the other side, and no link until it has some.
  if (isEmptyContact(cleanContact(r.contact, ctx.proj))) return emptyPlan();
  let link: SyncLink = withSide({ linkId: linkIdFor(ctx.pairingId, side, r.id) }, side, r.id, undefined);
  if (ambiguous) link = withFlag(link, 'ambiguousMatch');
  const plan = decideLink(ctx, link, seen(side, r), { prior: undefined });
  if (ambiguous && plan.links.length) {
    const flag: PlanFlag = {
      linkId: link.linkId,
      flag: 'ambiguousMatch',
      side,
      id: r.id,
      detail: `An e-mail or phone of this contact belongs to several contacts: created on ${otherSide(side)} instead of merged`,
    };
    plan.flags.push(flag);
  }
  return plan;
}

export function planSync(input: SyncInput): SyncDecision {
  const ctx = makeCtx(input.pairingId, input.fields, input.policy);
  const seenNow = observe(input);
  const halt = checkGuard(input, seenNow);
  if (halt) return { kind: 'halt', halt };

  const plan = emptyPlan();
  for (const [linkId, obs] of seenNow.obs) {
    const link = seenNow.links.get(linkId);
    if (link) mergePlan(plan, decideLink(ctx, link, obs, { prior: seenNow.loaded.get(linkId) }));
  }

  // Contacts no link knows: matched on unique keys when both listings are complete (first sync, full resync),
  // otherwise created on the other side.
  const both = input.google.complete && input.zoho.complete;
  const match = both ? matchUnlinked(seenNow.unlinked, seenNow.records, ctx.proj) : { pairs: [], ambiguous: { google: new Set<string>(), zoho: new Set<string>() } };
  const paired = new Set<string>();
  for (const { google, zoho } of match.pairs) {
    paired.add(`google:${google.id}`).add(`zoho:${zoho.id}`);
    const link = withSide(withSide({ linkId: linkIdFor(ctx.pairingId, 'google', google.id) }, 'google', google.id, undefined), 'zoho', zoho.id, undefined);
    const obs: Record<Side, Observation> = { google: { kind: 'record', record: google }, zoho: { kind: 'record', record: zoho } };
    mergePlan(plan, decideLink(ctx, link, obs, { prior: undefined, firstMatch: true }));
  }
  for (const side of ['google', 'zoho'] as const) {
    for (const r of seenNow.unlinked[side]) {
      if (!paired.has(`${side}:${r.id}`)) mergePlan(plan, planNewRecord(ctx, side, r, match.ambiguous[side].has(r.id)));
    }
  }
  return { kind: 'plan', plan };
}
