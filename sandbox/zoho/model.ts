import { randomBytes } from 'node:crypto';
import type { FakeClock } from '../clock';
import { OAuthLedger, type LedgerAccessToken, type LedgerRefreshToken } from '../oauth-ledger';
import { defaultZohoConfig, type ZohoConfig } from './config';
import { KeyedFixedWindows, RollingBudget } from './limits';

/** Zoho data centres: accounts.zoho.<dc> (Canada: accounts.zohocloud.ca). */
export const DATA_CENTRES = ['com', 'eu', 'in', 'com.au', 'jp', 'com.cn', 'sa', 'ca'] as const;
export type DataCentre = (typeof DATA_CENTRES)[number];

export const DEFAULT_SCOPE = 'ZohoCRM.modules.ALL,ZohoCRM.settings.ALL,ZohoCreator.report.READ,ZohoCreator.form.CREATE,Desk.tickets.READ';

export interface ZohoClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
}

export interface UserRef {
  name: string;
  id: string;
  email: string;
}

export interface ZohoAccount {
  id: string;
  email: string;
  dc: DataCentre;
  /** The CRM/Desk organisation whose data the account's tokens reach. */
  org: string;
  user: UserRef;
}

/** A refresh token, with the times of its recent successful refreshes (throttling). */
export type ZohoRefreshToken = LedgerRefreshToken<'accountId', { recent: number[] }>;

export type ZohoAccessToken = LedgerAccessToken<'accountId'>;

export interface ZohoAuthCode {
  code: string;
  accountId: string;
  clientId: string;
  redirectUri?: string;
  scope: string;
  expiresAt: number;
  used: boolean;
  /** Whether its exchange issues a refresh token (see consent.ts); absent (codes of the control API): yes. */
  refreshToken?: boolean;
}

export interface CrmRecord {
  id: string;
  fields: Record<string, unknown>;
  createdMs: number;
  /** Second resolution, as Zoho's Modified_Time. */
  modifiedMs: number;
  owner: UserRef;
  createdBy: UserRef;
  modifiedBy: UserRef;
}

export interface DeletedRow {
  id: string;
  display_name: string;
  deletedMs: number;
  deleted_by: UserRef;
  created_by: UserRef;
  /** Deleted from the recycle bin too (a person emptied it): listed as type "permanent" without names. */
  permanent: boolean;
}

/** A CRM user of an org (GET /crm/v2/users): record owners must be active users of the record's org. */
export interface CrmUser extends UserRef {
  status: 'active' | 'disabled';
  first_name: string;
  last_name: string;
  role: { name: string; id: string };
  profile: { name: string; id: string };
}

export interface CrmPageToken {
  token: string;
  org: string;
  module: string;
  fingerprint: string;
  /** The last record handed out, in the sort order: the next page starts after it. */
  after: { key: number; id: string };
  page: number;
  /** Records handed out so far through this chain of tokens (page_token reaches at most 100,000). */
  served: number;
  createdAt: number;
}

export interface OrgData {
  id: string;
  /** Records per module API name (Contacts, Leads...), in creation order. */
  modules: Map<string, Map<string, CrmRecord>>;
  deleted: Map<string, DeletedRow[]>;
  /** CRM users by id; every account of the org is one of them. */
  users: Map<string, CrmUser>;
  credits: RollingBudget;
  inflight: number;
  /** Desk: how many tickets the org has (generated on the fly) and its Desk orgId. */
  deskTickets: number;
  deskOrgId: string;
}

export interface CreatorRecord {
  ID: string;
  data: Record<string, unknown>;
  addedMs: number;
  modifiedMs: number;
}

export type CreatorFieldType = 'text' | 'email' | 'number' | 'any';

export interface CreatorForm {
  name: string;
  /** Declared fields (unknown fields refused) or undefined (anything goes). */
  fields?: Record<string, CreatorFieldType>;
  mandatory: string[];
  records: CreatorRecord[];
}

export interface CreatorApp {
  owner: string;
  app: string;
  forms: Map<string, CreatorForm>;
  /** Report link name -> form it shows. */
  reports: Map<string, string>;
}

export interface CreatorCursor {
  token: string;
  key: string;
  criteria: string;
  maxRecords: number;
  offset: number;
}

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

