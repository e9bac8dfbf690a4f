/**
 * Splitting a plan into provider-sized batches. Each side's writes are grouped by kind; a batch never exceeds
 * the provider's limit for that call.
 */
import type { Side } from './contact';
import type { CreateItem, DeleteItem, SidePlan, SyncPlan, TagItem, UpdateItem } from './types';

export interface BatchLimits {
  create: number;
  update: number;
  delete: number;
  tag: number;
}

export const BATCH_LIMITS = {
  /**
   * People API: people:batchCreateContacts and people:batchUpdateContacts take at most 200 contacts,
   * people:batchDeleteContacts 500 (https://developers.google.com/people/api/rest/v1/people/batchCreateContacts);
   * contactGroups.members.modify at most 1,000 resource names.
   */
  google: { create: 200, update: 200, delete: 500, tag: 1000 },
  /** Zoho CRM: insert, update and delete take at most 100 records a call; tags are added by ids in the same size. */
  zohoCrm: { create: 100, update: 100, delete: 100, tag: 100 },
  /** Zoho Creator v2.1: at most 200 records a call (3950/3960/3970 past it). */
  zohoCreator: { create: 200, update: 200, delete: 200, tag: 200 },
} as const satisfies Record<string, BatchLimits>;

/** `items` in consecutive slices of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`batch size must be a positive integer, got ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export interface SideBatches {
  creates: CreateItem[][];
  updates: UpdateItem[][];
  deletes: DeleteItem[][];
  tags: TagItem[][];
}

export const batchSide = (p: SidePlan, limits: BatchLimits): SideBatches => ({
  creates: chunk(p.creates, limits.create),
  updates: chunk(p.updates, limits.update),
  deletes: chunk(p.deletes, limits.delete),
  tags: chunk(p.tags, limits.tag),
});

/** Both sides' writes in batches, with the Zoho limits of the pairing's Zoho product. */
export const batchPlan = (plan: SyncPlan, limits: Record<Side, BatchLimits>): Record<Side, SideBatches> => ({
  google: batchSide(plan.google, limits.google),
  zoho: batchSide(plan.zoho, limits.zoho),
});
