import { Context } from '@temporalio/activity';
import {
  accessToken,
  advance,
  authQueryNames,
  chunkEncoder,
  filterIncremental,
  filterRecords,
  newCursorState,
  extractRecords,
  hashString,
  newWriterState,
  nextParentRecord,
  parentPaths,
  parentRefs,
  parentValues,
  withParentColumns,
  type ParentValues,
  type ReferenceContext,
  parseJson,
  prepareExtraction,
  RecordWriter,
  requestFor,
  secretNames,
  startPagination,
  stringifyJson,
  toRows,
  type PageState,
} from '../../extraction';
import { PartUploader, type UploadedPart } from '../../store/multipart';
import { invalid } from '../failures';
import { createAuthedSender, runRefs } from './authed-sender';
import { DEFAULT_RETRY_POLICY } from './request-retry';
import { tailLastRecord } from './partial';
import { sharedAccessToken } from './tokens';
import type { ExtractionContext } from './context';
import { withDetails } from './details';
import { ParentRecords } from './parent-records';
import type { SentResponse } from './sender';
import type { Checkpoint, FetchPagesInput, FetchPagesResult, RunProgress, TailState } from './types';

/** Heartbeat details of fetchPages: the checkpoint to resume from (the last uploaded part), and live counters for the Web UI. */
interface Heartbeat {
  checkpoint: Checkpoint;
  lastRecord: string | null;
  live: { pages: number; records: number; bytes: number; retries: number };
}

/** A short description of where pagination stands, never a link's query (it may hold a token). */
export function cursorOf(state: PageState): string {
  return state.parent ? `parent record ${state.parent.index + 1}, ${positionOf(state)}` : positionOf(state);
}

function positionOf(state: PageState): string {
  const p = state.position;
  switch (p.type) {
    case 'single':
      return 'single request';
    case 'sequential':
      return `page ${p.value}`;
    case 'offset':
      return `offset ${p.value}`;
    case 'link':
    case 'link_header':
      return p.next === null ? 'first page' : `link ${new URL(p.next).pathname}`;
    case 'cursor':
      return p.cursor === null ? 'first page' : `cursor #${state.pages}`;
  }
}

