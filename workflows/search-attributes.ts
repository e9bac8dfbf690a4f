import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Search attributes Switchyard sets on its workflows, so the Web UI and `temporal workflow list --query` can find
 * every workflow of an account, a provider or an extraction config. The local stack registers them; a
 * production namespace needs `temporal operator search-attribute create` once (see README).
 */
export const SA = {
  accountId: defineSearchAttributeKey('SwitchyardAccountId', SearchAttributeType.KEYWORD),
  provider: defineSearchAttributeKey('SwitchyardProvider', SearchAttributeType.KEYWORD),
  configId: defineSearchAttributeKey('SwitchyardConfigId', SearchAttributeType.KEYWORD),
} as const;
