/**
 * A pairing's sync policy: how conflicts and deletions are resolved, and the mass-delete guard.
 */
import { isSupportedCountry } from 'libphonenumber-js';
import { z } from 'zod';

export const CONFLICT_POLICIES = ['lastWriterWins', 'googleWins', 'zohoWins', 'fieldMerge'] as const;
export type ConflictPolicy = (typeof CONFLICT_POLICIES)[number];

export const DELETION_POLICIES = ['delete', 'unlinkAndTag'] as const;
export type DeletionPolicy = (typeof DELETION_POLICIES)[number];

export const phoneRegionSchema = z
  .string({ error: 'Expected a country code such as "MX"' })
  .refine((s) => /^[A-Z]{2}$/.test(s) && isSupportedCountry(s), { error: (iss) => `"${String(iss.input)}" is not a supported ISO 3166-1 alpha-2 country code (e.g. "MX", "US")` });

const list = (values: readonly string[]): string => values.map((v) => `"${v}"`).join(' | ');

export const syncPolicySchema = z.strictObject({
  /**
   * Both sides changed since the last sync: lastWriterWins compares the providers' own update times (never our
   * clock); fieldMerge takes each field from the side that changed it, and last-writer-wins for a field both changed.
   */
  conflict: z.enum(CONFLICT_POLICIES, { error: `Expected one of ${list(CONFLICT_POLICIES)}` }).default('lastWriterWins'),
  /** A contact deleted on one side: delete its counterpart, or keep the counterpart, unlink it and tag it. */
  deletion: z.enum(DELETION_POLICIES, { error: `Expected one of ${list(DELETION_POLICIES)}` }).default('unlinkAndTag'),
  /** Deleted on one side, edited on the other: by default the edit wins and the deleted side is re-created. */
  deletionsWin: z.boolean({ error: 'Expected true or false' }).default(false),
  /** A cycle that would delete more than this share of the linked contacts halts instead (0.2 = 20%). */
  maxDeleteFraction: z.number({ error: 'Expected a number between 0 and 1' }).min(0, 'Must be at least 0').max(1, 'Must be at most 1').default(0.2),
  /** The tag put on a contact whose counterpart was deleted, under unlinkAndTag. */
  unlinkTag: z
    .string({ error: 'Expected text' })
    .min(1, 'Must not be empty')
    // Zoho CRM tag names: at most 25 characters.
    .max(25, 'At most 25 characters (Zoho CRM tag names)')
    .default('sync-unlinked'),
});
export type SyncPolicy = z.infer<typeof syncPolicySchema>;

export const DEFAULT_POLICY: SyncPolicy = syncPolicySchema.parse({});
