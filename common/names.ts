/**
 * Every name Switchyard shares between layers, in one place: provider names, failure types, task queues, workflow
 * ids and search attributes. Workflows, activities, workers, clients and the store all import them from here, so a
 * rename is one edit. Dependency-free apart from @temporalio/common (deterministic, safe inside workflows).
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Providers whose accounts Switchyard connects with OAuth and keeps refreshed. */
export const OAUTH_PROVIDERS = ['google', 'zoho', 'kommo'] as const;
export type OAuthProvider = (typeof OAUTH_PROVIDERS)[number];

/** Zoho data centres and their accounts hosts (the API host comes back as `api_domain` on every refresh). */
export const ZOHO_DATA_CENTRES = {
  com: 'https://accounts.zoho.com',
  eu: 'https://accounts.zoho.eu',
  in: 'https://accounts.zoho.in',
  'com.au': 'https://accounts.zoho.com.au',
  jp: 'https://accounts.zoho.jp',
  'com.cn': 'https://accounts.zoho.com.cn',
  sa: 'https://accounts.zoho.sa',
  ca: 'https://accounts.zohocloud.ca',
} as const;
export type ZohoDataCentre = keyof typeof ZOHO_DATA_CENTRES;
export const ZOHO_DC_NAMES = Object.keys(ZOHO_DATA_CENTRES) as [ZohoDataCentre, ...ZohoDataCentre[]];

/**
 * Failure types: the `type` of every ApplicationFailure Switchyard raises, which activity retry policies list as
 * non-retryable and workflows branch on.
 */
export const FailureType = {
  /** 401 with an expired access token: refresh once, retry the call. */
  AuthExpired: 'AuthExpired',
  /** The refresh token is revoked or invalid: a person must reconnect the account. */
  AuthRevoked: 'AuthRevoked',
  /** A rotated (Kommo) refresh token was lost with a dying worker: a person must reconnect the account. */
  RotationLost: 'RotationLost',
  /** 429 or the provider's equivalent: retry after its delay. */
  RateLimited: 'RateLimited',
  /** 5xx, timeouts, resets: retry with backoff. */
  Transient: 'Transient',
  /** 400 validation, bad config, unknown account: retrying cannot help. */
  Invalid: 'Invalid',
  /** The record changed since we read it (stale etag, If-Unmodified-Since): decide again, never retry blindly. */
  Conflict: 'Conflict',
  /** A sync token or page token expired: start the listing again from scratch. */
  CursorExpired: 'CursorExpired',
  /** Another run holds the account's refresh lease: come back when it ends. */
  RefreshInProgress: 'RefreshInProgress',
  /** An extraction run ended without publishing (its own message says why). */
  ExtractionFailed: 'ExtractionFailed',
} as const;
export type FailureType = (typeof FailureType)[keyof typeof FailureType];

/** Failure types no retry can fix. */
export const NON_RETRYABLE: FailureType[] = [FailureType.AuthRevoked, FailureType.RotationLost, FailureType.Invalid];
/** Failure types after which an account waits for a person to reconnect it. */
export const NEEDS_REAUTH: FailureType[] = [FailureType.AuthRevoked, FailureType.RotationLost];

/**
 * Task queues. Workflows (and store/e-mail activities) run on the main queue; activities that call a provider run
 * on that provider's queue, so a worker can cap the provider's global rate with maxTaskQueueActivitiesPerSecond.
 */
export const MAIN_QUEUE = 'switchyard';
export const PROVIDER_QUEUES = ['google', 'zoho', 'kommo', 'unisender', 'http', 'google-data', 'zoho-data', 'kommo-data'] as const;
export type ProviderQueue = (typeof PROVIDER_QUEUES)[number];

/**
 * The queue of a provider's activities for a deployment whose main queue is `mainQueue`. On the production queue
 * it is the provider's own name; other main queues (tests, a second deployment) get `<main>.<provider>`, so their
 * activities never reach another deployment's workers.
 */
export function providerQueue(mainQueue: string, provider: ProviderQueue): string {
  return mainQueue === MAIN_QUEUE ? provider : `${mainQueue}.${provider}`;
}

/**
 * Workflow and schedule ids are meaningful and stable (`token-refresh:<accountId>`), so a second request joins the
 * first. A deployment on another main task queue gets its own ids, `<id>@<queue>`, so it never joins a run whose
 * workers are elsewhere.
 */
export function deploymentId(mainQueue: string, id: string): string {
  return mainQueue === MAIN_QUEUE ? id : `${id}@${mainQueue}`;
}

