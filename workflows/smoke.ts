import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { SmokeActivities, SmokeUploadInput } from '../activities/smoke';

// Smoke writes are tiny; heartbeats every part let a new worker resume a killed upload within 5 s.
const smokeCalls = {
  startToCloseTimeout: '5m',
  heartbeatTimeout: '5s',
  retry: { initialInterval: '1s', maximumInterval: '5s', maximumAttempts: 5 },
} as const;

const { recordSmokeDocument, uploadSmokeObject } = proxyActivities<SmokeActivities>(smokeCalls);

export interface SmokeInput {
  note: string;
  upload: SmokeUploadInput;
}

/** Proves the stack end to end: an activity writes to MongoDB, another uploads a multipart object to S3. */
export async function smokeWorkflow(input: SmokeInput): Promise<{ documentId: string; key: string; attempt: number; resumedFromPart: number }> {
  const { id } = await recordSmokeDocument({ workflowId: workflowInfo().workflowId, note: input.note });
  const upload = await uploadSmokeObject(input.upload);
  return { documentId: id, key: upload.key, attempt: upload.attempt, resumedFromPart: upload.resumedFromPart };
}
