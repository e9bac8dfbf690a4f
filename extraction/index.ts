/**
 * The pure engine of the config-driven REST extractor: no I/O, no Temporal. Activities send the requests
 * it builds, store what it writes, and heartbeat the plain-JSON states it returns.
 */
export * from './result';
export * from './json-field';
export * from './references';
export * from './condition';
export * from './config';
export * from './parse-config';
export * from './columns';
export * from './auth';
export * from './http';
export { parseLinkHeader, findLink, type WebLink } from './link-header';
export { fingerprint, hashString } from './fingerprint';
export { parseJson, stringifyJson } from './json';
export * from './pagination';
export * from './record-filter';
export { parseRecordSelector, selectData, selectValues, type RecordSelector, type SelectorStep } from './record-selector';
export { extractRecords, applySchema, toRow, toRows } from './records';
export { applyTransformations, transformValue } from './transforms';
export * from './mapping-fetch';
export * from './parent';
export * from './response-actions';
export * from './incremental';
export * from './prepare';
export * from './prepare-config';
export * from './cron';
export * from './network';
export * from './writers';
export * from './compression';
export * from './csv-align';
export * from './destination';
export * from './run-log';
