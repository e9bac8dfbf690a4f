import { describe, expect, it } from 'vitest';
import { createAlertActivities } from '../../../activities/alerts';
import { createContactActivities } from '../../../activities/contacts';
import { createExtractionActivities } from '../../../activities/extraction';
import { createKommoActivities } from '../../../activities/kommo';
import { createSmokeActivities } from '../../../activities/smoke';
import { createTokenActivities } from '../../../activities/tokens';

// One worker registers every factory's activities in one object: a name two factories share would silently
// replace one of them (a workflow would then run the other's code).
describe('activity names', () => {
  it('are unique across the factories the worker registers', () => {
    const none = { settings: { EXTRACT_HTTP_TIMEOUT_SECONDS: 60, EXTRACT_PART_MIB: 5 } } as never;
    const factories = { createSmokeActivities, createAlertActivities, createTokenActivities, createExtractionActivities, createContactActivities, createKommoActivities };
    const owners = new Map<string, string[]>();
    for (const [factory, create] of Object.entries(factories)) {
      for (const name of Object.keys((create as (d: never) => object)(none))) owners.set(name, [...(owners.get(name) ?? []), factory]);
    }
    expect([...owners].filter(([, by]) => by.length > 1)).toEqual([]);
  });
});
