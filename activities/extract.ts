import { Context } from '@temporalio/activity';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { Logger } from 'pino';
import type { Settings } from '../config';
import {
  accessToken,
  advance,
  buildRunLog,
  destinationFor,
  detailRequest,
  extractRecords,
  extractRefreshedToken,
  findExtraction,
  formatIssues,
  hashString,
  mergeDetail,
  newWriterState,
  parseConfig,
  prepareExtraction,
  RecordWriter,
  refreshRequest,
  requestFor,
  secretNames,
  startPagination,
  toRows,
  withAccessToken,
  type Config,
  type Destination,
  type Extraction,
  type PageState,
  type ReferenceContext,
  type WriterState,
} from '../extraction';
import { FailureType } from '../providers/errors';
import type { ConfigStore } from '../store/configs';
import type { ExtractionRunDoc, ExtractionRunStore } from '../store/extraction-runs';
import type { RunLogStore } from '../store/run-logs';
import type { SecretStore } from '../store/secrets';
import { createSender, failureFor, type Send, type SentResponse } from './extract-http';
import { failure, invalid } from './failures';

export interface ExtractActivityDeps {
  settings: Settings;
  configs: ConfigStore;
  runLogs: RunLogStore;
  secrets: SecretStore;
  extractionRuns: ExtractionRunStore;
  s3: S3Client;
  log: Logger;
  /** Sends extraction requests; the default is fetch with keep-alive. */
  send?: Send;
  /** Where a config's URL is served, when not at itself (the worker passes the sandbox's host map). */
  rewriteUrl?: ((url: string) => string) | undefined;
}

export interface PrepareRunInput {
  configId: string;
  extractionId: string;
  /** The run's id: the workflow id of its extractRun, also the run log's id. */
  runId: string;
  /** ISO time the run started; names the output file, so every attempt writes the same key. */
  startedAt: string;
}

export interface PreparedRun {
  runId: string;
  configName: string;
  extractionName: string;
  destiny: string;
  format: 'csv' | 'json';
  pagination: string;
}

/** What a run has written so far, consistent with the parts uploaded: plain JSON, heartbeated and passed between batches. */
export interface Checkpoint {
  page: PageState;
  writer: WriterState;
  parts: { PartNumber: number; ETag: string }[];
}

export interface FetchPagesInput {
  runId: string;
  /** Null for the first batch. */
  checkpoint: Checkpoint | null;
  /** Return at the first part boundary after this long. */
  budgetMs: number;
}

export interface FetchPagesResult {
  checkpoint: Checkpoint;
  done: boolean;
  /** Pages and records this batch consumed (a resumed attempt counts only its own). */
  batchPages: number;
  /** Where pagination stands, for progress displays (a page number, offset, or a fingerprint of a link or cursor). */
  cursor: string;
  attempt: number;
}

/** Heartbeat details of fetchPages: the checkpoint to resume from, plus live counters for the Web UI. */
interface Heartbeat {
  checkpoint: Checkpoint;
  lastRecord: string | null;
  live: { pages: number; records: number; bytes: number };
}

export interface FinishRunInput {
  runId: string;
  configId: string;
  extractionId: string;
  startedAt: string;
  checkpoint: Checkpoint | null;
  /** Set for failRun. */
  error?: string;
}

export interface RunSummary {
  runId: string;
  success: boolean;
  records: number;
  pages: number;
  bytes: number;
  destiny: string | null;
  error: string | null;
}

const MiB = 1024 * 1024;

