import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateGate } from '../../activities/rate-gate';
import { RateGrantStore } from '../../store/rate-grants';
import { connectMongo, type Mongo } from '../../store/mongo';
import { testSettings, unique } from '../helpers/stack';

// A provider's "N calls a second" must hold across every worker process. Each process has its own RateGate; they
// share nothing but the grant store, as separate worker processes do.
const settings = testSettings();
let mongo: Mongo;
let store: RateGrantStore;

beforeAll(async () => {
  mongo = await connectMongo(settings, unique('test_rate_grants').replace(/-/g, '_'));
  store = new RateGrantStore(mongo.db);
});
afterAll(async () => {
  await mongo.db.dropDatabase();
  await mongo.close();
});

describe('rate grants', () => {
  it('gives each chunk of a second to one claimant only, in one round trip per claim', async () => {
    const second = Math.floor(Date.now() / 1000);
    expect(await store.claim('s1', second, [0, 1, 2], 'a')).toEqual([0, 1, 2]);
    // Chunks 1 and 2 are taken: only 3 and 4 are granted, and the failure of the others is not an error.
    expect(await store.claim('s1', second, [1, 2, 3, 4], 'b')).toEqual([3, 4]);
    expect(await store.claim('s1', second, [0, 4], 'c')).toEqual([]);
    // Another second, and another scope, have their own slots.
    expect(await store.claim('s1', second + 1, [0], 'c')).toEqual([0]);
    expect(await store.claim('s2', second, [0], 'c')).toEqual([0]);
  });

  it('prunes the grants of a scope before a second, and only those', async () => {
    await store.claim('p1', 1000, [0, 1], 'a');
    await store.claim('p1', 2000, [0], 'a');
    await store.claim('p10', 1000, [0], 'a');
    await store.prune('p1', 2000);
    expect(await store.claim('p1', 1000, [0, 1], 'b')).toEqual([0, 1]);
    expect(await store.claim('p1', 2000, [0], 'b')).toEqual([]);
    expect(await store.claim('p10', 1000, [0], 'b')).toEqual([]);
  });

  it.each([15, 100])('admits at most the limit (%i) in any calendar second across three processes, and admits every caller', async (limit) => {
    const callers = limit * 5;
    const gates = [new RateGate(store), new RateGate(store), new RateGate(store)];
    const admitted: number[] = [];
    // Uneven demand: one process asks for half the calls, in bursts, as a worker with a backlog does.
    await Promise.all(
      Array.from({ length: callers }, (_, i) => {
        const gate = gates[i % 2 === 0 ? 0 : i % 3 === 0 ? 1 : 2]!;
        return gate.acquire(`token:test-${limit}`, limit).then(() => admitted.push(Date.now()));
      }),
    );
    expect(admitted).toHaveLength(callers);
    const perSecond = new Map<number, number>();
    for (const t of admitted) perSecond.set(Math.floor(t / 1000), (perSecond.get(Math.floor(t / 1000)) ?? 0) + 1);
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(limit);
    // A call is admitted early enough in its second to reach the provider within it.
    expect(Math.max(...admitted.map((t) => t % 1000))).toBeLessThan(900);
    // No capacity is lost to collisions: the calls fill whole seconds, bar the first and the last.
    expect(perSecond.size).toBeLessThanOrEqual(callers / limit + 2);
  });

  it('fails the waiting callers when the store cannot be reached, and admits none unchecked', async () => {
    const broken = new RateGrantStore(mongo.db);
    (broken as unknown as { claim: () => Promise<never> }).claim = () => Promise.reject(new Error('connection refused'));
    const gate = new RateGate(broken);
    const results = await Promise.allSettled([gate.acquire('token:down', 5), gate.acquire('token:down', 5)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    // The gate works again once the store answers.
    (broken as unknown as { claim: RateGrantStore['claim'] }).claim = RateGrantStore.prototype.claim.bind(broken);
    await expect(gate.acquire('token:down', 5)).resolves.toBeUndefined();
  });
});
