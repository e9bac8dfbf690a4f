import { z } from 'zod';
import { ERROR_CODES } from './errors';

/** Limits and switches of the Unisender fake; POST /_control/unisender/config takes a partial object. */
export const LIST_STATUSES = ['new', 'invited', 'active', 'unsubscribed'] as const;

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
});

const unisenderConfigPatchSchema = unisenderConfigSchema.partial();

export function patchUnisenderConfig(config: UnisenderConfig, input: unknown): UnisenderConfig {
  // zod leaves omitted keys out (never undefined), so the spread keeps what the patch does not name.
  return { ...config, ...(unisenderConfigPatchSchema.parse(input) as Partial<UnisenderConfig>) };
}
