/**
 * The link document: one per contact pair, what a cycle knows about each side since the last sync.
 * Stored by the activities (one document per link, indexed on linkId, googleId and zohoId); the engine only
 * reads links and says what they become.
 */
import { cleanContact, type Contact, type ContactField, type ProjectionSettings, type Side } from './contact';
import { contactHash } from './hash';

/** What we last saw of one side, or what we wrote there. */
export interface SideState {
  /** The provider's version at that moment: Google's etag, Zoho's Modified_Time ('' until a write's answer is known). */
  version: string;
  /** Hash of the normalised projection (synthesised values left out). */
  hash: string;
  /** The mapped fields the record held, display form, synthesised values included. */
  contact: Contact;
  /** Values we invented to satisfy the provider (Zoho's mandatory Last_Name), which must not flow back. */
  synthesized?: Contact;
}

export const LINK_FLAGS = [
  /** Created, not merged, at first sync: one of its keys (e-mail, phone) belongs to several contacts. */
  'ambiguousMatch',
  /** Unlinked by the deletion policy (its counterpart was deleted): kept so the survivor is not synced again. */
  'unlinked',
] as const;
export type LinkFlag = (typeof LINK_FLAGS)[number];

export interface SyncLink {
  /** Our id; it travels inside both remote records (Google clientData, a unique Zoho field). */
  linkId: string;
  googleId?: string;
  zohoId?: string;
  /** Present exactly when the side's id is. */
  google?: SideState;
  zoho?: SideState;
  flags?: LinkFlag[];
}

export const sideId = (link: SyncLink, side: Side): string | undefined => (side === 'google' ? link.googleId : link.zohoId);

/** A copy of the link with one side's id and state set, or removed (state undefined). */
export function withSide(link: SyncLink, side: Side, id: string | undefined, state: SideState | undefined): SyncLink {
  const out: SyncLink = { ...link };
  if (side === 'google') {
    delete out.googleId;
    delete out.google;
    if (id !== undefined) out.googleId = id;
    if (state !== undefined) out.google = state;
  } else {
    delete out.zohoId;
    delete out.zoho;
    if (id !== undefined) out.zohoId = id;
    if (state !== undefined) out.zoho = state;
  }
  return out;
}

export function withFlag(link: SyncLink, flag: LinkFlag): SyncLink {
  const flags = new Set(link.flags ?? []);
  flags.add(flag);
  return { ...link, flags: LINK_FLAGS.filter((f) => flags.has(f)) };
}

export const hasFlag = (link: SyncLink | undefined, flag: LinkFlag): boolean => link?.flags?.includes(flag) ?? false;

/**
 * The projection of what a side holds: its mapped fields, without the values we synthesised there (a synthesised
 * value still in place is ours; one a person changed is theirs and counts).
 */
export function projection(contact: Contact, synthesized: Contact | undefined, s: ProjectionSettings): Contact {
  const clean = cleanContact(contact, s);
  if (!synthesized) return clean;
  const out: Contact = { ...clean };
  for (const f of Object.keys(synthesized) as ContactField[]) {
    if (out[f] !== undefined && out[f] === cleanContact(synthesized, s)[f]) delete out[f];
  }
  return out;
}

/** Synthesised values still in place in `contact` (the others were overwritten by a person). */
export function keptSynthesized(contact: Contact, synthesized: Contact | undefined, s: ProjectionSettings): Contact | undefined {
  if (!synthesized) return undefined;
  const clean = cleanContact(contact, s);
  const synth = cleanContact(synthesized, s);
  const out: Contact = {};
  for (const f of Object.keys(synth) as ContactField[]) if (clean[f] !== undefined && clean[f] === synth[f]) out[f] = synth[f];
  return Object.keys(out).length ? out : undefined;
}

/** The state of a side holding `contact` at `version`. */
export function sideState(version: string, contact: Contact, synthesized: Contact | undefined, s: ProjectionSettings): SideState {
  const kept = keptSynthesized(contact, synthesized, s);
  return {
    version,
    hash: contactHash(projection(contact, kept, s), s),
    contact: cleanContact(contact, s),
    ...(kept ? { synthesized: kept } : {}),
  };
}
