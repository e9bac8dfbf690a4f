import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Settings } from '../config';
import { SA, deploymentId, ids } from '../common/names';
import type { MirrorConnections } from '../activities/kommo/connect';
import { fullView } from '../activities/kommo/begin';
import type { FullSyncView } from '../activities/kommo/types';
import { inboxEntries } from '../store/kommo-inbox';
import type { KommoStores } from '../store/kommo';
import { nextStepOf, toMirrorView, type MirrorDoc, type MirrorView } from '../store/kommo-mirrors';
import type { MirrorTotals } from '../store/kommo-progress';
import type { RejectionDoc } from '../store/kommo-state';
import type { KommoContact, KommoPage } from '../providers/kommo/types';
import type { UnisenderContact } from '../providers/unisender/types';
import { fullSyncSignal, kommoMirror, pauseSignal, resumeSignal, statusQuery, wakeSignal, type KommoMirrorStatus } from '../workflows/kommo-mirror';
import { withinDeadline } from './temporal';

export const kommoMirrorWorkflowId = (settings: Pick<Settings, 'TEMPORAL_TASK_QUEUE'>, mirrorId: string): string => deploymentId(settings.TEMPORAL_TASK_QUEUE, ids.kommoMirror(mirrorId));

/** A mirror that is not set up far enough for what was asked: names the step to do first. */
export class MirrorNotReady extends Error {
  constructor(
    readonly mirrorId: string,
    readonly step: string,
  ) {
    super(`mirror ${mirrorId} is not set up yet: do the "${step}" step first (switchyard kommo ${step} ${mirrorId} ...)`);
    this.name = 'MirrorNotReady';
  }
}

export type MirrorSignal = 'wake' | 'fullSync' | 'pause' | 'resume';

export interface MirrorStatusView {
  mirror: MirrorView;
  workflowId: string;
  /** The running workflow's status query, or null when none runs (or Temporal did not answer). */
  status: KommoMirrorStatus | null;
  /** What MongoDB says, whatever Temporal does. */
  stored: { batch: number; open: boolean; full: FullSyncView; totals: MirrorTotals; inboxWaiting: boolean };
}

/**
 * Mirrors and their workflows, shared by the HTTP API, the CLI and the webhook path: start and signal the
 * mirror's `kommo-mirror:<mirrorId>` workflow (signalWithStart, so a signal always finds a run), read its status,
 * and the seed's by-hand calls (Kommo contacts, a Unisender contact, add or exclude e-mails).
 */
export class KommoMirrorService {
  constructor(
    private readonly deps: {
      settings: Settings;
      kommo: KommoStores;
      connections: MirrorConnections;
      temporal: () => Promise<Client>;
    },
  ) {}

  async list(): Promise<MirrorView[]> {
    return (await this.deps.kommo.mirrors.list()).map(toMirrorView);
  }

  async get(mirrorId: string): Promise<MirrorView> {
    return toMirrorView(await this.deps.kommo.mirrors.get(mirrorId));
  }

  /** Signals the mirror's workflow, starting it when none runs; a mirror not set up yet is only ever paused. */
  async signal(mirrorId: string, what: MirrorSignal, opts: { reason?: string; entries?: number; mirror?: MirrorDoc } = {}): Promise<string> {
    const mirror = opts.mirror ?? (await this.deps.kommo.mirrors.get(mirrorId));
    const step = nextStepOf(mirror);
    if (step && what !== 'pause') throw new MirrorNotReady(mirrorId, step);
    const workflowId = kommoMirrorWorkflowId(this.deps.settings, mirrorId);
    const client = await this.deps.temporal();
    const start = {
      taskQueue: this.deps.settings.TEMPORAL_TASK_QUEUE,
      workflowId,
      args: [{ mirrorId }] as [{ mirrorId: string }],
      typedSearchAttributes: [
        { key: SA.accounts, value: [mirror.accountId] },
        { key: SA.provider, value: 'kommo' },
      ],
    };
    await withinDeadline(client, `the ${what} signal`, async () => {
      if (what === 'wake') await client.workflow.signalWithStart(kommoMirror, { ...start, signal: wakeSignal, signalArgs: [{ entries: opts.entries ?? 1 }] });
      else if (what === 'fullSync') await client.workflow.signalWithStart(kommoMirror, { ...start, signal: fullSyncSignal, signalArgs: [] });
      else if (what === 'pause') await client.workflow.signalWithStart(kommoMirror, { ...start, signal: pauseSignal, signalArgs: [{ reason: opts.reason ?? 'paused by an operator' }] });
      else await client.workflow.signalWithStart(kommoMirror, { ...start, signal: resumeSignal, signalArgs: [] });
    });
    return workflowId;
  }

