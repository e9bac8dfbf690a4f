/**
 * Sorting a cycle's changes onto links: records by their side id, orphans of lost create answers by the link id
 * they carry (adoption), deletions reported by the provider or inferred by set difference from a complete listing,
 * and the records no link knows.
 */
import { SIDES, type Side } from './contact';
import type { Observation } from './detect';
import { hasFlag, sideId, withSide, type SyncLink } from './link';
import type { SideRecord, SyncInput } from './types';

export interface Observed {
  /** Links by id, in id order; an adopted link already carries its new side id. */
  links: Map<string, SyncLink>;
  /** The links as loaded. */
  loaded: Map<string, SyncLink>;
  obs: Map<string, Record<Side, Observation>>;
  /** Records no link knows, per side, in the order received. */
  unlinked: Record<Side, SideRecord[]>;
  /** Every record of each side, one per id (the last one received wins). */
  records: Record<Side, SideRecord[]>;
  /** Links that lost a record this cycle (reported or inferred), tombstones aside. */
  deletions: Set<string>;
}

const none = (): Record<Side, Observation> => ({ google: { kind: 'none' }, zoho: { kind: 'none' } });

function lastById(records: SideRecord[]): SideRecord[] {
  const m = new Map<string, SideRecord>();
  for (const r of records) m.set(r.id, r);
  return [...m.values()];
}

export function observe(input: SyncInput): Observed {
  const loaded = new Map<string, SyncLink>();
  for (const l of [...input.links].sort((a, b) => (a.linkId < b.linkId ? -1 : a.linkId > b.linkId ? 1 : 0))) loaded.set(l.linkId, l);
  const links = new Map(loaded);
  const bySide: Record<Side, Map<string, string>> = { google: new Map(), zoho: new Map() };
  for (const l of loaded.values()) {
    for (const side of SIDES) {
      const id = sideId(l, side);
      if (id !== undefined) bySide[side].set(id, l.linkId);
    }
  }
  const obs = new Map<string, Record<Side, Observation>>();
  const see = (linkId: string, side: Side, o: Observation): void => {
    const cur = obs.get(linkId) ?? none();
    cur[side] = o;
    obs.set(linkId, cur);
  };
  const out: Observed = { links, loaded, obs, unlinked: { google: [], zoho: [] }, records: { google: [], zoho: [] }, deletions: new Set() };

  for (const side of SIDES) {
    const changes = input[side];
    const records = lastById(changes.records);
    out.records[side] = records;
    const present = new Set<string>();
    for (const r of records) {
      present.add(r.id);
      let linkId = bySide[side].get(r.id);
      if (linkId === undefined && r.linkId !== undefined) {
        // A record carrying one of our link ids whose link has no id on this side: our create went through but
        // its answer was lost. Adopt it instead of creating a duplicate.
        const l = links.get(r.linkId);
        if (l && sideId(l, side) === undefined && !hasFlag(l, 'unlinked')) {
          links.set(l.linkId, withSide(l, side, r.id, undefined));
          bySide[side].set(r.id, l.linkId);
          linkId = l.linkId;
        }
      }
      if (linkId === undefined) out.unlinked[side].push(r);
      else see(linkId, side, { kind: 'record', record: r });
    }
    const gone = new Set(changes.deleted.filter((id) => !present.has(id)));
    if (changes.complete) {
      for (const [id] of bySide[side]) if (!present.has(id)) gone.add(id);
    }
    for (const id of gone) {
      const linkId = bySide[side].get(id);
      if (linkId === undefined) continue;
      see(linkId, side, { kind: 'deleted' });
      if (!hasFlag(links.get(linkId), 'unlinked')) out.deletions.add(linkId);
    }
  }
  // Pending links (a side never created, or its create unanswered) are decided even when nothing was seen.
  for (const l of links.values()) {
    if (!hasFlag(l, 'unlinked') && (l.googleId === undefined || l.zohoId === undefined) && !obs.has(l.linkId)) obs.set(l.linkId, none());
  }
  return out;
}
