/**
 * The pure engine of contact sync between Google Contacts and Zoho (CRM or Creator): no I/O, no clock, no
 * Temporal.
 */
export * from './contact';
export { contactHash, linkIdFor, stableStringify, valueHash } from './hash';
export * from './link';
export * from './mapping';
export * from './policy';
