/** Builders for engine tests: fields, records, synced links and cycle inputs. */
import {
  DEFAULT_POLICY,
  parseFieldMapping,
  planSync,
  sideState,
  syncFields,
  type Contact,
  type Halt,
  type SideChanges,
  type SideRecord,
  type SyncFields,
  type SyncInput,
  type SyncLink,
  type SyncPlan,
  type SyncPolicy,
} from '../../../sync';

export function fieldsOf(mapping: unknown): SyncFields {
  const r = parseFieldMapping(mapping);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return syncFields(r.value);
}

/** Zoho CRM with its default fields. */
export const CRM = fieldsOf({ kind: 'crm' });

export const T0 = Date.parse('2026-11-30T10:00:00Z');
/** A provider time `min` minutes after T0. */
export const at = (min: number): number => T0 + min * 60_000;

export function rec(id: string, version: string, contact: Contact, extra: { updatedAt?: number; linkId?: string } = {}): SideRecord {
  return { id, version, contact, ...extra };
}

export const ANA: Contact = { firstName: 'Ana', lastName: 'Pérez', email: 'ana@example.com', mobile: '+14155550100', title: 'CTO' };

/** A link in sync: both sides held `contact` at versions gv / zv. */
export function linked(linkId: string, gId: string, zId: string, contact: Contact, opts: { gv?: string; zv?: string; zoho?: Contact; zSynth?: Contact; fields?: SyncFields } = {}): SyncLink {
  const s = { fields: (opts.fields ?? CRM).fields };
  return {
    linkId,
    googleId: gId,
    zohoId: zId,
    google: sideState(opts.gv ?? 'g1', contact, undefined, s),
    zoho: sideState(opts.zv ?? 'z1', opts.zoho ?? contact, opts.zSynth, s),
  };
}

export interface InputParts {
  links?: SyncLink[];
  totalLinks?: number;
  google?: Partial<SideChanges>;
  zoho?: Partial<SideChanges>;
  policy?: Partial<SyncPolicy>;
  fields?: SyncFields;
  allowMassDelete?: boolean;
}

export function input(p: InputParts = {}): SyncInput {
  const links = p.links ?? [];
  const side = (c: Partial<SideChanges> | undefined): SideChanges => ({ records: [], deleted: [], complete: false, ...c });
  return {
    pairingId: 'pairing-1',
    fields: p.fields ?? CRM,
    policy: { ...DEFAULT_POLICY, ...p.policy },
    links,
    totalLinks: p.totalLinks ?? links.length,
    google: side(p.google),
    zoho: side(p.zoho),
    ...(p.allowMassDelete === undefined ? {} : { allowMassDelete: p.allowMassDelete }),
  };
}

export function plan(p: InputParts = {}): SyncPlan {
  const d = planSync(input(p));
  if (d.kind !== 'plan') throw new Error(`expected a plan, halted: ${d.halt.message}`);
  return d.plan;
}

export function halt(p: InputParts = {}): Halt {
  const d = planSync(input(p));
  if (d.kind !== 'halt') throw new Error('expected a halt, got a plan');
  return d.halt;
}

/** The counts of a plan's writes, for short assertions. */
export function counts(pl: SyncPlan): Record<string, number> {
  const out: Record<string, number> = {};
  for (const side of ['google', 'zoho'] as const) {
    for (const op of ['creates', 'updates', 'deletes', 'tags'] as const) {
      const n = pl[side][op].length;
      if (n) out[`${side}.${op}`] = n;
    }
  }
  if (pl.links.length) out.links = pl.links.length;
  if (pl.conflicts.length) out.conflicts = pl.conflicts.length;
  if (pl.flags.length) out.flags = pl.flags.length;
  return out;
}
