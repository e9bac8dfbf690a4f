import type { BatchLimits } from '../sync';

/**
 * The fewest provider calls one contact-sync cycle can make, from what it must list and write: listing pages of
 * the providers' largest page sizes (at least one call a side, even when nothing changed), writes in the largest
 * batches, and the CRM's deleted-records check when it was due.
 */
export interface CycleWork {
  /** Records the side's listing must return: everything on a full listing, else what changed since the cursor. */
  googleListed: number;
  zohoListed: number;
  googleWrites: { create: number; update: number };
  zohoWrites: { create: number; update: number };
  zohoDeletesCheck: boolean;
}

/** People API connections.list: pageSize at most 1,000. CRM list records: per_page at most 200. */
export const PAGE_SIZES = { google: 1000, zoho: 200 } as const;

const pages = (records: number, size: number): number => Math.max(1, Math.ceil(records / size));
const batches = (items: number, size: number): number => Math.ceil(items / size);

export function minimumCalls(w: CycleWork, limits: { google: BatchLimits; zohoCrm: BatchLimits }): number {
  return (
    pages(w.googleListed, PAGE_SIZES.google) +
    pages(w.zohoListed, PAGE_SIZES.zoho) +
    (w.zohoDeletesCheck ? 1 : 0) +
    batches(w.googleWrites.create, limits.google.create) +
    batches(w.googleWrites.update, limits.google.update) +
    batches(w.zohoWrites.create, limits.zohoCrm.create) +
    batches(w.zohoWrites.update, limits.zohoCrm.update)
  );
}
