import { z } from 'zod';

export const EMAIL_STATUSES = ['new', 'invited', 'active', 'inactive', 'unsubscribed', 'blocked', 'activation_requested'] as const;
export type EmailStatus = (typeof EMAIL_STATUSES)[number];
export type ListStatus = 'new' | 'invited' | 'active' | 'unsubscribed';

export const ERROR_CODES = [
  'invalid_api_key',
  'access_denied',
  'unknown_method',
  'invalid_arg',
  'retry_later',
  'api_call_limit_exceeded_for_api_key',
  'api_call_limit_exceeded_for_ip',
] as const;

export interface UnisenderConfig {
  callsPerMinutePerKey: number;
  callsPerMinutePerIp: number;
  maxImportRows: number;
  requireFormatJson: boolean;
  duplicateListTitleCode: (typeof ERROR_CODES)[number];
  contactNotFoundCode: (typeof ERROR_CODES)[number];
  importListStatus: ListStatus;
}

export const defaultUnisenderConfig = (): UnisenderConfig => ({
  callsPerMinutePerKey: 1200,
  // Unisender has a per-IP limit too but does not publish it: off unless a test turns it on.
  callsPerMinutePerIp: 0,
  maxImportRows: 500,
  requireFormatJson: true,
  duplicateListTitleCode: 'invalid_arg',
  contactNotFoundCode: 'invalid_arg',
  importListStatus: 'active',
});

export const unisenderConfigSchema = z.strictObject({
  callsPerMinutePerKey: z.number().int().min(0).optional(),
  callsPerMinutePerIp: z.number().int().min(0).optional(),
  maxImportRows: z.number().int().min(1).optional(),
  requireFormatJson: z.boolean().optional(),
  duplicateListTitleCode: z.enum(ERROR_CODES).optional(),
  contactNotFoundCode: z.enum(ERROR_CODES).optional(),
  importListStatus: z.enum(['new', 'invited', 'active', 'unsubscribed']).optional(),
});

const listRef = z.union([z.number().int().positive(), z.strictObject({ id: z.number().int().positive(), status: z.enum(['new', 'invited', 'active', 'unsubscribed']).optional() })]);

export const unisenderSeedSchema = z.strictObject({
  accounts: z
    .array(
      z.strictObject({
        /** Accounts are found again by id or by any of their keys, so a second seed adds to the first. */
        id: z.string().min(1).optional(),
        apiKeys: z
          .array(z.union([z.string().min(1), z.strictObject({ key: z.string().min(1), accessDenied: z.boolean().optional(), deniedMethods: z.array(z.string()).optional() })]))
          .min(1),
        fields: z.array(z.string().min(1)).optional(),
        lists: z.array(z.strictObject({ id: z.number().int().positive().optional(), title: z.string().min(1) })).optional(),
        contacts: z
          .array(
            z.strictObject({
              email: z.string().min(3),
              status: z.enum(EMAIL_STATUSES).optional(),
              phone: z.string().optional(),
              fields: z.record(z.string(), z.string()).optional(),
              tags: z.array(z.string()).optional(),
              lists: z.array(listRef).optional(),
            }),
          )
          .optional(),
      }),
    )
    .min(1),
});

export interface UnisenderList {
  id: number;
  title: string;
  addedAt: number;
}

export interface Membership {
  status: ListStatus;
  addedAt: number;
}

export interface UnisenderContact {
  personId: number;
  email: string;
  emailStatus: EmailStatus;
  phone?: string;
  fields: Record<string, string>;
  tags: Set<string>;
  lists: Map<number, Membership>;
  addedAt: number;
}

export interface ApiKey {
  key: string;
  accessDenied: boolean;
  deniedMethods: string[];
}

export class UnisenderAccount {
  readonly lists = new Map<number, UnisenderList>();
  readonly contacts = new Map<string, UnisenderContact>();
  readonly fields: string[];
  readonly apiKeys: ApiKey[] = [];
  nextListId = 1;
  nextPersonId = 5_000_001;

  constructor(
    readonly id: string,
    fields: string[],
  ) {
    // Every Unisender account has the "Name" field; others are created by the user.
    this.fields = ['Name', ...fields.filter((f) => f.toLowerCase() !== 'name')];
  }

  /** User field names match case-insensitively and are stored under the account's spelling. */
  field(name: string): string | undefined {
    return this.fields.find((f) => f.toLowerCase() === name.toLowerCase());
  }

  listByTitle(title: string): UnisenderList | undefined {
    const t = title.trim().toLowerCase();
    return [...this.lists.values()].find((l) => l.title.trim().toLowerCase() === t);
  }

  contact(email: string): UnisenderContact | undefined {
    return this.contacts.get(email.trim().toLowerCase());
  }

  newContact(email: string, now: number, status: EmailStatus): UnisenderContact {
    const c: UnisenderContact = {
      personId: this.nextPersonId++,
      email: email.trim().toLowerCase(),
      emailStatus: status,
      fields: {},
      tags: new Set(),
      lists: new Map(),
      addedAt: now,
    };
    this.contacts.set(c.email, c);
    return c;
  }
}

// Deliberately simple: Unisender rejects obviously broken addresses, not every RFC corner case.
export const isEmail = (s: string): boolean => /^[^\s@,;<>]+@[^\s@,;<>]+\.[a-z0-9-]{2,}$/i.test(s.trim());

/** Unisender prints times as "YYYY-MM-DD HH:MM:SS" in UTC. */
export const unisenderTime = (ms: number): string => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
