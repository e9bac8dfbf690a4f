import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { createAuthedSender } from '../../../activities/extraction/authed-sender';
import type { RequestRetryPolicy } from '../../../activities/extraction/request-retry';
import type { Send, SentResponse } from '../../../activities/extraction/sender';
import { noAnswerFailure } from '../../../activities/failures';
import { requestFor, startPagination } from '../../../extraction';
import { config } from './helpers';

// The page-fetching activity retries one request itself (Retry-After, backoff, a budget) instead of leaving the
// activity, whose retry would re-fetch every page since the last uploaded part.
const cfg = config({ name: 'c', extractions: [{ name: 'e', endpoint: { url: 'https://api.test/items' } }] });
const ex = cfg.extractions[0]!;
const policy: RequestRetryPolicy = { retries: 4, budgetMs: 60_000, initialMs: 1000, maxIntervalMs: 8000 };

type Answer = Partial<SentResponse> | Error;

/** A sender that plays answers in order, and records every request and every wait. */
function scripted(answers: Answer[]): { send: Send; sent: number; waits: number[]; sender: ReturnType<typeof createAuthedSender> } {
  const state = { sent: 0, waits: [] as number[] };
  const send: Send = async (req) => {
    const a = answers[state.sent++];
    if (a === undefined) throw new Error('no more answers scripted');
    if (a instanceof Error) throw a;
    return { url: req.url, status: 200, headers: {}, body: [], bytes: 0, ...a };
  };
  const sender = createAuthedSender({
    send,
    config: cfg,
    secrets: {},
    last: null,
    token: null,
    run: { now: new Date('2026-11-30T20:00:00Z'), incremental: null },
    onRefreshed: async () => undefined,
    retry: policy,
    wait: async (ms) => {
      state.waits.push(ms);
    },
  });
  return {
    send,
    get sent() {
      return state.sent;
    },
    waits: state.waits,
    sender,
  };
}

const page = (s: ReturnType<typeof scripted>) => s.sender.send((r) => requestFor(ex, startPagination(ex), r), 'page 1');

describe('one request retried inside the activity', () => {
  it('a 429 waits exactly its Retry-After, then the same request answers', async () => {
    const s = scripted([{ status: 429, headers: { 'retry-after': '7' } }, { status: 200, body: [{ id: 1 }] }]);
    const res = await page(s);
    expect(res.status).toBe(200);
    expect(res.body).toEqual([{ id: 1 }]);
    expect(s.sent).toBe(2);
    expect(s.waits).toEqual([7000]);
  });

  it('5xx and unanswered requests back off exponentially', async () => {
    const s = scripted([{ status: 503 }, noAnswerFailure('GET /items: ECONNRESET'), { status: 500 }, { status: 200 }]);
    expect((await page(s)).status).toBe(200);
    expect(s.waits).toEqual([1000, 2000, 4000]);
  });

  it('past its retries the failure leaves the activity, retryable, with the API delay for Temporal', async () => {
    const s = scripted(Array.from({ length: 10 }, () => ({ status: 429, headers: { 'retry-after': '2' } })));
    const err = await page(s).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).type).toBe('RateLimited');
    expect((err as ApplicationFailure).nonRetryable).toBe(false);
    expect(s.sent).toBe(policy.retries + 1);
    expect(s.waits).toEqual([2000, 2000, 2000, 2000]);
  });

  it('a Retry-After longer than the budget leaves at once instead of sleeping in the activity', async () => {
    const s = scripted([{ status: 429, headers: { 'retry-after': '3600' } }, { status: 200 }]);
    const err = await page(s).catch((e: unknown) => e);
    expect((err as ApplicationFailure).type).toBe('RateLimited');
    expect(s.sent).toBe(1);
    expect(s.waits).toEqual([]);
  });

  it('a 4xx other than 401 and 429 is the engine’s to read, never retried', async () => {
    const s = scripted([{ status: 404 }, { status: 200 }]);
    expect((await page(s)).status).toBe(404);
    expect(s.sent).toBe(1);
  });
});
