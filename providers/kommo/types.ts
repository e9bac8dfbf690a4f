import { z } from 'zod';

/**
 * Kommo API v4 shapes, as far as the Unisender mirror reads them (hal+json; unknown fields are kept).
 * https://www.kommo.com/developers/content/crm_platform/contacts-api/
 */

const cfValue = z
  .object({
    value: z.union([z.string(), z.number(), z.boolean()]),
    enum_id: z.number().nullish(),
    enum_code: z.string().nullish(),
  })
  .loose();

const customField = z
  .object({
    field_id: z.number(),
    field_name: z.string().nullish(),
    /** EMAIL and PHONE for the predefined multitext fields; null for the account's own fields. */
    field_code: z.string().nullish(),
    field_type: z.string().nullish(),
    values: z.array(cfValue).nullish(),
  })
  .loose();

export const kommoContactSchema = z
  .object({
    id: z.number(),
    name: z.string().nullish(),
    first_name: z.string().nullish(),
    last_name: z.string().nullish(),
    responsible_user_id: z.number().nullish(),
    created_at: z.number(),
    /** Unix seconds. */
    updated_at: z.number(),
    is_deleted: z.boolean().optional(),
    /** null (not []) when the contact has none. */
    custom_fields_values: z.array(customField).nullish(),
    account_id: z.number().optional(),
  })
  .loose();
export type KommoContact = z.infer<typeof kommoContactSchema>;

export const kommoAccountSchema = z.object({ id: z.number(), name: z.string().optional(), subdomain: z.string() }).loose();
export type KommoAccountInfo = z.infer<typeof kommoAccountSchema>;

export const kommoEventSchema = z
  .object({
    /** A 26-character string, not a number. */
    id: z.string(),
    type: z.string(),
    entity_id: z.number(),
    entity_type: z.string(),
    created_by: z.number().nullish(),
    /** Unix seconds. */
    created_at: z.number(),
  })
  .loose();
export type KommoEvent = z.infer<typeof kommoEventSchema>;

export const kommoWebhookSchema = z
  .object({
    id: z.number(),
    destination: z.string(),
    settings: z.array(z.string()),
    /** Kommo disables a destination that keeps failing; subscribing it again revives it. */
    disabled: z.boolean(),
    created_at: z.number().optional(),
    updated_at: z.number().optional(),
  })
  .loose();
export type KommoWebhook = z.infer<typeof kommoWebhookSchema>;

/** A hal+json list page: `_embedded[key]` items and `_links.next` while more pages follow. */
export const halPageSchema = z
  .object({
    _page: z.number().optional(),
    _links: z.object({ next: z.object({ href: z.string() }).optional() }).loose().optional(),
    _embedded: z.record(z.string(), z.array(z.unknown())),
  })
  .loose();

/** One page of a list, and the URL of the next one (null on the last page). A caller may store `next` to resume. */
export interface KommoPage<T> {
  items: T[];
  next: string | null;
}

/** The addresses in a contact's EMAIL field, in Kommo's order. */
export function contactEmails(c: KommoContact): string[] {
  return (c.custom_fields_values ?? [])
    .filter((f) => f.field_code === 'EMAIL')
    .flatMap((f) => (f.values ?? []).map((v) => String(v.value).trim()))
    .filter((v) => v !== '');
}