const EXTRACT_SCHEDULE_PREFIX = 'extract:';

/** The config id in an extraction schedule id (of any deployment), else null. */
export function configIdOfScheduleId(scheduleId: string): string | null {
  if (!scheduleId.startsWith(EXTRACT_SCHEDULE_PREFIX)) return null;
  const rest = scheduleId.slice(EXTRACT_SCHEDULE_PREFIX.length).split('@')[0]!;
  return rest && !rest.includes(':') ? rest : null;
}

/** The ids of Switchyard's workflows and schedules, before the deployment rule is applied. */
export const ids = {
  refreshToken: (accountId: string) => `token-refresh:${accountId}`,
  refreshAll: (provider: OAuthProvider, mode: 'all' | 'expiring') => `token-refresh-${mode}:${provider}`,
  refreshExpiringSchedule: (provider: OAuthProvider) => `token-refresh-expiring:${provider}`,
  refreshNightlySchedule: (provider: OAuthProvider) => `token-refresh-nightly:${provider}`,
  extractConfig: (configId: string, startedMs?: number) => `extract-config:${configId}${startedMs === undefined ? '' : `:${startedMs}`}`,
  extractRun: (configId: string, extractionId: string, startedMs: number, parentRun?: string) =>
    `extract:${configId}:${extractionId}:${startedMs}${parentRun === undefined ? '' : `:${parentRun}`}`,
  extractSchedule: (configId: string) => `${EXTRACT_SCHEDULE_PREFIX}${configId}`,
  contactSync: (pairingId: string) => `contact-sync:${pairingId}`,
  kommoMirror: (mirrorId: string) => `kommo-mirror:${mirrorId}`,
} as const;

/** Signals and queries that several workflows answer, so clients and workflows agree on their names. */
export const SIGNALS = {
  pause: 'pause',
  resume: 'resume',
  resync: 'resync',
  fullResync: 'fullResync',
  /** Kommo mirror: start (or restart) a full sync. */
  fullSync: 'fullSync',
  /** Kommo mirror: its inbox has new webhook deliveries (coalesced: one per delivery batch, never one per event). */
  wake: 'wake',
} as const;
export const QUERIES = { status: 'status', progress: 'progress' } as const;

/**
 * Search attributes Switchyard sets on its workflows, so the Web UI and `temporal workflow list --query` find every
 * workflow of an account, a provider or an extraction config. The local stack registers them; a production
 * namespace needs `temporal operator search-attribute create` once (see README).
 */
export const SA = {
  accountId: defineSearchAttributeKey('SwitchyardAccountId', SearchAttributeType.KEYWORD),
  provider: defineSearchAttributeKey('SwitchyardProvider', SearchAttributeType.KEYWORD),
  configId: defineSearchAttributeKey('SwitchyardConfigId', SearchAttributeType.KEYWORD),
  /** Every account a workflow works for (a contact-sync pairing has two): a revoked token on any of them pauses it. */
  accounts: defineSearchAttributeKey('SwitchyardAccounts', SearchAttributeType.KEYWORD_LIST),
  pairingId: defineSearchAttributeKey('SwitchyardPairingId', SearchAttributeType.KEYWORD),
} as const;

/** The visibility query for every workflow that works for an account (either search attribute), as the Web UI takes it. */
export const accountWorkflowsQuery = (accountId: string): string => `${SA.accountId.name}="${accountId}" OR ${SA.accounts.name}="${accountId}"`;

/** The visibility query for the running workflows that work for an account. */
export const workflowsOfAccount = (accountId: string): string => `(${accountWorkflowsQuery(accountId)}) AND ExecutionStatus="Running"`;

/** Kommo's callback: the redirect URI of the Kommo integration (the mirror's install flow), set in Kommo's settings. */
export const KOMMO_INSTALL_CALLBACK_PATH = '/kommo/oauth/callback';
/** Where a provider's consent page sends the browser back to, under the API's public address. */
export const oauthCallbackPath = (provider: OAuthProvider): string => (provider === 'kommo' ? KOMMO_INSTALL_CALLBACK_PATH : `/oauth/${provider}/callback`);

/** `--search-attribute` values for `temporal server start-dev` and `temporal operator search-attribute create`. */
const SA_TYPE_NAMES: Partial<Record<string, string>> = { [SearchAttributeType.KEYWORD]: 'Keyword', [SearchAttributeType.KEYWORD_LIST]: 'KeywordList' };
export const SEARCH_ATTRIBUTE_DEFS = Object.values(SA).map((k) => `${k.name}=${SA_TYPE_NAMES[k.type] ?? k.type}`);
