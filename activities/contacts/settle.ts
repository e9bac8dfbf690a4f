import type { Settlement } from '../../sync';
import type { ContactActivityDeps } from './deps';

/** Stores what settled links become, and marks them settled in the cycle's working state. */
export async function applySettlements(deps: ContactActivityDeps, pairingId: string, cycle: number, settled: { linkId: string; settlement: Settlement }[]): Promise<{ failed: number }> {
  if (!settled.length) return { failed: 0 };
  const upserts = settled.flatMap((s) => (s.settlement.op === 'upsert' ? [s.settlement.link] : []));
  const deletes = settled.flatMap((s) => (s.settlement.op === 'delete' ? [s.settlement.linkId] : []));
  await deps.links.put(pairingId, upserts);
  await deps.links.delete(pairingId, deletes);
  await deps.cycles.markSettled(pairingId, cycle, settled.map((s) => s.linkId));
  return { failed: settled.filter((s) => s.settlement.op === 'keep').length };
}