export class ZohoState {
  config: ZohoConfig = defaultZohoConfig();
  clients = new Map<string, ZohoClient>();
  accounts = new Map<string, ZohoAccount>();
  /** Refresh and access tokens; refresh tokens never expire, revoking an access token leaves its grant alone. */
  readonly tokens = new OAuthLedger('accountId', {
    now: () => this.now(),
    newRefreshToken: () => `1000.${hex(16)}.${hex(16)}`,
    newAccessToken: () => `1000.${hex(16)}.${hex(16)}`,
    refreshExtras: (): { recent: number[] } => ({ recent: [] }),
    accessTokenTtlSeconds: () => this.config.accessTokenTtlSeconds,
    refreshTokenTtlSeconds: () => null,
    revokeAccessRevokesGrant: false,
    onAccessTokenIssued: () => {
      this.counters.accessTokensIssued++;
    },
  });
  authCodes = new Map<string, ZohoAuthCode>();
  orgs = new Map<string, OrgData>();
  pageTokens = new Map<string, CrmPageToken>();
  creatorApps = new Map<string, CreatorApp>();
  creatorCursors = new Map<string, CreatorCursor>();
  creatorMinute = new KeyedFixedWindows();
  creatorDay = new KeyedFixedWindows();
  private idCounter = 0;
  counters = { tokenRequests: 0, accessTokensIssued: 0, refreshThrottled: 0, crmRequests: 0, crmCreditsRejected: 0, crmConcurrencyRejected: 0, crmWorkflowRuns: 0, creatorRejected: 0 };

  constructor(readonly clock: FakeClock) {}

  reset(): void {
    this.config = defaultZohoConfig();
    this.clients.clear();
    this.accounts.clear();
    this.tokens.clear();
    this.authCodes.clear();
    this.orgs.clear();
    this.pageTokens.clear();
    this.creatorApps.clear();
    this.creatorCursors.clear();
    this.creatorMinute.clear();
    this.creatorDay.clear();
    this.idCounter = 0;
    this.counters = { tokenRequests: 0, accessTokensIssued: 0, refreshThrottled: 0, crmRequests: 0, crmCreditsRejected: 0, crmConcurrencyRejected: 0, crmWorkflowRuns: 0, creatorRejected: 0 };
  }

  now(): number {
    return this.clock.now();
  }

  /** 19-digit ids like Zoho's (CRM record ids, user ids, Creator IDs). */
  nextId(): string {
    return (4_876_876_000_000_000_000n + BigInt(++this.idCounter) * 1001n).toString();
  }

  org(id: string): OrgData {
    let o = this.orgs.get(id);
    if (!o) {
      o = { id, modules: new Map(), deleted: new Map(), users: new Map(), credits: new RollingBudget(24 * 3600 * 1000), inflight: 0, deskTickets: 0, deskOrgId: String(600_000_000 + this.orgs.size + 1) };
      this.orgs.set(id, o);
    }
    return o;
  }

  records(org: OrgData, module: string): Map<string, CrmRecord> {
    let m = org.modules.get(module);
    if (!m) {
      m = new Map();
      org.modules.set(module, m);
    }
    return m;
  }

  deletedRows(org: OrgData, module: string): DeletedRow[] {
    let d = org.deleted.get(module);
    if (!d) {
      d = [];
      org.deleted.set(module, d);
    }
    return d;
  }

  addAccount(a: { id: string; email: string; dc: DataCentre; org: string; name?: string }): ZohoAccount {
    const existing = this.accounts.get(a.id);
    if (existing) return existing;
    const u = this.addCrmUser(this.org(a.org), { name: a.name ?? a.email.split('@')[0] ?? a.id, email: a.email });
    const account: ZohoAccount = { id: a.id, email: a.email, dc: a.dc, org: a.org, user: { name: u.name, id: u.id, email: u.email } };
    this.accounts.set(a.id, account);
    return account;
  }

  /** Adds (or finds by email) a CRM user of an org. The org's first user is its administrator. */
  addCrmUser(org: OrgData, u: { name: string; email: string; id?: string; status?: 'active' | 'disabled' }): CrmUser {
    const existing = [...org.users.values()].find((x) => x.email.toLowerCase() === u.email.toLowerCase());
    if (existing) return existing;
    const [first = '', ...rest] = u.name.split(' ');
    const admin = org.users.size === 0;
    const user: CrmUser = {
      id: u.id ?? this.nextId(),
      name: u.name,
      email: u.email,
      status: u.status ?? 'active',
      first_name: rest.length ? first : '',
      last_name: rest.length ? rest.join(' ') : first,
      role: admin ? { name: 'CEO', id: '4876876000000015969' } : { name: 'Manager', id: '4876876000000015972' },
      profile: admin ? { name: 'Administrator', id: '4876876000000015975' } : { name: 'Standard', id: '4876876000000015978' },
    };
    org.users.set(user.id, user);
    return user;
  }

  newPageToken(rec: Omit<CrmPageToken, 'token'>): CrmPageToken {
    const full: CrmPageToken = { ...rec, token: `${hex(40)}` };
    this.pageTokens.set(full.token, full);
    return full;
  }

  newCreatorCursor(rec: Omit<CreatorCursor, 'token'>): CreatorCursor {
    const full: CreatorCursor = { ...rec, token: hex(32) };
    this.creatorCursors.set(full.token, full);
    return full;
  }
}

/** Zoho's timestamps: ISO 8601 to the second with an offset, e.g. 2024-05-02T11:17:33+00:00. */
export const zohoTime = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19)}+00:00`;
