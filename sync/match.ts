/**
 * First-sync matching: contacts that exist on both sides before any link are paired on keys that are unique on
 * both sides (a normalised e-mail, an E.164 phone). A contact with a key held by more than one contact on either
 * side is never merged: it is created on the other side and flagged for a person to look at.
 */
import { isEmailField, isPhoneField, normaliseValue, otherSide, type ProjectionSettings, type Side } from './contact';
import type { SideRecord } from './types';

/** The match keys of a record: "e:<lower-case e-mail>", "p:<E.164>" (a phone that does not parse is no key). */
export function matchKeys(r: SideRecord, s: ProjectionSettings): string[] {
  const keys = new Set<string>();
  for (const f of s.fields) {
    const v = normaliseValue(f, r.contact[f], s.phoneRegion);
    if (v === undefined) continue;
    if (isEmailField(f)) keys.add(`e:${v}`);
    else if (isPhoneField(f) && v.startsWith('+')) keys.add(`p:${v}`);
  }
  return [...keys];
}

export interface MatchResult {
  pairs: Array<{ google: SideRecord; zoho: SideRecord }>;
  /** Ids of unlinked records left unmatched because a key is ambiguous. */
  ambiguous: Record<Side, Set<string>>;
}

/**
 * Pairs `unlinked` records across sides. `all` is every record of each side's complete listing (linked ones too):
 * a key shared with a linked contact is ambiguous as well.
 */
export function matchUnlinked(unlinked: Record<Side, SideRecord[]>, all: Record<Side, SideRecord[]>, s: ProjectionSettings): MatchResult {
  const holders: Record<Side, Map<string, string[]>> = { google: new Map(), zoho: new Map() };
  const keysOf = new Map<string, string[]>();
  for (const side of ['google', 'zoho'] as const) {
    for (const r of all[side]) {
      for (const k of matchKeys(r, s)) {
        const ids = holders[side].get(k) ?? [];
        if (!ids.includes(r.id)) ids.push(r.id);
        holders[side].set(k, ids);
      }
    }
    for (const r of unlinked[side]) keysOf.set(`${side}:${r.id}`, matchKeys(r, s));
  }
  const open: Record<Side, Map<string, SideRecord>> = {
    google: new Map(unlinked.google.map((r) => [r.id, r])),
    zoho: new Map(unlinked.zoho.map((r) => [r.id, r])),
  };

  /** The unlinked partners a record's unique keys point to, and whether any key is ambiguous. */
  const candidates = (side: Side, id: string): { partners: Set<string>; ambiguous: boolean } => {
    const o = otherSide(side);
    const partners = new Set<string>();
    let ambiguous = false;
    for (const k of keysOf.get(`${side}:${id}`) ?? []) {
      const mine = holders[side].get(k) ?? [];
      const theirs = holders[o].get(k) ?? [];
      if (mine.length > 1 || theirs.length > 1) ambiguous = true;
      else if (theirs.length === 1 && open[o].has(theirs[0] as string)) partners.add(theirs[0] as string);
    }
    return { partners, ambiguous };
  };

  const result: MatchResult = { pairs: [], ambiguous: { google: new Set(), zoho: new Set() } };
  const paired = new Set<string>();
  for (const g of [...unlinked.google].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    const cg = candidates('google', g.id);
    if (cg.ambiguous || cg.partners.size > 1) {
      result.ambiguous.google.add(g.id);
      continue;
    }
    const [zid] = [...cg.partners];
    if (zid === undefined) continue;
    const cz = candidates('zoho', zid);
    const z = open.zoho.get(zid);
    if (z && !cz.ambiguous && cz.partners.size === 1 && cz.partners.has(g.id)) {
      result.pairs.push({ google: g, zoho: z });
      paired.add(zid);
    } else {
      // Its partner is caught in an ambiguity: neither is merged.
      result.ambiguous.google.add(g.id);
    }
  }
  for (const z of unlinked.zoho) {
    if (paired.has(z.id)) continue;
    const cz = candidates('zoho', z.id);
    if (cz.ambiguous || cz.partners.size > 0) result.ambiguous.zoho.add(z.id);
  }
  return result;
}
