import type { Client } from '@temporalio/client';
import type { Transporter } from 'nodemailer';
import type { Settings } from '../config';
import type { Logger } from '../config/logger';
import { ensureSchedules, reconcileConfigSchedules, tokenSchedules } from '../clients/schedules';
import type { ConfigStore } from '../store/configs';

/**
 * At worker start: the token schedules, and one schedule per stored extraction config, in step. Nothing here stops
 * the worker: a schedule that cannot be brought in step (a stored cron Temporal refuses, Temporal busy) is logged
 * and e-mailed, and the worker goes on polling; the next start tries again.
 */
export async function bringSchedulesInStep(deps: { temporal: Client; settings: Settings; configs: ConfigStore; mailer: Transporter; log: Logger }): Promise<void> {
  const { temporal, settings, log } = deps;
  const problems: string[] = [];
  try {
    const ids = await ensureSchedules(temporal, settings, tokenSchedules(settings));
    log.info({ schedules: ids.length }, 'token refresh schedules in place');
  } catch (err) {
    log.error({ err }, 'token refresh schedules could not be brought in step');
    problems.push(`token refresh schedules: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    const result = await reconcileConfigSchedules(temporal, settings, await deps.configs.crons());
    log.info({ configSchedules: result.ensured.length, deleted: result.deleted, failed: result.failed.length }, 'extraction schedules in step with the stored configs');
    for (const f of result.failed) {
      log.error({ scheduleId: f.scheduleId, configId: f.configId, error: f.error }, 'extraction schedule could not be brought in step');
      problems.push(`${f.configId ? `config ${f.configId}` : 'orphaned schedule'} (${f.scheduleId}): ${f.error}`);
    }
  } catch (err) {
    log.error({ err }, 'extraction schedules could not be brought in step');
    problems.push(`extraction schedules: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!problems.length) return;
  await deps.mailer
    .sendMail({
      from: settings.ALERT_EMAIL_FROM,
      to: settings.ALERT_EMAIL_TO,
      subject: `[Switchyard] ${problems.length} schedule(s) could not be brought in step at worker start`,
      text: `A worker started, and these schedules are not in step (the worker runs; the next start tries again):\n\n${problems.map((p) => `- ${p}`).join('\n')}\n`,
    })
    .catch((err: unknown) => log.warn({ err }, 'could not send the schedule alert'));
}
