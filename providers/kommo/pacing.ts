import { WindowPacer, type Pacer } from '../http';

/** Kommo allows "not more than 7 requests per second" per account. https://developers.kommo.com/docs/limitations */
export const KOMMO_REQUESTS_PER_SECOND = 7;
/** A little under Kommo's 7, so the account's 403 block is never provoked. */
export const DEFAULT_KOMMO_REQUESTS_PER_SECOND = 6;

/**
 * The pacing of one Kommo account: its requests go one at a time, each started at most `requestsPerSecond` times
 * in any second. One at a time is what makes the pace hold where Kommo counts it, on arrival: a request arrives
 * before its answer, and the next starts only after that answer, so however late a request arrives, at most
 * requestsPerSecond + 1 (7 by default) arrive in any second. Share one KommoPacing among every client of an account.
 */
export class KommoPacing {
  readonly pacer: Pacer;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(readonly requestsPerSecond: number = DEFAULT_KOMMO_REQUESTS_PER_SECOND) {
    if (!(Number.isInteger(requestsPerSecond) && requestsPerSecond >= 1 && requestsPerSecond < KOMMO_REQUESTS_PER_SECOND)) {
      throw new Error(`requestsPerSecond must be an integer from 1 to ${KOMMO_REQUESTS_PER_SECOND - 1}`);
    }
    this.pacer = new WindowPacer(requestsPerSecond, 1_000);
  }

  /** Runs `call` once every earlier call of this account has settled. */
  serial<T>(call: () => Promise<T>): Promise<T> {
    const run = this.tail.then(call, call);
    this.tail = run.catch(() => undefined);
    return run;
  }
}
