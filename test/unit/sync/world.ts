/**
 * A pure, in-memory model of both providers, for cycle-by-cycle tests of the engine with the real mappers: Google
 * computes displayName and canonicalForm and changes the etag on every write; Zoho keeps Modified_Time at second
 * resolution and may run a "workflow rule" that rewrites a record right after our write. A cycle pulls what changed
 * since the last one, plans, writes through the mappers and stores what settleLink returns, like the activities will.
 */
import { googleChanges, personForCreate, personForUpdate, type GoogleMapping } from '../../../providers/google/mapper';
import type { Person } from '../../../providers/google/types';
import { crmForCreate, crmForUpdate, crmToRecord, projectionOf } from '../../../providers/zoho/mapper';
import type { ZohoContact } from '../../../providers/zoho/types';
import {
  DEFAULT_POLICY,
  normalisePhone,
  planSync,
  redecide,
  settleLink,
  syncFields,
  type CrmFieldMapping,
  type LinkWrite,
  type Side,
  type SyncDecision,
  type SyncLink,
  type SyncPlan,
  type SyncPolicy,
  type WriteOutcome,
} from '../../../sync';
import { T0 } from './helpers';

type Outcomes = Map<string, Partial<Record<Side, WriteOutcome>>>;

export class World {
  now = T0;
  private seq = 0;
  readonly google = new Map<string, Person>();
  readonly zoho = new Map<string, ZohoContact>();
  readonly links = new Map<string, SyncLink>();
  private changed: Record<Side, Set<string>> = { google: new Set(), zoho: new Set() };
  private deleted: Record<Side, Set<string>> = { google: new Set(), zoho: new Set() };
  /** Runs after each of our Zoho writes, like a workflow rule that was not suppressed. */
  zohoRule: ((r: ZohoContact) => void) | undefined;
  /** Drops the settlement of the next cycle's writes (a crash between the provider's answer and our link write). */
  loseNextSettlement = false;
  /** Runs once between planning and writing (a person editing a contact meanwhile). */
  beforeWrites: (() => void) | undefined;
  /** The plans redecide returned after stale etags. */
  readonly redecided: SyncPlan[] = [];
  readonly gm: GoogleMapping;

  constructor(
    readonly mapping: CrmFieldMapping,
    readonly policy: SyncPolicy = DEFAULT_POLICY,
  ) {
    this.gm = projectionOf(mapping);
  }

  private tick(): string {
    this.now += 1000;
    return new Date(this.now).toISOString();
  }

  /** A Google write as the People API stores it: computed parts added, a new etag and updateTime. */
  putGoogle(p: Person, resourceName = `people/c${++this.seq}`): Person {
    const names = p.names?.map((n) => ({ ...n, displayName: [n.givenName, n.familyName].filter(Boolean).join(' ') }));
    const phones = p.phoneNumbers?.map((x) => ({ ...x, canonicalForm: normalisePhone(x.value ?? '', 'US') ?? '' }));
    const stored: Person = { ...p, resourceName, etag: `etag-${++this.seq}`, metadata: { sources: [{ type: 'CONTACT', id: resourceName, updateTime: this.tick() }] } };
    if (names) stored.names = names;
    if (phones) stored.phoneNumbers = phones;
    this.google.set(resourceName, stored);
    this.changed.google.add(resourceName);
    return stored;
  }

  /** A Zoho write: Modified_Time at second resolution, then the workflow rule if any. */
  putZoho(r: Omit<ZohoContact, 'id'> & { id?: string }, fromSync = false): ZohoContact {
    const id = r.id ?? `z${++this.seq}`;
    const stored: ZohoContact = { ...r, id, Modified_Time: this.tick().replace(/\.\d{3}Z$/, '+00:00') };
    this.zoho.set(id, stored);
    this.changed.zoho.add(id);
    if (fromSync && this.zohoRule) {
      const rewritten = { ...stored };
      this.zohoRule(rewritten);
      this.zoho.set(id, { ...rewritten, Modified_Time: this.tick().replace(/\.\d{3}Z$/, '+00:00') });
    }
    return stored;
  }

  /** Google answers the same person with a new etag (it re-normalised something sync does not map). */
  bumpGoogleEtag(id: string): void {
    const p = this.google.get(id);
    if (p) this.putGoogle(p, id);
  }

