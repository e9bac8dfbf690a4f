/**
 * After the writes: what each link document becomes (settleLink), and the re-decision for a contact whose write
 * met a newer version than the plan was made from (redecide).
 */
import { SIDES, type Side } from './contact';
import { decideLink } from './decide';
import type { Observation } from './detect';
import { withSide, type SyncLink } from './link';
import type { SyncFields } from './mapping';
import type { SyncPolicy } from './policy';
import { makeCtx } from './resolve';
import type { LinkWrite, SideRecord, SyncPlan } from './types';

/** One provider write's answer, as the activity read it. */
export type WriteOutcome =
  | { ok: true; id?: string; version?: string }
  /** conflict: a stale version (Google's etag, Zoho's If-Unmodified-Since); notFound: the record is gone. */
  | { ok: false; reason: 'conflict' | 'notFound' | 'failed'; message?: string };

export type Settlement =
  | { op: 'upsert'; link: SyncLink }
  | { op: 'delete'; linkId: string }
  /** An awaited write failed: leave the stored link as it is; the next cycle sees the same change again. */
  | { op: 'keep'; linkId: string; failed: Side[] };

/**
 * The link to store once a link's writes are answered. Every awaited write must have succeeded (a delete that
 * found nothing counts as done); otherwise nothing is stored, so a partial write is seen next cycle as a change
 * of that side and decided again with everything (a succeeded create is adopted through the link id it carries).
 */
export function settleLink(write: LinkWrite, outcomes: Partial<Record<Side, WriteOutcome>>): Settlement {
  const failed: Side[] = [];
  for (const side of SIDES) {
    const a = write.awaits[side];
    if (!a) continue;
    const o = outcomes[side];
    const done = o?.ok === true || (a.op === 'delete' && o?.ok === false && o.reason === 'notFound');
    if (!done || (a.op === 'create' && (o?.ok !== true || !o.id))) failed.push(side);
  }
  if (failed.length) return { op: 'keep', linkId: write.linkId, failed };
  if (write.next === null) return { op: 'delete', linkId: write.linkId };
  let link = write.next;
  for (const side of SIDES) {
    const a = write.awaits[side];
    const o = outcomes[side];
    if (!a?.state || o?.ok !== true) continue;
    const id = o.id ?? (side === 'google' ? link.googleId : link.zohoId);
    link = withSide(link, side, id, { ...a.state, version: o.version ?? '' });
  }
  return { op: 'upsert', link };
}

export interface RedecideInput {
  pairingId: string;
  fields: SyncFields;
  policy: SyncPolicy;
  /** The link's entry in the plan whose write met a conflict. */
  write: LinkWrite;
  /** The record as it is now, on the side that reported the conflict. */
  fresh: { side: Side; record: SideRecord };
}

/**
 * A stale version on a write (Google's etag changed since the plan): the contact goes back through the policy
 * with the fresh record against the link as it was loaded and the other side as observed. Returns the plan for
 * that one link; it replaces the old entry and its writes.
 */
export function redecide(input: RedecideInput): SyncPlan {
  const ctx = makeCtx(input.pairingId, input.fields, input.policy);
  const { write, fresh } = input;
  const link = write.prior ?? write.next ?? { linkId: write.linkId };
  const obs: Record<Side, Observation> = { google: { kind: 'none' }, zoho: { kind: 'none' } };
  for (const side of SIDES) {
    const r = side === fresh.side ? fresh.record : write.observed[side];
    if (r) obs[side] = { kind: 'record', record: r };
  }
  return decideLink(ctx, link, obs, { prior: write.prior });
}
