/** A bounded log of the requests the sandbox received, for tests to assert on. */
export interface ReceivedRequest {
  seq: number;
  /** When the request arrived (it is logged, with its sequence number, when it has been answered). */
  at: string;
  provider: string;
  method: string;
  url: string;
  status: number;
  headers: Record<string, string>;
  body: unknown;
  /** What the fake answered (JSON parsed when it is JSON), when the answer was text of at most 64 KiB. */
  response?: unknown;
  fault?: number;
}

export class RequestLog {
  private entries: ReceivedRequest[] = [];
  private seq = 0;

  constructor(private readonly capacity = 20_000) {}

  add(entry: Omit<ReceivedRequest, 'seq'>): void {
    this.entries.push({ ...entry, seq: ++this.seq });
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
  }

  query(filter: { provider?: string; method?: string; path?: string; since?: number }): ReceivedRequest[] {
    return this.entries.filter(
      (e) =>
        (!filter.provider || e.provider === filter.provider) &&
        (!filter.method || e.method === filter.method.toUpperCase()) &&
        (!filter.path || e.url.includes(filter.path)) &&
        (filter.since === undefined || e.seq > filter.since),
    );
  }

  get lastSeq(): number {
    return this.seq;
  }

  clear(): void {
    this.entries = [];
  }
}
