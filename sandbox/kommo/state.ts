import type { SandboxContext } from '../types';
import { defaultKommoConfig, type KommoConfig } from './config';
import { recordEvents } from './events';
import type { KommoAccount, KommoContact, KommoWebhook, TokenRecord } from './store';
import { WebhookEmitter, type ContactEvent } from './webhooks';

/** Everything the Kommo fake holds, and the changes that both the API and the control API make. */
export class KommoState {
  config: KommoConfig = defaultKommoConfig();
  readonly accounts = new Map<string, KommoAccount>();
  /** Access and refresh tokens of every account, by value. */
  readonly tokens = new Map<string, TokenRecord>();
  readonly emitter: WebhookEmitter;
  /** Accounts seeded so far (default account ids count up from it). */
  seeded = 0;

  constructor(readonly ctx: SandboxContext) {
    this.emitter = new WebhookEmitter(ctx.clock, () => this.config, () => ctx.baseUrl);
  }

  reset(): void {
    this.config = defaultKommoConfig();
    this.accounts.clear();
    this.tokens.clear();
    this.emitter.reset();
    this.seeded = 0;
  }

  /** https://<subdomain>.kommo.com as the sandbox serves it. */
  accountUrl(acc: KommoAccount): string {
    return `${this.ctx.baseUrl}/kommo/${acc.subdomain}`;
  }

  /** For the control API: an unknown subdomain is a 404 there too. */
  requireAccount(subdomain: string): KommoAccount {
    const acc = this.accounts.get(subdomain);
    if (!acc) throw Object.assign(new Error(`unknown kommo subdomain ${subdomain}`), { statusCode: 404 });
    return acc;
  }

  contactJson(acc: KommoAccount, c: KommoContact, withs: Set<string> = new Set()): Record<string, unknown> {
    const embedded: Record<string, unknown[]> = { tags: [], companies: [] };
    for (const w of ['leads', 'customers', 'catalog_elements']) if (withs.has(w)) embedded[w] = [];
    return {
      id: c.id,
      name: c.name,
      first_name: c.first_name,
      last_name: c.last_name,
      responsible_user_id: c.responsible_user_id,
      group_id: c.group_id,
      created_by: c.created_by,
      updated_by: c.updated_by,
      created_at: c.created_at,
      updated_at: c.updated_at,
      closest_task_at: null,
      is_deleted: false,
      is_unsorted: false,
      // Kommo sends null, not [], for a contact without custom fields: clients must cope.
      custom_fields_values: c.custom_fields_values.length ? c.custom_fields_values : null,
      account_id: acc.accountId,
      _links: { self: { href: `${this.accountUrl(acc)}/api/v4/contacts/${c.id}` } },
      _embedded: embedded,
    };
  }

  /** A contact change as Kommo reports it: an event in the log (adds, deletes, restores) and webhook deliveries. */
  announce(acc: KommoAccount, event: ContactEvent, contacts: KommoContact[]): number[] {
    recordEvents(acc, event, contacts, this.ctx.clock.nowSeconds());
    return this.emitter.emit(acc, event, contacts).map((d) => d.id);
  }

  /** A deletion "in the UI": the contacts leave the API for the trash. Unknown ids are skipped. */
  deleteContacts(acc: KommoAccount, ids: number[]): { removed: KommoContact[]; deliveries: number[] } {
    const removed = this.move(ids, acc.contacts, acc.trash);
    if (removed.length) acc.touch();
    return { removed, deliveries: this.announce(acc, 'delete', removed) };
  }

  /** Restoring from the trash "in the UI": the contacts come back unchanged, with their ids. */
  restoreContacts(acc: KommoAccount, ids: number[]): { restored: KommoContact[]; deliveries: number[] } {
    const restored = this.move(ids, acc.trash, acc.contacts);
    if (restored.length) acc.touch();
    return { restored, deliveries: this.announce(acc, 'restore', restored) };
  }

  private move(ids: number[], from: Map<number, KommoContact>, to: Map<number, KommoContact>): KommoContact[] {
    const moved: KommoContact[] = [];
    for (const id of ids) {
      const c = from.get(id);
      if (!c) continue;
      from.delete(id);
      to.set(id, c);
      moved.push(c);
    }
    return moved;
  }

  upsertWebhook(acc: KommoAccount, destination: string, settings: string[]): KommoWebhook {
    const now = this.ctx.clock.nowSeconds();
    const existing = acc.webhooks.find((w) => w.destination === destination);
    if (existing) {
      existing.settings = settings;
      existing.updated_at = now;
      // Re-subscribing is how an integration revives a disabled webhook.
      existing.disabled = false;
      existing.consecutiveFailures = 0;
      return existing;
    }
    const hook = { id: acc.nextWebhookId++, destination, settings, created_at: now, updated_at: now, disabled: false, consecutiveFailures: 0 };
    acc.webhooks.push(hook);
    return hook;
  }

  webhookJson(acc: KommoAccount, w: KommoWebhook): Record<string, unknown> {
    return {
      id: w.id,
      destination: w.destination,
      created_at: w.created_at,
      updated_at: w.updated_at,
      account_id: acc.accountId,
      created_by: acc.defaultUser,
      sort: 1,
      disabled: w.disabled,
      settings: w.settings,
    };
  }
}
