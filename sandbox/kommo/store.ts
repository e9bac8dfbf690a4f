import { randomBytes } from 'node:crypto';
import type { ValidationError } from './errors';
import type { KommoEvent } from './events';
import type { AccountSeed, ApiContact, ContactSeed, CustomFieldInput } from './schemas';

export interface EnumDef {
  id: number;
  code: string;
}
export interface FieldDef {
  id: number;
  name: string;
  code: 'EMAIL' | 'PHONE';
  enums: EnumDef[];
}

export interface CustomFieldValue {
  field_id: number;
  field_name: string;
  field_code: string | null;
  field_type: 'multitext';
  values: { value: string; enum_id: number; enum_code: string }[];
}

export interface KommoContact {
  id: number;
  name: string;
  first_name: string;
  last_name: string;
  responsible_user_id: number;
  group_id: number;
  created_by: number;
  updated_by: number;
  created_at: number;
  updated_at: number;
  custom_fields_values: CustomFieldValue[];
}

export interface KommoWebhook {
  id: number;
  destination: string;
  settings: string[];
  created_at: number;
  updated_at: number;
  disabled: boolean;
  consecutiveFailures: number;
}

export interface TokenRecord {
  token: string;
  kind: 'access' | 'refresh';
  subdomain: string;
  issuedAt: number;
  expiresAt: number;
  /** When the token stopped being usable before expiry (rotation, reuse detection). */
  revokedAt?: number;
  /** A refresh token's access token twin, so a refresh can revoke it when configured. */
  pair?: string;
  /** The refresh token this one was rotated from (for reuse detection). */
  parent?: string;
}

export interface AuthCode {
  code: string;
  expiresAt: number;
  usedAt?: number;
}

export interface TokenEvent {
  at: string;
  grant: string;
  outcome: string;
}

export class KommoAccount {
  readonly contacts = new Map<number, KommoContact>();
  /** Contacts deleted "in the UI": gone from the API, kept so they can be restored. */
  readonly trash = new Map<number, KommoContact>();
  /** The account's event log (GET /api/v4/events), oldest first. */
  readonly events: KommoEvent[] = [];
  nextEventSeq = 1;
  readonly webhooks: KommoWebhook[] = [];
  readonly authCodes = new Map<string, AuthCode>();
  readonly tokenEvents: TokenEvent[] = [];
  nextContactId = 1_000_001;
  nextWebhookId = 1;
  /** Admitted API requests in the last second, and 429s inside the block window (fake-clock ms). */
  recentRequests: number[] = [];
  recentViolations: number[] = [];
  blockedUntil = 0;
  private version = 0;
  private sortedCache = new Map<string, { version: number; list: KommoContact[] }>();
  readonly fields: { email: FieldDef; phone: FieldDef };

  constructor(
    readonly subdomain: string,
    readonly accountId: number,
    public name: string,
    public clientId: string,
    public clientSecret: string,
    public redirectUri: string,
    public userIds: number[],
    emailFieldId: number,
    phoneFieldId: number,
  ) {
    // Kommo's predefined multitext fields: enum ids differ per account, codes do not.
    this.fields = {
      email: { id: emailFieldId, name: 'Email', code: 'EMAIL', enums: enumDefs(emailFieldId, ['WORK', 'PRIV', 'OTHER']) },
      phone: { id: phoneFieldId, name: 'Phone', code: 'PHONE', enums: enumDefs(phoneFieldId, ['WORK', 'WORKDD', 'MOB', 'FAX', 'HOME', 'OTHER']) },
    };
  }

  get defaultUser(): number {
    return this.userIds[0] ?? 1;
  }

  touch(): void {
    this.version++;
  }

  sorted(field: 'id' | 'updated_at', dir: 'asc' | 'desc'): KommoContact[] {
    const key = `${field}:${dir}`;
    const cached = this.sortedCache.get(key);
    if (cached && cached.version === this.version) return cached.list;
    const sign = dir === 'asc' ? 1 : -1;
    const list = [...this.contacts.values()].sort((a, b) => sign * (a[field] - b[field] || a.id - b.id));
    this.sortedCache.set(key, { version: this.version, list });
    return list;
  }