/** A short description of where pagination stands, never a link's query (it may hold a token). */
export function cursorOf(state: PageState): string {
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

function loadConfig(json: string, extractionId: string): { config: Config; extraction: Extraction } {
  const parsed = parseConfig(JSON.parse(json));
  if (!parsed.ok) throw invalid(`the config is not valid:\n${formatIssues(parsed.errors)}`);
  const extraction = findExtraction(parsed.config, extractionId);
  if (!extraction) throw invalid(`the config has no extraction ${extractionId}`);
  return { config: parsed.config, extraction };
}

/**
 * The REST extractor's activities. Tokens and secrets stay here: the per-run document in MongoDB holds the
 * access token encrypted, and workflows pass run ids, checkpoints (pagination and writer state, part ETags)
 * and counts, never a page body nor a credential.
 */
export const createExtractActivities = (deps: ExtractActivityDeps) => {
  const send = deps.send ?? createSender({ timeoutMs: deps.settings.EXTRACT_HTTP_TIMEOUT_SECONDS * 1000, rewriteUrl: deps.rewriteUrl });
  const partBytes = Math.round(deps.settings.EXTRACT_PART_MIB * MiB);

  /** Sends the token refresh and returns the new token. Revoked credentials never retry. */
  async function refreshToken(config: Config, secrets: Record<string, string>, signal?: AbortSignal): Promise<string | null> {
    const req = refreshRequest(config, { secrets });
    if (req === null) return null;
    if (!req.ok) throw invalid(req.error);
    const res = await send(req.value, signal);
    const transient = failureFor(res, 'token refresh');
    if (transient) throw transient;
    const token = extractRefreshedToken(config, res.body);
    if (!token.ok) {
      throw failure(FailureType.AuthRevoked, `token refresh (HTTP ${res.status}): ${token.error}`, { nonRetryable: true });
    }
    return token.value;
  }

  /**
   * The run's S3 key. An explicit s3_destiny.filename is used as is (replaced on every run, as the seed does).
   * The default name carries the run's start to the second; two runs of an extraction started within the same
   * second (a manual run beside a scheduled one, an incremental run right after another) would overwrite each
   * other, so a taken default name gets the milliseconds, then a counter.
   */
  async function freeDestination(config: Config, ex: Extraction, input: PrepareRunInput): Promise<Destination> {
    const startedAt = new Date(input.startedAt);
    const dest = destinationFor(config, ex, { startedAt, defaultBucket: deps.settings.S3_DEFAULT_BUCKET });
    if (ex.s3_destiny?.filename !== undefined) return dest;
    const taken = async (key: string): Promise<boolean> => {
      if (await deps.extractionRuns.keyTaken(dest.bucket, key, input.runId)) return true;
      try {
        await deps.s3.send(new HeadObjectCommand({ Bucket: dest.bucket, Key: key }));
        return true;
      } catch {
        return false;
      }
    };
    const ext = `.${ex.format}`;
    const stem = dest.key.slice(0, -ext.length);
    const ms = String(startedAt.getUTCMilliseconds()).padStart(3, '0');
    for (let n = 0; n < 100; n++) {
      const key = n === 0 ? dest.key : `${stem}-${ms}${n > 1 ? `-${n}` : ''}${ext}`;
      if (!(await taken(key))) return { bucket: dest.bucket, key, uri: `s3://${dest.bucket}/${key}` };
    }
    throw invalid(`no free file name next to ${dest.uri}`);
  }

  async function getRun(runId: string): Promise<ExtractionRunDoc> {
    const run = await deps.extractionRuns.find(runId);
    if (!run) throw invalid(`run ${runId} has no working state (already finished, or never prepared)`);
    return run;
  }

  return {
    /**
     * Starts a run: reads the config (kept in the run document, so an edit mid-run does not change the run), the
     * previous run's `last`, the secrets the config names; refreshes the access token; opens the multipart upload.
     * Idempotent: a retried attempt finds the run document and answers from it.
     */
    async prepareRun(input: PrepareRunInput): Promise<PreparedRun> {
      const existing = await deps.extractionRuns.find(input.runId);
      const summary = (run: ExtractionRunDoc, config: Config, ex: Extraction): PreparedRun => ({
        runId: run._id,
        configName: config.name,
        extractionName: ex.name,
        destiny: `s3://${run.bucket}/${run.key}`,
        format: ex.format,
        pagination: ex.pagination?.type ?? 'single',
      });
      if (existing) {
        const { config, extraction } = loadConfig(existing.config, existing.extractionId);
        return summary(existing, config, extraction);
      }
      const doc = await deps.configs.find(input.configId);
      if (!doc) throw invalid(`no config with id ${input.configId}`);
      const { config, extraction } = loadConfig(doc.json, input.extractionId);
      const previousLast = await deps.runLogs.lastOf(extraction.id ?? input.extractionId);
      const secrets = await deps.secrets.values(secretNames(config));
      const token = await refreshToken(config, secrets);
      const refs: ReferenceContext = { self: token === null ? config : withAccessToken(config, token), secrets, last: previousLast === null ? null : JSON.parse(previousLast) };
      const prepared = prepareExtraction(extraction, refs);
      if (!prepared.ok) throw invalid(`extraction ${extraction.name}: ${prepared.error}`);
      const dest = await freeDestination(config, prepared.value, input);
      let uploadId: string;
      try {
        const created = await deps.s3.send(
          new CreateMultipartUploadCommand({ Bucket: dest.bucket, Key: dest.key, ContentType: prepared.value.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json' }),
        );
        uploadId = created.UploadId ?? '';
      } catch (err) {
        if ((err as { name?: string }).name === 'NoSuchBucket') throw invalid(`bucket ${dest.bucket} does not exist`, err as Error);
        throw err;
      }
      const run = await deps.extractionRuns.start({
        _id: input.runId,
        configId: input.configId,
        extractionId: input.extractionId,
        config: doc.json,
        previousLast,
        accessToken: token,
        startedAt: new Date(input.startedAt),
        bucket: dest.bucket,
        key: dest.key,
        uploadId,
        lastRecord: null,
      });
      deps.log.info({ runId: input.runId, configId: input.configId, extractionId: input.extractionId, destiny: dest.uri }, 'extraction run prepared');
      return summary(run, config, extraction);
    },

    /**
     * Fetches pages and uploads them as multipart parts until the budget is spent (at a part boundary) or the
     * pagination ends (then the tail goes up as the last part). After every part it heartbeats the checkpoint;
     * a retried attempt resumes from it and re-fetches only pages whose rows were not in an uploaded part, so
     * every record lands in the file exactly once. Rows wait in memory only until a part is full.
     */
    async fetchPages(input: FetchPagesInput): Promise<FetchPagesResult> {
      const ctx = Context.current();
      const signal = ctx.cancellationSignal;
      const started = Date.now();
      const run = await getRun(input.runId);
      const { config, extraction } = loadConfig(run.config, run.extractionId);
      const secrets = await deps.secrets.values(secretNames(config));
      let token = deps.extractionRuns.accessToken(run);
      const last = run.previousLast === null ? null : (JSON.parse(run.previousLast) as unknown);
      const refsFor = (t: string | null): ReferenceContext => ({ self: t === null ? config : withAccessToken(config, t), secrets, last });
      let refs = refsFor(token);
      if (token === null) {
        const staticToken = accessToken(config, refs);
        if (!staticToken.ok) throw invalid(`auth.access_token: ${staticToken.error}`);
      }
      const prepared = prepareExtraction(extraction, refs);
      if (!prepared.ok) throw invalid(`extraction ${extraction.name}: ${prepared.error}`);
      const ex = prepared.value;

      const resumed = ctx.info.heartbeatDetails as Heartbeat | undefined;
      let checkpoint: Checkpoint = resumed?.checkpoint ?? input.checkpoint ?? { page: startPagination(ex), writer: newWriterState(ex), parts: [] };
      let lastRecord: string | null = resumed ? resumed.lastRecord : null;
      const writer = new RecordWriter(checkpoint.writer);
      let page = checkpoint.page;
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      let batchPages = 0;
      let pageLast: unknown;
      const append = (chunk: string): void => {
        if (chunk === '') return;
        const b = Buffer.from(chunk, 'utf8');
        pending.push(b);
        pendingBytes += b.length;
      };
      let lastBeat = 0;
      const heartbeat = (): void => {
        lastBeat = Date.now();
        const w = writer.state;
        ctx.heartbeat({ checkpoint, lastRecord, live: { pages: page.pages, records: w.records, bytes: w.bytes } } satisfies Heartbeat);
      };
      // One part uploads while the next one fills. The checkpoint moves only when a part's upload completed, so
      // a resumed attempt re-fetches exactly the pages whose rows were not yet in an uploaded part.
      let uploading: Promise<void> | null = null;
      const uploadPart = async (final: boolean): Promise<void> => {
        if (uploading) await uploading;
        uploading = null;
        if (final && pendingBytes === 0 && checkpoint.parts.length > 0) {
          // Nothing after the last full part: that part is the last one.
          checkpoint = { ...checkpoint, page, writer: writer.state };
          heartbeat();
          return;
        }
        const PartNumber = checkpoint.parts.length + 1;
        const body = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
        pending = [];
        pendingBytes = 0;
        const snap = { page, writer: writer.state, pageLast };
        const upload = (async () => {
          const res = await deps.s3.send(new UploadPartCommand({ Bucket: run.bucket, Key: run.key, UploadId: run.uploadId, PartNumber, Body: body }), { abortSignal: signal });
          checkpoint = { page: snap.page, writer: snap.writer, parts: [...checkpoint.parts, { PartNumber, ETag: res.ETag ?? '' }] };
          if (snap.pageLast !== undefined) lastRecord = JSON.stringify(snap.pageLast);
          heartbeat();
        })();
        if (final) return upload;
        upload.catch(() => undefined); // awaited before the next part or at the end of the batch
        uploading = upload;
      };
      const settle = async (): Promise<void> => {
        if (uploading) await uploading;
        uploading = null;
      };

      /** Sends a request; on a 401 refreshes the token once (when the config can) and sends it again. */
      const sendAuthed = async (build: (r: ReferenceContext) => ReturnType<typeof requestFor>, what: string): Promise<SentResponse> => {
        const req = build(refs);
        if (!req.ok) throw invalid(`${what}: ${req.error}`);
        let res = await send(req.value, signal);
        if (res.status === 401 && config.auth?.refresh_token) {
          token = await refreshToken(config, secrets, signal);
          refs = refsFor(token);
          await deps.extractionRuns.saveAccessToken(run._id, token);
          deps.log.info({ runId: run._id }, 'access token refreshed after a 401');
          const again = build(refs);
          if (!again.ok) throw invalid(`${what}: ${again.error}`);
          res = await send(again.value, signal);
        }
        if (res.status === 401) {
          throw failure(FailureType.AuthExpired, `${what}: HTTP 401 ${config.auth?.refresh_token ? 'with a freshly refreshed token' : '(the config has no refresh_token)'}`, { nonRetryable: true });
        }
        const f = failureFor(res, what);
        if (f) throw f;
        return res;
      };

      const detail = async (records: unknown[]): Promise<unknown[]> => {
        const mf = ex.mapping_fetch;
        if (!mf || records.length === 0) return records;
        const out: unknown[] = new Array<unknown>(records.length);
        let next = 0;
        const lane = async (): Promise<void> => {
          while (next < records.length) {
            const i = next++;
            const record = records[i];
            const res = await sendAuthed((r) => detailRequest(mf, record, r), 'mapping_fetch');
            if (res.status !== 404 && (res.status < 200 || res.status > 299)) throw invalid(`mapping_fetch: HTTP ${res.status}`);
            const merged = mergeDetail(mf, record, res.status === 404 ? null : res.body);
            if (!merged.ok) throw invalid(merged.error);
            out[i] = merged.value;
          }
        };
        await Promise.all(Array.from({ length: Math.min(deps.settings.EXTRACT_DETAIL_CONCURRENCY, records.length) }, lane));
        return out;
      };

      append(writer.begin());
      let done = false;
      const fetchPage = (state: PageState): Promise<SentResponse> => {
        const p = sendAuthed((r) => requestFor(ex, state, r), `page ${state.pages + 1}`);
        p.catch(() => undefined); // awaited below; a prefetch abandoned at the end of a batch must not go unhandled
        return p;
      };
      let inFlight = fetchPage(page);
      for (;;) {
        const res = await inFlight;
        const ok2xx = res.status >= 200 && res.status <= 299;
        const raw = ok2xx ? extractRecords(ex, res.body) : { ok: true as const, value: [] as unknown[] };
        if (!raw.ok) throw invalid(`page ${page.pages + 1}: ${raw.error}`);
        const n = raw.value.length;
        // The "same page twice" check needs a fingerprint of the page's records; first, last and count identify a
        // page without serialising all of it again.
        const hash = n > 0 ? hashString(`${n}|${JSON.stringify(raw.value[0])}|${JSON.stringify(raw.value[n - 1])}`) : undefined;
        const a = advance(ex, page, { url: res.url, status: res.status, headers: res.headers, body: res.body, records: n, ...(hash ? { hash } : {}) });
        if (a.kind === 'error') throw invalid(a.message);
        // The next page is on its way while this one is mapped and written.
        if (a.kind === 'next') inFlight = fetchPage(a.state);
        if ((a.kind === 'next' || a.keepRecords) && n > 0) {
          const records = await detail(raw.value);
          append(writer.write(toRows(ex, records)));
          pageLast = raw.value[n - 1];
        }
        page = a.state;
        batchPages++;
        if (a.kind === 'done') {
          done = true;
          append(writer.end());
          await uploadPart(true);
          break;
        }
        if (pendingBytes >= partBytes) {
          await uploadPart(false);
          if (Date.now() - started >= input.budgetMs) {
            await settle();
            break;
          }
        } else if (Date.now() - lastBeat >= 1000) {
          heartbeat(); // keeps the attempt alive while a part fills
        }
      }
      // `last` is kept beside the run, not in workflow history; it is read back once the upload completes.
      if (lastRecord !== null) await deps.extractionRuns.saveLastRecord(run._id, lastRecord);
      return { checkpoint, done, batchPages, cursor: cursorOf(page), attempt: ctx.info.attempt };
    },

    /**
     * Publishes the file (CompleteMultipartUpload: the object appears only now), then writes the run log, whose
     * `last` is what the next run's last:: references read. Retried after the upload completed, S3 no longer
     * knows the upload id: that is success, since only this run could have completed it.
     */
    async completeRun(input: FinishRunInput): Promise<RunSummary> {
      const run = await deps.extractionRuns.find(input.runId);
      if (!run) {
        const log = await deps.runLogs.find(input.runId);
        if (log) return { runId: input.runId, success: log.success, records: log.data_inserted_len, pages: log.pages, bytes: log.bytes, destiny: log.destiny, error: log.error };
        throw invalid(`run ${input.runId} has no working state`);
      }
      const cp = input.checkpoint;
      if (!cp) throw invalid('completeRun without a checkpoint');
      try {
        await deps.s3.send(new CompleteMultipartUploadCommand({ Bucket: run.bucket, Key: run.key, UploadId: run.uploadId, MultipartUpload: { Parts: cp.parts } }));
      } catch (err) {
        if ((err as { name?: string }).name !== 'NoSuchUpload') throw err;
      }
      const { config, extraction } = loadConfig(run.config, run.extractionId);
      const log = buildRunLog({
        config: { id: run.configId, name: config.name },
        extraction: { id: run.extractionId, name: extraction.name },
        workflowId: run._id,
        startedAt: run.startedAt,
        finishedAt: new Date(),
        records: cp.writer.records,
        pages: cp.page.pages,
        bytes: cp.writer.bytes,
        destination: { bucket: run.bucket, key: run.key, uri: `s3://${run.bucket}/${run.key}` },
        ...(run.lastRecord !== null ? { lastRecord: JSON.parse(run.lastRecord) as unknown } : {}),
        ...(run.previousLast !== null ? { previousLast: JSON.parse(run.previousLast) as unknown } : {}),
      });
      await deps.runLogs.add(log);
      await deps.extractionRuns.end(run._id);
      deps.log.info({ runId: run._id, records: log.data_inserted_len, pages: log.pages, bytes: log.bytes, destiny: log.destiny }, 'extraction run completed');
      return { runId: run._id, success: true, records: log.data_inserted_len, pages: log.pages, bytes: log.bytes, destiny: log.destiny, error: null };
    },

    /** Aborts the upload (no object appears) and writes a failed run log; `last` does not move. */
    async failRun(input: FinishRunInput): Promise<RunSummary> {
      const run = await deps.extractionRuns.find(input.runId);
      if (run) {
        await deps.s3.send(new AbortMultipartUploadCommand({ Bucket: run.bucket, Key: run.key, UploadId: run.uploadId })).catch(() => undefined);
      }
      const doc = run ? null : await deps.configs.find(input.configId);
      const json = run?.config ?? doc?.json;
      let names = { config: input.configId, extraction: input.extractionId };
      if (json) {
        const parsed = parseConfig(JSON.parse(json));
        const ex = parsed.ok ? findExtraction(parsed.config, input.extractionId) : undefined;
        if (parsed.ok) names = { config: parsed.config.name, extraction: ex?.name ?? input.extractionId };
      }
      const cp = input.checkpoint;
      const log = buildRunLog({
        config: { id: input.configId, name: names.config },
        extraction: { id: input.extractionId, name: names.extraction },
        workflowId: input.runId,
        startedAt: new Date(input.startedAt),
        finishedAt: new Date(),
        records: cp?.writer.records ?? 0,
        pages: cp?.page.pages ?? 0,
        bytes: cp?.writer.bytes ?? 0,
        destination: null,
        error: input.error ?? 'failed',
      });
      await deps.runLogs.add(log);
      if (run) await deps.extractionRuns.end(run._id);
      deps.log.warn({ runId: input.runId, error: log.error }, 'extraction run failed');
      return { runId: input.runId, success: false, records: log.data_inserted_len, pages: log.pages, bytes: log.bytes, destiny: null, error: log.error };
    },

    /** The extractions of a config, for the workflow that runs them (ids and names only). */
    async describeConfig(input: { configId: string; extractionIds?: string[] }): Promise<{ name: string; extractions: { id: string; name: string }[] }> {
      const doc = await deps.configs.find(input.configId);
      if (!doc) throw invalid(`no config with id ${input.configId}`);
      const parsed = parseConfig(JSON.parse(doc.json));
      if (!parsed.ok) throw invalid(`the config is not valid:\n${formatIssues(parsed.errors)}`);
      const all = parsed.config.extractions.map((e) => ({ id: e.id ?? e.name, name: e.name }));
      if (!input.extractionIds?.length) return { name: parsed.config.name, extractions: all };
      const wanted = all.filter((e) => input.extractionIds!.includes(e.id) || input.extractionIds!.includes(e.name));
      if (wanted.length !== input.extractionIds.length) throw invalid(`config ${input.configId} has no extraction ${input.extractionIds.filter((i) => !all.some((e) => e.id === i || e.name === i)).join(', ')}`);
      return { name: parsed.config.name, extractions: wanted };
    },
  };
};

export type ExtractActivities = ReturnType<typeof createExtractActivities>;