/** Fetching a run's pages in batches, each batch resumable from its last uploaded part. */
export const createFetchActivities = (ctx: ExtractionContext) => {
  const { deps, partBytes } = ctx;

  return {
    /**
     * Fetches pages and uploads them as multipart parts until the budget is spent (at a part boundary) or the
     * pagination ends (then the tail goes up as the last part). After every part it heartbeats the checkpoint;
     * a retried attempt resumes from it and re-fetches only pages whose rows were not in an uploaded part, so
     * every record lands in the file exactly once. Rows wait in memory only until a part is full.
     */
    async fetchPages(input: FetchPagesInput): Promise<FetchPagesResult> {
      const activity = Context.current();
      const signal = activity.cancellationSignal;
      const started = Date.now();
      const run = await deps.extractionRuns.find(input.runWorkflowId);
      if (!run) throw invalid(`run ${input.runWorkflowId} has no working state (already finished, or never prepared)`);
      const { config, extraction } = ctx.runConfigs.get(run._id, run.config, run.extractionId);
      const token = deps.extractionRuns.accessToken(run);
      let retries = 0;
      const secrets = await deps.secrets.values(secretNames(config));
      const refsOfRun = runRefs(extraction, run.startedAt, run.previousIncremental);
      const sender = createAuthedSender({
        send: ctx.send,
        config,
        secrets,
        last: run.previousLast === null ? null : parseJson(run.previousLast),
        token: token === null ? null : { value: token, expiresAt: run.tokenExpiresAt?.getTime() ?? null },
        run: refsOfRun,
        signal,
        renew: (rejected) => sharedAccessToken({ send: ctx.send, runs: deps.extractionRuns, config, secrets, signal }, rejected),
        onRefreshed: async (t) => {
          await deps.extractionRuns.saveAccessToken(run._id, t?.value ?? null, t?.expiresAt === null || t === null ? null : new Date(t.expiresAt));
          deps.log.info({ runWorkflowId: run._id }, 'access token renewed (a 401, or near its expiry)');
        },
        retry: { ...DEFAULT_RETRY_POLICY, retries: deps.settings.EXTRACT_REQUEST_RETRIES, budgetMs: deps.settings.EXTRACT_REQUEST_RETRY_SECONDS * 1000 },
        // Alive while it waits: a Retry-After may be longer than the heartbeat timeout.
        wait: async (ms) => {
          const until = Date.now() + ms;
          for (let left = ms; left > 0; left = until - Date.now()) {
            heartbeat();
            await activity.sleep(Math.min(left, 1000));
          }
        },
        onRetry: (what, r) => {
          retries++;
          deps.log.info({ runWorkflowId: run._id, what, retryAfterMs: r.retryAfterMs ?? null, reason: r.failure.message }, 'request retried inside the activity');
        },
      });
      if (token === null) {
        const staticToken = accessToken(config, sender.refs);
        if (!staticToken.ok) throw invalid(`auth.access_token: ${staticToken.error}`);
      }
      const authQuery = authQueryNames(config.auth);
      const prepared = prepareExtraction(extraction, sender.refs);
      if (!prepared.ok) throw invalid(`extraction ${extraction.name}: ${prepared.error}`);
      const ex = prepared.value;
      // A parent keeps what its children read of every record it writes; a child pages once per parent record.
      const keep = parentPaths(config, extraction);
      if (ex.parent && !run.parent) throw invalid(`extraction ${extraction.name} has a parent: it runs in a config run, after its parent's run`);
      const parents = ex.parent && run.parent ? new ParentRecords(deps.parentRecords, run.parent) : null;

      const resumed = activity.info.heartbeatDetails as Heartbeat | undefined;
      let checkpoint: Checkpoint = resumed?.checkpoint ?? input.checkpoint ?? { page: startPagination(ex), writer: newWriterState(ex), parts: [] };
      let lastRecord: string | null = resumed ? resumed.lastRecord : null;
      // One part uploads while the next one fills.
      const uploader = new PartUploader(deps.s3, { bucket: run.bucket, key: run.key, uploadId: run.uploadId }, checkpoint.parts, signal);
      // A previous attempt that left with pages past its last part kept them: go on after them, not before.
      const tail = await deps.extractionRuns.findTail(run._id, checkpoint.parts.length, checkpoint.writer.bytes);
      const from = tail ? (tail.state as TailState) : { page: checkpoint.page, writer: checkpoint.writer };
      if (tail) uploader.append(tail.data);
      const writer = new RecordWriter(from.writer);
      let page = from.page;
      if (keep.length) {
        await deps.parentRecords.dropFrom(run._id, from.writer.records);
        if (from.writer.records === 0) await deps.parentRecords.prune(new Date());
      }
      let item: ParentValues | null = parents ? await parents.at(page.parent?.index ?? 0) : null;
      const withParent = (r: ReferenceContext, values: ParentValues | null): ReferenceContext => (values && ex.parent ? { ...r, parent: parentRefs(ex.parent, values) } : r);
      const where = (): string => (page.parent ? `parent record ${page.parent.index + 1}: ` : '');
      let batchPages = 0;
      // The last raw record written, as JSON text (its integers past 2^53 exact).
      let pageLast: string | undefined = tail ? tailLastRecord(tail.state as TailState) : undefined;
      let progressSaved: Promise<void> = Promise.resolve();
      let lastBeat = 0;
      const heartbeat = (): void => {
        lastBeat = Date.now();
        const w = writer.state;
        activity.heartbeat({ checkpoint, lastRecord, live: { pages: page.pages, records: w.records, bytes: w.bytes, retries } } satisfies Heartbeat);
      };
      // The checkpoint moves only when a part's upload completed, to the pagination and writer state whose rows that
      // part holds, so a resumed attempt re-fetches exactly the pages whose rows were not yet in an uploaded part.
      const onPartUploaded = (): ((parts: UploadedPart[]) => void) => {
        const snap = { page, writer: writer.state, pageLast };
        return (parts) => {
          checkpoint = { page: snap.page, writer: snap.writer, parts };
          if (snap.pageLast !== undefined) lastRecord = snap.pageLast;
          heartbeat();
          // Durable beside the run too, so a failed run can publish what it fetched (the heartbeat dies with it).
          const progress = JSON.stringify({ checkpoint, lastRecord } satisfies RunProgress);
          progressSaved = progressSaved.then(() => deps.extractionRuns.saveProgress(run._id, progress)).catch((e: unknown) => {
            deps.log.warn({ runWorkflowId: run._id, err: (e as Error).message }, 'could not store the run progress');
          });
        };
      };

      // gzip: each chunk becomes its own gzip member (compression.ts); a kept tail is already encoded.
      const encode = chunkEncoder(writer.compression);
      uploader.append(encode(writer.begin()));
      let done = false;
      const fetchPage = (state: PageState): Promise<SentResponse> => {
        const values = item;
        const p = sender
          .send((r) => requestFor(ex, state, withParent(r, values)), `${where()}page ${state.pages + 1}`, ex.response_actions)
          // An ignored page (a response action) ends the pagination as an empty answer does, keeping what came before.
          .then((res) => (res.ignored ? { ...res, status: 204, body: null } : res));
        p.catch(() => undefined); // awaited below; a prefetch abandoned by a failing page must not go unhandled
        return p;
      };
      // Leaving with pages fetched past the last part (a request whose retries were spent, an answer the engine
      // refuses): those bytes and the state after them are kept, so the next attempt (or a partial publish) does not
      // lose them. Nothing is kept when the part in flight failed: the checkpoint then is all there is.
      const keepTail = async (): Promise<void> => {
        await uploader.settle();
        await progressSaved;
        const data = uploader.buffered();
        if (data.length === 0 && page.pages === checkpoint.page.pages) return;
        const state: TailState = { page, writer: writer.state, ...(pageLast !== undefined ? { lastRecord: pageLast } : {}) };
        await deps.extractionRuns.saveTail(run._id, { afterParts: checkpoint.parts.length, baseBytes: checkpoint.writer.bytes, state, data });
        heartbeat();
      };
      // The next page is on its way while this one is mapped and written, except near the part that ends the batch:
      // a page read ahead and not written when the batch returns would be fetched again by the next batch.
      // A child whose parent wrote no record has nothing to fetch.
      let inFlight: Promise<SentResponse> | null = parents && item === null ? null : fetchPage(page);
      const finish = async (): Promise<void> => {
        done = true;
        uploader.append(encode(writer.end()));
        if (!(await uploader.uploadLast(onPartUploaded()))) {
          // Nothing after the last full part: that part is the last one.
          checkpoint = { ...checkpoint, page, writer: writer.state };
          heartbeat();
        }
      };
      // The most a page of this batch added to the part: how near its end a page may take the part past partBytes.
      let pageBytes = 0;
      try {
        if (parents && item === null) await finish();
        while (!done) {
          const res = await (inFlight ?? fetchPage(page));
          inFlight = null;
          const ok2xx = res.status >= 200 && res.status <= 299;
          const raw = ok2xx ? extractRecords(ex, res.body) : { ok: true as const, value: [] as unknown[] };
          if (!raw.ok) throw invalid(`page ${page.pages + 1}: ${raw.error}`);
          const n = raw.value.length;
          // The "same page twice" check needs a fingerprint of the page's records; first, last and count identify a
          // page without serialising all of it again.
          const hash = n > 0 ? hashString(`${n}|${stringifyJson(raw.value[0])}|${stringifyJson(raw.value[n - 1])}`) : undefined;
          const a = advance(ex, page, { url: res.url, status: res.status, headers: res.headers, body: res.body, records: n, sensitive: authQuery, ...(hash ? { hash } : {}) });
          if (a.kind === 'error') throw invalid(`${where()}${a.message}`);
          const mayEndBatch = Date.now() - started >= input.budgetMs && uploader.bufferedBytes + 2 * pageBytes >= partBytes;
          if (a.kind === 'next' && !mayEndBatch) inFlight = fetchPage(a.state);
          if ((a.kind === 'next' || a.keepRecords) && n > 0) {
            let kept = raw.value;
            if (ex.incremental && refsOfRun.incremental) {
              // Records before the cursor's start (or already written at it) are dropped before any detail request.
              const f = filterIncremental(ex.incremental, refsOfRun.incremental, writer.cursor ?? newCursorState(), raw.value, `page ${page.pages + 1}`);
              if (!f.ok) throw invalid(f.error);
              kept = f.value.kept;
              writer.cursor = f.value.state;
            }
            // The extraction's filter, before any detail request: a dropped record costs none.
            const filtered = filterRecords(ex.filter, kept);
            if (!filtered.ok) throw invalid(`page ${page.pages + 1}: ${filtered.error}`);
            kept = filtered.value.kept;
            writer.countFiltered(filtered.value.dropped);
            const records = await withDetails(ex, kept, sender, deps.settings.EXTRACT_DETAIL_CONCURRENCY);
            if (keep.length) await deps.parentRecords.add(run._id, writer.state.records, records.map((r) => parentValues(keep, r)));
            const values = item;
            const child = ex.parent;
            const rows = values && child ? toRows(ex, records).map((row) => withParentColumns(child, values, row)) : toRows(ex, records);
            const before = uploader.bufferedBytes;
            uploader.append(encode(writer.write(rows)));
            pageBytes = Math.max(pageBytes, uploader.bufferedBytes - before);
            pageLast = stringifyJson(raw.value[n - 1]);
          }
          page = a.state;
          batchPages++;
          if (a.kind === 'done') {
            // A child goes on with the next parent record's first page; the run ends after the last one's pages.
            const following = parents ? await parents.at((page.parent?.index ?? 0) + 1) : null;
            if (following === null) {
              await finish();
              break;
            }
            page = nextParentRecord(ex, page);
            item = following;
          }
          if (uploader.bufferedBytes >= partBytes) {
            await uploader.uploadBuffered(onPartUploaded());
            // With a page read ahead (the budget ran out while it was fetched, or the page was larger than guessed)
            // the batch goes on to the next part rather than drop it.
            if (inFlight === null && Date.now() - started >= input.budgetMs) {
              await uploader.settle();
              break;
            }
          } else if (Date.now() - lastBeat >= 1000) {
            // Keeps the attempt alive while a part fills. Not per page: the SDK encodes every heartbeat and hands it
            // to its core before throttling what reaches the server. Resuming needs no page-by-page position: a
            // retried attempt goes on from the checkpoint, or from the tail a leaving attempt kept.
            heartbeat();
          }
        }
      } catch (err) {
        if (!done) await keepTail().catch((e: unknown) => deps.log.warn({ runWorkflowId: run._id, err: (e as Error).message }, 'could not keep the pages fetched past the last part'));
        throw err;
      }
      await progressSaved;
      if (tail) await deps.extractionRuns.dropTail(run._id);
      // `last` is kept beside the run, not in workflow history; it is read back once the upload completes.
      if (lastRecord !== null) await deps.extractionRuns.saveLastRecord(run._id, lastRecord);
      return { checkpoint, done, batchPages, cursor: cursorOf(page), attempt: activity.info.attempt };
    },
  };
};
