/**
 * The decision for one link: from what the cycle saw of each side, the writes, the link's next state and the
 * conflict to record. Called by planSync for every link involved, and by redecide for a single link.
 */
import { isEmptyContact, type Contact, type Side } from './contact';
import { viewSide, type Observation, type SideView } from './detect';
import { stableStringify } from './hash';
import { hasFlag, sideId, sideState, withFlag, withSide, type SyncLink } from './link';
import { disputedFields, fieldsToWrite, lastWriter, mergeFields, policyWinner, targetContents, type Ctx } from './resolve';
import { emptyPlan, type ConflictRecord, type ConflictSide, type FieldConflict, type LinkWrite, type SyncPlan } from './types';

export interface DecideOptions {
  /** The link as loaded, when `link` is a new or adopted version of it (undefined: a new link). */
  prior?: SyncLink | undefined;
  /** Matched at first sync: neither side has a history, differences are filled in rather than overwritten. */
  firstMatch?: boolean;
}

/** Collects one link's writes and next state. */
class LinkDecision {
  readonly plan = emptyPlan();
  private next: SyncLink | null;
  private storeBeforeWrites = false;
  private readonly awaits: LinkWrite['awaits'] = {};

  constructor(
    private readonly ctx: Ctx,
    private readonly link: SyncLink,
    private readonly prior: SyncLink | undefined,
    private readonly views: Record<Side, SideView>,
  ) {
    this.next = link;
  }

  /** Remember what the cycle saw of a side (a new version, with or without new content). */
  observe(v: SideView): void {
    if (this.next && v.observed) this.next = withSide(this.next, v.side, v.id, v.observed);
  }

  /** Make side `t` mirror `src` (a contact's projection): an update when it exists, a create when it does not. */
  mirror(t: SideView, src: NonNullable<SideView['proj']>): void {
    const want = targetContents(this.ctx, t.side, src, t.current, t.synthesized);
    const state = sideState('', want.contact, want.synthesized, this.ctx.proj);
    if (t.status === 'missing' || t.status === 'deleted') {
      if (isEmptyContact(src)) return;
      const retry = t.status === 'missing' && this.prior !== undefined && sideId(this.prior, t.side) === undefined;
      this.plan[t.side].creates.push({ linkId: this.link.linkId, contact: want.contact, ...(retry ? { retry: true as const } : {}) });
      if (this.next) this.next = withSide(this.next, t.side, undefined, undefined);
      this.awaits[t.side] = { op: 'create', state };
      this.storeBeforeWrites = true;
      return;
    }
    const fields = fieldsToWrite(this.ctx, t.side, want.contact, t.current);
    if (fields.length === 0 || t.id === undefined) return this.observe(t);
    const baseVersion = t.record?.version ?? t.stored?.version ?? '';
    this.plan[t.side].updates.push({ linkId: this.link.linkId, id: t.id, contact: want.contact, fields, baseVersion });
    this.awaits[t.side] = { op: 'update', state };
  }

  /** Apply the deletion policy to side `o` (its counterpart is gone). */
  removeCounterpart(o: SideView, deleted: Side): void {
    if (o.id === undefined) return void (this.next = null);
    if (this.ctx.policy.deletion === 'delete') {
      this.plan[o.side].deletes.push({ linkId: this.link.linkId, id: o.id });
      this.awaits[o.side] = { op: 'delete' };
      this.next = null;
      return;
    }
    this.plan[o.side].tags.push({ linkId: this.link.linkId, id: o.id, tag: this.ctx.policy.unlinkTag });
    this.awaits[o.side] = { op: 'tag' };
    this.observe(o);
    if (this.next) this.next = withSide(withFlag(this.next, 'unlinked'), deleted, undefined, undefined);
  }

  drop(): void {
    this.next = null;
  }

  conflict(kind: ConflictRecord['kind'], resolution: ConflictRecord['resolution'], fields: FieldConflict[], result?: Contact): void {
    const side = (v: SideView): ConflictSide =>
      v.status === 'deleted' || v.id === undefined || !v.proj
        ? { deleted: true }
        : { deleted: false, id: v.id, version: v.record?.version ?? v.stored?.version ?? '', ...(v.record?.updatedAt === undefined ? {} : { updatedAt: v.record.updatedAt }), contact: v.proj };
    const { googleId, zohoId } = this.prior ?? this.link;
    this.plan.conflicts.push({
      linkId: this.link.linkId,
      ...(googleId === undefined ? {} : { googleId }),
      ...(zohoId === undefined ? {} : { zohoId }),
      kind,
      policy: this.ctx.policy.conflict,
      resolution,
      google: side(this.views.google),
      zoho: side(this.views.zoho),
      fields,
      ...(result === undefined ? {} : { result }),
    });
  }

