/**
 * Change detection with echo suppression. A side counts as changed only when both its version moved (etag,
 * Modified_Time; for Zoho, whose version has one-second resolution, an equal one does not prove an equal record)
 * AND the hash of its normalised projection differs from the one stored: a new etag with the same
 * content (Google re-normalising, a Zoho workflow rule touching an unmapped field, the echo of our own write) is
 * only noted, never propagated.
 */
import type { Contact, ProjectionSettings, Side } from './contact';
import { contactHash } from './hash';
import { keptSynthesized, projection, sideId, sideState, type SideState, type SyncLink } from './link';
import type { SideRecord } from './types';

/** What the cycle saw of one side of a link. */
export type Observation = { kind: 'record'; record: SideRecord } | { kind: 'deleted' } | { kind: 'none' };

/**
 * changed: moved in version and content (or first seen); touched: new version, same content; same: same version;
 * unseen: not in this cycle's changes; deleted; missing: the link has no record on this side yet.
 */
export type SideStatus = 'changed' | 'touched' | 'same' | 'unseen' | 'deleted' | 'missing';

export interface SideView {
  side: Side;
  status: SideStatus;
  id?: string;
  record?: SideRecord;
  /** What the link stored for the side. */
  stored?: SideState;
  /** The stored projection: what the side held at the last sync ({} when never synced). */
  base: Contact;
  /** What the side holds now (the record, or the stored state when unseen), display form. */
  current?: Contact;
  /** `current` without our synthesised values. */
  proj?: Contact;
  /** Synthesised values still in place. */
  synthesized?: Contact;
  /** The side's state to store, when this cycle saw something new of it (touched, changed). */
  observed?: SideState;
}

export function viewSide(link: SyncLink, side: Side, obs: Observation, s: ProjectionSettings): SideView {
  const id = sideId(link, side);
  const stored = side === 'google' ? link.google : link.zoho;
  const base = stored ? projection(stored.contact, stored.synthesized, s) : {};
  const common = { side, base, ...(id === undefined ? {} : { id }), ...(stored ? { stored } : {}) };
  if (obs.kind === 'deleted') return { ...common, status: 'deleted' };
  if (obs.kind === 'none') {
    if (id === undefined) return { ...common, status: 'missing' };
    // An id without a stored state (a link written by hand): the record exists, so it is updated, never re-created.
    if (!stored) return { ...common, status: 'unseen', current: {}, proj: {} };
    const synthesized = keptSynthesized(stored.contact, stored.synthesized, s);
    return { ...common, status: 'unseen', current: stored.contact, proj: base, ...(synthesized ? { synthesized } : {}) };
  }
  const record = obs.record;
  const synthesized = keptSynthesized(record.contact, stored?.synthesized, s);
  const proj = projection(record.contact, synthesized, s);
  const view = { ...common, id: record.id, record, current: record.contact, proj, ...(synthesized ? { synthesized } : {}) };
  if (!stored) return { ...view, status: 'changed', observed: sideState(record.version, record.contact, synthesized, s) };
  // Google's etag moves with every write, so an equal etag is the same contact (other content there is Google's own
  // reading of our write). Zoho's version is Modified_Time, to the second: an edit made in the second of our write
  // keeps it, and only the content tells.
  if (record.version === stored.version && (side === 'google' || contactHash(proj, s) === stored.hash)) return { ...view, status: 'same' };
  const observed = sideState(record.version, record.contact, synthesized, s);
  return { ...view, status: contactHash(proj, s) === stored.hash ? 'touched' : 'changed', observed };
}

export const isChanged = (v: SideView): boolean => v.status === 'changed';
/** Present now, in the cycle or in the link (not deleted, not missing). */
export const exists = (v: SideView): boolean => v.status !== 'deleted' && v.status !== 'missing';
