import { z } from 'zod';

/**
 * Limits and switches of the Kommo fake. POST /_control/kommo/config takes a partial object (unknown keys are
 * refused; `rateLimit` and `webhook` merge key by key) and answers the whole config.
 */

const rateLimitSchema = z.strictObject({
  /** Requests a second per account (documented: 7). 0 = off. */
  perSecond: z.number().int().min(0),
  /** GUESS: the 429 comes from Kommo's edge with no JSON; empty text/html by default. */
  body: z.string(),
  contentType: z.string(),
  /** GUESS: "repeated violations" are this many 429s inside blockWindowSeconds (0 = never block). */
  blockAfter: z.number().int().min(0),
  blockWindowSeconds: z.number().min(0),
  /** The block lasts 15 minutes by default. */
  blockSeconds: z.number().min(0),
});

const webhookSchema = z.strictObject({
  /** A delivery must be answered 2xx within this time (about 2 s) or it counts as failed. */
  timeoutMs: z.number().int().min(1),
  /** GUESS: Kommo's retry schedule is not documented. */
  retryDelaysMs: z.array(z.number().int().min(0)),
  /** GUESS: consecutive failed attempts after which the destination is disabled. */
  disableAfterFailures: z.number().int().min(1),
  /** GUESS: what `[values][0][enum]` carries: the enum id or its code. */
  enumAs: z.enum(['id', 'code']),
  /** GUESS: a restore_contact body carries the whole contact (as add/update do) or only its id (as delete does). */
  restoreLayout: z.enum(['full', 'id']),
});

const consentSchema = z.strictObject({
  /**
   * GUESS: what the consent page does when the user refuses. Kommo's button calls a JS error callback in the
   * opener; `redirect` sends the browser to the redirect URI with error=access_denied, `page` answers a page
   * that only posts {error:"access_denied"} to the opener and redirects nowhere.
   */
  onDeny: z.enum(['redirect', 'page']),
});

const eventsSchema = z.strictObject({
  /** Largest `limit` of GET /api/v4/events (documented: 100). */
  maxLimit: z.number().int().min(1),
  /** GUESS: the events list comes newest first. */
  order: z.enum(['asc', 'desc']),
});

export const kommoConfigSchema = z.strictObject({
  accessTokenTtlSeconds: z.number().int().min(1),
  refreshTokenTtlSeconds: z.number().int().min(1),
  /** Authorization codes live 20 minutes and are single-use. */
  authorizationCodeTtlSeconds: z.number().int().min(1),
  /** GUESS: whether a refresh also kills the access token issued with the old refresh token (default keeps it). */
  revokeAccessTokenOnRefresh: z.boolean(),
  /** GUESS: whether reusing a rotated refresh token also revokes the tokens issued from it (reuse detection). */
  revokeFamilyOnReuse: z.boolean(),
  requireRedirectUriOnRefresh: z.boolean(),
  /** The next N successful grants rotate the tokens server-side, then reset the connection instead of answering. */
  loseTokenResponses: z.number().int().min(0),
  missingContactStatus: z.union([z.literal(204), z.literal(404)]),
  /** Put a next link on a full last page (the following page then answers 204), as some list APIs do. */
  nextLinkOnFullLastPage: z.boolean(),
  defaultOrder: z.strictObject({ field: z.enum(['id', 'updated_at']), dir: z.enum(['asc', 'desc']) }),
  maxBatch: z.number().int().min(1),
  rateLimit: rateLimitSchema,
  webhook: webhookSchema,
  consent: consentSchema,
  events: eventsSchema,
});

export type KommoConfig = z.infer<typeof kommoConfigSchema>;

export const defaultKommoConfig = (): KommoConfig => ({
  accessTokenTtlSeconds: 86_400,
  refreshTokenTtlSeconds: 90 * 86_400,
  authorizationCodeTtlSeconds: 20 * 60,
  revokeAccessTokenOnRefresh: false,
  revokeFamilyOnReuse: false,
  requireRedirectUriOnRefresh: true,
  loseTokenResponses: 0,
  missingContactStatus: 204,
  nextLinkOnFullLastPage: false,
  defaultOrder: { field: 'id', dir: 'asc' },
  maxBatch: 250,
  // Kommo documents 7 requests/s per account and a block "for repeated violations" without numbers: guessed.
  rateLimit: { perSecond: 7, body: '', contentType: 'text/html; charset=UTF-8', blockAfter: 20, blockWindowSeconds: 60, blockSeconds: 15 * 60 },
  webhook: { timeoutMs: 2_000, retryDelaysMs: [1_000, 5_000, 15_000], disableAfterFailures: 100, enumAs: 'id', restoreLayout: 'full' },
  consent: { onDeny: 'redirect' },
  events: { maxLimit: 100, order: 'desc' },
});

const kommoConfigPatchSchema = kommoConfigSchema
  .extend({
    rateLimit: rateLimitSchema.partial(),
    webhook: webhookSchema.partial(),
    consent: consentSchema.partial(),
    events: eventsSchema.partial(),
  })
  .partial();

/** The config after a partial patch: top-level keys replace, the nested groups merge key by key. */
export function patchKommoConfig(config: KommoConfig, input: unknown): KommoConfig {
  const { rateLimit, webhook, consent, events, ...rest } = kommoConfigPatchSchema.parse(input);
  // zod leaves omitted keys out (never undefined), so spreading the parsed patch keeps what it does not name.
  return {
    ...config,
    ...(rest as Partial<KommoConfig>),
    rateLimit: { ...config.rateLimit, ...(rateLimit as Partial<KommoConfig['rateLimit']>) },
    webhook: { ...config.webhook, ...(webhook as Partial<KommoConfig['webhook']>) },
    consent: { ...config.consent, ...(consent as Partial<KommoConfig['consent']>) },
    events: { ...config.events, ...(events as Partial<KommoConfig['events']>) },
  };
}
