/**
 * The mass-delete guard. A side that suddenly lists nothing while links exist (an expired grant answering with an
 * empty list, a wrong account, a cleared org), or a cycle that would delete more than the pairing's share of its
 * linked contacts, halts: nothing is touched, the pairing pauses and a person is alerted.
 */
import { SIDES } from './contact';
import { hasFlag, sideId } from './link';
import type { Observed } from './observe';
import type { Halt, SyncInput } from './types';

// Floating point: 0.2 * 15 is 3.0000000000000004; exactly at the threshold must pass.
const EPSILON = 1e-9;

export function checkGuard(input: SyncInput, seen: Observed): Halt | undefined {
  if (input.allowMassDelete) return undefined;
  const { maxDeleteFraction } = input.policy;
  const totalLinks = Math.max(input.totalLinks, seen.loaded.size);
  const deletions = seen.deletions.size;
  const base = { deletions, totalLinks, maxDeleteFraction };
  for (const side of SIDES) {
    if (!input[side].complete || seen.records[side].length > 0) continue;
    const linked = [...seen.loaded.values()].filter((l) => sideId(l, side) !== undefined && !hasFlag(l, 'unlinked')).length;
    if (linked > 0) {
      return { ...base, reason: 'emptySide', side, message: `The complete ${side} listing is empty while ${linked} linked contacts exist: halted, nothing deleted` };
    }
  }
  if (deletions > maxDeleteFraction * totalLinks + EPSILON) {
    const pct = Math.round(maxDeleteFraction * 100);
    return { ...base, reason: 'massDelete', message: `This cycle would delete or unlink ${deletions} of ${totalLinks} linked contacts, more than ${pct}%: halted, nothing deleted` };
  }
  return undefined;
}
