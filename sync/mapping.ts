/**
 * A pairing's field mapping: which Zoho field (CRM Contacts, or a Creator form) holds which canonical field.
 * Omitted fields take the defaults below; null leaves a field unmapped (never read, never written, on either side).
 *
 *   { "kind": "crm", "fields": { "organization": "Company_Text", "notes": null }, "linkIdField": "Sync_Link_Id" }
 *   { "kind": "creator", "fields": { "firstName": "Name.first_name", "lastName": "Name.last_name", "email": "Email" } }
 *
 * A field is its API name (CRM) or link name (Creator); "Field.subfield" names a part of a Creator composite field
 * (Name's first_name/last_name). `{ "field": "...", "readOnly": true }` is read from Zoho but never written to it.
 * parseFieldMapping never throws: each error names its path and says what to write instead.
 */
import { z } from 'zod';
import { formatPath, type ConfigIssue } from '../extraction/parse-config';
import { CONTACT_FIELDS, type ContactField } from './contact';
import { phoneRegionSchema } from './policy';

export interface FieldTarget {
  /** The field's API name (CRM) or link name (Creator). */
  field: string;
  /** A part of a composite field (Creator's Name.first_name). */
  sub?: string;
  /** Read from Zoho, never written (a CRM lookup such as Account_Name needs a record id to be written). */
  readOnly: boolean;
}
export type FieldTargets = Partial<Record<ContactField, FieldTarget>>;

export interface CrmFieldMapping {
  kind: 'crm';
  fields: FieldTargets;
  /** A unique custom field that holds our link id, so a create whose answer was lost is found and adopted. */
  linkIdField: string;
  phoneRegion?: string;
}

export interface CreatorFieldMapping {
  kind: 'creator';
  fields: FieldTargets;
  linkIdField: string;
  /** The report's modification time field; when the report lacks it, a record's version is its content hash. */
  modifiedTimeField: string;
  /** Name fields the form requires: filled in (from the e-mail, or "(no name)") when the other side has none. */
  required: ContactField[];
  phoneRegion?: string;
}

export type FieldMapping = CrmFieldMapping | CreatorFieldMapping;

type SlotDefault = string | { field: string; readOnly: boolean } | null;

/** Zoho CRM's standard Contacts fields. Account_Name is a lookup to Accounts: read its name, never write it. */
export const CRM_DEFAULT_FIELDS: Record<ContactField, SlotDefault> = {
  firstName: 'First_Name',
  lastName: 'Last_Name',
  email: 'Email',
  secondaryEmail: 'Secondary_Email',
  phone: 'Phone',
  mobile: 'Mobile',
  organization: { field: 'Account_Name', readOnly: true },
  title: 'Title',
  notes: 'Description',
};

/** A typical Creator contact form: a Name composite, an Email and a Phone_Number field. */
export const CREATOR_DEFAULT_FIELDS: Record<ContactField, SlotDefault> = {
  firstName: 'Name.first_name',
  lastName: 'Name.last_name',
  email: 'Email',
  secondaryEmail: null,
  phone: 'Phone_Number',
  mobile: null,
  organization: null,
  title: null,
  notes: null,
};

export const DEFAULT_LINK_ID_FIELD = 'Switchyard_Link_Id';
/** CRM rejects a contact without it (MANDATORY_NOT_FOUND). */
const CRM_MANDATORY = 'Last_Name';
const CRM_LOOKUPS = new Set(['Account_Name', 'Owner', 'Reporting_To', 'Vendor_Name']);

const NAME_RE = /^[A-Za-z][A-Za-z0-9_]*$/;
const SLOT_SHAPE = 'Expected a Zoho field name ("Last_Name"), {"field": "...", "readOnly": true}, or null to leave it unmapped';

const badName = (name: string): string =>
  `"${name}" is not a Zoho field API name: use letters, digits and underscores, starting with a letter (e.g. "Last_Name")`;

