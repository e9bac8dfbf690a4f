import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { contentTypeFor, destinationFor, fileExtension, parseJson, prepareExtraction, secretNames, type Config, type Destination, type Extraction } from '../../extraction';
import type { ExtractionRunDoc } from '../../store/extraction-runs';
import { createMultipartUpload } from '../../store/multipart';
import { invalid } from '../failures';
import { referencesFor, runRefs } from './authed-sender';
import type { ExtractionContext } from './context';
import { loadConfig } from './run-config';
import { sharedAccessToken } from './tokens';
import type { PreparedRun, PrepareRunInput } from './types';

/** Starting a run: the config snapshot, the previous run's `last`, a fresh token, a free file name, the upload. */
export const createPrepareActivities = (ctx: ExtractionContext) => {
  const { deps } = ctx;

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
      if (await deps.extractionRuns.keyTaken(dest.bucket, key, input.runWorkflowId)) return true;
      try {
        await deps.s3.send(new HeadObjectCommand({ Bucket: dest.bucket, Key: key }));
        return true;
      } catch {
        return false;
      }
    };
    const ext = fileExtension(ex);
    const stem = dest.key.slice(0, -ext.length);
    const ms = String(startedAt.getUTCMilliseconds()).padStart(3, '0');
    for (let n = 0; n < 100; n++) {
      const key = n === 0 ? dest.key : `${stem}-${ms}${n > 1 ? `-${n}` : ''}${ext}`;
      if (!(await taken(key))) return { bucket: dest.bucket, key, uri: `s3://${dest.bucket}/${key}` };
    }
    throw invalid(`no free file name next to ${dest.uri}`);
  }

  const summary = (run: ExtractionRunDoc, config: Config, ex: Extraction): PreparedRun => ({
    runWorkflowId: run._id,
    configName: config.name,
    extractionName: ex.name,
    destination: `s3://${run.bucket}/${run.key}`,
    format: ex.format,
    pagination: ex.pagination?.type ?? 'single',
  });

  return {
    /**
     * Starts a run: reads the config (kept in the run's working state, so an edit mid-run does not change the run),
     * the previous run's `last`, the secrets the config names; refreshes the access token; opens the multipart
     * upload. Idempotent: a retried attempt finds the run's working state and answers from it.
     */
    async prepareRun(input: PrepareRunInput): Promise<PreparedRun> {
      const existing = await deps.extractionRuns.find(input.runWorkflowId);
      if (existing) {
        const { config, extraction } = ctx.runConfigs.get(existing._id, existing.config, existing.extractionId);
        return summary(existing, config, extraction);
      }
      const doc = await deps.configs.find(input.configId);
      if (!doc) throw invalid(`no config with id ${input.configId}`);
      // Parsed from the stored config, which may change until the run's snapshot is written below.
      const { config, extraction } = loadConfig(doc.json, input.extractionId);
      const previous = await deps.runLogs.startOf(extraction.id ?? input.extractionId);
      const previousLast = previous.last;
      const previousIncremental = extraction.incremental ? previous.incremental : null;
      const secrets = await deps.secrets.values(secretNames(config));
      // One token for every run of this refresh request while it is valid, not one per extraction run.
      const token = await sharedAccessToken({ send: ctx.send, runs: deps.extractionRuns, config, secrets });
      const prepared = prepareExtraction(extraction, referencesFor(config, secrets, previousLast === null ? null : parseJson(previousLast), token?.value ?? null, runRefs(extraction, new Date(input.startedAt), previousIncremental)));
      if (!prepared.ok) throw invalid(`extraction ${extraction.name}: ${prepared.error}`);
      if (extraction.parent && !input.parent) throw invalid(`extraction ${extraction.name} has a parent (${extraction.parent.extraction}): it runs in a config run, after its parent's run`);
      const dest = await freeDestination(config, prepared.value, input);
      let uploadId: string;
      try {
        uploadId = await createMultipartUpload(deps.s3, { bucket: dest.bucket, key: dest.key, contentType: contentTypeFor(prepared.value) });
      } catch (err) {
        if ((err as { name?: string }).name === 'NoSuchBucket') throw invalid(`bucket ${dest.bucket} does not exist`, err as Error);
        throw err;
      }
      const run = await deps.extractionRuns.start({
        _id: input.runWorkflowId,
        configId: input.configId,
        extractionId: input.extractionId,
        config: doc.json,
        previousLast,
        previousIncremental,
        accessToken: token?.value ?? null,
        tokenExpiresAt: token?.expiresAt == null ? null : new Date(token.expiresAt),
        startedAt: new Date(input.startedAt),
        bucket: dest.bucket,
        key: dest.key,
        uploadId,
        lastRecord: null,
        ...(input.parent ? { parent: input.parent } : {}),
      });
      ctx.runConfigs.remember(run._id, { config, extraction });
      deps.log.info({ runWorkflowId: input.runWorkflowId, configId: input.configId, extractionId: input.extractionId, destination: dest.uri }, 'extraction run prepared');
      return summary(run, config, extraction);
    },
  };
};