  finish(): SyncPlan {
    const unchanged = this.prior !== undefined && this.next !== null && stableStringify(this.next) === stableStringify(this.prior);
    const nothingNew = this.prior === undefined && this.next === null;
    if (Object.keys(this.awaits).length === 0 && (unchanged || nothingNew)) return this.plan;
    const observed: LinkWrite['observed'] = {};
    for (const v of [this.views.google, this.views.zoho]) if (v.record) observed[v.side] = v.record;
    this.plan.links.push({
      linkId: this.link.linkId,
      ...(this.prior ? { prior: this.prior } : {}),
      next: this.next,
      storeBeforeWrites: this.storeBeforeWrites && this.next !== null,
      awaits: this.awaits,
      observed,
    });
    return this.plan;
  }
}

/** The plan for one link, from what the cycle observed of each side. */
export function decideLink(ctx: Ctx, link: SyncLink, obs: Record<Side, Observation>, opts: DecideOptions = {}): SyncPlan {
  const g = viewSide(link, 'google', obs.google, ctx.proj);
  const z = viewSide(link, 'zoho', obs.zoho, ctx.proj);
  const d = new LinkDecision(ctx, link, 'prior' in opts ? opts.prior : link, { google: g, zoho: z });

  if (hasFlag(link, 'unlinked')) {
    // A tombstone: the survivor is no longer synced; the tombstone goes when the survivor is deleted too.
    if (g.status === 'deleted' || z.status === 'deleted') d.drop();
    return d.finish();
  }
  if (g.status === 'deleted' || z.status === 'deleted') {
    decideDeletion(ctx, d, g.status === 'deleted' ? g : z, g.status === 'deleted' ? z : g);
    return d.finish();
  }
  if (g.status === 'missing' && z.status === 'missing') {
    d.drop();
    return d.finish();
  }
  if (g.status === 'missing' || z.status === 'missing') {
    // A pending create (this cycle's new contact, or one whose create failed or was never answered).
    const [t, src] = g.status === 'missing' ? [g, z] : [z, g];
    d.observe(src);
    d.mirror(t, src.proj ?? {});
    return d.finish();
  }
  const gc = g.status === 'changed';
  const zc = z.status === 'changed';
  if (gc && zc) decideBothChanged(ctx, d, g, z, opts.firstMatch === true);
  else if (gc || zc) {
    const [src, t] = gc ? [g, z] : [z, g];
    d.observe(src);
    d.mirror(t, src.proj ?? {});
  } else {
    d.observe(g);
    d.observe(z);
  }
  return d.finish();
}

function decideDeletion(ctx: Ctx, d: LinkDecision, gone: SideView, o: SideView): void {
  if (o.status === 'deleted' || o.status === 'missing') return d.drop();
  const edited = o.status === 'changed';
  if (edited && !ctx.policy.deletionsWin) {
    // The edit wins: re-create the deleted side from the edited one, under the same link id.
    d.observe(o);
    d.mirror(gone, o.proj ?? {});
    d.conflict('deleteVsEdit', 'recreated', [], o.proj);
    return;
  }
  d.removeCounterpart(o, gone.side);
  if (edited) d.conflict('deleteVsEdit', ctx.policy.deletion === 'delete' ? 'deleted' : 'unlinked', []);
}

function decideBothChanged(ctx: Ctx, d: LinkDecision, g: SideView, z: SideView, firstMatch: boolean): void {
  const gp = g.proj ?? {};
  const zp = z.proj ?? {};
  d.observe(g);
  d.observe(z);
  if (disputedFields(ctx, gp, zp).length === 0) {
    // Equal content is no conflict; a read-only field that differs flows from the side that changed it.
    const { merged } = mergeFields(ctx, g, z, (f) => (ctx.fields.readOnly.zoho.includes(f) ? 'zoho' : 'google'));
    d.mirror(g, merged);
    d.mirror(z, merged);
    return;
  }
  const fresh = firstMatch || (!g.stored && !z.stored);
  if (fresh || ctx.policy.conflict === 'fieldMerge') {
    // With no history (first sync) a value facing an empty field fills it in; a field both changed goes to the
    // policy's winner (fieldMerge: per field, the last writer).
    const fallback = fresh ? policyWinner(ctx, g, z) : lastWriter(g.record?.updatedAt, z.record?.updatedAt);
    const { merged, fields } = mergeFields(ctx, g, z, () => fallback);
    d.mirror(g, merged);
    d.mirror(z, merged);
    const disputed = fields.filter((f) => f.changedOn.length !== 1);
    if (!fresh) d.conflict('bothChanged', 'merged', fields, merged);
    else if (disputed.length) d.conflict('firstMatch', 'merged', fields, merged);
    return;
  }
  const winner = policyWinner(ctx, g, z);
  const [w, l] = winner === 'google' ? [g, z] : [z, g];
  const { fields } = mergeFields(ctx, g, z, () => winner);
  d.mirror(l, w.proj ?? {});
  d.conflict('bothChanged', winner, fields.map((f) => ({ ...f, winner })), w.proj);
}
