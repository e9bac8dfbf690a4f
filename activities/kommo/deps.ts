import type { Transporter } from 'nodemailer';
import type { Settings } from '../../config';
import type { Logger } from '../../config/logger';
import type { ErrorLogStore } from '../../store/error-logs';
import type { KommoStores } from '../../store/kommo';
import type { MirrorConnections } from './connect';

export interface KommoActivityDeps {
  settings: Pick<Settings, 'ALERT_EMAIL_TO' | 'ALERT_EMAIL_FROM' | 'KOMMO_MIRROR_POLL_SECONDS' | 'KOMMO_MIRROR_GATHER_MS' | 'KOMMO_MIRROR_MAX_GATHER_MS' | 'KOMMO_WEBHOOK_BASE_URL' | 'API_PORT'>;
  kommo: KommoStores;
  connections: MirrorConnections;
  errorLogs: ErrorLogStore;
  mailer: Transporter;
  log: Logger;
}
