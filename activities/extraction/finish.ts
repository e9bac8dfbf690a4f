import { Context } from '@temporalio/activity';
import { buildRunLog, findExtraction, parseConfig, parseJson, type IncrementalLog, type RunLog } from '../../extraction';
import type { ExtractionRunDoc } from '../../store/extraction-runs';
import { abortMultipartUpload, completeMultipartUpload } from '../../store/multipart';
import { invalid } from '../failures';
import { extracted } from '../../metrics';
import type { ExtractionContext } from './context';
import { publishPartial } from './partial';
import { realignPublishedCsv } from './realign';
import type { FinishRunInput, RunSummary } from './types';

const summaryOf = (runWorkflowId: string, log: RunLog): RunSummary => ({
  runWorkflowId,
  success: log.success,
  records: log.data_inserted_len,
  pages: log.pages,
  bytes: log.bytes,
  destination: log.destiny,
  error: log.error,
  partial: log.partial,
});

/** Ending a run: publish the file and log the run, or drop the upload and log the failure. */
export const createFinishActivities = (ctx: ExtractionContext) => {
  const { deps } = ctx;
  // A realigned CSV is rewritten part by part: alive meanwhile.
  const realign = { partBytes: ctx.partBytes, onPart: () => Context.current().heartbeat() };

  /** The names a failed run's log shows: from the run's snapshot, else the stored config, else the ids. */
  async function namesOf(input: FinishRunInput, run: ExtractionRunDoc | null): Promise<{ config: string; extraction: string }> {
    if (run) {
      try {
        const { config, extraction } = ctx.runConfigs.get(run._id, run.config, run.extractionId);
        return { config: config.name, extraction: extraction.name };
      } catch {
        // An invalid snapshot still gets its log, under what names it has.
      }
    }
    const json = run?.config ?? (await deps.configs.find(input.configId))?.json;
    const parsed = json ? parseConfig(JSON.parse(json)) : null;
    if (!parsed?.ok) return { config: input.configId, extraction: input.extractionId };
    return { config: parsed.config.name, extraction: findExtraction(parsed.config, input.extractionId)?.name ?? input.extractionId };
  }

  return {
    /**
     * Publishes the file (CompleteMultipartUpload: the object appears only now), then writes the run log, whose
     * `last` is what the next run's last:: references read. A retry after the log was written answers from the log.
     */
    async completeRun(input: FinishRunInput): Promise<RunSummary> {
      const run = await deps.extractionRuns.find(input.runWorkflowId);
      if (!run) {
        const log = await deps.runLogs.find(input.runWorkflowId);
        if (log) return summaryOf(input.runWorkflowId, log);
        throw invalid(`run ${input.runWorkflowId} has no working state`);
      }
      const cp = input.checkpoint;
      if (!cp) throw invalid('completeRun without a checkpoint');
      await completeMultipartUpload(deps.s3, { bucket: run.bucket, key: run.key, uploadId: run.uploadId }, cp.parts);
      const realigned = await realignPublishedCsv(deps.s3, { bucket: run.bucket, key: run.key, ...realign }, cp.writer);
      const { config, extraction } = ctx.runConfigs.get(run._id, run.config, run.extractionId);
      const log = buildRunLog({
        config: { id: run.configId, name: config.name },
        extraction: { id: run.extractionId, name: extraction.name },
        workflowId: run._id,
        startedAt: run.startedAt,
        finishedAt: new Date(),
        records: cp.writer.records,
        pages: cp.page.pages,
        bytes: realigned?.bytes ?? cp.writer.bytes,
        writer: cp.writer,
        destination: { bucket: run.bucket, key: run.key, uri: `s3://${run.bucket}/${run.key}` },
        ...(run.lastRecord !== null ? { lastRecord: parseJson(run.lastRecord) } : {}),
        ...(run.previousLast !== null ? { previousLast: parseJson(run.previousLast) } : {}),
        incremental: extraction.incremental !== undefined,
        previousIncremental: run.previousIncremental ? (JSON.parse(run.previousIncremental) as IncrementalLog) : null,
      });
      await deps.runLogs.add(log);
      extracted(log.data_inserted_len, log.bytes);
      await deps.extractionRuns.end(run._id);
      ctx.runConfigs.forget(run._id);
      deps.log.info({ runWorkflowId: run._id, records: log.data_inserted_len, pages: log.pages, bytes: log.bytes, destination: log.destiny }, 'extraction run completed');
      return summaryOf(run._id, log);
    },

    /**
     * Ends a failed run. What it had fetched is published (its uploaded parts, then the pages an attempt kept past
     * them) and logged as partial with the error, so `last` moves to its last record and the next run goes on after
     * it; with no record fetched the upload is dropped (no object appears) and `last` does not move. A retry after
     * the log was written answers from the log.
     */
    async failRun(input: FinishRunInput): Promise<RunSummary> {
      const logged = await deps.runLogs.find(input.runWorkflowId);
      if (logged) return summaryOf(input.runWorkflowId, logged);
      const run = await deps.extractionRuns.find(input.runWorkflowId);
      const partial = run ? await publishPartial(deps.s3, deps.extractionRuns, run, input.checkpoint, realign) : null;
      if (run && !partial) await abortMultipartUpload(deps.s3, { bucket: run.bucket, key: run.key, uploadId: run.uploadId });
      const names = await namesOf(input, run);
      const cp = input.checkpoint;
      const log = buildRunLog({
        config: { id: input.configId, name: names.config },
        extraction: { id: input.extractionId, name: names.extraction },
        workflowId: input.runWorkflowId,
        startedAt: new Date(input.startedAt),
        finishedAt: new Date(),
        records: partial?.records ?? cp?.writer.records ?? 0,
        pages: partial?.pages ?? cp?.page.pages ?? 0,
        bytes: partial?.bytes ?? cp?.writer.bytes ?? 0,
        ...(partial ? { writer: partial.writer } : {}),
        destination: partial && run ? { bucket: run.bucket, key: run.key, uri: `s3://${run.bucket}/${run.key}` } : null,
        error: input.error ?? 'failed',
        partial: partial !== null,
        ...(partial?.lastRecord ? { lastRecord: parseJson(partial.lastRecord) } : {}),
        ...(run?.previousLast ? { previousLast: parseJson(run.previousLast) } : {}),
        incremental: run ? ctx.runConfigs.get(run._id, run.config, run.extractionId).extraction.incremental !== undefined : false,
        previousIncremental: run?.previousIncremental ? (JSON.parse(run.previousIncremental) as IncrementalLog) : null,
      });
      await deps.runLogs.add(log);
      if (run) await deps.extractionRuns.end(run._id);
      ctx.runConfigs.forget(input.runWorkflowId);
      deps.log.warn({ runWorkflowId: input.runWorkflowId, error: log.error, partial: log.partial, records: log.data_inserted_len, destination: log.destiny }, log.partial ? 'extraction run failed; what it fetched was published' : 'extraction run failed');
      return summaryOf(input.runWorkflowId, log);
    },
  };
};
