/**
 * The pure engine of contact sync between Google Contacts and Zoho (CRM or Creator): no I/O, no clock, no
 * Temporal. Activities load links and pull changes, call planSync, write what the plan says through the
 * provider adapters, and store what settleLink returns.
 */
export * from './contact';
export { contactHash, linkIdFor, stableStringify, valueHash } from './hash';
export * from './link';
export * from './mapping';
export * from './policy';
export * from './types';
export { planSync, mergePlan } from './plan';
export { settleLink, redecide, type WriteOutcome, type Settlement, type RedecideInput } from './settle';
export { matchKeys } from './match';
export { NO_NAME, synthesizeName, lastWriter } from './resolve';
export * from './batch';
export type * from './adapter';
