import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../../common/names';
import { parseFieldMapping, syncFields } from '../../sync';
import type { ContactActivityDeps, PairingView } from './deps';

export const invalid = (message: string): ApplicationFailure => ApplicationFailure.create({ type: FailureType.Invalid, message, nonRetryable: true });

/** The pairing with its mapping parsed; a mapping that no longer parses is Invalid (the pairing pauses). */
export async function viewOf(deps: ContactActivityDeps, pairingId: string): Promise<PairingView> {
  const pairing = await deps.pairings.find(pairingId);
  if (!pairing) throw invalid(`no pairing with id ${pairingId}`);
  const parsed = parseFieldMapping(pairing.mapping);
  if (!parsed.ok) throw invalid(`pairing ${pairingId}: its field mapping is not valid: ${parsed.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
  return { pairing, mapping: parsed.value, fields: syncFields(parsed.value) };
}
