import type { FastifyInstance } from 'fastify';
import { hal } from './errors';
import { guard, type Params } from './guard';
import type { KommoState } from './state';

export function registerAccountRoutes(app: FastifyInstance, state: KommoState): void {
  // https://www.kommo.com/developers/content/crm_platform/account-info/
  app.get<{ Params: Params }>('/:subdomain/api/v4/account', async (req, reply) => {
    const acc = guard(state, req, reply);
    if (!acc) return reply;
    return hal(reply, {
      id: acc.accountId,
      name: acc.name,
      subdomain: acc.subdomain,
      created_at: 1_600_000_000,
      created_by: acc.defaultUser,
      updated_at: 1_600_000_000,
      updated_by: acc.defaultUser,
      current_user_id: acc.defaultUser,
      country: 'US',
      currency: 'USD',
      currency_symbol: '$',
      customers_mode: 'disabled',
      is_unsorted_on: true,
      is_loss_reason_enabled: true,
      is_helpbot_enabled: false,
      is_technical_account: false,
      contact_name_display_order: 1,
      _links: { self: { href: `${state.accountUrl(acc)}/api/v4/account` } },
    });
  });
}
