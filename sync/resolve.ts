/**
 * The pure pieces of a decision: what a side should hold to mirror a contact, which fields that writes, who wrote
 * last, and the field-by-field merge.
 */
import { sameValue, type Contact, type ContactField, type ProjectionSettings, type Side } from './contact';
import type { SideView } from './detect';
import type { SyncFields } from './mapping';
import type { SyncPolicy } from './policy';
import type { FieldConflict } from './types';

export interface Ctx {
  pairingId: string;
  fields: SyncFields;
  policy: SyncPolicy;
  proj: ProjectionSettings;
}

export const makeCtx = (pairingId: string, fields: SyncFields, policy: SyncPolicy): Ctx => ({
  pairingId,
  fields,
  policy,
  proj: { fields: fields.fields, ...(fields.phoneRegion === undefined ? {} : { phoneRegion: fields.phoneRegion }) },
});

export const NO_NAME = '(no name)';

/** A stand-in for a mandatory name the contact lacks: the e-mail's local part, else "(no name)". */
export function synthesizeName(c: Contact): string {
  const local = (c.email ?? c.secondaryEmail)?.split('@')[0]?.trim();
  return local ? local : NO_NAME;
}

const isReadOnly = (ctx: Ctx, side: Side, f: ContactField): boolean => ctx.fields.readOnly[side].includes(f);

/**
 * What side `t` holds once it mirrors `src`: `src`'s values in the fields `t` can be written, `t`'s own values in
 * its read-only fields, and a synthesised value in each required field `src` leaves empty (the one already in
 * place, if any, so a stand-in does not change with every edit of the e-mail).
 */
export function targetContents(ctx: Ctx, t: Side, src: Contact, tCurrent?: Contact, tSynthesized?: Contact): { contact: Contact; synthesized?: Contact } {
  const contact: Contact = {};
  for (const f of ctx.fields.fields) {
    const v = isReadOnly(ctx, t, f) ? tCurrent?.[f] : src[f];
    if (v !== undefined && v !== '') contact[f] = v;
  }
  const synthesized: Contact = {};
  for (const f of ctx.fields.required[t]) {
    if (contact[f] !== undefined) continue;
    const v = tSynthesized?.[f] ?? synthesizeName(src);
    contact[f] = v;
    synthesized[f] = v;
  }
  return Object.keys(synthesized).length ? { contact, synthesized } : { contact };
}

/** The fields a write to `t` must carry: writable there and different from what it holds (all non-empty on create). */
export function fieldsToWrite(ctx: Ctx, t: Side, want: Contact, current: Contact | undefined): ContactField[] {
  return ctx.fields.fields.filter(
    (f) => !isReadOnly(ctx, t, f) && (current === undefined ? want[f] !== undefined : !sameValue(f, want[f], current[f], ctx.proj.phoneRegion)),
  );
}

/** Fields that must agree for two sides to hold the same content (a read-only field may differ: it cannot be written). */
export function disputedFields(ctx: Ctx, a: Contact, b: Contact): ContactField[] {
  return ctx.fields.fields.filter(
    (f) => !isReadOnly(ctx, 'google', f) && !isReadOnly(ctx, 'zoho', f) && !sameValue(f, a[f], b[f], ctx.proj.phoneRegion),
  );
}

/**
 * The side that wrote last, by the providers' own clocks (Google's CONTACT source updateTime, Zoho's
 * Modified_Time). A side without a time loses to one with; a tie (Zoho has second resolution) goes to Google.
 */
export function lastWriter(google: number | undefined, zoho: number | undefined): Side {
  if (google === undefined) return zoho === undefined ? 'google' : 'zoho';
  if (zoho === undefined) return 'google';
  return zoho > google ? 'zoho' : 'google';
}

export const changedSince = (ctx: Ctx, v: SideView, f: ContactField): boolean => !sameValue(f, v.proj?.[f], v.base[f], ctx.proj.phoneRegion);

/**
 * Field by field: a field changed on one side only takes that side's value; a field changed on both (or on
 * neither, yet different) takes `fallback(field)`'s. Returns the merged contact and the fields that differed.
 */
export function mergeFields(ctx: Ctx, g: SideView, z: SideView, fallback: (f: ContactField) => Side): { merged: Contact; fields: FieldConflict[] } {
  const merged: Contact = {};
  const fields: FieldConflict[] = [];
  for (const f of ctx.fields.fields) {
    const gv = g.proj?.[f];
    const zv = z.proj?.[f];
    let winner: Side = 'google';
    if (!sameValue(f, gv, zv, ctx.proj.phoneRegion)) {
      const changedOn = (['google', 'zoho'] as const).filter((s) => changedSince(ctx, s === 'google' ? g : z, f));
      winner = changedOn.length === 1 ? (changedOn[0] as Side) : fallback(f);
      fields.push({ field: f, ...(gv === undefined ? {} : { google: gv }), ...(zv === undefined ? {} : { zoho: zv }), changedOn, winner });
    }
    const v = winner === 'google' ? gv : zv;
    if (v !== undefined) merged[f] = v;
  }
  return { merged, fields };
}

/** The policy's winner when both sides changed (fieldMerge falls back to last writer wins). */
export function policyWinner(ctx: Ctx, g: SideView, z: SideView): Side {
  if (ctx.policy.conflict === 'googleWins') return 'google';
  if (ctx.policy.conflict === 'zohoWins') return 'zoho';
  return lastWriter(g.record?.updatedAt, z.record?.updatedAt);
}