/** One slot's value, as written by a person, to a target or null. */
function slotSchema(kind: FieldMapping['kind'], fallback: SlotDefault) {
  return z
    .unknown()
    .optional()
    .transform((raw, ctx): FieldTarget | null => {
    const value = raw === undefined ? fallback : raw;
    if (value === null) return null;
    let ref: unknown;
    let readOnly: unknown = false;
    if (typeof value === 'string') ref = value;
    else if (typeof value === 'object' && !Array.isArray(value)) {
      const { field, readOnly: ro, ...rest } = value as Record<string, unknown>;
      const extra = Object.keys(rest);
      if (extra.length) {
        ctx.addIssue({ code: 'custom', message: `Unknown key${extra.length > 1 ? 's' : ''} ${extra.map((k) => `"${k}"`).join(', ')}: a field is {"field": "...", "readOnly": true}` });
        return z.NEVER;
      }
      ref = field;
      readOnly = ro ?? false;
      if (typeof readOnly !== 'boolean') {
        ctx.addIssue({ code: 'custom', path: ['readOnly'], message: 'Expected true or false' });
        return z.NEVER;
      }
      if (typeof ref !== 'string') {
        ctx.addIssue({ code: 'custom', path: ['field'], message: 'Required: the Zoho field name' });
        return z.NEVER;
      }
    } else {
      ctx.addIssue({ code: 'custom', message: SLOT_SHAPE });
      return z.NEVER;
    }
    const parts = (ref as string).split('.');
    const [field, sub, ...more] = parts;
    const bad = parts.find((p) => !NAME_RE.test(p));
    if (field === undefined || bad !== undefined || more.length > 0) {
      ctx.addIssue({ code: 'custom', message: more.length > 0 ? `"${ref as string}": at most one subfield (Field.subfield)` : badName(bad ?? '') });
      return z.NEVER;
    }
    if (sub !== undefined && kind === 'crm') {
      ctx.addIssue({ code: 'custom', message: `"${ref as string}": CRM fields have no subfields; Field.subfield names a part of a Creator composite field` });
      return z.NEVER;
    }
    return { field, ...(sub === undefined ? {} : { sub }), readOnly: readOnly as boolean };
  });
}

function fieldsSchema(kind: FieldMapping['kind'], defaults: Record<ContactField, SlotDefault>) {
  const shape = Object.fromEntries(CONTACT_FIELDS.map((f) => [f, slotSchema(kind, defaults[f])])) as Record<ContactField, ReturnType<typeof slotSchema>>;
  return z
    .strictObject(shape, {
      error: (iss) =>
        iss.code === 'unrecognized_keys'
          ? `Unknown contact field${iss.keys.length > 1 ? 's' : ''} ${iss.keys.map((k) => `"${k}"`).join(', ')}: the fields are ${CONTACT_FIELDS.join(', ')}`
          : 'Expected an object: contact field -> Zoho field',
    })
    // prefault: an omitted "fields" still goes through the slots, so every default applies.
    .prefault({} as Record<ContactField, unknown>)
    .transform((all): FieldTargets => {
      const out: FieldTargets = {};
      for (const f of CONTACT_FIELDS) {
        const t = all[f];
        if (t) out[f] = t;
      }
      return out;
    });
}

const apiNameSchema = (what: string) =>
  z.string({ error: `Expected the API name of ${what} (text)` }).refine((s) => NAME_RE.test(s), { error: (iss) => badName(String(iss.input)) });

const refText = (t: FieldTarget): string => (t.sub === undefined ? t.field : `${t.field}.${t.sub}`);