  remove(side: Side, id: string): void {
    (side === 'google' ? this.google : this.zoho).delete(id);
    this.deleted[side].add(id);
  }

  private pull(side: Side, full: boolean) {
    const ids = full ? [...(side === 'google' ? this.google : this.zoho).keys()] : [...this.changed[side]];
    const deleted = [...this.deleted[side]];
    this.changed[side].clear();
    this.deleted[side].clear();
    if (side === 'google') {
      const people = ids.map((id) => this.google.get(id)).filter((p): p is Person => p !== undefined);
      return { ...googleChanges(people, this.gm), deleted, complete: full };
    }
    const records = ids.map((id) => this.zoho.get(id)).filter((r): r is ZohoContact => r !== undefined).map((r) => crmToRecord(r, this.mapping));
    return { records, deleted, complete: full };
  }

  /** One sync cycle; `full` lists both sides completely (first sync). */
  cycle(full = false): SyncDecision {
    const decision = planSync({
      pairingId: 'p1',
      fields: syncFields(this.mapping),
      policy: this.policy,
      links: [...this.links.values()],
      totalLinks: this.links.size,
      google: this.pull('google', full),
      zoho: this.pull('zoho', full),
    });
    if (decision.kind === 'plan') this.apply(decision.plan);
    return decision;
  }

  private apply(plan: SyncPlan): void {
    const meanwhile = this.beforeWrites;
    this.beforeWrites = undefined;
    meanwhile?.();
    for (const w of plan.links) if (w.storeBeforeWrites && w.next) this.links.set(w.linkId, w.next);
    const outcomes: Outcomes = new Map();
    const answer = (linkId: string, side: Side, o: WriteOutcome): void => {
      outcomes.set(linkId, { ...outcomes.get(linkId), [side]: o });
    };
    const writes = [...plan.links];
    for (const item of plan.google.updates) {
      const current = this.google.get(item.id);
      if (!current) answer(item.linkId, 'google', { ok: false, reason: 'notFound' });
      else if (current.etag !== item.baseVersion) {
        // A stale etag: the contact goes back through the policy with the fresh record.
        const w = writes.find((x) => x.linkId === item.linkId) as LinkWrite;
        const fresh = googleChanges([current], this.gm).records[0];
        if (fresh) {
          const again = redecide({ pairingId: 'p1', fields: syncFields(this.mapping), policy: this.policy, write: w, fresh: { side: 'google', record: fresh } });
          this.redecided.push(again);
          this.apply(again);
        }
        writes.splice(writes.indexOf(w), 1);
      } else {
        const u = personForUpdate(current, item, this.gm);
        const stored = u ? this.putGoogle({ ...current, ...u.person }, item.id) : current;
        answer(item.linkId, 'google', { ok: true, version: stored.etag ?? '' });
      }
    }
    for (const item of plan.google.creates) {
      const stored = this.putGoogle(personForCreate(item, this.gm));
      answer(item.linkId, 'google', { ok: true, id: stored.resourceName ?? '', version: stored.etag ?? '' });
    }
    for (const item of plan.zoho.creates) {
      const stored = this.putZoho(crmForCreate(item, this.mapping).record as Omit<ZohoContact, 'id'>, true);
      answer(item.linkId, 'zoho', { ok: true, id: stored.id, version: stored.Modified_Time ?? '' });
    }
    for (const item of plan.zoho.updates) {
      const current = this.zoho.get(item.id);
      if (!current) answer(item.linkId, 'zoho', { ok: false, reason: 'notFound' });
      else {
        const stored = this.putZoho({ ...current, ...crmForUpdate(item, this.mapping).record }, true);
        answer(item.linkId, 'zoho', { ok: true, version: stored.Modified_Time ?? '' });
      }
    }
    for (const side of ['google', 'zoho'] as const) {
      for (const item of plan[side].deletes) {
        this.remove(side, item.id);
        answer(item.linkId, side, { ok: true });
      }
      for (const item of plan[side].tags) answer(item.linkId, side, { ok: true });
    }
    if (this.loseNextSettlement) {
      this.loseNextSettlement = false;
      return;
    }
    for (const w of writes) {
      const s = settleLink(w, outcomes.get(w.linkId) ?? {});
      if (s.op === 'upsert') this.links.set(s.link.linkId, s.link);
      else if (s.op === 'delete') this.links.delete(s.linkId);
    }
  }
}
