import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

/** Where recorded workflow histories live; test/unit/workflows/replay.test.ts replays every one of them. */
export const HISTORIES_DIR = path.join(__dirname, '..', 'histories');

type History = temporal.api.history.v1.History;
const { History } = temporal.api.history.v1;

/** One recorded history file, and where it came from. */
export interface RecordedHistory {
  workflowId: string;
  workflowType: string;
  /** The test that ran it. */
  recordedBy: string;
  /** The history as a plain object (historyToPlain): JSON, readable and diffable. */
  history: Record<string, unknown>;
}

// Plain-object form of protobufjs (@temporalio/proto's own classes): 64-bit numbers, enums and bytes as strings.
// Not the SDK's historyToJSON: with the SDK's packages each holding a copy of protobufjs (grpc-js needs protobufjs 7 at
// the top of node_modules), that function throws "type must be a Type".
const historyToPlain = (history: History): Record<string, unknown> => History.toObject(history, { longs: String, enums: String, bytes: String });

/** A recorded history back as the History message a replay takes. */
export const historyFromPlain = (plain: Record<string, unknown>): History => History.fromObject(plain);

/** Every recorded history, by file name. */
export function readRecordedHistories(): (RecordedHistory & { file: string })[] {
  return fs
    .readdirSync(HISTORIES_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, ...(JSON.parse(fs.readFileSync(path.join(HISTORIES_DIR, file), 'utf8')) as RecordedHistory) }));
}

/**
 * With RECORD_HISTORIES=1, saves the history of every run of a workflow (a continue-as-new chain gives one file per
 * run: `<name>.1.json`, `<name>.2.json`, ...; a single run gives `<name>.json`) under test/histories/, replacing the
 * files of that name. Without it, does nothing, so the tests that call it run as always. See test/histories/README.md.
 */
export async function recordHistories(client: Client, name: string, workflowId: string, recordedBy: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const runs: RecordedHistory[] = [];
  // Walk the chain back from the latest run: each continued run names the run it continues.
  for (let runId: string | undefined; ; ) {
    const history = History.fromObject(await client.workflow.getHandle(workflowId, runId).fetchHistory());
    const started = history.events[0]?.workflowExecutionStartedEventAttributes;
    runs.unshift({ workflowId, workflowType: started?.workflowType?.name ?? 'unknown', recordedBy, history: historyToPlain(history) });
    runId = started?.continuedExecutionRunId || undefined;
    if (!runId) break;
  }
  fs.mkdirSync(HISTORIES_DIR, { recursive: true });
  for (const f of fs.readdirSync(HISTORIES_DIR)) if (new RegExp(`^${name}(\\.\\d+)?\\.json$`).test(f)) fs.rmSync(path.join(HISTORIES_DIR, f));
  runs.forEach((run, i) => {
    const file = path.join(HISTORIES_DIR, runs.length === 1 ? `${name}.json` : `${name}.${i + 1}.json`);
    fs.writeFileSync(file, `${JSON.stringify(run, null, 1)}\n`);
  });
}