  fieldById(id: number): FieldDef | undefined {
    return [this.fields.email, this.fields.phone].find((f) => f.id === id);
  }

  fieldByCode(code: string): FieldDef | undefined {
    return [this.fields.email, this.fields.phone].find((f) => f.code === code);
  }

  /** Turns API/seed custom field input into stored values, or the Kommo validation errors it causes. */
  resolveCustomFields(input: CustomFieldInput[], pathPrefix: string): { values: CustomFieldValue[]; errors: ValidationError[] } {
    const errors: ValidationError[] = [];
    const values: CustomFieldValue[] = [];
    input.forEach((cf, i) => {
      const def = cf.field_id !== undefined ? this.fieldById(cf.field_id) : cf.field_code !== undefined ? this.fieldByCode(cf.field_code) : undefined;
      if (!def) {
        errors.push({
          code: 'NotSupportedChoice',
          path: `${pathPrefix}custom_fields_values.${i}.${cf.field_id !== undefined ? 'field_id' : 'field_code'}`,
          detail: 'The value you selected is not a valid choice.',
        });
        return;
      }
      const out: CustomFieldValue = { field_id: def.id, field_name: def.name, field_code: def.code, field_type: 'multitext', values: [] };
      (cf.values ?? []).forEach((v, j) => {
        const en =
          v.enum_id !== undefined
            ? def.enums.find((e) => e.id === v.enum_id)
            : def.enums.find((e) => e.code === (v.enum_code ?? 'WORK'));
        if (!en) {
          errors.push({
            code: 'NotSupportedChoice',
            path: `${pathPrefix}custom_fields_values.${i}.values.${j}.${v.enum_id !== undefined ? 'enum_id' : 'enum_code'}`,
            detail: 'The value you selected is not a valid choice.',
          });
          return;
        }
        out.values.push({ value: String(v.value), enum_id: en.id, enum_code: en.code });
      });
      if (out.values.length) values.push(out);
    });
    return { values, errors };
  }

  /** Seeds and control writes share the API's contact model; the shortcuts email/phone become multitext fields. */
  contactFromSeed(seed: ContactSeed, now: number): KommoContact {
    const cfs: CustomFieldInput[] = [...(seed.custom_fields_values ?? [])];
    const emails = seed.email === undefined ? [] : Array.isArray(seed.email) ? seed.email : [seed.email];
    const phones = seed.phone === undefined ? [] : Array.isArray(seed.phone) ? seed.phone : [seed.phone];
    if (emails.length) cfs.push({ field_code: 'EMAIL', values: emails.map((value) => ({ value, enum_code: 'WORK' })) });
    if (phones.length) cfs.push({ field_code: 'PHONE', values: phones.map((value) => ({ value, enum_code: 'WORK' })) });
    const { values, errors } = this.resolveCustomFields(cfs, '');
    if (errors.length) throw new Error(`invalid contact seed: ${errors.map((e) => `${e.path}: ${e.code}`).join(', ')}`);
    const id = seed.id ?? this.nextContactId;
    this.nextContactId = Math.max(this.nextContactId, id + 1);
    const first = seed.first_name ?? '';
    const last = seed.last_name ?? '';
    return {
      id,
      name: seed.name ?? (`${first} ${last}`.trim() || `Contact ${id}`),
      first_name: first,
      last_name: last,
      responsible_user_id: seed.responsible_user_id ?? this.defaultUser,
      group_id: 0,
      created_by: this.defaultUser,
      updated_by: this.defaultUser,
      created_at: seed.created_at ?? seed.updated_at ?? now,
      updated_at: seed.updated_at ?? now,
      custom_fields_values: values,
    };
  }

