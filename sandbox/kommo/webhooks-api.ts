import type { FastifyInstance } from 'fastify';
import { hal, httpProblem, invalidRequest, validationProblem, zodToKommo } from './errors';
import { guard, type Params } from './guard';
import { webhookApiSchema } from './schemas';
import type { KommoState } from './state';

/** Webhook subscriptions through the API; delivery itself is in webhooks.ts. */

const KNOWN_WEBHOOK_SETTINGS = new Set([
  'add_contact', 'update_contact', 'delete_contact', 'restore_contact', 'note_contact',
  'add_lead', 'update_lead', 'delete_lead', 'restore_lead', 'status_lead', 'responsible_lead', 'note_lead',
  'add_company', 'update_company', 'delete_company', 'restore_company', 'note_company',
  'add_task', 'update_task', 'delete_task', 'add_talk', 'update_talk', 'add_chat_template_review',
]);

export function registerWebhookApiRoutes(app: FastifyInstance, state: KommoState): void {
  // https://www.kommo.com/developers/content/crm_platform/webhooks-api/
  app.get<{ Params: Params }>('/:subdomain/api/v4/webhooks', async (req, reply) => {
    const acc = guard(state, req, reply);
    if (!acc) return reply;
    return hal(reply, { _total_items: acc.webhooks.length, _embedded: { webhooks: acc.webhooks.map((w) => state.webhookJson(acc, w)) } });
  });

  app.post<{ Params: Params }>('/:subdomain/api/v4/webhooks', async (req, reply) => {
    const acc = guard(state, req, reply);
    if (!acc) return reply;
    const parsed = webhookApiSchema.safeParse(req.body);
    if (!parsed.success) return validationProblem(reply, [{ request_id: '0', errors: zodToKommo(parsed.error) }]);
    const unknown = parsed.data.settings.findIndex((s) => !KNOWN_WEBHOOK_SETTINGS.has(s));
    if (unknown >= 0) return invalidRequest(reply, 'NotSupportedChoice', `settings.${unknown}`, 'The value you selected is not a valid choice.');
    if (!URL.canParse(parsed.data.destination)) return invalidRequest(reply, 'InvalidUrl', 'destination', 'This value is not a valid URL.');
    return hal(reply, state.webhookJson(acc, state.upsertWebhook(acc, parsed.data.destination, parsed.data.settings)));
  });

  app.delete<{ Params: Params }>('/:subdomain/api/v4/webhooks', async (req, reply) => {
    const acc = guard(state, req, reply);
    if (!acc) return reply;
    const dest = (req.body as { destination?: unknown } | undefined)?.destination;
    if (typeof dest !== 'string') return invalidRequest(reply, 'NotBlank', 'destination', 'This value should not be blank.');
    const i = acc.webhooks.findIndex((w) => w.destination === dest);
    if (i < 0) return httpProblem(reply, 404, 'Not Found', 'Webhook not found');
    acc.webhooks.splice(i, 1);
    return reply.code(204).send();
  });
}
