import type { FastifyInstance, FastifyRequest } from 'fastify';
import { installRedirect, mintAuthorizationCode } from './oauth';
import { controlAuthorizeSchema, controlContactsSchema, controlContactIdsSchema, controlWebhookSchema, type ContactSeed } from './schemas';
import type { KommoState } from './state';
import type { KommoAccount, KommoContact } from './store';

/**
 * Extra control routes under /_control/kommo: what a person does in Kommo's UI (install the integration, add,
 * edit, delete and restore contacts, add a webhook), with the webhooks such changes fire.
 */
export function registerUiControlRoutes(app: FastifyInstance, state: KommoState): void {
  // What Kommo does when a user installs the integration: mint a code and redirect to redirect_uri.
  app.post('/authorize', async (req) => {
    const b = controlAuthorizeSchema.parse(req.body ?? {});
    const acc = state.requireAccount(b.subdomain);
    const code = mintAuthorizationCode(state, acc);
    return { code, redirectUrl: installRedirect(acc, { code, state: b.state }), baseUrl: state.accountUrl(acc) };
  });

  // Each contact of the body is written, then the webhooks fire like API writes do.
  const uiWrite =
    (event: 'add' | 'update', write: (acc: KommoAccount, s: ContactSeed, now: number) => KommoContact) =>
    async (req: FastifyRequest) => {
      const b = controlContactsSchema.parse(req.body ?? {});
      const acc = state.requireAccount(b.subdomain);
      const now = state.ctx.clock.nowSeconds();
      const changed = b.contacts.map((s) => write(acc, s, now));
      acc.touch();
      const deliveries = state.announce(acc, event, changed);
      return { contacts: changed.map((c) => state.contactJson(acc, c)), deliveries };
    };

  app.post(
    '/contacts',
    uiWrite('add', (acc, s, now) => {
      const c = acc.contactFromSeed(s, now);
      if (acc.contacts.has(c.id) || acc.trash.has(c.id)) throw Object.assign(new Error(`contact ${c.id} exists`), { statusCode: 409 });
      acc.contacts.set(c.id, c);
      return c;
    }),
  );

  app.patch(
    '/contacts',
    uiWrite('update', (acc, s, now) => {
      const existing = s.id !== undefined ? acc.contacts.get(s.id) : undefined;
      if (!existing) throw Object.assign(new Error(`contact ${s.id ?? '(no id)'} not found`), { statusCode: 404 });
      const merged = acc.mergeSeed(existing, s, now);
      acc.contacts.set(merged.id, merged);
      return merged;
    }),
  );

  app.post('/contacts/delete', async (req) => {
    const b = controlContactIdsSchema.parse(req.body ?? {});
    const acc = state.requireAccount(b.subdomain);
    const { removed, deliveries } = state.deleteContacts(acc, b.ids);
    return { deleted: removed.map((c) => c.id), deliveries };
  });

  // Restoring from the trash: the contacts come back with their ids and fire restore_contact webhooks.
  app.post('/contacts/restore', async (req) => {
    const b = controlContactIdsSchema.parse(req.body ?? {});
    const acc = state.requireAccount(b.subdomain);
    const { restored, deliveries } = state.restoreContacts(acc, b.ids);
    return { restored: restored.map((c) => c.id), deliveries };
  });

  app.post('/webhooks', async (req) => {
    const b = controlWebhookSchema.parse(req.body ?? {});
    const acc = state.requireAccount(b.subdomain);
    return state.upsertWebhook(acc, b.destination, b.settings);
  });

  app.get<{ Querystring: { subdomain?: string } }>('/deliveries', async (req) => {
    const subs = req.query.subdomain ? [req.query.subdomain] : [...state.accounts.keys()];
    return { deliveries: subs.flatMap((s) => state.emitter.list(s)) };
  });
}
