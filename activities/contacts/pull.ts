import { Context } from '@temporalio/activity';
import type { Side, SideRecord } from '../../sync';
import type { PullState } from '../../store/sync-cycles';
import { invalid, viewOf } from './context';
import type { ContactActivityDeps } from './deps';
import type { PullInput, PullSummary } from './types';

/**
 * Pulls one side's changes since its cursor (or everything, for a full listing) page by page into the cycle's
 * working state in MongoDB. A retried attempt resumes after the last stored page. A cursor the provider no longer
 * accepts (Google's sync token after 7 days) starts the listing again from scratch, and the plan then infers
 * deletions from the complete listing.
 */
export async function pullSide(deps: ContactActivityDeps, side: Side, input: PullInput): Promise<PullSummary> {
  const { pairing, mapping } = await viewOf(deps, input.pairingId);
  const cursor = side === 'google' ? pairing.cursors.google : pairing.cursors.zoho;
  const fresh = (full: boolean, because: PullState['fullBecause']): PullState => ({ nextPage: null, pages: 0, records: 0, deleted: 0, full, done: false, nextCursor: null, fullBecause: because });
  let state = (await deps.cycles.pullState(input.pairingId, input.cycle, side)) ?? fresh(input.full || cursor === null, input.full ? 'asked' : cursor === null ? 'first' : null);
  if (!state.done) {
    const adapter = await deps.sides(pairing, side, mapping);
    for (;;) {
      const res = await adapter.listChanges(state.full ? null : cursor, state.nextPage ?? undefined);
      if (res.kind === 'cursorExpired') {
        if (state.full) throw invalid(`${side}: the provider refused a listing from scratch as an expired cursor`);
        deps.log.info({ pairingId: input.pairingId, side }, 'cursor expired: listing the side from scratch');
        await deps.cycles.dropPages(input.pairingId, input.cycle, side, state.pages);
        state = fresh(true, 'expired');
        continue;
      }
      const page = res.page;
      const records: SideRecord[] = [];
      const gone = [...page.deleted];
      for (const raw of page.records) {
        const id = adapter.deletedId(raw);
        if (id !== undefined) gone.push(id);
        else records.push(adapter.toRecord(raw));
      }
      state = {
        ...state,
        pages: state.pages + 1,
        records: state.records + records.length,
        deleted: state.deleted + gone.length,
        nextPage: page.nextPage ?? null,
        done: page.nextPage === undefined,
        nextCursor: page.nextPage === undefined ? (page.nextCursor ?? cursor) : null,
      };
      await deps.cycles.savePage(input.pairingId, input.cycle, side, state.pages - 1, { records, deleted: gone }, state);
      Context.current().heartbeat({ pages: state.pages, records: state.records });
      if (state.done) break;
    }
    deps.log.info({ pairingId: input.pairingId, cycle: input.cycle, side, pages: state.pages, records: state.records, deleted: state.deleted, full: state.full }, 'side pulled');
  }
  return { side, pages: state.pages, records: state.records, deleted: state.deleted, complete: state.full && state.done, fullBecause: state.fullBecause };
}
