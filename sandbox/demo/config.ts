import { z } from 'zod';

export interface DemoSwitches {
  /** The end is served twice: page styles repeat the last page once; link/cursor styles point the last page at itself. */
  lastPageTwice: boolean;
  /** Page `page` (1-based) carries only `size` records although it is not the last; later pages shift, nothing is lost. */
  shortPage: { page: number; size: number } | null;
  /** more-records style: leave info.more_records out on the last page, or on every page. */
  omitMoreRecords: 'never' | 'last' | 'always';
  /** Next links (body and Link header) as root-relative ("/demo/api/...") or path-relative ("records?page=2"). */
  relativeLinks: 'none' | 'root' | 'path';
  /** Next links repeat every query parameter but page (?page=2&per_page=100&per_page=100). */
  duplicateQueryParams: boolean;
}

export interface DemoConfig {
  /** Records 1..count exist; each is computed from its index, none is stored. */
  count: number;
  /** updated_at of record i is epoch + i*stepSeconds (before any touch), created_at a little earlier. */
  epoch: string;
  stepSeconds: number;
  defaultPageSize: number;
  maxPageSize: number;
  /** First index of the offset style's `from` (Zoho Desk counts from 1). */
  offsetBase: 0 | 1;
  /** Whether updated_since includes records updated exactly at that instant. */
  updatedSinceInclusive: boolean;
  /** What the status style answers past the last page. */
  pastEndStatus: number;
  /** What the offset style answers past the end: 204 without body, or 200 {"data":[]}. */
  offsetPastEnd: 'no-content' | 'empty-data';
  switches: DemoSwitches;
  auth: {
    /** When on, every data endpoint wants the credentials of `scheme`. */
    required: boolean;
    /**
     * bearer: Authorization: Bearer <token from the token endpoint>; api_key: the key `apiKey` names, in a header or
     * the query (as Stripe-like and many SaaS APIs take it); basic: HTTP basic (RFC 7617) with `basic`'s user.
     */
    scheme: 'bearer' | 'api_key' | 'basic';
    apiKey: { name: string; in: 'header' | 'query'; value: string } | null;
    basic: { username: string; password: string } | null;
    tokenTtlSeconds: number;
    /** The JSON key the token endpoint puts the access token under (the extractor's response_token_key). */
    tokenKey: string;
    /** When set, token requests must carry these. */
    clientId: string | null;
    clientSecret: string | null;
  };
  /** The Zoho-shaped variants the seed extractor configs target (deals via CRM v2, tickets via Desk v1). */
  zoho: {
    deals: number;
    tickets: number;
    pageLimit: number;
    deskFromBase: 0 | 1;
    deskPastEndStatus: number;
    /** Zoho grants at most this many access tokens per refresh token in tokenWindowSeconds (10 in 10 min); 0: no limit. */
    tokensPerWindow: number;
    tokenWindowSeconds: number;
  };
}

export const defaultDemoConfig = (): DemoConfig => ({
  count: 1000,
  epoch: '2024-01-01T00:00:00.000Z',
  stepSeconds: 30,
  defaultPageSize: 100,
  maxPageSize: 1000,
  offsetBase: 1,
  updatedSinceInclusive: true,
  pastEndStatus: 404,
  offsetPastEnd: 'no-content',
  switches: { lastPageTwice: false, shortPage: null, omitMoreRecords: 'never', relativeLinks: 'none', duplicateQueryParams: false },
  auth: { required: false, scheme: 'bearer', apiKey: null, basic: null, tokenTtlSeconds: 3600, tokenKey: 'access_token', clientId: null, clientSecret: null },
  zoho: { deals: 450, tickets: 350, pageLimit: 2000, deskFromBase: 1, deskPastEndStatus: 204, tokensPerWindow: 10, tokenWindowSeconds: 600 },
});

export const demoConfigSchema = z.strictObject({
  count: z.number().int().min(0).max(100_000_000).optional(),
  epoch: z.iso.datetime().optional(),
  stepSeconds: z.number().int().min(1).optional(),
  defaultPageSize: z.number().int().min(1).optional(),
  maxPageSize: z.number().int().min(1).optional(),
  offsetBase: z.union([z.literal(0), z.literal(1)]).optional(),
  updatedSinceInclusive: z.boolean().optional(),
  pastEndStatus: z.number().int().min(201).max(599).optional(),
  offsetPastEnd: z.enum(['no-content', 'empty-data']).optional(),
  switches: z
    .strictObject({
      lastPageTwice: z.boolean(),
      shortPage: z.strictObject({ page: z.number().int().min(1), size: z.number().int().min(0) }).nullable(),
      omitMoreRecords: z.enum(['never', 'last', 'always']),
      relativeLinks: z.enum(['none', 'root', 'path']),
      duplicateQueryParams: z.boolean(),
    })
    .partial()
    .optional(),
  auth: z
    .strictObject({
      required: z.boolean(),
      scheme: z.enum(['bearer', 'api_key', 'basic']),
      apiKey: z.strictObject({ name: z.string().min(1), in: z.enum(['header', 'query']), value: z.string().min(1) }).nullable(),
      basic: z.strictObject({ username: z.string().min(1), password: z.string() }).nullable(),
      tokenTtlSeconds: z.number().int().min(1),
      tokenKey: z.string().min(1),
      clientId: z.string().nullable(),
      clientSecret: z.string().nullable(),
    })
    .partial()
    .optional(),
  zoho: z
    .strictObject({
      deals: z.number().int().min(0).max(10_000_000),
      tickets: z.number().int().min(0).max(10_000_000),
      pageLimit: z.number().int().min(0),
      deskFromBase: z.union([z.literal(0), z.literal(1)]),
      deskPastEndStatus: z.number().int().min(201).max(599),
      tokensPerWindow: z.number().int().min(0),
      tokenWindowSeconds: z.number().int().min(1),
    })
    .partial()
    .optional(),
});

export const demoSeedSchema = z.strictObject({
  refreshTokens: z.array(z.string().min(1)).optional(),
  /** Access tokens as if already issued; a zero/negative lifetime seeds an expired one. */
  accessTokens: z.array(z.strictObject({ token: z.string().min(1), expiresInSeconds: z.number().int().optional() })).optional(),
});

export const demoTouchSchema = z.strictObject({
  ids: z.array(z.number().int().min(1)).min(1).max(100_000),
});

function stripUndefined<T extends object>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}

export function mergeDemoConfig(config: DemoConfig, body: unknown): DemoConfig {
  const { switches, auth, zoho, ...rest } = demoConfigSchema.parse(body);
  return {
    ...config,
    ...stripUndefined(rest),
    switches: { ...config.switches, ...stripUndefined(switches ?? {}) },
    auth: { ...config.auth, ...stripUndefined(auth ?? {}) },
    zoho: { ...config.zoho, ...stripUndefined(zoho ?? {}) },
  };
}
