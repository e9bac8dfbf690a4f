import type { BatchHead } from '../../store/kommo-batches';
import { nextStepOf } from '../../store/kommo-mirrors';
import type { FullSyncProgress } from '../../store/kommo-progress';
import { invalid } from './context';
import type { KommoActivityDeps } from './deps';
import type { BeganBatch, BeginInput, FullSyncStart, FullSyncView, MirrorInput, OpenedMirror } from './types';

/** Unisender's rows per import: a batch takes whole inbox entries up to this many contacts. */
export const BATCH_CONTACTS = 500;
/** A poll lists changes since the last one minus this, so a change saved in the second the last poll ran is seen. */
const POLL_OVERLAP_SECONDS = 60;

export const fullView = (f: FullSyncProgress): FullSyncView => ({
  active: f.active,
  gen: f.gen,
  batches: f.batches,
  contacts: f.contacts,
  expected: f.expected,
  startedAt: f.startedAt?.toISOString() ?? null,
  finishedAt: f.finishedAt?.toISOString() ?? null,
});

/** What a workflow run starts from: the mirror's setup, its batch in flight, full sync and poll positions. */
export async function openMirror(deps: KommoActivityDeps, input: MirrorInput): Promise<OpenedMirror> {
  const m = await deps.kommo.mirrors.find(input.mirrorId);
  const p = await deps.kommo.progress.get(input.mirrorId);
  return {
    exists: m !== null,
    ready: m !== null && nextStepOf(m) === null,
    accountId: m?.accountId ?? '',
    batch: p.batch,
    open: p.open,
    full: fullView(p.full),
    pollActive: p.poll.active,
    lastPollAt: p.poll.lastAt?.getTime() ?? null,
    totals: p.totals,
    settings: { pollSeconds: deps.settings.KOMMO_MIRROR_POLL_SECONDS, gatherMs: deps.settings.KOMMO_MIRROR_GATHER_MS, maxGatherMs: deps.settings.KOMMO_MIRROR_MAX_GATHER_MS },
  };
}

/** Starts a full sync, or joins the one running (it resumes from its page, whatever happened meanwhile). */
export async function startFullSync(deps: KommoActivityDeps, input: MirrorInput): Promise<FullSyncStart> {
  const p = await deps.kommo.progress.get(input.mirrorId);
  if (p.full.active) return { started: false, full: fullView(p.full) };
  const expected = await deps.kommo.state.countContacts(input.mirrorId);
  p.full = { gen: p.full.gen + 1, active: true, next: null, batches: 0, contacts: 0, expected, startedAt: new Date(), finishedAt: null };
  await deps.kommo.progress.save(p);
  deps.log.info({ mirrorId: input.mirrorId, gen: p.full.gen, expected }, 'full sync started');
  return { started: true, full: fullView(p.full) };
}

/**
 * Hands out batch n: an inbox batch takes whole entries up to 500 contacts; a full-sync or poll batch notes where
 * its listing stands. Recorded as the mirror's open batch, so a crash at any later step finishes this batch first.
 */
export async function beginBatch(deps: KommoActivityDeps, input: BeginInput): Promise<BeganBatch> {
  const { mirrorId, n, kind } = input;
  const { progress, batches, inbox } = deps.kommo;
  const p = await progress.get(mirrorId);
  if (p.batch >= n) {
    // A retry of an attempt that did its work: answer from what it stored.
    const head = await batches.head(mirrorId, n);
    if (!head || p.open?.n !== n) throw invalid(`batch ${n} of mirror ${mirrorId} was handed out already`);
    return { started: true, size: head.ids.length, more: false };
  }
  if (p.open) throw invalid(`batch ${p.open.n} of mirror ${mirrorId} is still open: finish it first`);
  if (n !== p.batch + 1) throw invalid(`batch ${n} of mirror ${mirrorId} is out of order (the last was ${p.batch})`);
  const nowSec = Math.floor(Date.now() / 1000);
  let head: BatchHead;
  let more = false;
  if (kind === 'inbox') {
    const entries = await inbox.pending(mirrorId, BATCH_CONTACTS);
    if (!entries.length) return { started: false, size: 0, more: false };
    const ids = new Set<number>();
    const entryIds: string[] = [];
    for (const e of entries) {
      const fresh = e.ids.filter((id) => !ids.has(id));
      if (ids.size + fresh.length > BATCH_CONTACTS) {
        more = true;
        break;
      }
      for (const id of fresh) ids.add(id);
      entryIds.push(e._id);
    }
    more ||= entries.length === BATCH_CONTACTS;
    head = { kind, ids: [...ids], entryIds, cursor: null, updatedFrom: null, eventsFrom: null };
  } else if (kind === 'full') {
    if (!p.full.active) return { started: false, size: 0, more: false };
    head = { kind, ids: [], entryIds: [], cursor: p.full.next, updatedFrom: null, eventsFrom: null };
  } else {
    let eventsFrom: number | null = null;
    if (!p.poll.active) {
      // The first poll starts where the mirror did (its install), however late it runs: a poll held back by a
      // long batch must not leave a gap between the install and its window.
      const created = (await deps.kommo.mirrors.find(mirrorId))?.createdAt;
      const firstFrom = created ? Math.floor(created.getTime() / 1000) : nowSec - deps.settings.KOMMO_MIRROR_POLL_SECONDS;
      const from = (p.poll.since ?? firstFrom) - POLL_OVERLAP_SECONDS;
      p.poll = { ...p.poll, active: true, updatedFrom: from, next: null, startedAt: nowSec };
      eventsFrom = from;
    }
    head = { kind, ids: [], entryIds: [], cursor: p.poll.next, updatedFrom: p.poll.updatedFrom, eventsFrom };
  }
  await batches.saveHead(mirrorId, n, head);
  p.batch = n;
  p.open = { n, kind };
  await progress.save(p);
  return { started: true, size: head.ids.length, more };
}
