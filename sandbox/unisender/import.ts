import { commaList, listIds, type Call, type Method } from './call';
import { fail } from './errors';
import { screenAddress } from './screening';
import { EMAIL_STATUSES, isEmail, type EmailStatus, type ListStatus, type UnisenderContact } from './store';

/** importContacts: up to 500 rows a call; rows not imported (invalid, role, spam trap, unknown list) are in `log`. */

const SYSTEM_COLUMNS = new Set([
  'email', 'phone', 'email_list_ids', 'email_status', 'tags', 'delete',
  'email_subscribe_times', 'email_unsubscribed_list_ids', 'email_excluded_list_ids', 'email_add_time',
  'email_request_ip', 'email_confirm_time', 'email_confirm_ip', 'email_availability',
]);

type Column = { kind: 'system' | 'user'; name: string };

export interface ImportResult {
  total: number;
  inserted: number;
  updated: number;
  deleted: number;
  new_emails: number;
  invalid: number;
  log: { index: number; code: string; message: string }[];
}

function columnsOf({ acc, p }: Call): Column[] {
  const names = p.list('field_names');
  if (!names.length) fail('invalid_arg', 'field_names is required');
  const columns = names.map((raw): Column => {
    const n = raw.trim();
    if (SYSTEM_COLUMNS.has(n.toLowerCase())) return { kind: 'system', name: n.toLowerCase() };
    const f = acc.field(n);
    if (!f) return fail('invalid_arg', `Field "${n}" not found`);
    return { kind: 'user', name: f };
  });
  if (!columns.some((c) => c.name === 'email')) fail('invalid_arg', 'field_names must contain email');
  return columns;
}

/** A delete row: off the named lists, or out of the account (importDeleteScope). True when anything was removed. */
function removeContact({ acc, config }: Call, c: UnisenderContact, lists: number[]): boolean {
  if (config.importDeleteScope === 'lists' && lists.length) {
    const on = lists.filter((id) => c.lists.has(id));
    for (const id of on) c.lists.delete(id);
    return on.length > 0;
  }
  acc.contacts.delete(c.email);
  return true;
}

/** One row: counted in `result`, or logged there as not imported. */
function importRow(call: Call, columns: Column[], row: string[], index: number, result: ImportResult): void {
  const { acc, p, now, config } = call;
  const cell = (name: string): string | undefined => {
    const j = columns.findIndex((c) => c.name === name);
    return j < 0 ? undefined : (row[j] ?? '');
  };
  const invalid = (code: string, message: string): void => {
    result.invalid++;
    result.log.push({ index, code, message });
  };
  const email = (cell('email') ?? '').trim();
  if (!isEmail(email)) return invalid('invalid_email', `Invalid e-mail address "${email}"`);
  let lists: number[];
  try {
    lists = listIds(acc, cell('email_list_ids'), 'email_list_ids');
  } catch (err) {
    return invalid('invalid_arg', err instanceof Error ? err.message : String(err));
  }
  const statusCell = cell('email_status')?.trim();
  if (statusCell && !(EMAIL_STATUSES as readonly string[]).includes(statusCell)) return invalid('invalid_arg', `Invalid email_status "${statusCell}"`);
  const existing = acc.contact(email);
  if (cell('delete') === '1') {
    if (existing && removeContact(call, existing, lists)) result.deleted++;
    return;
  }
  const refused = screenAddress(email, config.screening);
  if (refused) return invalid(refused.code, refused.message);
  const c = existing ?? acc.newContact(email, now, (statusCell as EmailStatus | undefined) ?? 'new');
  if (existing) result.updated++;
  else {
    result.inserted++;
    result.new_emails++;
  }
  if (existing && statusCell) c.emailStatus = statusCell as EmailStatus;
  columns.forEach((col, j) => {
    if (col.kind === 'user') c.fields[col.name] = row[j] ?? '';
  });
  const phone = cell('phone');
  if (phone) c.phone = phone;
  const tagCell = cell('tags');
  if (tagCell !== undefined) {
    const tags = commaList(tagCell);
    if (p.get('overwrite_tags') === '1') c.tags = new Set(tags);
    else for (const t of tags) c.tags.add(t);
  }
  if (p.get('overwrite_lists') === '1' && cell('email_list_ids') !== undefined) {
    for (const id of [...c.lists.keys()]) if (!lists.includes(id)) c.lists.delete(id);
  }
  const listStatus: ListStatus = c.emailStatus === 'unsubscribed' ? 'unsubscribed' : config.importListStatus;
  for (const id of lists) {
    const m = c.lists.get(id);
    if (!m) c.lists.set(id, { status: listStatus, addedAt: now });
    else m.status = listStatus;
  }
}

export const importMethods: Record<string, Method> = {
  // https://www.unisender.com/en/support/api/contacts/importcontacts/
  importContacts: (call) => {
    const columns = columnsOf(call);
    const rows = call.p.matrix('data');
    if (!rows.length) fail('invalid_arg', 'data is required');
    const max = call.config.maxImportRows;
    if (rows.length > max) fail('invalid_arg', `At most ${max} contacts may be imported per call, got ${rows.length}`);
    const result: ImportResult = { total: rows.length, inserted: 0, updated: 0, deleted: 0, new_emails: 0, invalid: 0, log: [] };
    rows.forEach((row, index) => importRow(call, columns, row, index, result));
    return result;
  },
};