/** Checks across fields: one Zoho field per contact field, composites whole or by parts, CRM's mandatory field. */
function checkTargets(m: { kind: FieldMapping['kind']; fields: FieldTargets; linkIdField: string }, ctx: z.RefinementCtx): void {
  const seen = new Map<string, ContactField>();
  const mapped = CONTACT_FIELDS.filter((f) => m.fields[f] !== undefined);
  if (mapped.length === 0) ctx.addIssue({ code: 'custom', path: ['fields'], message: 'Maps no field: map at least one contact field' });
  for (const f of mapped) {
    const t = m.fields[f] as FieldTarget;
    const key = refText(t);
    const first = seen.get(key);
    if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['fields', f], message: `"${key}" is already mapped to ${first}: a Zoho field holds one contact field` });
    else seen.set(key, f);
    if (t.field === m.linkIdField) ctx.addIssue({ code: 'custom', path: ['fields', f], message: `"${t.field}" is the link id field: it holds Switchyard's link id, not contact data` });
    if (m.kind === 'crm' && CRM_LOOKUPS.has(t.field) && !t.readOnly) {
      ctx.addIssue({ code: 'custom', path: ['fields', f], message: `${t.field} is a lookup (it needs a record id to be written): set {"field": "${t.field}", "readOnly": true}, or map a text field` });
    }
  }
  // A composite mapped whole and by parts would be written twice in one record.
  for (const f of mapped) {
    const t = m.fields[f] as FieldTarget;
    if (t.sub === undefined) continue;
    const whole = mapped.find((g) => m.fields[g]?.field === t.field && m.fields[g]?.sub === undefined);
    if (whole !== undefined) ctx.addIssue({ code: 'custom', path: ['fields', f], message: `"${t.field}" is mapped whole to ${whole}: map the composite whole or by its parts, not both` });
  }
  if (m.kind === 'crm') {
    const last = mapped.find((f) => m.fields[f]?.field === CRM_MANDATORY);
    if (last === undefined) ctx.addIssue({ code: 'custom', path: ['fields'], message: `Zoho CRM requires ${CRM_MANDATORY} on every contact: map a contact field (normally lastName) to it` });
    else if (m.fields[last]?.readOnly) ctx.addIssue({ code: 'custom', path: ['fields', last], message: `${CRM_MANDATORY} is mandatory in Zoho CRM: it cannot be read-only` });
  }
}

const crmSchema = z
  .strictObject({
    kind: z.literal('crm'),
    fields: fieldsSchema('crm', CRM_DEFAULT_FIELDS),
    linkIdField: apiNameSchema('the unique custom field that holds the link id').default(DEFAULT_LINK_ID_FIELD),
    phoneRegion: phoneRegionSchema.optional(),
  })
  .superRefine((m, ctx) => checkTargets(m, ctx));

const creatorSchema = z
  .strictObject({
    kind: z.literal('creator'),
    fields: fieldsSchema('creator', CREATOR_DEFAULT_FIELDS),
    linkIdField: apiNameSchema('the field that holds the link id').default(DEFAULT_LINK_ID_FIELD),
    modifiedTimeField: apiNameSchema("the report's modification time field").default('Modified_Time'),
    required: z
      .array(z.enum(['firstName', 'lastName'], { error: 'Only firstName and lastName can be filled in when empty' }), { error: 'Expected a list of contact fields' })
      .default([]),
    phoneRegion: phoneRegionSchema.optional(),
  })
  .superRefine((m, ctx) => {
    checkTargets(m, ctx);
    m.required.forEach((f, i) => {
      const t = m.fields[f];
      if (!t || t.readOnly) ctx.addIssue({ code: 'custom', path: ['required', i], message: `${f} is required but ${t ? 'read-only' : 'not mapped'}: map it to a writable field` });
    });
  });

export const fieldMappingSchema = z.discriminatedUnion('kind', [crmSchema, creatorSchema], {
  error: (iss) => (iss.code === 'invalid_union' ? 'Expected "kind": "crm" or "creator"' : 'Expected an object with "kind": "crm" or "creator"'),
});

export type ParseResult<T> = { ok: true; value: T } | { ok: false; errors: ConfigIssue[] };

/** A pairing's field mapping from untrusted input (the API validates pairings with it). */
export function parseFieldMapping(input: unknown): ParseResult<FieldMapping> {
  const r = fieldMappingSchema.safeParse(input);
  if (r.success) return { ok: true, value: r.data as FieldMapping };
  return { ok: false, errors: r.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })) };
}

/** What the engine needs from a mapping: the fields synced, which cannot be written where, what must be filled in. */
export interface SyncFields {
  fields: ContactField[];
  readOnly: Record<'google' | 'zoho', ContactField[]>;
  required: Record<'google' | 'zoho', ContactField[]>;
  phoneRegion?: string;
}

export function syncFields(m: FieldMapping): SyncFields {
  const fields = CONTACT_FIELDS.filter((f) => m.fields[f] !== undefined);
  const required = m.kind === 'crm' ? fields.filter((f) => m.fields[f]?.field === CRM_MANDATORY) : m.required;
  return {
    fields,
    readOnly: { google: [], zoho: fields.filter((f) => m.fields[f]?.readOnly) },
    required: { google: [], zoho: [...required] },
    ...(m.phoneRegion === undefined ? {} : { phoneRegion: m.phoneRegion }),
  };
}
