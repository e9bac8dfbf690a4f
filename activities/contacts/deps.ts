import type { Transporter } from 'nodemailer';
import type { Settings } from '../../config';
import type { Logger } from '../../config/logger';
import type { ContactAdapter, FieldMapping, Side, SyncFields } from '../../sync';
import type { AccountStore } from '../../store/accounts';
import type { ContactLinkStore } from '../../store/contact-links';
import type { ErrorLogStore } from '../../store/error-logs';
import type { PairingDoc, PairingStore } from '../../store/pairings';
import type { SyncCycleStore } from '../../store/sync-cycles';

/** A pairing's two sides, ready to be driven: the provider adapters, built from the accounts' stored tokens. */
export type SideFactory = (pairing: PairingDoc, side: Side, mapping: FieldMapping) => Promise<ContactAdapter<unknown>>;

export interface ContactActivityDeps {
  settings: Pick<Settings, 'ALERT_EMAIL_TO' | 'ALERT_EMAIL_FROM' | 'SYNC_ZOHO_OVERLAP_SECONDS'>;
  pairings: PairingStore;
  links: ContactLinkStore;
  cycles: SyncCycleStore;
  accounts: AccountStore;
  errorLogs: ErrorLogStore;
  mailer: Transporter;
  log: Logger;
  sides: SideFactory;
}

/** A pairing's field mapping and what the engine needs from it, parsed once per activity. */
export interface PairingView {
  pairing: PairingDoc;
  mapping: FieldMapping;
  fields: SyncFields;
}
