import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { SA } from '../common/names';

const { IndexedValueType } = temporal.api.enums.v1;

/** Our search attribute types as the operator service names them. */
const INDEXED: Record<string, temporal.api.enums.v1.IndexedValueType> = {
  KEYWORD: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  KEYWORD_LIST: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

/**
 * Registers the search attributes Switchyard sets that the namespace lacks (a server started before a new one was
 * added). Answers the names it added. On Temporal Cloud this needs the namespace's admin rights; the README lists
 * the `temporal operator search-attribute create` commands to run instead.
 */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const known = new Set([...Object.keys(existing.customAttributes ?? {}), ...Object.keys(existing.systemAttributes ?? {})]);
  const missing = Object.values(SA).filter((k) => !known.has(k.name));
  if (!missing.length) return [];
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map((k) => [k.name, INDEXED[k.type] ?? IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD])),
  });
  return missing.map((k) => k.name);
}
