/**
 * Content hashes of normalised projections, and the deterministic link ids new links get. SHA-256: a collision
 * would silently hide a change, so no short fingerprint here.
 */
import { createHash } from 'node:crypto';
import { normaliseContact, type Contact, type ProjectionSettings, type Side } from './contact';

/** JSON with object keys sorted at every depth, so equal values always serialise to the same text. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : stableStringify(v))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * Hash of a contact's normalised projection on the pairing's fields. Keys are sorted, so the order a mapping
 * names its fields in does not change the hash (reordering a mapping must not look like a change of every contact).
 */
export const contactHash = (c: Contact, s: ProjectionSettings): string => sha256(stableStringify(normaliseContact(c, s)));

/** A hash of any JSON value (a record without a version field versions itself by its content). */
export const valueHash = (value: unknown): string => sha256(stableStringify(value));

/**
 * The link id of a contact first seen as `recordId` on `side`: deterministic, so planning the same cycle twice
 * (after a crash) creates under the same id, and the copy that was accepted the first time is adopted.
 */
export const linkIdFor = (pairingId: string, side: Side, recordId: string): string =>
  `lnk_${sha256(`${pairingId}\u0000${side}\u0000${recordId}`).slice(0, 24)}`;
