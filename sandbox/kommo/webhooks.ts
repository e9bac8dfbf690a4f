import type { FakeClock } from '../clock';
import type { KommoConfig } from './config';
import type { KommoAccount, KommoContact, KommoWebhook } from './store';

export type ContactEvent = 'add' | 'update' | 'delete' | 'restore';

export interface DeliveryAttempt {
  at: string;
  status?: number;
  error?: string;
  durationMs: number;
}

export interface Delivery {
  id: number;
  webhookId: number;
  destination: string;
  event: ContactEvent;
  contactIds: number[];
  /** The exact form body sent, so tests can assert on Kommo's old field layout. */
  body: string;
  status: 'pending' | 'delivered' | 'failed' | 'skipped';
  reason?: string;
  attempts: DeliveryAttempt[];
}

const SETTING: Record<ContactEvent, string> = { add: 'add_contact', update: 'update_contact', delete: 'delete_contact', restore: 'restore_contact' };
const MAX_KEPT = 1_000;

/**
 * Builds Kommo's webhook body. Kommo still sends the pre-v4 layout (contacts[add][0][custom_fields]...),
 * form-encoded with bracketed keys, so a receiver must parse brackets rather than JSON.
 */
export function webhookBody(acc: KommoAccount, event: ContactEvent, contacts: KommoContact[], baseUrl: string, cfg: KommoConfig['webhook']): string {
  const form = new URLSearchParams();
  const idOnly = event === 'delete' || (event === 'restore' && cfg.restoreLayout === 'id');
  contacts.forEach((c, i) => {
    const p = `contacts[${event}][${i}]`;
    form.append(`${p}[id]`, String(c.id));
    if (idOnly) {
      form.append(`${p}[type]`, 'contact');
      return;
    }
    form.append(`${p}[name]`, c.name);
    form.append(`${p}[responsible_user_id]`, String(c.responsible_user_id));
    form.append(`${p}[date_create]`, String(c.created_at));
    form.append(`${p}[last_modified]`, String(c.updated_at));
    form.append(`${p}[created_user_id]`, String(c.created_by));
    form.append(`${p}[modified_user_id]`, String(c.updated_by));
    form.append(`${p}[account_id]`, String(acc.accountId));
    form.append(`${p}[created_at]`, String(c.created_at));
    form.append(`${p}[updated_at]`, String(c.updated_at));
    form.append(`${p}[type]`, 'contact');
    c.custom_fields_values.forEach((cf, j) => {
      const f = `${p}[custom_fields][${j}]`;
      form.append(`${f}[id]`, String(cf.field_id));
      form.append(`${f}[name]`, cf.field_name);
      if (cf.field_code) form.append(`${f}[code]`, cf.field_code);
      cf.values.forEach((v, k) => {
        form.append(`${f}[values][${k}][value]`, v.value);
        form.append(`${f}[values][${k}][enum]`, cfg.enumAs === 'id' ? String(v.enum_id) : v.enum_code);
      });
    });
  });
  form.append('account[subdomain]', acc.subdomain);
  form.append('account[id]', String(acc.accountId));
  form.append('account[_links][self]', `${baseUrl}/kommo/${acc.subdomain}`);
  return form.toString();
}

/**
 * Sends webhooks the way Kommo does: answered 2xx within the timeout or retried with backoff, and a
 * destination that keeps failing is disabled. Timers are real (not the fake clock): deliveries are I/O.
 */
export class WebhookEmitter {
  private nextId = 1;
  private generation = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inflight = new Set<AbortController>();
  readonly deliveries = new Map<string, Delivery[]>();

  constructor(
    private readonly clock: FakeClock,
    private readonly config: () => KommoConfig,
    private readonly baseUrl: () => string,
  ) {}

  emit(acc: KommoAccount, event: ContactEvent, contacts: KommoContact[]): Delivery[] {
    if (!contacts.length) return [];
    const out: Delivery[] = [];
    for (const hook of acc.webhooks) {
      if (!hook.settings.includes(SETTING[event])) continue;
      const delivery: Delivery = {
        id: this.nextId++,
        webhookId: hook.id,
        destination: hook.destination,
        event,
        contactIds: contacts.map((c) => c.id),
        body: webhookBody(acc, event, contacts, this.baseUrl(), this.config().webhook),
        status: hook.disabled ? 'skipped' : 'pending',
        ...(hook.disabled ? { reason: 'webhook disabled' } : {}),
        attempts: [],
      };
      this.keep(acc.subdomain, delivery);
      out.push(delivery);
      if (!hook.disabled) void this.attempt(hook, delivery, this.generation);
    }
    return out;
  }

  list(subdomain: string): Delivery[] {
    return this.deliveries.get(subdomain) ?? [];
  }

  reset(): void {
    this.generation++;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const c of this.inflight) c.abort();
    this.inflight.clear();
    this.deliveries.clear();
  }

  private keep(subdomain: string, d: Delivery): void {
    const list = this.deliveries.get(subdomain) ?? [];
    list.push(d);
    if (list.length > MAX_KEPT) list.splice(0, list.length - MAX_KEPT);
    this.deliveries.set(subdomain, list);
  }

  private async attempt(hook: KommoWebhook, d: Delivery, generation: number): Promise<void> {
    const cfg = this.config().webhook;
    const ctrl = new AbortController();
    this.inflight.add(ctrl);
    const timer = setTimeout(() => ctrl.abort(), cfg.timeoutMs);
    const started = Date.now();
    const at = new Date(this.clock.now()).toISOString();
    let status: number | undefined;
    let error: string | undefined;
    try {
      const res = await fetch(d.destination, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'amoCRM-Webhooks/3.0' },
        body: d.body,
        signal: ctrl.signal,
      });
      status = res.status;
      await res.body?.cancel().catch(() => undefined);
    } catch (err) {
      error = ctrl.signal.aborted ? `timeout after ${cfg.timeoutMs} ms` : err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
    } finally {
      clearTimeout(timer);
      this.inflight.delete(ctrl);
    }
    if (generation !== this.generation) return; // the sandbox was reset meanwhile
    d.attempts.push({ at, ...(status !== undefined ? { status } : {}), ...(error !== undefined ? { error } : {}), durationMs: Date.now() - started });
    if (status !== undefined && status >= 200 && status < 300) {
      d.status = 'delivered';
      hook.consecutiveFailures = 0;
      return;
    }
    hook.consecutiveFailures++;
    if (hook.consecutiveFailures >= cfg.disableAfterFailures) {
      hook.disabled = true;
      d.status = 'failed';
      d.reason = `webhook disabled after ${hook.consecutiveFailures} consecutive failures`;
      return;
    }
    const delay = cfg.retryDelaysMs[d.attempts.length - 1];
    if (delay === undefined) {
      d.status = 'failed';
      d.reason = `gave up after ${d.attempts.length} attempts`;
      return;
    }
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (hook.disabled) {
        d.status = 'failed';
        d.reason = 'webhook disabled';
        return;
      }
      void this.attempt(hook, d, generation);
    }, delay);
    this.timers.add(t);
  }
}
