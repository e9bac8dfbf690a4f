import type { Transporter } from 'nodemailer';
import { apiPublicUrl, type Settings } from '../config';
import type { AccountStore } from '../store/accounts';
import type { OAuthStateStore } from '../store/oauth-states';

export interface AlertInput {
  subject: string;
  text: string;
  /** An account that needs reconnecting: the e-mail gets a reconnect link (made here, never in workflow history). */
  reconnectAccountId?: string;
}

/** How long an alert's reconnect link works (it also stops working once its reconnection succeeds). */
export const RECONNECT_LINK_TTL_MS = 7 * 24 * 3600_000;

/** Providers whose accounts reconnect through a consent page here (Kommo's go through its install flow). */
const LINKED = new Set(['google', 'zoho']);

/** Error e-mails, as the seeds send them: one SMTP message to ALERT_EMAIL_TO. */
export const createAlertActivities = (deps: {
  mailer: Transporter;
  settings: Pick<Settings, 'ALERT_EMAIL_TO' | 'ALERT_EMAIL_FROM' | 'API_PUBLIC_URL' | 'API_PORT'>;
  accounts: AccountStore;
  oauthStates: OAuthStateStore;
}) => ({
  async sendAlert(input: AlertInput): Promise<{ messageId: string }> {
    const link = input.reconnectAccountId ? await reconnectLink(deps, input.reconnectAccountId) : '';
    const info = (await deps.mailer.sendMail({
      from: deps.settings.ALERT_EMAIL_FROM,
      to: deps.settings.ALERT_EMAIL_TO,
      subject: `[Switchyard] ${input.subject}`,
      text: `${input.text}${link}`,
    })) as { messageId: string };
    return { messageId: info.messageId };
  },
});

/** A signed, single-use, expiring link that sends the account's owner through the provider's consent page. */
async function reconnectLink(deps: Parameters<typeof createAlertActivities>[0], accountId: string): Promise<string> {
  if (!(await deps.accounts.exists(accountId))) return '';
  const account = await deps.accounts.get(accountId);
  if (!LINKED.has(account.provider)) return '';
  const { state, expiresAt } = await deps.oauthStates.issue({
    provider: account.provider,
    oauthClientId: account.oauthClientId,
    accountId,
    purpose: 'reconnect-link',
    ttlMs: RECONNECT_LINK_TTL_MS,
  });
  return `\n\nReconnect it in a browser, signed in as ${account.key} (the link works until ${expiresAt.toISOString()}, and once):\n${apiPublicUrl(deps.settings)}/oauth/reconnect/${state}\n`;
}

export type AlertActivities = ReturnType<typeof createAlertActivities>;
