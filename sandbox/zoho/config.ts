import { z } from 'zod';

/** A workflow's field-update action. upper: upper-case the value; append: add `value` to it; set: replace it with `value`. */
const fieldUpdate = { field: z.string().min(1), action: z.enum(['upper', 'append', 'set']), value: z.string().default('') };

/** Limits and switches of the Zoho fake; POST /_control/zoho/config takes a partial object (unknown keys refused). */
export const zohoConfigSchema = z
  .object({
    /** Zoho access tokens live one hour. */
    accessTokenTtlSeconds: z.number().int().min(1),
    /** Grant (authorization) codes are valid for about two minutes. */
    authCodeTtlSeconds: z.number().int().min(1),
    /** Refresh throttling: more than this many refreshes of one refresh token inside the window -> 400 Access Denied. */
    refreshesPerWindow: z.number().int().min(1),
    refreshWindowSeconds: z.number().int().min(1),
    /** GUESS: the error for a wrong client_secret (Zoho may say invalid_client_secret); invalid_client by default. */
    wrongSecretError: z.string().min(1),
    /**
     * GUESS: whether the API takes "Authorization: Bearer <token>" besides the documented "Zoho-oauthtoken <token>"
     * (seed 001's Deals example sends Bearer). Off: only the documented header.
     */
    acceptBearerAuth: z.boolean(),
    /** (unsure in PROVIDERS.md) HTTP status of a CRM write whose records partly failed: 207 or 202. */
    crmMixedStatus: z.number().int().min(200).max(299),
    /** CRM API credits per rolling 24 h per org; null = unlimited. Enterprise's baseline is 50,000. */
    crmCreditsPer24h: z.number().int().min(1).nullable(),
    /** Concurrent CRM calls per org (Free 5, Standard 10, Professional 15, Enterprise 20, Ultimate 25); null = off. */
    crmConcurrency: z.number().int().min(1).nullable(),
    /** Extra delay of every CRM answer, so concurrent calls overlap and the concurrency limit can be provoked. */
    crmLatencyMs: z.number().int().min(0).max(60_000),
    /** page/per_page reach only the first N records; page_token goes further. */
    crmMaxDiscreteRecords: z.number().int().min(1),
    /** page_token validity: 24 h. */
    crmPageTokenTtlSeconds: z.number().int().min(1),
    /** page_token reaches at most this many records (documented 100,000) -> PAGINATION_LIMIT_EXCEEDED. */
    crmMaxTokenRecords: z.number().int().min(1),
    /**
     * GUESS: v2 also answers next_page_token (PROVIDERS.md: "v2 and later, same shapes"); false makes page_token a
     * v2.1+ feature and v2 lists end at the discrete limit.
     */
    crmV2PageToken: z.boolean(),
    /**
     * The org's workflow rules: run after an insert/update/upsert whose body has no `trigger` (or names
     * "workflow"); `trigger: []` suppresses them. Each rewrites one field of the written record, crmWorkflowDelayMs
     * after the write, and so moves Modified_Time past what the write answered (an echo source for sync).
     */
    crmWorkflowRules: z.array(
      z
        .object({
          module: z.string().min(1),
          ...fieldUpdate,
          on: z.array(z.enum(['insert', 'update'])).default(['insert', 'update']),
        })
        .strict(),
    ),
    crmWorkflowDelayMs: z.number().int().min(0),
    /** Deleted records stay in the recycle bin this long (60 days by default), then age out. */
    crmRecycleBinRetentionDays: z.number().int().min(1),
    /**
     * GUESS: what GET /{module}/deleted shows of a record that aged out of the recycle bin: nothing ('gone'), or
     * a type "permanent" row without names ('permanent').
     */
    crmAgedOutDeleted: z.enum(['gone', 'permanent']),
    /** GUESS: If-Modified-Since keeps records modified strictly after the time; true keeps the same second too. */
    crmIfModifiedSinceInclusive: z.boolean(),
    /** Fields an org marked unique, per module (a duplicate insert/update -> DUPLICATE_DATA). None by default. */
    crmUniqueFields: z.record(z.string(), z.array(z.string())),
    /** Creator: requests per minute per API endpoint (documented 50). null = off. */
    creatorRequestsPerMinute: z.number().int().min(1).nullable(),
    /**
     * Creator form workflows ("on add / on edit: set a field"), run after a write unless its skip_workflow holds
     * "form_workflow" or "all". None by default. `app` is "<owner>/<app>".
     */
    creatorWorkflowRules: z.array(
      z
        .object({
          app: z.string().min(1),
          form: z.string().min(1),
          ...fieldUpdate,
          on: z.array(z.enum(['add', 'edit'])).default(['add', 'edit']),
        })
        .strict(),
    ),
    /** Creator: requests per day per account owner (plan dependent, code 4000 past it). null = off. */
    creatorDailyLimit: z.number().int().min(1).nullable(),
    /**
     * GUESS: Desk's `from` index base. 1 by default so seed 001's tickets example (from=1, step 100) reads every
     * ticket; 0 makes from=0 the first ticket.
     */
    deskFromBase: z.union([z.literal(0), z.literal(1)]),
    /** Desk documents the orgId header as mandatory; seed 001's example omits it, so it is optional by default. */
    deskRequireOrgId: z.boolean(),
    /** Desk's largest `limit`. */
    deskMaxLimit: z.number().int().min(1),
  })
  .strict();

export type ZohoConfig = z.infer<typeof zohoConfigSchema>;

export const defaultZohoConfig = (): ZohoConfig => ({
  accessTokenTtlSeconds: 3600,
  authCodeTtlSeconds: 120,
  refreshesPerWindow: 5,
  refreshWindowSeconds: 60,
  wrongSecretError: 'invalid_client',
  acceptBearerAuth: false,
  crmMixedStatus: 207,
  crmCreditsPer24h: 50_000,
  crmConcurrency: 10,
  crmLatencyMs: 0,
  crmMaxDiscreteRecords: 2000,
  crmPageTokenTtlSeconds: 24 * 3600,
  crmMaxTokenRecords: 100_000,
  crmV2PageToken: true,
  crmWorkflowRules: [{ module: 'Contacts', field: 'Title', action: 'upper', value: '', on: ['insert', 'update'] }],
  crmWorkflowDelayMs: 1000,
  crmRecycleBinRetentionDays: 60,
  crmAgedOutDeleted: 'gone',
  crmIfModifiedSinceInclusive: false,
  crmUniqueFields: {},
  creatorRequestsPerMinute: 50,
  creatorWorkflowRules: [],
  creatorDailyLimit: null,
  deskFromBase: 1,
  deskRequireOrgId: false,
  deskMaxLimit: 100,
});

export const zohoConfigPatchSchema = zohoConfigSchema.partial().strict();
