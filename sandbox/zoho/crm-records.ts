import type { FastifyRequest } from 'fastify';
import { crmError } from './errors';
import { zohoTime, type CrmRecord, type OrgData, type UserRef, type ZohoAccount, type ZohoState } from './model';

/**
 * What the CRM routes share: the modules the fake knows, how a record renders, and the call every handler gets.
 * https://www.zoho.com/crm/developer/docs/api/v8/get-records.html
 */

export interface ModuleSpec {
  apiName: string;
  mandatory: string[];
  /** System-defined duplicate check fields, used by upsert without duplicate_check_fields. */
  duplicateCheck: string[];
  displayName(fields: Record<string, unknown>): string;
  /** Contacts and Leads carry a computed Full_Name. */
  fullName: boolean;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const personName = (f: Record<string, unknown>): string => [str(f.First_Name), str(f.Last_Name)].filter(Boolean).join(' ');

export const MODULES: Record<string, ModuleSpec> = {
  contacts: { apiName: 'Contacts', mandatory: ['Last_Name'], duplicateCheck: ['Email'], displayName: personName, fullName: true },
  leads: { apiName: 'Leads', mandatory: ['Last_Name'], duplicateCheck: ['Email'], displayName: personName, fullName: true },
  accounts: { apiName: 'Accounts', mandatory: ['Account_Name'], duplicateCheck: ['Account_Name'], displayName: (f) => str(f.Account_Name), fullName: false },
  deals: { apiName: 'Deals', mandatory: ['Deal_Name', 'Stage'], duplicateCheck: ['Deal_Name'], displayName: (f) => str(f.Deal_Name), fullName: false },
};

/** GUESS: module API names in URLs match case-insensitively (seed 001 calls /crm/v2/deals). */
export const moduleSpec = (name: string): ModuleSpec | undefined => MODULES[name.toLowerCase()];

/** API versions the fake answers: v2, v2.1 and v3 to v8 (same shapes; v3+ require `fields` on lists). */
export const VERSIONS = new Set(['v2', 'v2.1', 'v3', 'v4', 'v5', 'v6', 'v7', 'v8']);
export const versionNumber = (v: string): number => Number(v.slice(1));

export const secondOf = (ms: number): number => ms - (ms % 1000);
export const idCompare = (a: string, b: string): number => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
export const userShort = (u: UserRef): { name: string; id: string } => ({ name: u.name, id: u.id });

export function renderRecord(spec: ModuleSpec, r: CrmRecord, fields?: string[]): Record<string, unknown> {
  const system: Record<string, unknown> = {
    Owner: r.owner,
    Created_By: r.createdBy,
    Created_Time: zohoTime(r.createdMs),
    Modified_By: r.modifiedBy,
    Modified_Time: zohoTime(r.modifiedMs),
    ...(spec.fullName ? { Full_Name: personName(r.fields) } : {}),
  };
  if (fields) {
    const out: Record<string, unknown> = {};
    for (const f of fields) out[f] = f in system ? system[f] : (r.fields[f] ?? null);
    out.id = r.id;
    return out;
  }
  return { Owner: r.owner, ...r.fields, ...system, id: r.id };
}

/** What every CRM handler gets; module routes also get the module (CrmCall). */
export interface CrmBase {
  state: ZohoState;
  org: OrgData;
  account: ZohoAccount;
  version: string;
  query: URLSearchParams;
  body: unknown;
  headers: FastifyRequest['headers'];
  id?: string;
}

export type CrmCall = CrmBase & { spec: ModuleSpec };

export interface CrmAnswer {
  status: number;
  body?: unknown;
}

/** A time header (If-Modified-Since, If-Unmodified-Since): RFC 1123 or ISO 8601 (seed 001 sends 2020-09-03T17:40:53-05:00). */
export function timeHeader(c: CrmBase, name: 'if-modified-since' | 'if-unmodified-since'): number | undefined {
  const raw = c.headers[name];
  if (raw === undefined || raw === '') return undefined;
  const ms = Date.parse(String(raw));
  const label = name === 'if-modified-since' ? 'If-Modified-Since' : 'If-Unmodified-Since';
  if (Number.isNaN(ms)) throw crmError(400, 'INVALID_DATA', 'invalid data', { header_name: label });
  return ms;
}
