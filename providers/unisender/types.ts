import { z } from 'zod';

/**
 * Unisender API shapes, as far as the Kommo mirror uses them, translated to our names at this edge.
 * https://www.unisender.com/en/support/api/common/api-common/
 */

/** Ids come as numbers or numeric strings depending on the method. */
const id = z.coerce.number().int();

export const importResultSchema = z
  .object({
    total: z.coerce.number(),
    inserted: z.coerce.number(),
    updated: z.coerce.number(),
    deleted: z.coerce.number(),
    new_emails: z.coerce.number(),
    invalid: z.coerce.number(),
    log: z.array(z.object({ index: z.coerce.number().int(), code: z.string(), message: z.string().default('') }).loose()).default([]),
  })
  .loose()
  .transform((r) => ({
    total: r.total,
    inserted: r.inserted,
    updated: r.updated,
    deleted: r.deleted,
    newEmails: r.new_emails,
    invalid: r.invalid,
    /** The rows Unisender did not take (invalid, role or spam-trap addresses, unknown lists): 0-based row index. */
    log: r.log.map((l) => ({ index: l.index, code: l.code, message: l.message })),
  }));
export type ImportResult = z.output<typeof importResultSchema>;

export const listsSchema = z.array(z.object({ id, title: z.string() }).loose()).transform((ls) => ls.map((l) => ({ id: l.id, title: l.title })));
export type UnisenderList = z.output<typeof listsSchema>[number];

export const createdListSchema = z.object({ id }).loose().transform((r) => ({ id: r.id }));
export const subscribedSchema = z.object({ person_id: id }).loose().transform((r) => ({ personId: r.person_id }));

export const contactSchema = z
  .object({
    email: z.object({ email: z.string(), status: z.string(), added_at: z.string().nullish(), availability: z.string().nullish() }).loose(),
    lists: z.array(z.object({ id, status: z.string(), added_at: z.string().nullish() }).loose()).optional(),
    fields: z.record(z.string(), z.union([z.string(), z.number(), z.null()])).optional(),
  })
  .loose()
  .transform((c) => ({
    email: c.email.email,
    /** new, invited, active, inactive, unsubscribed, blocked, activation_requested. */
    status: c.email.status,
    ...(c.email.added_at ? { addedAt: c.email.added_at } : {}),
    ...(c.lists ? { lists: c.lists.map((l) => ({ id: l.id, status: l.status })) } : {}),
    ...(c.fields ? { fields: c.fields } : {}),
  }));
export type UnisenderContact = z.output<typeof contactSchema>;

/** Every answer: {"result": ...} or, for a failure (still HTTP 200), {"error": text, "code": code}. */
export const envelopeSchema = z.object({ result: z.unknown().optional(), error: z.string().optional(), code: z.string().optional() }).loose();