  /** A UI edit given in the seed shape: what the edit names replaces, the rest of `existing` is kept. */
  mergeSeed(existing: KommoContact, s: ContactSeed, now: number): KommoContact {
    const next = this.contactFromSeed({ ...s, created_at: existing.created_at }, now);
    const fieldsNamed = s.email !== undefined || s.phone !== undefined || s.custom_fields_values !== undefined;
    return {
      ...existing,
      ...(s.name !== undefined ? { name: next.name } : {}),
      ...(s.first_name !== undefined ? { first_name: next.first_name } : {}),
      ...(s.last_name !== undefined ? { last_name: next.last_name } : {}),
      ...(s.responsible_user_id !== undefined ? { responsible_user_id: next.responsible_user_id } : {}),
      custom_fields_values: fieldsNamed
        ? [...existing.custom_fields_values.filter((f) => !next.custom_fields_values.some((n) => n.field_id === f.field_id)), ...next.custom_fields_values]
        : existing.custom_fields_values,
      updated_at: s.updated_at ?? Math.max(now, existing.updated_at),
    };
  }

  /** A contact created through POST /api/v4/contacts (input already validated). */
  contactFromApi(input: ApiContact, values: CustomFieldValue[], now: number): KommoContact {
    const id = this.nextContactId++;
    const first = input.first_name ?? '';
    const last = input.last_name ?? '';
    return {
      id,
      name: input.name ?? `${first} ${last}`.trim(),
      first_name: first,
      last_name: last,
      responsible_user_id: input.responsible_user_id ?? this.defaultUser,
      group_id: 0,
      created_by: input.created_by ?? this.defaultUser,
      updated_by: input.updated_by ?? input.created_by ?? this.defaultUser,
      created_at: input.created_at ?? now,
      updated_at: input.updated_at ?? now,
      custom_fields_values: values,
    };
  }

  /** PATCH semantics: given fields replace, custom fields are replaced per field (others kept), as Kommo does. */
  applyPatch(c: KommoContact, input: ApiContact, values: CustomFieldValue[] | undefined, now: number): void {
    if (input.name !== undefined) c.name = input.name;
    if (input.first_name !== undefined) c.first_name = input.first_name;
    if (input.last_name !== undefined) c.last_name = input.last_name;
    if (input.responsible_user_id !== undefined) c.responsible_user_id = input.responsible_user_id;
    if (values !== undefined) {
      const touched = new Set(values.map((v) => v.field_id));
      // An empty or null values list clears the field; it resolves to no entry, so drop every listed id too.
      for (const cf of input.custom_fields_values ?? []) {
        const def = cf.field_id !== undefined ? this.fieldById(cf.field_id) : cf.field_code !== undefined ? this.fieldByCode(cf.field_code) : undefined;
        if (def) touched.add(def.id);
      }
      c.custom_fields_values = [...c.custom_fields_values.filter((v) => !touched.has(v.field_id)), ...values];
    }
    c.updated_by = input.updated_by ?? this.defaultUser;
    c.updated_at = input.updated_at ?? now;
  }

  emailsOf(c: KommoContact): string[] {
    return c.custom_fields_values.filter((f) => f.field_code === 'EMAIL').flatMap((f) => f.values.map((v) => v.value));
  }
}

function enumDefs(fieldId: number, codes: string[]): EnumDef[] {
  return codes.map((code, i) => ({ id: fieldId * 10 + i + 1, code }));
}

export function newToken(prefix: string): string {
  return `${prefix}${randomBytes(24).toString('base64url')}`;
}

export function accountFromSeed(seed: AccountSeed, index: number): KommoAccount {
  return new KommoAccount(
    seed.subdomain,
    seed.accountId ?? 31_000_000 + index,
    seed.name ?? seed.subdomain,
    seed.clientId ?? `kommo-client-${seed.subdomain}`,
    seed.clientSecret ?? `kommo-secret-${seed.subdomain}`,
    seed.redirectUri ?? 'https://switchyard.local/kommo/oauth/callback',
    seed.userIds ?? [8_000_001],
    seed.emailFieldId ?? 700_001,
    seed.phoneFieldId ?? 700_000,
  );
}
