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

/**
 * The queue of a provider's activities for a workflow running on `mainQueue`. On the production queue
 * ('switchyard') it is the provider's own name; other main queues (tests, a second deployment) get their own
 * provider queues, `<main>.<provider>`, so their activities never reach another deployment's workers.
 */
export function providerQueue(mainQueue: string, provider: Exclude<QueueName, 'switchyard'>): string {
  return mainQueue === QUEUES.main ? provider : `${mainQueue}.${provider}`;
}
