import { LIST_STATUSES } from './config';

export const EMAIL_STATUSES = ['new', 'invited', 'active', 'inactive', 'unsubscribed', 'blocked', 'activation_requested'] as const;
export type EmailStatus = (typeof EMAIL_STATUSES)[number];
export type ListStatus = (typeof LIST_STATUSES)[number];

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
