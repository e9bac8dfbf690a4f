import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { z } from 'zod';
import type { Settings } from '../config';
import { SA, deploymentId, ids } from '../common/names';
import { DEFAULT_LINK_ID_FIELD, parseFieldMapping, syncPolicySchema, type SyncPolicy } from '../sync';
import type { AccountStore } from '../store/accounts';
import type { ContactLinkStore } from '../store/contact-links';
import { PairingNotFound, type PairingDoc, type PairingStore, type PairingTarget } from '../store/pairings';
import type { SyncCycleStore } from '../store/sync-cycles';
import { contactSync, fullResyncSignal, pauseSignal, resumeSignal, resyncSignal, statusQuery, type ContactSyncStatus } from '../workflows/contact-sync';
import { TemporalUnavailable, withinDeadline } from './temporal';

/** How long a status query waits for a worker to answer it. */
const QUERY_WAIT_MS = 3000;

/** A pairing as written by a person (API body, CLI file): validated here, with errors that name the JSON path. */
export const pairingInputSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits and _ . - only, at most 64').optional(),
  googleAccountId: z.string().min(1),
  zohoAccountId: z.string().min(1),
  target: z.discriminatedUnion('kind', [
    z.strictObject({
      kind: z.literal('crm'),
      /** The CRM user whose contacts are synced: an id, or omitted for the Google account's loginUserUsuario (resolved at the first cycle). */
      ownerId: z.string().min(1).optional(),
      /** Sync every contact of the org, whoever owns it. */
      allOwners: z.boolean().optional(),
    }),
    z.strictObject({ kind: z.literal('creator'), owner: z.string().min(1), app: z.string().min(1), form: z.string().min(1), report: z.string().min(1) }),
  ]),
  mapping: z.record(z.string(), z.unknown()).optional(),
  policy: z.record(z.string(), z.unknown()).optional(),
  intervalSeconds: z.number().int().min(30, 'at least 30 seconds').max(86_400, 'at most a day').optional(),
});
export type PairingInput = z.infer<typeof pairingInputSchema>;

export const pairingChangeSchema = pairingInputSchema.pick({ mapping: true, policy: true, intervalSeconds: true }).strict();

/** A pairing input that parses but does not fit (an account of another provider, a mapping of the other kind). */
export class PairingInvalid extends Error {
  constructor(readonly issues: { path: string; message: string }[]) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join('; '));
    this.name = 'PairingInvalid';
  }
}

function checkMapping(kind: 'crm' | 'creator', raw: Record<string, unknown> | undefined): Record<string, unknown> {
  const mapping = { kind, linkIdField: DEFAULT_LINK_ID_FIELD, ...(raw ?? {}) };
  const parsed = parseFieldMapping(mapping);
  if (!parsed.ok) throw new PairingInvalid(parsed.errors.map((e) => ({ path: `mapping${e.path ? `.${e.path}` : ''}`, message: e.message })));
  if (parsed.value.kind !== kind) throw new PairingInvalid([{ path: 'mapping.kind', message: `a ${kind} target needs a ${kind} mapping` }]);
  return mapping;
}

function checkPolicy(raw: Record<string, unknown> | undefined): SyncPolicy {
  const parsed = syncPolicySchema.safeParse(raw ?? {});
  if (!parsed.success) throw new PairingInvalid(parsed.error.issues.map((i) => ({ path: ['policy', ...i.path].join('.'), message: i.message })));
  return parsed.data;
}

export const contactSyncWorkflowId = (settings: Pick<Settings, 'TEMPORAL_TASK_QUEUE'>, pairingId: string): string => deploymentId(settings.TEMPORAL_TASK_QUEUE, ids.contactSync(pairingId));

/**
 * Pairings and their workflows, shared by the HTTP API and the CLI: validate, store, start the pairing's
 * `contact-sync:<id>` workflow (idempotently), signal it and read its status.
 */
export class SyncService {
  constructor(
    private readonly deps: {
      settings: Settings;
      pairings: PairingStore;
      links: ContactLinkStore;
      cycles: SyncCycleStore;
      accounts: AccountStore;
      temporal: () => Promise<Client>;
    },
  ) {}

