import { Writable } from 'node:stream';
import type { Client } from '@temporalio/client';
import type { Settings } from '../../config';

/** A log destination that keeps every line, so a test can assert that no secret was ever written. */
export class CapturedLog extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.lines.push(chunk.toString('utf8'));
    cb();
  }
  get text(): string {
    return this.lines.join('');
  }
}

/** Full histories (all runs, continued-as-new included) of the workflows a test ran, as one JSON text. */
export async function historiesText(client: Client, workflowIds: string[]): Promise<string> {
  const texts: string[] = [];
  for (const id of new Set(workflowIds)) {
    let runId: string | undefined;
    // Walk every run of the id (continueAsNew chains, reused ids).
    for await (const wf of client.workflow.list({ query: `WorkflowId="${id}"` })) {
      runId = wf.runId;
      const history = await client.workflow.getHandle(id, runId).fetchHistory();
      texts.push(JSON.stringify(history, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : v)));
    }
    if (!runId) {
      const history = await client.workflow.getHandle(id).fetchHistory();
      texts.push(JSON.stringify(history, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : v)));
    }
  }
  return texts.join('\n');
}

export interface SunkMail {
  id: number;
  to: string[];
  subject: string;
  text: string;
}

async function sunkMails(settings: Settings): Promise<SunkMail[]> {
  const res = await fetch(`http://127.0.0.1:${settings.SMTP_SINK_HTTP_PORT}/messages`);
  return (await res.json()) as SunkMail[];
}

/**
 * A mark in the SMTP sink's message list (the newest id it holds): take it before the action whose e-mail a test
 * expects, and pass it to mailsAbout. The sink keeps every message of every run while it lives and account ids
 * repeat between runs, so without it an old mail about the same account would satisfy the check.
 */
export async function mailMark(settings: Settings): Promise<number> {
  return Math.max(0, ...(await sunkMails(settings)).map((m) => m.id));
}

/** Messages the local SMTP sink received after `since` (a mailMark) whose subject or text contains `needle`. */
export async function mailsAbout(settings: Settings, needle: string, since: number): Promise<SunkMail[]> {
  return (await sunkMails(settings)).filter((m) => m.id > since && (m.subject.includes(needle) || m.text.includes(needle)));
}

export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check().catch(() => undefined);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
