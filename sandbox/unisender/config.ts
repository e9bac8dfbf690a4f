import { z } from 'zod';
import { ERROR_CODES } from './errors';

/** Limits and switches of the Unisender fake; POST /_control/unisender/config takes a partial object. */
export const LIST_STATUSES = ['new', 'invited', 'active', 'unsubscribed'] as const;

const screeningSchema = z.strictObject({
  /** importContacts refuses role and spam-trap addresses (logged, counted as invalid), as Unisender's import checks do. */
  enabled: z.boolean(),
  /** Local parts (before @, and before any +tag) of role addresses, matched case-insensitively. */
  roleLocalParts: z.array(z.string().min(1)),
  /** Known spam traps: whole addresses, or "@domain" for every address of a domain. */
  spamTraps: z.array(z.string().min(2)),
  /** GUESS: the log codes of screened rows (Unisender does not document them). */
  roleCode: z.string().min(1),
  spamTrapCode: z.string().min(1),
});

export const unisenderConfigSchema = z.strictObject({
  /** Calls a minute per API key (about 1200), in a sliding minute of the fake clock. 0 = off. */
  callsPerMinutePerKey: z.number().int().min(0),
  /** GUESS: Unisender has a per-IP limit but does not publish it: off unless a test turns it on. */
  callsPerMinutePerIp: z.number().int().min(0),
  /** Rows per importContacts call (documented: 500; more -> invalid_arg). */
  maxImportRows: z.number().int().min(1),
  /** GUESS: calls without format=json answer invalid_arg. */
  requireFormatJson: z.boolean(),
  /** GUESS: the code of a duplicate list title in createList. */
  duplicateListTitleCode: z.enum(ERROR_CODES),
  /** GUESS: the code of getContact for an unknown email. */
  contactNotFoundCode: z.enum(ERROR_CODES),
  /** GUESS: the list status an imported contact gets. */
  importListStatus: z.enum(LIST_STATUSES),
  /**
   * GUESS: what a `delete`=1 import row removes. "lists": the contact leaves the lists named in the row's
   * email_list_ids, or the account when the row names none (the docs: "the specified contacts in the list are
   * deleted"); "account": the contact is deleted from the account whatever the row names.
   */
  importDeleteScope: z.enum(['lists', 'account']),
  screening: screeningSchema,
});

export type UnisenderConfig = z.infer<typeof unisenderConfigSchema>;

export const defaultUnisenderConfig = (): UnisenderConfig => ({
  callsPerMinutePerKey: 1200,
  callsPerMinutePerIp: 0,
  maxImportRows: 500,
  requireFormatJson: true,
  duplicateListTitleCode: 'invalid_arg',
  contactNotFoundCode: 'invalid_arg',
  importListStatus: 'active',
  importDeleteScope: 'lists',
  screening: {
    enabled: true,
    roleLocalParts: ['info', 'sales', 'no-reply', 'noreply', 'all', 'admin', 'support', 'office', 'contact', 'postmaster', 'abuse', 'webmaster', 'hostmaster', 'mailer-daemon'],
    spamTraps: [],
    roleCode: 'role_address',
    spamTrapCode: 'spam_trap',
  },
});

const unisenderConfigPatchSchema = unisenderConfigSchema.extend({ screening: screeningSchema.partial() }).partial();

/** The config after a partial patch: top-level keys replace, `screening` merges key by key. */
export function patchUnisenderConfig(config: UnisenderConfig, input: unknown): UnisenderConfig {
  const { screening, ...rest } = unisenderConfigPatchSchema.parse(input);
  // zod leaves omitted keys out (never undefined), so the spread keeps what the patch does not name.
  return { ...config, ...(rest as Partial<UnisenderConfig>), screening: { ...config.screening, ...(screening as Partial<UnisenderConfig['screening']>) } };
}