  async create(body: unknown, by: string): Promise<{ pairing: PairingDoc; workflowId: string }> {
    const input = pairingInputSchema.parse(body);
    const google = await this.deps.accounts.describe(input.googleAccountId);
    const zoho = await this.deps.accounts.describe(input.zohoAccountId);
    const issues: { path: string; message: string }[] = [];
    if (!google) issues.push({ path: 'googleAccountId', message: `no account ${input.googleAccountId}` });
    else if (google.provider !== 'google') issues.push({ path: 'googleAccountId', message: `${input.googleAccountId} is a ${google.provider} account` });
    if (!zoho) issues.push({ path: 'zohoAccountId', message: `no account ${input.zohoAccountId}` });
    else if (zoho.provider !== 'zoho') issues.push({ path: 'zohoAccountId', message: `${input.zohoAccountId} is a ${zoho.provider} account` });
    if (issues.length) throw new PairingInvalid(issues);
    const id = input.id ?? `pair_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
    let target: PairingTarget;
    if (input.target.kind === 'crm') {
      const owner = input.target.allOwners ? null : (input.target.ownerId ?? (await this.deps.accounts.get(input.googleAccountId)).loginUserUsuario);
      target = { kind: 'crm', ownerId: owner ?? null };
    } else {
      target = { ...input.target };
    }
    const pairing = await this.deps.pairings.insert({
      _id: id,
      googleAccountId: input.googleAccountId,
      zohoAccountId: input.zohoAccountId,
      target,
      mapping: checkMapping(input.target.kind, input.mapping),
      policy: checkPolicy(input.policy),
      intervalSeconds: input.intervalSeconds ?? this.deps.settings.SYNC_DEFAULT_INTERVAL_SECONDS,
      linkIdKey: `switchyard:${id}`,
      updatedBy: by,
    });
    const workflowId = await this.ensureRunning(pairing);
    return { pairing, workflowId };
  }

  async update(id: string, body: unknown, by: string): Promise<PairingDoc> {
    const change = pairingChangeSchema.parse(body);
    const prev = await this.deps.pairings.get(id);
    return this.deps.pairings.update(
      id,
      {
        ...(change.mapping ? { mapping: checkMapping(prev.target.kind, change.mapping) } : {}),
        ...(change.policy ? { policy: checkPolicy(change.policy) } : {}),
        ...(change.intervalSeconds ? { intervalSeconds: change.intervalSeconds } : {}),
      },
      by,
    );
  }

  async get(id: string): Promise<PairingDoc> {
    return this.deps.pairings.get(id);
  }

  async list(q: { limit: number; after?: string }): Promise<PairingDoc[]> {
    return this.deps.pairings.list({ limit: q.limit, ...(q.after ? { afterId: q.after } : {}) });
  }

  /** Starts the pairing's workflow unless it runs already; answers its id. */
  async ensureRunning(pairing: PairingDoc): Promise<string> {
    const workflowId = contactSyncWorkflowId(this.deps.settings, pairing._id);
    const client = await this.deps.temporal();
    await withinDeadline(client, 'the contact sync', () =>
      client.workflow.start(contactSync, {
        taskQueue: this.deps.settings.TEMPORAL_TASK_QUEUE,
        workflowId,
        args: [{ pairingId: pairing._id }],
        workflowIdConflictPolicy: 'USE_EXISTING',
        typedSearchAttributes: [
          { key: SA.accounts, value: [pairing.googleAccountId, pairing.zohoAccountId] },
          { key: SA.pairingId, value: pairing._id },
        ],
      }),
    );
    return workflowId;
  }

  /**
   * Sends a signal to the pairing's workflow, starting it first if it is not running (signalWithStart), so a
   * resync always has a workflow to act on.
   */
  async signal(id: string, what: 'resync' | 'fullResync' | 'pause' | 'resume', arg?: { reason?: string | undefined; allowMassDelete?: boolean | undefined }): Promise<string> {
    const pairing = await this.deps.pairings.get(id);
    const workflowId = contactSyncWorkflowId(this.deps.settings, id);
    const client = await this.deps.temporal();
    const signal = { resync: resyncSignal, fullResync: fullResyncSignal, pause: pauseSignal, resume: resumeSignal }[what];
    await withinDeadline(client, `the ${what}`, () =>
      client.workflow.signalWithStart(contactSync, {
        taskQueue: this.deps.settings.TEMPORAL_TASK_QUEUE,
        workflowId,
        args: [{ pairingId: id }],
        signal: signal as typeof resyncSignal,
        signalArgs: (what === 'pause' ? [{ reason: arg?.reason ?? 'paused by an operator' }] : what === 'resume' ? [{ allowMassDelete: arg?.allowMassDelete === true }] : []) as [],
        typedSearchAttributes: [
          { key: SA.accounts, value: [pairing.googleAccountId, pairing.zohoAccountId] },
          { key: SA.pairingId, value: pairing._id },
        ],
      }),
    );
    return workflowId;
  }

  /**
   * The workflow's status query, with the pairing's stored link counts. `status` is null when no workflow runs, or
   * when none of its workers answered the query in time (`statusError` says which).
   */
  async status(id: string): Promise<{ pairing: PairingDoc; workflowId: string; status: ContactSyncStatus | null; statusError: string | null; links: number; pending: number; conflicts: number }> {
    const pairing = await this.deps.pairings.get(id);
    const workflowId = contactSyncWorkflowId(this.deps.settings, id);
    const client = await this.deps.temporal();
    const handle = client.workflow.getHandle(workflowId);
    let status: ContactSyncStatus | null = null;
    let statusError: string | null = null;
    const running = await withinDeadline(client, 'the status query', () => handle.describe()).then(
      (d) => d.status.name === 'RUNNING',
      (err: unknown) => {
        if (err instanceof WorkflowNotFoundError) return false;
        throw err;
      },
    );
    if (!running) statusError = 'no contact sync workflow runs for this pairing (resync starts one)';
    else {
      // Temporal answers; a query nobody answers in time means no worker polls the deployment's queue.
      status = await withinDeadline(client, 'the status query', () => handle.query(statusQuery), QUERY_WAIT_MS).catch((err: unknown) => {
        statusError = err instanceof TemporalUnavailable ? `no worker answered the status query within ${QUERY_WAIT_MS / 1000} s` : err instanceof Error ? err.message : String(err);
        return null;
      });
    }
    return { pairing, workflowId, status, statusError, links: await this.deps.links.count(id), pending: await this.deps.links.countPending(id), conflicts: await this.deps.cycles.countConflicts(id) };
  }

  async conflicts(id: string, limit: number): Promise<unknown[]> {
    await this.deps.pairings.get(id);
    return this.deps.cycles.recentConflicts(id, limit);
  }

  /** Stops the pairing's workflow and removes the pairing and its links (the contacts themselves stay on both sides). */
  async delete(id: string): Promise<void> {
    if (!(await this.deps.pairings.find(id))) throw new PairingNotFound(id);
    const client = await this.deps.temporal();
    await withinDeadline(client, 'stopping the contact sync', () => client.workflow.getHandle(contactSyncWorkflowId(this.deps.settings, id)).terminate('pairing deleted')).catch((err: unknown) => {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    });
    await this.deps.links.deleteAll(id);
    await this.deps.pairings.delete(id);
  }
}