  /** The workflow's status query beside what MongoDB holds (the latter answers even with Temporal down). */
  async status(mirrorId: string, opts: { temporal?: boolean } = {}): Promise<MirrorStatusView> {
    const mirror = await this.deps.kommo.mirrors.get(mirrorId);
    const p = await this.deps.kommo.progress.get(mirrorId);
    const workflowId = kommoMirrorWorkflowId(this.deps.settings, mirrorId);
    let status: KommoMirrorStatus | null = null;
    if (opts.temporal !== false) {
      const client = await this.deps.temporal();
      status = await withinDeadline(client, 'the status query', () => client.workflow.getHandle(workflowId).query(statusQuery)).catch((err: unknown) => {
        if (err instanceof WorkflowNotFoundError || (err as { name?: string }).name === 'QueryNotRegisteredError') return null;
        throw err;
      });
    }
    return {
      mirror: toMirrorView(mirror),
      workflowId,
      status,
      stored: { batch: p.batch, open: p.open !== null, full: fullView(p.full), totals: p.totals, inboxWaiting: await this.deps.kommo.inbox.hasPending(mirrorId) },
    };
  }

  async rejections(mirrorId: string, limit: number): Promise<RejectionDoc[]> {
    await this.deps.kommo.mirrors.get(mirrorId);
    return this.deps.kommo.state.listRejections(mirrorId, limit);
  }

  // ---- the seed's by-hand calls

  /** One page of the Kommo account's contacts, as Kommo answers it (seed: GET /kommo/contacts). */
  async kommoContacts(mirrorId: string, q: { page?: string; limit?: number }): Promise<KommoPage<KommoContact>> {
    const m = await this.deps.kommo.mirrors.get(mirrorId);
    const client = this.deps.connections.kommo(m.accountId, m.kommo.subdomain);
    return client.contactsPage(q.page ? { next: q.page } : { limit: q.limit ?? 50, orderById: true });
  }

  /** A Unisender contact by e-mail, with its lists (seed: GET /unisender/contacts). */
  async unisenderContact(mirrorId: string, email: string): Promise<UnisenderContact> {
    const m = await this.deps.kommo.mirrors.get(mirrorId);
    if (!m.unisender) throw new MirrorNotReady(mirrorId, 'unisender-key');
    return this.deps.connections.unisender(m).getContact(email, { lists: true, fields: true });
  }

  /**
   * Adds e-mails to the mirror's list, or takes them off it (seed: POST /unisender/contacts with `delete`). By hand,
   * outside the mirror's reference counts: the next change of a Kommo contact that has one of them wins.
   */
  async byHand(mirrorId: string, emails: readonly string[], exclude: boolean): Promise<{ done: string[] }> {
    const m = await this.deps.kommo.mirrors.get(mirrorId);
    if (!m.unisender || m.unisender.listId === null) throw new MirrorNotReady(mirrorId, m.unisender ? 'list' : 'unisender-key');
    const client = this.deps.connections.unisender(m);
    const done: string[] = [];
    for (const email of emails) {
      if (exclude) await client.exclude({ contactType: 'email', contact: email, listIds: [m.unisender.listId] });
      else await client.subscribe({ listIds: [m.unisender.listId], fields: { email }, doubleOptin: 3, overwrite: 2 });
      done.push(email);
    }
    return { done };
  }

  /** Queues Kommo contact ids in the mirror's inbox (they are fetched and mirrored like a webhook's) and wakes it. */
  async queueContacts(mirrorId: string, contactIds: readonly number[]): Promise<{ queued: number; workflowId: string }> {
    const m = await this.deps.kommo.mirrors.get(mirrorId);
    const entries = inboxEntries(mirrorId, contactIds, 'by-hand');
    await this.deps.kommo.inbox.add(entries);
    return { queued: contactIds.length, workflowId: await this.signal(mirrorId, 'wake', { entries: entries.length, mirror: m }) };
  }

  /** Stops the mirror's workflow; its setup and state stay (a new webhook or signal starts it again). */
  async stop(mirrorId: string, reason: string): Promise<void> {
    const client = await this.deps.temporal();
    await withinDeadline(client, 'stopping the mirror', () => client.workflow.getHandle(kommoMirrorWorkflowId(this.deps.settings, mirrorId)).terminate(reason)).catch((err: unknown) => {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    });
  }
}
