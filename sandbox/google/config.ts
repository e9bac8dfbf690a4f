import { z } from 'zod';

/**
 * Limits and switches of the Google fake. Every field can be changed through POST /_control/google/config
 * (a partial object; unknown keys are refused so a typo never silently keeps a default).
 */
export const googleConfigSchema = z
  .object({
    /** Google answers expires_in 3599 for user access tokens. */
    accessTokenTtlSeconds: z.number().int().min(1),
    /** Refresh tokens never expire for published apps; apps in "Testing" get 7 days (604800). null = never. */
    refreshTokenTtlSeconds: z.number().int().min(1).nullable(),
    /** GUESS: Google does not document the authorization code lifetime; ~10 minutes is what people observe. */
    authCodeTtlSeconds: z.number().int().min(1),
    /** Token endpoint requests per second, counted globally (all clients); null = no limit (the default). */
    tokenRateLimitPerSecond: z.number().int().min(1).nullable(),
    /** Retry-After sent with the token endpoint's 429. GUESS: Google's value is not documented. */
    tokenRateLimitRetryAfterSeconds: z.number().int().min(0),
    /** People API "Critical read requests (Contact and Profile Reads) per minute per user". */
    readsPerMinute: z.number().int().min(1),
    /** People API "Critical write requests (Contact Creates and Updates) per minute per user". */
    writesPerMinute: z.number().int().min(1),
    /** GUESS: the People API sends no Retry-After with its 429; set a number to add one. */
    quotaRetryAfterSeconds: z.number().int().min(0).nullable(),
    /** GUESS: a batch call counts as one request against the quota; true counts every contact in it. */
    batchCountsPerContact: z.boolean(),
    /** Sync tokens expire 7 days after the full sync. */
    syncTokenTtlSeconds: z.number().int().min(1),
    /**
     * GUESS: the docs say "7 days after the full sync", read literally: a token from an incremental sync keeps
     * the age of the full sync it descends from ('fullSync'). 'issue' ages each token from its own issue time.
     */
    syncTokenExpiryFrom: z.enum(['fullSync', 'issue']),
    /** (unsure in PROVIDERS.md) The status string of the expired-sync-token error; clients must key on the reason. */
    expiredSyncTokenStatus: z.string().min(1),
    expiredSyncTokenHttpCode: z.number().int().min(400).max(499),
    /**
     * "When the page_token or sync_token is specified, all other request parameters must match the first call."
     * 'allParams' holds a sync token to every parameter of the listing that produced it (personFields, sources,
     * pageSize, sortOrder, requestSyncToken); GUESS: Google may check only what shapes the result, which
     * 'fieldsAndSources' models.
     */
    syncTokenBinding: z.enum(['allParams', 'fieldsAndSources']),
    /**
     * "The first page of a full sync request has an additional quota ... fixed and can not be increased." GUESS
     * at its size: the first page of a listing with requestSyncToken=true and no syncToken costs this many extra
     * critical reads (so a loop of full syncs after expired tokens burns the read quota fast).
     */
    fullSyncExtraReads: z.number().int().min(0),
    /**
     * "Mutate requests for the same user should be sent sequentially to avoid increased latency and failures."
     * 'reject' fails a mutate request that arrives while another of the same user is in flight (409 ABORTED, a
     * GUESS at the answer); 'allow' lets them overlap.
     */
    concurrentMutations: z.enum(['reject', 'allow']),
    /** How long every mutate request takes, so that concurrent ones overlap (0: answered at once). */
    mutationLatencyMs: z.number().int().min(0).max(60_000),
    /** Writes show up in sync (syncToken) results only this long after they happened. */
    writeVisibilityLagMs: z.number().int().min(0),
    /**
     * GUESS: a stale etag inside people:batchUpdateContacts fails that one entry (per-item httpStatusCode 400,
     * the shape of the response suggests it) - 'wholeRequest' fails the whole call with 400 FAILED_PRECONDITION.
     */
    batchUpdateStaleEtag: z.enum(['perItem', 'wholeRequest']),
  })
  .strict();

export type GoogleConfig = z.infer<typeof googleConfigSchema>;

export const defaultGoogleConfig = (): GoogleConfig => ({
  accessTokenTtlSeconds: 3599,
  refreshTokenTtlSeconds: null,
  authCodeTtlSeconds: 600,
  tokenRateLimitPerSecond: null,
  tokenRateLimitRetryAfterSeconds: 1,
  readsPerMinute: 60,
  writesPerMinute: 30,
  quotaRetryAfterSeconds: null,
  batchCountsPerContact: false,
  syncTokenTtlSeconds: 7 * 24 * 3600,
  syncTokenExpiryFrom: 'fullSync',
  expiredSyncTokenStatus: 'FAILED_PRECONDITION',
  expiredSyncTokenHttpCode: 400,
  syncTokenBinding: 'allParams',
  fullSyncExtraReads: 5,
  concurrentMutations: 'reject',
  mutationLatencyMs: 0,
  writeVisibilityLagMs: 0,
  batchUpdateStaleEtag: 'perItem',
});

export const googleConfigPatchSchema = googleConfigSchema.partial().strict();
