/**
 * Zoho Creator report record <-> Switchyard's canonical contact (pure), driven by the pairing's field mapping
 * (link names; "Name.first_name" for a part of a composite field).
 * https://www.zoho.com/creator/help/api/v2.1/get-records.html
 */
import { valueHash, type CreateItem, type CreatorFieldMapping, type SideRecord, type UpdateItem } from '../../sync';
import { linkIdIn, zohoCreate, zohoToContact, zohoUpdate, type ZohoWrite } from './mapper';
import type { CreatorRecord } from './types';

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/**
 * A Creator date-time: ISO 8601, or the default display format "30-Nov-2026 10:00:00". The display format has
 * no offset (it is in the app's time zone): read as UTC, which keeps the order of one app's records.
 */
export function parseCreatorTime(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  const m = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(v.trim());
  if (m) {
    const month = MONTHS.indexOf((m[2] ?? '').toLowerCase());
    if (month < 0) return undefined;
    return Date.UTC(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
  }
  const ms = /^\d{4}-\d{2}-\d{2}T/.test(v) ? Date.parse(v) : NaN;
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * The engine's view of a Creator record. Its version is the modification time field when the report shows it;
 * otherwise a hash of the whole record, so any change to it (mapped or not) is a new version.
 */
export function creatorToRecord(r: CreatorRecord, m: CreatorFieldMapping): SideRecord {
  const modified = r[m.modifiedTimeField];
  const updatedAt = parseCreatorTime(modified);
  const linkId = linkIdIn(r, m.linkIdField);
  return {
    id: r.ID,
    version: typeof modified === 'string' && modified !== '' ? modified : `hash:${valueHash(r)}`,
    ...(updatedAt === undefined ? {} : { updatedAt }),
    contact: zohoToContact(r, m),
    ...(linkId === undefined ? {} : { linkId }),
  };
}

/** The link names a report must show for sync. */
export const creatorFieldNames = (m: CreatorFieldMapping): string[] => [
  ...new Set(['ID', ...Object.values(m.fields).map((t) => t.field), m.linkIdField, m.modifiedTimeField]),
];

/** One record of POST .../form/{form} {"data": [...]}: the contact's values and our link id. */
export const creatorForCreate = (item: CreateItem, m: CreatorFieldMapping): ZohoWrite => zohoCreate(item, m, '');

/**
 * The body's data of PATCH .../report/{report}/{ID}: the changed fields ("" clears), a composite whole (its other
 * parts kept from `current` when given), our link id.
 */
export const creatorForUpdate = (item: UpdateItem, m: CreatorFieldMapping, current?: CreatorRecord): ZohoWrite => zohoUpdate(item, m, '', current);
