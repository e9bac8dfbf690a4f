import { contactEmails, type KommoContact } from '../../providers/kommo/types';
import type { FetchedContact, ImportRow } from '../../store/kommo-batches';
import type { ContactState } from '../../store/kommo-state';

/**
 * The mirror's pure rules: what a contact looks like to Unisender, and what a change of a contact means for the
 * list. Tested without any server.
 */

/** Unisender keys contacts by e-mail, case-insensitively; Kommo keeps whatever was typed. */
export const normalEmail = (e: string): string => e.trim().toLowerCase();

/** The Kommo contact as the mirror keeps it: its name, and every EMAIL value (deduplicated, in a stable order). */
export function fetchedContact(c: KommoContact): FetchedContact {
  const name = (c.name ?? [c.first_name, c.last_name].filter(Boolean).join(' ')).trim();
  const emails = [...new Set(contactEmails(c).map(normalEmail).filter((e) => e.includes('@')))].sort();
  return { id: c.id, name, emails, updatedAt: c.updated_at };
}

export interface ContactChange {
  contactId: number;
  /** What the mirror knew (null: nothing, the contact is new to it). */
  before: ContactState | null;
  /** What Kommo has now (null: the contact is gone). */
  after: ContactState | null;
}

export interface Diff {
  /** Rows to import: every e-mail of a new contact or of one whose name changed, else only its new e-mails. */
  imports: ImportRow[];
  addRefs: { email: string; contactId: number }[];
  removeRefs: { email: string; contactId: number }[];
  /** Contacts whose stored state must be written. */
  changed: number[];
  unchanged: number;
}

export function diffContacts(changes: readonly ContactChange[]): Diff {
  const imports = new Map<string, ImportRow>();
  const diff: Diff = { imports: [], addRefs: [], removeRefs: [], changed: [], unchanged: 0 };
  for (const { contactId, before, after } of changes) {
    const old = new Set(before?.emails ?? []);
    const now = new Set(after?.emails ?? []);
    const added = [...now].filter((e) => !old.has(e));
    const removed = [...old].filter((e) => !now.has(e));
    const renamed = after !== null && before !== null && before.name !== after.name;
    if (!added.length && !removed.length && !renamed && (before === null) === (after === null)) {
      diff.unchanged++;
      continue;
    }
    diff.changed.push(contactId);
    if (after) for (const email of renamed ? [...now] : added) imports.set(email, { email, name: after.name });
    for (const email of added) diff.addRefs.push({ email, contactId });
    for (const email of removed) diff.removeRefs.push({ email, contactId });
  }
  diff.imports = [...imports.values()];
  return diff;
}
