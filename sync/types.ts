/**
 * What a sync cycle takes in (links and the changes pulled from each side) and what it decides (a plan, or a halt).
 * Everything is plain JSON: activities store plans and links in MongoDB, never in workflow history.
 */
import type { Contact, ContactField, Side } from './contact';
import type { LinkFlag, SideState, SyncLink } from './link';
import type { SyncFields } from './mapping';
import type { ConflictPolicy, SyncPolicy } from './policy';

/** One provider record as the engine sees it (built by the provider's mapper from its raw record). */
export interface SideRecord {
  id: string;
  /** Google's etag; Zoho's Modified_Time; a Creator record's modification time or content hash. */
  version: string;
  /** The provider's own update time (epoch ms): Google's CONTACT source updateTime, Zoho's Modified_Time. */
  updatedAt?: number;
  /** The mapped fields, display form. */
  contact: Contact;
  /** Our link id, when the record carries one (Google clientData, the Zoho link id field). */
  linkId?: string;
}

/** What one side's pull returned this cycle. */
export interface SideChanges {
  /** Changed records (or every record, when `complete`). */
  records: SideRecord[];
  /** Ids the provider reports deleted (Google's metadata.deleted, Zoho CRM's deleted records). */
  deleted: string[];
  /**
   * `records` is the complete listing of the side: every linked id not in it was deleted (set difference).
   * Only then may `links` be required to hold every link of the pairing.
   */
  complete: boolean;
}

export interface SyncInput {
  /** Part of every new link id, so two pairings never share one. */
  pairingId: string;
  fields: SyncFields;
  policy: SyncPolicy;
  /**
   * The links of every contact involved: those whose googleId / zohoId / linkId appear in the changes, and the
   * pending ones (a side id missing, not unlinked). All links of the pairing when a listing is complete.
   */
  links: SyncLink[];
  /** How many links the pairing has in all: the mass-delete guard's denominator. */
  totalLinks: number;
  google: SideChanges;
  zoho: SideChanges;
  /** An operator confirmed the deletions of a halted cycle: the guard lets this one through. */
  allowMassDelete?: boolean;
}

/** Create a record from `contact` (synthesised values included), carrying the link id. */
export interface CreateItem {
  linkId: string;
  contact: Contact;
  /**
   * The link was already waiting for this create before the cycle: an earlier attempt may have gone through
   * unanswered. Zoho: an upsert on the unique link id field is safe. Google shows new contacts in sync results
   * only after a delay: look for a person carrying the link id (a full listing) before creating again.
   */
  retry?: true;
}

/** Write `fields` of `contact` into record `id`, last seen at `baseVersion` (a Google update sends that etag). */
export interface UpdateItem {
  linkId: string;
  id: string;
  contact: Contact;
  fields: ContactField[];
  baseVersion: string;
}

export interface DeleteItem {
  linkId: string;
  id: string;
}

/** Tag record `id` (its counterpart was deleted and the link is now unlinked). */
export interface TagItem {
  linkId: string;
  id: string;
  tag: string;
}

export interface SidePlan {
  creates: CreateItem[];
  updates: UpdateItem[];
  deletes: DeleteItem[];
  tags: TagItem[];
}

export type WriteOp = 'create' | 'update' | 'delete' | 'tag';

/** What one link becomes this cycle. */
export interface LinkWrite {
  linkId: string;
  /** The link as loaded (undefined for a new one). */
  prior?: SyncLink;
  /**
   * The link after this cycle, with the written sides as before: settleLink applies their new ids and states
   * once the writes succeeded. null: delete the link document.
   */
  next: SyncLink | null;
  /** Store `next` before any provider write (a create is planned): a lost create answer is then adopted. */
  storeBeforeWrites: boolean;
  /** The writes this link waits for, per side, with the state the side holds once written. */
  awaits: Partial<Record<Side, { op: WriteOp; state?: SideState }>>;
  /** The records the decision was made from (what redecide needs after a stale-version conflict). */
  observed: Partial<Record<Side, SideRecord>>;
}

export type ConflictSide = { deleted: true } | { deleted: false; id: string; version: string; updatedAt?: number; contact: Contact };

export interface FieldConflict {
  field: ContactField;
  google?: string;
  zoho?: string;
  /** The sides that changed the field since the last sync. */
  changedOn: Side[];
  winner: Side;
}

export interface ConflictRecord {
  linkId: string;
  googleId?: string;
  zohoId?: string;
  /** bothChanged: edited on both sides; deleteVsEdit: deleted on one, edited on the other; firstMatch: matched at first sync with different values. */
  kind: 'bothChanged' | 'deleteVsEdit' | 'firstMatch';
  policy: ConflictPolicy;
  /** Which side's content won; merged: field by field; recreated / deleted / unlinked: a deleteVsEdit outcome. */
  resolution: Side | 'merged' | 'recreated' | 'deleted' | 'unlinked';
  google: ConflictSide;
  zoho: ConflictSide;
  /** The fields whose values differed. */
  fields: FieldConflict[];
  /** What both sides hold after the resolution (absent for deletions). */
  result?: Contact;
}

export interface PlanFlag {
  linkId: string;
  flag: LinkFlag;
  side: Side;
  id: string;
  detail: string;
}

export interface SyncPlan {
  google: SidePlan;
  zoho: SidePlan;
  links: LinkWrite[];
  conflicts: ConflictRecord[];
  flags: PlanFlag[];
}

export interface Halt {
  /** emptySide: a complete listing came back empty while links exist; massDelete: over the threshold. */
  reason: 'emptySide' | 'massDelete';
  side?: Side;
  /** Linked contacts this cycle would delete or unlink. */
  deletions: number;
  totalLinks: number;
  maxDeleteFraction: number;
  message: string;
}

/** A plan to apply, or a halt: touch nothing, pause the pairing and alert. */
export type SyncDecision = { kind: 'plan'; plan: SyncPlan } | { kind: 'halt'; halt: Halt };

export const emptySidePlan = (): SidePlan => ({ creates: [], updates: [], deletes: [], tags: [] });
export const emptyPlan = (): SyncPlan => ({ google: emptySidePlan(), zoho: emptySidePlan(), links: [], conflicts: [], flags: [] });

const sideIsEmpty = (p: SidePlan): boolean => !p.creates.length && !p.updates.length && !p.deletes.length && !p.tags.length;

/** Nothing to write anywhere: no provider write, no link change, no conflict, no flag. */
export const isEmptyPlan = (p: SyncPlan): boolean =>
  sideIsEmpty(p.google) && sideIsEmpty(p.zoho) && !p.links.length && !p.conflicts.length && !p.flags.length;
