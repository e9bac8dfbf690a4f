/**
 * Task queue names. Workflows run on the main queue; activities that call a provider run on that provider's
 * queue, so a worker can cap the provider's global rate with maxTaskQueueActivitiesPerSecond.
 */
export const QUEUES = {
  main: 'switchyard',
  google: 'google',
  zoho: 'zoho',
  kommo: 'kommo',
  unisender: 'unisender',
  http: 'http',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];
