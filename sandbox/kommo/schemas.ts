import { z } from 'zod';

/** Control-API bodies of the Kommo fake. Strict objects, so a typo in a test fails loudly instead of being ignored. */

const seconds = z.number().int();

const customFieldInput = z.object({
  field_id: z.number().int().optional(),
  field_code: z.string().optional(),
  // null clears the field on PATCH, as in Kommo.
  values: z
    .array(
      z.object({
        value: z.union([z.string(), z.number()]),
        enum_id: z.number().int().optional(),
        enum_code: z.string().optional(),
      }),
    )
    .nullable(),
});
export type CustomFieldInput = z.infer<typeof customFieldInput>;

/** A contact as tests write it: the API's own fields, or the email/phone shortcuts. */
export const contactSeedSchema = z.strictObject({
  id: z.number().int().positive().optional(),
  name: z.string().optional(),
  first_name: z.string().optional(),
  last_name: z.string().optional(),
  email: z.union([z.string(), z.array(z.string())]).optional(),
  phone: z.union([z.string(), z.array(z.string())]).optional(),
  responsible_user_id: z.number().int().optional(),
  created_at: seconds.optional(),
  updated_at: seconds.optional(),
  custom_fields_values: z.array(customFieldInput).optional(),
});
export type ContactSeed = z.infer<typeof contactSeedSchema>;

export const contactGeneratorSchema = z.strictObject({
  count: z.number().int().min(1).max(200_000),
  namePrefix: z.string().default('Contact'),
  emailDomain: z.string().default('example.test'),
  /** unix seconds of the first contact's updated_at; default: count*step seconds before now, so all lie in the past. */
  updatedAtFrom: seconds.optional(),
  updatedAtStepSeconds: z.number().int().min(0).default(60),
  withPhone: z.boolean().default(true),
  /** Every Nth contact gets no email (0 = all have one): real CRMs hold such contacts. */
  withoutEmailEvery: z.number().int().min(0).default(0),
});

const webhookSeed = z.strictObject({
  destination: z.url(),
  settings: z.array(z.string()).default(['add_contact', 'update_contact', 'delete_contact']),
});

export const accountSeedSchema = z.strictObject({
  // www.kommo.com is Kommo's own site (the consent page lives there), never an account.
  subdomain: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes')
    .refine((s) => s !== 'www', 'www is reserved for the consent page'),
  accountId: z.number().int().positive().optional(),
  name: z.string().optional(),
  clientId: z.string().min(1).optional(),
  clientSecret: z.string().min(1).optional(),
  redirectUri: z.string().min(1).optional(),
  authorizationCodes: z
    .array(z.union([z.string().min(1), z.strictObject({ code: z.string().min(1), expiresInSeconds: seconds.optional() })]))
    .optional(),
  /** Tokens as if an install already happened. A negative/zero lifetime seeds an already expired token. */
  tokens: z
    .array(
      z.strictObject({
        accessToken: z.string().min(1).optional(),
        refreshToken: z.string().min(1).optional(),
        accessExpiresInSeconds: seconds.optional(),
        refreshExpiresInSeconds: seconds.optional(),
      }),
    )
    .optional(),
  webhooks: z.array(webhookSeed).optional(),
  userIds: z.array(z.number().int().positive()).min(1).optional(),
  emailFieldId: z.number().int().positive().optional(),
  phoneFieldId: z.number().int().positive().optional(),
  contacts: z.array(contactSeedSchema).optional(),
  generateContacts: contactGeneratorSchema.optional(),
});
export type AccountSeed = z.infer<typeof accountSeedSchema>;

export const kommoSeedSchema = z.strictObject({ accounts: z.array(accountSeedSchema).min(1) });

export const controlContactsSchema = z.strictObject({
  subdomain: z.string(),
  contacts: z.array(contactSeedSchema).min(1),
});

export const controlContactIdsSchema = z.strictObject({
  subdomain: z.string(),
  ids: z.array(z.number().int()).min(1),
});

export const controlWebhookSchema = z.strictObject({
  subdomain: z.string(),
  destination: z.url(),
  settings: z.array(z.string()).default(['add_contact', 'update_contact', 'delete_contact']),
});

export const controlAuthorizeSchema = z.strictObject({
  subdomain: z.string(),
  state: z.string().optional(),
});

/** Bodies of the public API (answered with Kommo's own validation errors, not zod's). */
export const apiContactSchema = z.object({
  id: z.number().int().optional(),
  name: z.string().optional(),
  first_name: z.string().optional(),
  last_name: z.string().optional(),
  responsible_user_id: z.number().int().optional(),
  created_by: z.number().int().optional(),
  updated_by: z.number().int().optional(),
  created_at: z.number().int().optional(),
  updated_at: z.number().int().optional(),
  custom_fields_values: z.array(customFieldInput).nullable().optional(),
  request_id: z.string().optional(),
});
export type ApiContact = z.infer<typeof apiContactSchema>;

export const tokenRequestSchema = z.object({
  client_id: z.string().optional(),
  client_secret: z.string().optional(),
  grant_type: z.string().optional(),
  refresh_token: z.string().optional(),
  code: z.string().optional(),
  redirect_uri: z.string().optional(),
});

export const webhookApiSchema = z.object({
  destination: z.string().min(1),
  settings: z.array(z.string()).min(1),
  sort: z.number().int().optional(),
});
