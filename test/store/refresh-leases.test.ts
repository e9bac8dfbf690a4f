import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RefreshLeaseStore } from '../../store/refresh-leases';
import { connectMongo, type Mongo } from '../../store/mongo';
import { testSettings, unique } from '../helpers/stack';

// An account's refresh lease serialises its refreshes across worker processes. Two RefreshLeaseStores stand for two
// processes: they share nothing but the collection.
const settings = testSettings();
let mongo: Mongo;
let a: RefreshLeaseStore;
let b: RefreshLeaseStore;

beforeAll(async () => {
  mongo = await connectMongo(settings, unique('test_refresh_leases').replace(/-/g, '_'));
  a = new RefreshLeaseStore(mongo.db);
  b = new RefreshLeaseStore(mongo.db);
});
afterAll(async () => {
  await mongo.db.dropDatabase();
  await mongo.close();
});

const holder = async (id: string): Promise<string | null> => (await mongo.db.collection<{ _id: string; owner: string }>('refresh_leases').findOne({ _id: id }))?.owner ?? null;

describe('refresh leases', () => {
  it('one holder at a time; a release ends it, and the same owner takes its own lease back', async () => {
    expect(await a.acquire('acc-1', 'run-1/1', 60_000)).toBe(true);
    expect(await b.acquire('acc-1', 'run-2/1', 60_000)).toBe(false);
    expect(await a.acquire('acc-1', 'run-1/1', 60_000)).toBe(true);
    await a.release('acc-1', 'run-1/1');
    expect(await holder('acc-1')).toBeNull();
    expect(await b.acquire('acc-1', 'run-2/1', 60_000)).toBe(true);
    await b.release('acc-1', 'run-2/1');
  });

  it("a release by an owner that does not hold the lease leaves the holder's lease, in its process or another", async () => {
    expect(await a.acquire('acc-2', 'run-1/1', 60_000)).toBe(true);
    await b.release('acc-2', 'run-2/1');
    await a.release('acc-2', 'run-9/1');
    expect(await holder('acc-2')).toBe('run-1/1');
    await a.release('acc-2', 'run-1/1');
    expect(await holder('acc-2')).toBeNull();
  });

  it('a holder whose lease lapsed and was taken over does not release the new holder, in another process or its own', async () => {
    expect(await a.acquire('acc-3', 'run-1/1', 50)).toBe(true);
    await new Promise((r) => setTimeout(r, 120));
    expect(await b.acquire('acc-3', 'run-2/1', 60_000)).toBe(true);
    await a.release('acc-3', 'run-1/1');
    expect(await holder('acc-3')).toBe('run-2/1');

    // The retry of an attempt in the same process, after the first attempt's lease lapsed.
    expect(await a.acquire('acc-4', 'act/1', 50)).toBe(true);
    await new Promise((r) => setTimeout(r, 120));
    expect(await a.acquire('acc-4', 'act/2', 60_000)).toBe(true);
    await a.release('acc-4', 'act/1');
    expect(await holder('acc-4')).toBe('act/2');
    await a.release('acc-4', 'act/2');
    expect(await holder('acc-4')).toBeNull();
  });
});
