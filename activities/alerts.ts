import type { Transporter } from 'nodemailer';
import type { Settings } from '../config';

export interface AlertInput {
  subject: string;
  text: string;
}

/** Error e-mails, as the seeds send them: one SMTP message to ALERT_EMAIL_TO. */
export const createAlertActivities = (deps: { mailer: Transporter; settings: Pick<Settings, 'ALERT_EMAIL_TO' | 'ALERT_EMAIL_FROM'> }) => ({
  async sendAlert(input: AlertInput): Promise<{ messageId: string }> {
    const info = (await deps.mailer.sendMail({
      from: deps.settings.ALERT_EMAIL_FROM,
      to: deps.settings.ALERT_EMAIL_TO,
      subject: `[Switchyard] ${input.subject}`,
      text: input.text,
    })) as { messageId: string };
    return { messageId: info.messageId };
  },
});

export type AlertActivities = ReturnType<typeof createAlertActivities>;
