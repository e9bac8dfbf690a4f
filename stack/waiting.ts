import { tail } from './logs';
import type { StackLog } from './proc';
import { formatMs } from './restart';

/** One thing the stack waits for: a server to answer, an install to finish. */
export interface WaitItem {
  /** For the lines: "temporal", then its detail in brackets ("127.0.0.1:7233"). */
  name: string;
  detail?: string;
  check(): Promise<boolean>;
  /** No deadline when unset (installs are never timed). */
  timeoutMs?: number;
  /** Why it will never answer (its process exited: "code 1"), or undefined while it may. */
  gone?(): string | undefined;
  /** Its log, quoted (last lines) when it fails. */
  logFile?: string;
  /** The error text when the deadline passes (the log's tail is added). */
  timeoutMessage?: string;
}

export interface WaitOptions {
  /** A "still waiting for" line this often (10 s unless told). */
  progressEveryMs?: number;
  pollMs?: number;
}

/** Logs `line()` every `everyMs` (10 s unless told) until the returned function is called. */
export function progressLines(log: StackLog, line: () => string, everyMs = 10_000): () => void {
  const timer = setInterval(() => log(line()), everyMs);
  return () => clearInterval(timer);
}

/**
 * Waits for every item side by side: a line when the wait begins, one as each answers, and a progress line naming
 * what is still awaited every ~10 s. Fails at the first item whose process exited or whose deadline passed.
 */
export async function waitForAll(items: WaitItem[], log: StackLog, opts: WaitOptions = {}): Promise<void> {
  if (!items.length) return;
  const t0 = Date.now();
  const pending = new Set(items);
  const limit = (i: WaitItem): string => (i.timeoutMs === undefined ? '' : ` of ${formatMs(i.timeoutMs)}`);
  log(`waiting for ${items.map((i) => `${i.name} (${i.detail ? `${i.detail}, ` : ''}${i.timeoutMs === undefined ? 'no time limit' : `up to ${formatMs(i.timeoutMs)}`})`).join('; ')}`);
  const stillWaiting = (): string => `still waiting for ${[...pending].map((i) => `${i.name} (${formatMs(roundS(Date.now() - t0))}${limit(i)})`).join('; ')}`;
  const stopProgress = progressLines(log, stillWaiting, opts.progressEveryMs);
  const state = { failed: false };
  try {
    await Promise.all(
      items.map(async (item) => {
        if (!(await waitOne(item, state, opts.pollMs ?? 250))) return;
        pending.delete(item);
        log(`${item.name} answers (${formatMs(Date.now() - t0)})`);
      }),
    );
  } catch (err) {
    state.failed = true;
    throw err;
  } finally {
    stopProgress();
  }
}

const roundS = (ms: number): number => Math.round(ms / 1000) * 1000;

/** True once it answers; false when another item failed first (nobody waits any more). */
async function waitOne(item: WaitItem, state: { failed: boolean }, pollMs: number): Promise<boolean> {
  const deadline = item.timeoutMs === undefined ? Infinity : Date.now() + item.timeoutMs;
  const { name } = item;
  const logTail = (): string => (item.logFile ? `; see ${item.logFile}:\n${tail(item.logFile)}` : '');
  while (Date.now() < deadline) {
    if (state.failed) return false;
    const gone = item.gone?.();
    if (gone) throw new Error(`${name} exited (${gone}) before it answered${logTail()}`);
    if (await item.check().catch(() => false)) return true;
    await new Promise((r) => setTimeout(r, pollMs));
  }
  throw new Error(`${item.timeoutMessage ?? `${name} did not answer within ${formatMs(item.timeoutMs ?? 0)}`}${logTail()}`);
}
