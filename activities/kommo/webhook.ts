import type { KommoClient } from '../../providers/kommo/client';
import { WEBHOOK_SETTINGS, webhookSecretMatches, type KommoMirrorStore, type MirrorDoc } from '../../store/kommo-mirrors';

export type WebhookAction = 'kept' | 'revived' | 'subscribed';

/**
 * Keeps a mirror's webhook subscribed: `subscribe` (the setup step) makes a new secret and subscribes its
 * destination; `revive` (every poll) re-subscribes a destination Kommo disabled after failed deliveries (subscribing
 * it again revives it), or makes a new one when Kommo no longer has ours. Destinations of the mirror with an old
 * secret are removed. Only the secret's hash is stored, so a destination is never rebuilt from the store.
 * https://www.kommo.com/developers/content/crm_platform/webhooks-api/
 */
export async function ensureWebhook(mirrors: KommoMirrorStore, mirror: MirrorDoc, client: KommoClient, base: string, mode: 'subscribe' | 'revive'): Promise<{ action: WebhookAction; calls: number }> {
  let calls = 1;
  const ours = (await client.listWebhooks()).filter((h) => h.destination.startsWith(base));
  const current = ours.find((h) => webhookSecretMatches(mirror, decodeURIComponent(h.destination.slice(base.length))));
  let keep: string;
  let action: WebhookAction;
  if (mode === 'revive' && current) {
    keep = current.destination;
    action = current.disabled ? 'revived' : 'kept';
    if (current.disabled) {
      await client.subscribeWebhook(current.destination, WEBHOOK_SETTINGS);
      calls++;
      await mirrors.markSubscribed(mirror._id);
    }
  } else {
    const { secret } = await mirrors.newWebhookSecret(mirror._id);
    keep = `${base}${encodeURIComponent(secret)}`;
    await client.subscribeWebhook(keep, WEBHOOK_SETTINGS);
    calls++;
    action = 'subscribed';
  }
  for (const stale of ours.filter((h) => h.destination !== keep)) {
    await client.unsubscribeWebhook(stale.destination);
    calls++;
  }
  return { action, calls };
}
