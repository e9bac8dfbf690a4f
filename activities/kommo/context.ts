import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../../common/names';
import { nextStepOf, type MirrorDoc } from '../../store/kommo-mirrors';
import type { KommoActivityDeps } from './deps';

export const invalid = (message: string): ApplicationFailure => ApplicationFailure.create({ type: FailureType.Invalid, message, nonRetryable: true });

type WithList = MirrorDoc & { unisender: NonNullable<MirrorDoc['unisender']> & { listId: number } };

/** The mirror with its Unisender key and list; Invalid otherwise (the mirror pauses until someone sets them). */
export async function readyMirror(deps: KommoActivityDeps, mirrorId: string): Promise<WithList> {
  const m = await deps.kommo.mirrors.find(mirrorId);
  if (!m) throw invalid(`no Kommo mirror with id ${mirrorId}`);
  if (!m.unisender || m.unisender.listId === null) throw invalid(`mirror ${mirrorId} is not set up: next step ${nextStepOf(m)}`);
  return m as WithList;
}

/** Where Kommo posts a mirror's webhooks (the secret is the last path segment). */
export function webhookBase(settings: KommoActivityDeps['settings'], mirrorId: string): string {
  const base = (settings.KOMMO_WEBHOOK_BASE_URL ?? `http://127.0.0.1:${settings.API_PORT}`).replace(/\/+$/, '');
  return `${base}/webhooks/kommo/${encodeURIComponent(mirrorId)}/`;
}
