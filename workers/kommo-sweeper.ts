import type { Client } from '@temporalio/client';
import type { Settings } from '../config';
import type { Logger } from '../config/logger';
import type { MirrorConnections } from '../activities/kommo/connect';
import { KommoMirrorService } from '../clients/kommo';
import { MirrorWaker, startInboxSweeper } from '../clients/kommo-wake';
import type { KommoStores } from '../store/kommo';

/**
 * The inbox sweeper of a worker process: at start and every KOMMO_MIRROR_SWEEP_SECONDS, wakes every mirror whose
 * inbox holds deliveries (accepted while Temporal was unreachable, or whose signal was lost).
 */
export function startKommoSweeper(settings: Settings, deps: { kommo: KommoStores; mirrorConnections: MirrorConnections; temporal: Client }, log: Logger): { stop(): Promise<void> } {
  const service = new KommoMirrorService({ settings, kommo: deps.kommo, connections: deps.mirrorConnections, temporal: async () => deps.temporal });
  const waker = new MirrorWaker((id, entries) => service.signal(id, 'wake', { entries }).then(() => undefined), { log });
  return startInboxSweeper({ inbox: deps.kommo.inbox, waker, everyMs: settings.KOMMO_MIRROR_SWEEP_SECONDS * 1000, log });
}
